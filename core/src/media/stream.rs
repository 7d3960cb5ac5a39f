//! Streaming an item in and out: a file is read one chunk at a time and
//! written one chunk at a time, so a 2 GB video never sits in memory; a
//! byte range decrypts only the chunks it touches.

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use sha2::{Digest, Sha256};

use super::chunks::{ChunkDir, ChunkName};
use super::cipher::{self, MediaKey};
use super::{CHUNK_SIZE, chunk_count};
use crate::error::{Error, Result};
use crate::ids::MediaId;

/// Progress and cancellation of a long media operation.
#[derive(Default)]
pub(crate) struct Control<'a> {
    /// Told the plaintext bytes done so far after each chunk.
    pub progress: Option<&'a mut dyn FnMut(u64)>,
    /// Set from another thread to stop at the next chunk.
    pub cancel: Option<&'a AtomicBool>,
}

impl Control<'_> {
    fn check(&mut self, done: u64) -> Result<()> {
        if let Some(progress) = self.progress.as_mut() {
            progress(done);
        }
        match self.cancel {
            Some(flag) if flag.load(Ordering::SeqCst) => Err(Error::Cancelled),
            _ => Ok(()),
        }
    }
}

/// What writing an item produced: its chunks in order, its size and the
/// SHA-256 of its plaintext (kept in the database, never used as a name).
#[derive(Debug, Clone)]
pub(crate) struct WrittenItem {
    pub chunks: Vec<ChunkName>,
    pub size: u64,
    pub sha256: [u8; 32],
}

/// Reads up to a full chunk; fewer bytes only at the end of the input.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>) -> Result<()> {
    buf.clear();
    let mut limited = reader.take(CHUNK_SIZE as u64);
    loop {
        match limited.read_to_end(buf) {
            Ok(_) => return Ok(()),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err.into()),
        }
    }
}

/// Encrypts everything `reader` yields as the chunks of `item`. On an
/// error or cancellation the chunks written so far are deleted again.
pub(crate) fn write_item(
    dir: &ChunkDir,
    key: &MediaKey,
    item: MediaId,
    reader: &mut dyn Read,
    control: &mut Control<'_>,
) -> Result<WrittenItem> {
    let mut written = Vec::new();
    let result = write_chunks(dir, key, item, reader, control, &mut written);
    match result {
        Ok((size, sha256)) => Ok(WrittenItem {
            chunks: written,
            size,
            sha256,
        }),
        Err(err) => {
            let _ = dir.remove(&written);
            Err(err)
        }
    }
}

fn write_chunks(
    dir: &ChunkDir,
    key: &MediaKey,
    item: MediaId,
    reader: &mut dyn Read,
    control: &mut Control<'_>,
    written: &mut Vec<ChunkName>,
) -> Result<(u64, [u8; 32])> {
    let mut hasher = Sha256::new();
    let mut current = Vec::with_capacity(CHUNK_SIZE);
    let mut next = Vec::with_capacity(CHUNK_SIZE);
    let mut size = 0u64;
    fill(reader, &mut current)?;
    control.check(0)?;
    for index in 0u32.. {
        // One chunk of look-ahead tells whether this one is the last.
        let last = current.len() < CHUNK_SIZE || {
            fill(reader, &mut next)?;
            next.is_empty()
        };
        hasher.update(&current);
        let sealed = cipher::seal(key, item, index, last, &current)?;
        written.push(dir.write(&sealed)?);
        size += current.len() as u64;
        control.check(size)?;
        if last {
            break;
        }
        std::mem::swap(&mut current, &mut next);
    }
    Ok((size, hasher.finalize().into()))
}

