//! For hostile-peer tests: an Automerge change that costs a few kilobytes
//! on the wire and tens of millions of operations once loaded (issue 15,
//! finding 6). Built from a real four-character insertion whose
//! run-length encoded columns are stretched and then compressed, so the
//! old receiver really would have expanded it. Behind `test-support`.

use std::io::Write;

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ROOT, ReadDoc};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Automerge change bytes that append `chars` copies of "a" to the
/// `transcript` text of the story document `story` (its saved bytes).
pub fn forge_text_bomb(story: &[u8], chars: u64) -> Result<Vec<u8>> {
    const SMALL: usize = 4;
    let mut doc = AutoCommit::load(story).map_err(|e| Error::Storage(e.to_string()))?;
    doc.set_actor(ActorId::random());
    let (_, text) = doc
        .get(ROOT, "transcript")
        .map_err(|e| Error::Storage(e.to_string()))?
        .ok_or_else(|| Error::Storage("no transcript".into()))?;
    let end = doc.length(&text);
    doc.splice_text(&text, end, 0, &"a".repeat(SMALL))
        .map_err(|e| Error::Storage(e.to_string()))?;
    let change = doc
        .get_last_local_change()
        .ok_or_else(|| Error::Storage("no change".into()))?;
    let chunk = change.raw_bytes().to_vec();

    let mut r = Reader(&chunk[..]);
    r.take(9); // magic, checksum, type
    let len = r.uleb() as usize;
    let body = r.take(len);
    let mut r = Reader(body);
    let start = r.0.len();
    let deps = r.uleb() as usize;
    r.take(deps * 32);
    r.prefixed();
    r.uleb();
    r.uleb();
    r.uleb();
    r.prefixed();
    for _ in 0..r.uleb() {
        r.prefixed();
    }
    let prefix = &body[..start - r.0.len()];
    let columns: Vec<(u64, usize)> = (0..r.uleb()).map(|_| (r.uleb(), r.uleb() as usize)).collect();
    let mut new_meta = Vec::new();
    uleb(&mut new_meta, columns.len() as u64);
    let mut new_data = Vec::new();
    for (spec, len) in columns {
        let data = r.take(len);
        let stretched = stretch(spec, data, SMALL, chars);
        uleb(&mut new_meta, spec);
        uleb(&mut new_meta, stretched.len() as u64);
        new_data.extend(stretched);
    }
    let extra = r.0;
    let mut new_body = prefix.to_vec();
    new_body.extend(new_meta);
    new_body.extend(new_data);
    new_body.extend(extra);

    let mut hashed = vec![1u8];
    uleb(&mut hashed, new_body.len() as u64);
    hashed.extend(&new_body);
    let checksum = Sha256::digest(&hashed);
    let mut deflater = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    deflater
        .write_all(&new_body)
        .map_err(|e| Error::Storage(e.to_string()))?;
    let deflated = deflater.finish().map_err(|e| Error::Storage(e.to_string()))?;
    let mut out = vec![0x85, 0x6f, 0x4a, 0x83];
    out.extend(&checksum[..4]);
    out.push(2);
    uleb(&mut out, deflated.len() as u64);
    out.extend(deflated);
    Ok(out)
}

/// A column of `small` rows made `big` rows long by repeating its last run.
fn stretch(spec: u64, data: &[u8], small: usize, big: u64) -> Vec<u8> {
    let mut r = Reader(data);
    let mut out = Vec::new();
    match spec & 0b111 {
        7 => {
            // Raw values: one byte per character.
            if data.len() == small {
                out.resize(big as usize, data[small - 1]);
            } else {
                out.extend(data);
            }
        }
        4 => {
            let mut runs = Vec::new();
            while !r.0.is_empty() {
                runs.push(r.uleb());
            }
            if runs.iter().sum::<u64>() == small as u64
                && let Some(last) = runs.last_mut()
            {
                *last += big - small as u64;
            }
            runs.iter().for_each(|n| uleb(&mut out, *n));
        }
        column_type => {
            let strings = column_type == 5;
            // (value bytes or None for null, count)
            let mut values: Vec<(Option<Vec<u8>>, u64)> = Vec::new();
            let value = |r: &mut Reader<'_>| {
                let before = r.0;
                if strings {
                    r.prefixed()
                } else {
                    r.uleb_raw()
                };
                before[..before.len() - r.0.len()].to_vec()
            };
            while !r.0.is_empty() {
                let count = r.sleb();
                if count > 0 {
                    values.push((Some(value(&mut r)), count as u64));
                } else if count < 0 {
                    for _ in 0..-count {
                        values.push((Some(value(&mut r)), 1));
                    }
                } else {
                    values.push((None, r.uleb()));
                }
            }
            if values.iter().map(|v| v.1).sum::<u64>() == small as u64 {
                let last = values.pop().expect("rows");
                values.push((last.0, last.1 + big - small as u64));
            }
            let mut literal: Vec<Vec<u8>> = Vec::new();
            let flush = |out: &mut Vec<u8>, literal: &mut Vec<Vec<u8>>| {
                if !literal.is_empty() {
                    sleb(out, -(literal.len() as i64));
                    literal.drain(..).for_each(|v| out.extend(v));
                }
            };
            for (v, count) in values {
                match v {
                    None => {
                        flush(&mut out, &mut literal);
                        out.push(0);
                        uleb(&mut out, count);
                    }
                    Some(v) if count == 1 => literal.push(v),
                    Some(v) => {
                        flush(&mut out, &mut literal);
                        sleb(&mut out, count as i64);
                        out.extend(v);
                    }
                }
            }
            flush(&mut out, &mut literal);
        }
    }
    out
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
    fn uleb_raw(&mut self) {
        while self.take(1)[0] & 0x80 != 0 {}
    }
    fn uleb(&mut self) -> u64 {
        let mut value = 0;
        let mut shift = 0;
        loop {
            let byte = self.take(1)[0];
            value |= u64::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                return value;
            }
        }
    }
    fn sleb(&mut self) -> i64 {
        let mut value = 0i64;
        let mut shift = 0;
        loop {
            let byte = self.take(1)[0];
            value |= i64::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                if shift < 64 && byte & 0x40 != 0 {
                    value |= -1 << shift;
                }
                return value;
            }
        }
    }
    fn prefixed(&mut self) {
        let len = self.uleb() as usize;
        self.take(len);
    }
}

fn uleb(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn sleb(out: &mut Vec<u8>, mut n: i64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if (n == 0 && byte & 0x40 == 0) || (n == -1 && byte & 0x40 != 0) {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_stretch_loads_as_the_longer_text() {
        let mut doc = AutoCommit::new();
        let text = doc.put_object(ROOT, "transcript", automerge::ObjType::Text).unwrap();
        doc.splice_text(&text, 0, 0, "The bus").unwrap();
        let saved = doc.save();
        let bomb = forge_text_bomb(&saved, 1_000).unwrap();
        let mut bytes = saved.clone();
        bytes.extend(&bomb);
        let loaded = AutoCommit::load(&bytes).unwrap();
        let (_, text) = loaded.get(ROOT, "transcript").unwrap().unwrap();
        assert_eq!(loaded.text(&text).unwrap(), format!("The bus{}", "a".repeat(1_000)));
    }
}
