//! The folder of chunk files beside the database: each file holds one
//! encrypted chunk and is named by the BLAKE3 hash of its bytes, written
//! atomically and checked against its name whenever it is read.

use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::MediaId;

/// Where files being written wait before they are renamed into place.
const STAGING: &str = "staging";

/// The name of a chunk: the BLAKE3 hash of its ciphertext.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ChunkName(pub(crate) [u8; 32]);

impl ChunkName {
    pub(crate) fn of(ciphertext: &[u8]) -> Self {
        Self(*blake3::hash(ciphertext).as_bytes())
    }

    fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn from_hex(text: &str) -> Option<Self> {
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self(bytes))
    }

    /// Chunk names packed back to back, as the database keeps a chunk list.
    pub(crate) fn pack(names: &[ChunkName]) -> Vec<u8> {
        names.iter().flat_map(|n| n.0).collect()
    }

    pub(crate) fn unpack(bytes: &[u8]) -> Result<Vec<ChunkName>> {
        if !bytes.len().is_multiple_of(32) {
            return Err(Error::corrupt("a stored media chunk list has the wrong length"));
        }
        Ok(bytes
            .chunks_exact(32)
            .map(|c| Self(c.try_into().unwrap_or([0; 32])))
            .collect())
    }
}

impl fmt::Display for ChunkName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hex())
    }
}

impl fmt::Debug for ChunkName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChunkName({})", &self.hex()[..12])
    }
}

/// The chunk folder a store owns.
#[derive(Debug, Clone)]
pub(crate) struct ChunkDir {
    root: PathBuf,
}

impl ChunkDir {
    /// The chunk folder of the store at `store`: `<store file>-media`.
    pub(crate) fn for_store(store: &Path) -> Self {
        let mut name = store.as_os_str().to_owned();
        name.push("-media");
        Self {
            root: PathBuf::from(name),
        }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// Two hex digits of fan-out keep folders small on phones' file systems.
    fn path(&self, name: &ChunkName) -> PathBuf {
        let hex = name.hex();
        self.root.join(&hex[..2]).join(hex)
    }

    pub(crate) fn has(&self, name: &ChunkName) -> bool {
        self.path(name).is_file()
    }

    /// Writes one chunk: staged, flushed, renamed into place, folder
    /// flushed, so a crash leaves the whole chunk or none of it under its
    /// name. A chunk already there (same bytes, same name) is left alone.
    pub(crate) fn write(&self, ciphertext: &[u8]) -> Result<ChunkName> {
        let name = ChunkName::of(ciphertext);
        let path = self.path(&name);
        if path.is_file() {
            return Ok(name);
        }
        let staging = self.root.join(STAGING);
        let folder = path.parent().unwrap_or(&self.root).to_path_buf();
        ensure_folder(&self.root, &staging)?;
        ensure_folder(&self.root, &folder)?;
        let temp = staging.join(format!("{}.{}.part", name.hex(), std::process::id()));
        {
            let mut file = fs::File::create(&temp)?;
            file.write_all(ciphertext)?;
            file.sync_all()?;
        }
        if let Err(err) = fs::rename(&temp, &path) {
            let _ = fs::remove_file(&temp);
            return Err(err.into());
        }
        sync_folder(&folder)?;
        Ok(name)
    }

    /// Reads one chunk of `item` and checks it against its name.
    pub(crate) fn read(&self, name: &ChunkName, item: MediaId) -> Result<Vec<u8>> {
        let bytes = match fs::read(self.path(name)) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Err(Error::MediaNotPresent { id: item.to_string() });
            }
            Err(err) => return Err(err.into()),
        };
        if ChunkName::of(&bytes) != *name {
            return Err(Error::corrupt(format!(
                "media {item}: a chunk file does not match its name"
            )));
        }
        Ok(bytes)
    }

    /// Deletes chunk files (missing ones are fine) and flushes the folders.
    pub(crate) fn remove(&self, names: &[ChunkName]) -> Result<()> {
        let mut folders = HashSet::new();
        for name in names {
            let path = self.path(name);
            match fs::remove_file(&path) {
                Ok(()) => {
                    if let Some(folder) = path.parent() {
                        folders.insert(folder.to_path_buf());
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(err.into()),
            }
        }
        for folder in folders {
            sync_folder(&folder)?;
        }
        Ok(())
    }

    /// Every chunk name in the folder.
    pub(crate) fn names(&self) -> Result<Vec<ChunkName>> {
        let mut names = Vec::new();
        let top = match fs::read_dir(&self.root) {
            Ok(top) => top,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(names),
            Err(err) => return Err(err.into()),
        };
        for fan in top {
            let fan = fan?;
            if fan.file_name() == STAGING || !fan.file_type()?.is_dir() {
                continue;
            }
            for file in fs::read_dir(fan.path())? {
                if let Some(name) = file?.file_name().to_str().and_then(ChunkName::from_hex) {
                    names.push(name);
                }
            }
        }
        Ok(names)
    }

    /// Deletes chunk files no item references, and staged files a crash
    /// left behind, when they are older than `grace`: another process may
    /// be attaching right now and commit its reference in a moment.
    pub(crate) fn collect(&self, referenced: &HashSet<ChunkName>, grace: Duration) -> Result<usize> {
        let old_enough = |path: &Path| -> bool {
            fs::metadata(path)
                .and_then(|m| m.modified())
                .map(|t| SystemTime::now().duration_since(t).unwrap_or_default() >= grace)
                .unwrap_or(false)
        };
        let unreferenced: Vec<ChunkName> = self
            .names()?
            .into_iter()
            .filter(|n| !referenced.contains(n) && old_enough(&self.path(n)))
            .collect();
        self.remove(&unreferenced)?;
        if let Ok(staged) = fs::read_dir(self.root.join(STAGING)) {
            for file in staged.flatten() {
                if old_enough(&file.path()) {
                    let _ = fs::remove_file(file.path());
                }
            }
        }
        Ok(unreferenced.len())
    }
}

/// Creates `folder` (inside `root`) if needed, flushing its parent so the
/// new folder survives a crash.
fn ensure_folder(root: &Path, folder: &Path) -> Result<()> {
    if folder.is_dir() {
        return Ok(());
    }
    let root_existed = root.is_dir();
    fs::create_dir_all(folder)?;
    if !root_existed && let Some(parent) = root.parent() {
        sync_folder(if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        })?;
    }
    sync_folder(folder.parent().unwrap_or(root))?;
    Ok(())
}

