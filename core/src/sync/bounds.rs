//! Bounds on what a peer's bytes may cost before Automerge sees them.
//!
//! Limits on encoded bytes are not enough: Automerge compresses columns with
//! DEFLATE and run-length encodes them, so a few kilobytes can describe
//! millions of operations (issue 15, finding 6: 34 KB cost 3 GB). This
//! module walks the chunk and column headers of Automerge's storage format
//! (<https://alexjg.github.io/automerge-storage-docs/>) without building
//! anything: it inflates compressed data into a capped buffer and counts
//! the rows of every run-length encoded column, charging both to a
//! [`Budget`]. Only bytes that fit the budget are handed to Automerge.

use std::io::Read;

use super::SyncLimits;
use crate::error::{Error, Result};

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const CHUNK_DOCUMENT: u8 = 0;
const CHUNK_CHANGE: u8 = 1;
const CHUNK_COMPRESSED: u8 = 2;
/// Honest documents have a few dozen columns; more is a malformed chunk.
const MAX_COLUMNS: u64 = 256;
const DEFLATE_BIT: u32 = 0b1000;

/// What one message or bundle may still decode: operations per document
/// (rows of the longest column of each chunk, summed) and decoded column
/// bytes for the whole message, which bounds the batch it is applied in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    max_ops: u64,
    ops_left: u64,
    bytes_left: u64,
}

impl Budget {
    pub(crate) fn new(limits: &SyncLimits) -> Self {
        Self {
            max_ops: limits.max_decoded_ops,
            ops_left: limits.max_decoded_ops,
            bytes_left: limits.max_decoded_bytes,
        }
    }

    /// Walks the Automerge bytes of one document (saved whole, changes, or
    /// both) and charges what they decode to; refuses them if that is over
    /// budget or they are not chunks Storyloom sends.
    pub(crate) fn charge(&mut self, bytes: &[u8]) -> Result<()> {
        self.charge_all(std::iter::once(bytes))
    }

    /// As [`Budget::charge`], for a document's changes in several pieces.
    pub(crate) fn charge_all<'a>(&mut self, pieces: impl Iterator<Item = &'a [u8]>) -> Result<()> {
        self.ops_left = self.max_ops;
        for bytes in pieces {
            let mut input = Input(bytes);
            while !input.0.is_empty() {
                self.chunk(&mut input)?;
            }
        }
        Ok(())
    }

    fn chunk(&mut self, input: &mut Input<'_>) -> Result<()> {
        if input.take(4)? != MAGIC {
            return Err(malformed("a chunk does not start with Automerge's magic bytes"));
        }
        input.take(4)?; // checksum: Automerge verifies it
        let kind = input.take(1)?[0];
        let len = usize::try_from(input.uleb()?).map_err(|_| malformed("chunk length"))?;
        let body = input.take(len)?;
        match kind {
            CHUNK_DOCUMENT => self.document(body),
            CHUNK_CHANGE => self.change(body),
            CHUNK_COMPRESSED => {
                let inflated = self.inflate(body)?;
                self.change(&inflated)
            }
            // Automerge's newer bundle chunks are never produced by
            // `save`, `save_after` or the sync protocol Storyloom uses.
            other => Err(Error::SyncRejected(format!(
                "Automerge chunk type {other} is not accepted from a peer"
            ))),
        }
    }

    fn change(&mut self, body: &[u8]) -> Result<()> {
        let mut i = Input(body);
        let deps = i.uleb()?;
        i.take(usize::try_from(deps.saturating_mul(32)).map_err(|_| malformed("dependencies"))?)?;
        i.prefixed()?; // actor
        i.uleb()?; // seq
        i.uleb()?; // start op
        i.uleb()?; // time (signed, same length rules)
        i.prefixed()?; // message
        let others = i.uleb()?;
        for _ in 0..others.min(u64::from(u32::MAX)) {
            i.prefixed()?;
        }
        let columns = i.columns()?;
        self.columns(&mut i, &columns)
    }

    fn document(&mut self, body: &[u8]) -> Result<()> {
        let mut i = Input(body);
        let actors = i.uleb()?;
        for _ in 0..actors.min(u64::from(u32::MAX)) {
            i.prefixed()?;
        }
        let heads = i.uleb()?;
        i.take(usize::try_from(heads.saturating_mul(32)).map_err(|_| malformed("heads"))?)?;
        let change_columns = i.columns()?;
        let op_columns = i.columns()?;
        self.columns(&mut i, &change_columns)?;
        self.columns(&mut i, &op_columns)
    }

    /// Charges one group of columns: the rows of its longest column, and
    /// every column's decoded bytes.
    fn columns(&mut self, input: &mut Input<'_>, columns: &[(u32, u64)]) -> Result<()> {
        let mut rows = 0u64;
        for &(spec, len) in columns {
            let len = usize::try_from(len).map_err(|_| malformed("column length"))?;
            let data = input.take(len)?;
            let inflated;
            let data = if spec & DEFLATE_BIT != 0 {
                inflated = self.inflate(data)?;
                &inflated[..]
            } else {
                self.spend_bytes(data.len() as u64)?;
                data
            };
            rows = rows.max(column_rows(spec, data)?);
        }
        if rows > self.ops_left {
            return Err(Error::SyncRejected(format!(
                "a document from the peer would decode to more than {} operations",
                self.max_ops
            )));
        }
        self.ops_left -= rows;
        Ok(())
    }

    /// Inflates DEFLATE data into a buffer no larger than what is left.
    fn inflate(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(data)
            .take(self.bytes_left.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|_| malformed("compressed data does not inflate"))?;
        self.spend_bytes(out.len() as u64)?;
        Ok(out)
    }

    fn spend_bytes(&mut self, n: u64) -> Result<()> {
        if n > self.bytes_left {
            return Err(Error::SyncRejected(
                "the peer's data would decode to more bytes than the limit allows".into(),
            ));
        }
        self.bytes_left -= n;
        Ok(())
    }
}

