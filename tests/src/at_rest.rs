//! What a store leaves on disk: every file of its folder, byte for byte,
//! and the plaintext of an encrypted store's pages, decrypted here
//! independently of SQLCipher (AES-256-CBC, SQLCipher 4's page layout), so
//! a scan also sees free pages and log frames that no query would return.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::NoPadding};
use storyloom::StoreKey;

/// SQLCipher 4's defaults: 4 KiB pages, each ending in a 16-byte IV and a
/// 64-byte HMAC-SHA512; page 1 starts with the 16-byte salt.
const PAGE: usize = 4096;
const RESERVE: usize = 80;
const SALT: usize = 16;
const WAL_HEADER: usize = 32;
const FRAME_HEADER: usize = 24;

/// Every file under `dir`, recursively.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The files under `dir` whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    walk(dir)
        .into_iter()
        .filter(|path| contains(&fs::read(path).expect("read file"), needle))
        .map(|path| path.display().to_string())
        .collect()
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Every file under `dir` with its bytes, to prove that nothing changed.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walk(dir)
        .into_iter()
        .map(|path| {
            let bytes = fs::read(&path).expect("read file");
            (path.strip_prefix(dir).expect("under dir").display().to_string(), bytes)
        })
        .collect()
}

/// The plaintext of every page of an encrypted database file, and of every
/// frame of its write-ahead log if there is one, concatenated.
pub fn decrypted_pages(db: &Path, key: &StoreKey) -> Vec<u8> {
    let mut plain = Vec::new();
    let bytes = fs::read(db).expect("read database");
    for (index, page) in bytes.chunks_exact(PAGE).enumerate() {
        plain.extend(decrypt_page(page, index == 0, key));
    }
    let mut wal_name = db.file_name().expect("file name").to_os_string();
    wal_name.push("-wal");
    if let Ok(wal) = fs::read(db.with_file_name(wal_name))
        && wal.len() > WAL_HEADER
    {
        for frame in wal[WAL_HEADER..].chunks_exact(FRAME_HEADER + PAGE) {
            let page_number = u32::from_be_bytes(frame[..4].try_into().expect("4 bytes"));
            plain.extend(decrypt_page(&frame[FRAME_HEADER..], page_number == 1, key));
        }
    }
    plain
}

fn decrypt_page(page: &[u8], first: bool, key: &StoreKey) -> Vec<u8> {
    let start = if first { SALT } else { 0 };
    let end = PAGE - RESERVE;
    let iv = &page[end..end + 16];
    let mut data = page[start..end].to_vec();
    cbc::Decryptor::<aes::Aes256>::new(key.as_bytes().into(), iv.into())
        .decrypt_padded_mut::<NoPadding>(&mut data)
        .expect("whole AES blocks");
    data
}