/// Flushes a folder's entries (a rename is durable only then). Some
/// platforms cannot open a folder for this; there the rename is as durable
/// as the platform makes it.
fn sync_folder(folder: &Path) -> Result<()> {
    match fs::File::open(folder).and_then(|f| f.sync_all()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Err(err.into()),
        Err(_) if cfg!(windows) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_is_named_by_its_bytes_and_checked_on_read() {
        let dir = tempfile::tempdir().unwrap();
        let chunks = ChunkDir::for_store(&dir.path().join("store.db"));
        let name = chunks.write(b"ciphertext").unwrap();
        assert_eq!(name, ChunkName::of(b"ciphertext"));
        assert_eq!(chunks.read(&name, MediaId::new()).unwrap(), b"ciphertext");
        assert_eq!(chunks.names().unwrap(), vec![name]);

        // A file whose bytes changed on disk is refused, naming the item.
        fs::write(chunks.path(&name), b"tampered!!").unwrap();
        let item = MediaId::new();
        let err = chunks.read(&name, item).unwrap_err();
        assert!(
            matches!(&err, Error::CorruptData(m) if m.contains(&item.to_string())),
            "{err}"
        );
    }

    #[test]
    fn a_missing_chunk_says_the_bytes_are_not_here() {
        let dir = tempfile::tempdir().unwrap();
        let chunks = ChunkDir::for_store(&dir.path().join("store.db"));
        let item = MediaId::new();
        let err = chunks.read(&ChunkName::of(b"never written"), item).unwrap_err();
        assert!(matches!(err, Error::MediaNotPresent { id } if id == item.to_string()));
    }

    #[test]
    fn unreferenced_chunks_and_leftover_staging_files_are_collected() {
        let dir = tempfile::tempdir().unwrap();
        let chunks = ChunkDir::for_store(&dir.path().join("store.db"));
        let kept = chunks.write(b"kept").unwrap();
        let dropped = chunks.write(b"dropped").unwrap();
        fs::write(chunks.root().join(STAGING).join("crash.part"), b"half").unwrap();

        // Within the grace period nothing goes: an attach may be committing.
        let referenced = HashSet::from([kept]);
        assert_eq!(chunks.collect(&referenced, Duration::from_secs(3600)).unwrap(), 0);
        assert!(chunks.has(&dropped));

        assert_eq!(chunks.collect(&referenced, Duration::ZERO).unwrap(), 1);
        assert!(chunks.has(&kept));
        assert!(!chunks.has(&dropped));
        assert_eq!(fs::read_dir(chunks.root().join(STAGING)).unwrap().count(), 0);
    }

    #[test]
    fn names_round_trip_through_the_packed_list() {
        let names = vec![ChunkName::of(b"a"), ChunkName::of(b"b")];
        assert_eq!(ChunkName::unpack(&ChunkName::pack(&names)).unwrap(), names);
        assert!(ChunkName::unpack(&[0u8; 33]).is_err());
        assert_eq!(ChunkName::from_hex(&names[0].to_string()), Some(names[0]));
    }
}