/// How many values a column holds, read from its run-length encoding
/// without materialising any of them.
fn column_rows(spec: u32, data: &[u8]) -> Result<u64> {
    let mut i = Input(data);
    let mut rows = 0u64;
    match spec & 0b111 {
        // Value columns are raw bytes; their length is charged as bytes.
        7 => return Ok(0),
        // Booleans: alternating run lengths.
        4 => {
            while !i.0.is_empty() {
                rows = rows.saturating_add(i.uleb()?);
            }
        }
        column_type => {
            let strings = column_type == 5;
            while !i.0.is_empty() {
                let count = i.sleb()?;
                if count > 0 {
                    if strings {
                        i.prefixed()?
                    } else {
                        i.skip_leb()?
                    };
                    rows = rows.saturating_add(count.unsigned_abs());
                } else if count < 0 {
                    for _ in 0..count.unsigned_abs() {
                        if strings {
                            i.prefixed()?
                        } else {
                            i.skip_leb()?
                        };
                    }
                    rows = rows.saturating_add(count.unsigned_abs());
                } else {
                    rows = rows.saturating_add(i.uleb()?);
                }
            }
        }
    }
    Ok(rows)
}

/// Splits Automerge bytes into chunks: (is a saved document, the chunk).
pub(crate) fn chunks(bytes: &[u8]) -> Result<Vec<(bool, &[u8])>> {
    let mut input = Input(bytes);
    let mut chunks = Vec::new();
    while !input.0.is_empty() {
        let start = input.0;
        input.take(8)?;
        let kind = input.take(1)?[0];
        let len = usize::try_from(input.uleb()?).map_err(|_| malformed("chunk length"))?;
        input.take(len)?;
        chunks.push((kind == CHUNK_DOCUMENT, &start[..start.len() - input.0.len()]));
    }
    Ok(chunks)
}

fn malformed(what: &str) -> Error {
    Error::SyncRejected(format!("the peer's Automerge data is malformed ({what})"))
}

/// A cursor over bytes that refuses to read past their end.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.0.len() {
            return Err(malformed("truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn uleb(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(malformed("number too long"))
    }

    fn sleb(&mut self) -> Result<i64> {
        let mut value = 0i64;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            value |= i64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                if shift + 7 < 64 && byte & 0x40 != 0 {
                    value |= -1i64 << (shift + 7);
                }
                return Ok(value);
            }
        }
        Err(malformed("number too long"))
    }

    fn skip_leb(&mut self) -> Result<()> {
        self.uleb().map(drop)
    }

    /// A length-prefixed byte string.
    fn prefixed(&mut self) -> Result<()> {
        let len = usize::try_from(self.uleb()?).map_err(|_| malformed("length"))?;
        self.take(len).map(drop)
    }

    /// Column metadata: (specification, encoded length) per column.
    fn columns(&mut self) -> Result<Vec<(u32, u64)>> {
        let count = self.uleb()?;
        if count > MAX_COLUMNS {
            return Err(malformed("too many columns"));
        }
        (0..count)
            .map(|_| {
                let spec = u32::try_from(self.uleb()?).map_err(|_| malformed("column specification"))?;
                Ok((spec, self.uleb()?))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT};

    use super::*;

    fn doc_with_text(chars: usize) -> AutoCommit {
        let mut doc = AutoCommit::new();
        let text = doc.put_object(ROOT, "transcript", ObjType::Text).unwrap();
        doc.splice_text(&text, 0, 0, &"a".repeat(chars)).unwrap();
        doc
    }

    fn limits(ops: u64) -> SyncLimits {
        SyncLimits {
            max_decoded_ops: ops,
            ..SyncLimits::default()
        }
    }

    #[test]
    fn honest_documents_and_changes_fit_and_are_counted() {
        let mut doc = doc_with_text(10_000);
        let saved = doc.save();
        assert!(saved.len() < 2_000, "a repeated text compresses well");
        Budget::new(&limits(10_100)).charge(&saved).unwrap();
        assert!(Budget::new(&limits(9_000)).charge(&saved).is_err());
        let changes = doc.save_after(&[]);
        Budget::new(&limits(10_100)).charge(&changes).unwrap();
        assert!(Budget::new(&limits(9_000)).charge(&changes).is_err());
    }

    #[test]
    fn inflation_stops_at_the_byte_budget() {
        let saved = doc_with_text(200_000).save();
        let small = SyncLimits {
            max_decoded_bytes: 1_000,
            ..SyncLimits::default()
        };
        assert!(matches!(
            Budget::new(&small).charge(&saved),
            Err(Error::SyncRejected(_))
        ));
    }

    #[test]
    fn garbage_and_truncations_are_refused_without_panicking() {
        let saved = doc_with_text(1_000).save();
        for end in 0..saved.len() {
            let _ = Budget::new(&SyncLimits::default()).charge(&saved[..end]);
        }
        assert!(Budget::new(&SyncLimits::default()).charge(b"not automerge").is_err());
    }
}