/// Writes bytes `start..start + len` (clipped to the item) of `item` to
/// `out`, decrypting only the chunks the range touches; returns how many
/// bytes were written.
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_range(
    dir: &ChunkDir,
    key: &MediaKey,
    item: MediaId,
    chunks: &[ChunkName],
    size: u64,
    start: u64,
    len: u64,
    out: &mut dyn Write,
    control: &mut Control<'_>,
) -> Result<u64> {
    if chunks.len() as u64 != chunk_count(size) {
        return Err(Error::corrupt(format!(
            "media {item}: the chunk list does not match its size"
        )));
    }
    if start > size {
        return Err(Error::invalid(
            "start",
            format!("is past the end of the media ({size} bytes)"),
        ));
    }
    let end = start.saturating_add(len).min(size);
    if end == start {
        return Ok(0);
    }
    let chunk = CHUNK_SIZE as u64;
    let (first, last_touched) = (start / chunk, (end - 1) / chunk);
    let mut done = 0u64;
    for index in first..=last_touched {
        let i = usize::try_from(index).map_err(|_| Error::corrupt("media index overflow"))?;
        let is_last = i + 1 == chunks.len();
        let index32 = u32::try_from(index).map_err(|_| Error::corrupt("media index overflow"))?;
        let sealed = dir.read(&chunks[i], item)?;
        let plain = cipher::open(key, item, index32, is_last, &sealed)?;
        let expected = if is_last { size - index * chunk } else { chunk };
        if plain.len() as u64 != expected {
            return Err(Error::corrupt(format!(
                "media {item}: chunk {index} has the wrong length"
            )));
        }
        let from = if index == first {
            (start - index * chunk) as usize
        } else {
            0
        };
        let to = if index == last_touched {
            (end - index * chunk) as usize
        } else {
            plain.len()
        };
        out.write_all(&plain[from..to])?;
        done += (to - from) as u64;
        control.check(done)?;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    fn round_trip(len: usize) {
        let dir = tempfile::tempdir().unwrap();
        let chunks = ChunkDir::for_store(&dir.path().join("store.db"));
        let key = MediaKey::generate().unwrap();
        let item = MediaId::new();
        let bytes = pattern(len);
        let written = write_item(&chunks, &key, item, &mut bytes.as_slice(), &mut Control::default()).unwrap();
        assert_eq!(written.size, len as u64);
        assert_eq!(written.chunks.len() as u64, chunk_count(len as u64));
        assert_eq!(written.sha256, <[u8; 32]>::from(Sha256::digest(&bytes)));
        let mut out = Vec::new();
        let n = read_range(
            &chunks,
            &key,
            item,
            &written.chunks,
            written.size,
            0,
            u64::MAX,
            &mut out,
            &mut Control::default(),
        )
        .unwrap();
        assert_eq!(n, len as u64);
        assert!(out == bytes, "round trip of {len} bytes differs");
    }

    #[test]
    fn items_of_every_shape_round_trip() {
        round_trip(0);
        round_trip(1);
        round_trip(CHUNK_SIZE);
        round_trip(CHUNK_SIZE * 7 / 2);
    }

    #[test]
    fn a_range_across_chunk_boundaries_is_exact() {
        let dir = tempfile::tempdir().unwrap();
        let chunks = ChunkDir::for_store(&dir.path().join("store.db"));
        let key = MediaKey::generate().unwrap();
        let item = MediaId::new();
        let bytes = pattern(CHUNK_SIZE * 3 + 10);
        let w = write_item(&chunks, &key, item, &mut bytes.as_slice(), &mut Control::default()).unwrap();
        for (start, len) in [
            (0u64, 1u64),
            (CHUNK_SIZE as u64 - 3, 7),
            (5, CHUNK_SIZE as u64 * 2 + 1),
            (CHUNK_SIZE as u64 * 3 + 9, 100),
        ] {
            let mut out = Vec::new();
            read_range(
                &chunks,
                &key,
                item,
                &w.chunks,
                w.size,
                start,
                len,
                &mut out,
                &mut Control::default(),
            )
            .unwrap();
            let end = (start + len).min(bytes.len() as u64) as usize;
            assert_eq!(out, &bytes[start as usize..end], "range {start}+{len}");
        }
        let past = read_range(
            &chunks,
            &key,
            item,
            &w.chunks,
            w.size,
            w.size + 1,
            1,
            &mut Vec::new(),
            &mut Control::default(),
        );
        assert!(matches!(past, Err(Error::InvalidInput { .. })));
    }

    #[test]
    fn a_truncated_or_reordered_chunk_list_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let chunks = ChunkDir::for_store(&dir.path().join("store.db"));
        let key = MediaKey::generate().unwrap();
        let item = MediaId::new();
        let bytes = pattern(CHUNK_SIZE * 2 + 5);
        let w = write_item(&chunks, &key, item, &mut bytes.as_slice(), &mut Control::default()).unwrap();
        // Dropping the last chunk and claiming a shorter size: the new last
        // chunk was not sealed as last.
        let short = read_range(
            &chunks,
            &key,
            item,
            &w.chunks[..2],
            CHUNK_SIZE as u64 * 2,
            0,
            u64::MAX,
            &mut Vec::new(),
            &mut Control::default(),
        );
        assert!(matches!(short, Err(Error::CorruptData(m)) if m.contains(&item.to_string())));
        let mut swapped = w.chunks.clone();
        swapped.swap(0, 1);
        let reordered = read_range(
            &chunks,
            &key,
            item,
            &swapped,
            w.size,
            0,
            u64::MAX,
            &mut Vec::new(),
            &mut Control::default(),
        );
        assert!(matches!(reordered, Err(Error::CorruptData(_))));
    }

    #[test]
    fn cancelling_an_attach_leaves_no_chunk_behind() {
        let dir = tempfile::tempdir().unwrap();
        let chunks = ChunkDir::for_store(&dir.path().join("store.db"));
        let key = MediaKey::generate().unwrap();
        let bytes = pattern(CHUNK_SIZE * 4);
        let cancel = AtomicBool::new(false);
        let mut seen = Vec::new();
        let mut progress = |done: u64| {
            seen.push(done);
            if done >= 2 * CHUNK_SIZE as u64 {
                cancel.store(true, Ordering::SeqCst);
            }
        };
        let mut control = Control {
            progress: Some(&mut progress),
            cancel: Some(&cancel),
        };
        let result = write_item(&chunks, &key, MediaId::new(), &mut bytes.as_slice(), &mut control);
        assert!(matches!(result, Err(Error::Cancelled)));
        assert_eq!(seen, vec![0, CHUNK_SIZE as u64, 2 * CHUNK_SIZE as u64]);
        assert!(chunks.names().unwrap().is_empty());
    }
}
