//! Time-coded segments of a story document: transcript ranges anchored by
//! Automerge cursors (as highlights are) and linked to a recording's time
//! range.
//!
//! ```text
//! { …story…, segments: { <segment id>: { start, end (cursors), media,
//!                                         start_ms, end_ms, author, created_at } } }
//! ```
//! One key per segment, so they merge like highlights; the map is made on
//! first use and, like `media`, read from every concurrent copy.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, Cursor, MoveCursor, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use chrono::{DateTime, Utc};

use super::fields;
use super::story_doc::StoryText;
use crate::error::{Error, Result};
use crate::ids::{MediaId, MemberId, SegmentId};
use crate::model::Segment;
use crate::text;

const SEGMENTS: &str = "segments";

/// What a new segment says (offsets already checked as numbers).
pub(crate) struct NewSegment {
    pub id: SegmentId,
    pub media: MediaId,
    pub start: usize,
    pub end: usize,
    pub start_ms: u64,
    pub end_ms: u64,
    pub author: MemberId,
    pub now: DateTime<Utc>,
}

fn maps(doc: &AutoCommit) -> Result<Vec<ObjId>> {
    Ok(doc
        .get_all(ROOT, SEGMENTS)?
        .into_iter()
        .filter_map(|(value, id)| matches!(value, Value::Object(ObjType::Map)).then_some(id))
        .collect())
}

fn transcript(doc: &AutoCommit) -> Result<(ObjId, String)> {
    fields::text(doc, &ROOT, StoryText::Transcript.key())
}

pub(crate) fn add(doc: &mut AutoCommit, new: &NewSegment) -> Result<()> {
    let (obj, transcript) = transcript(doc)?;
    if new.start >= new.end {
        return Err(Error::invalid("segment", "the range must cover at least one character"));
    }
    text::check_utf16_range(&transcript, new.start, new.end - new.start, "segment")?;
    if new.start_ms >= new.end_ms {
        return Err(Error::invalid("end_ms", "must be after start_ms"));
    }
    let last_at = new.end - super::story_doc::last_char_width(&transcript, new.end);
    let start = doc.get_cursor_moving(&obj, new.start, None, MoveCursor::After)?;
    let last = doc.get_cursor_moving(&obj, last_at, None, MoveCursor::Before)?;
    let map = match doc.get(ROOT, SEGMENTS)? {
        Some((Value::Object(ObjType::Map), id)) => id,
        _ => doc.put_object(ROOT, SEGMENTS, ObjType::Map)?,
    };
    let item = doc.put_object(&map, new.id.to_string(), ObjType::Map)?;
    doc.put(&item, "start", start.to_bytes())?;
    doc.put(&item, "end", last.to_bytes())?;
    doc.put(&item, "media", new.media.to_string())?;
    doc.put(&item, "start_ms", ScalarValue::Uint(new.start_ms))?;
    doc.put(&item, "end_ms", ScalarValue::Uint(new.end_ms))?;
    doc.put(&item, "author", new.author.to_string())?;
    doc.put(&item, "created_at", fields::timestamp(new.now))?;
    Ok(())
}

/// Removes a segment; returns whether there was one.
pub(crate) fn remove(doc: &mut AutoCommit, id: SegmentId) -> Result<bool> {
    let key = id.to_string();
    let mut found = false;
    for map in maps(doc)? {
        if doc.get(&map, key.as_str())?.is_some() {
            doc.delete(&map, key.as_str())?;
            found = true;
        }
    }
    Ok(found)
}

fn uint(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<u64> {
    match doc.get(obj, key).ok().flatten() {
        Some((Value::Scalar(v), _)) => match v.as_ref() {
            ScalarValue::Uint(n) => Some(*n),
            ScalarValue::Int(n) => u64::try_from(*n).ok(),
            _ => None,
        },
        _ => None,
    }
}

/// One segment where its words are now, or `None` if a peer wrote it
/// malformed (a bad entry hides that segment, never the story).
fn read_one(doc: &AutoCommit, obj: &ObjId, transcript: &str, map: &ObjId, key: &str) -> Option<Segment> {
    let item = fields::object(doc, map, key, ObjType::Map).ok()?;
    let cursor = |k: &str| -> Option<usize> {
        let bytes = fields::optional_bytes(doc, &item, k).ok()??;
        let cursor = Cursor::try_from(bytes.as_slice()).ok()?;
        doc.get_cursor_position(obj, &cursor, None).ok()
    };
    let (start, last) = (cursor("start")?, cursor("end")?);
    let end = if last >= start {
        last + text::char_width_at(transcript, last)
    } else {
        start
    };
    let end = end.min(text::utf16_len(transcript));
    Some(Segment {
        id: SegmentId::from_stored(key).ok()?,
        media_id: MediaId::from_stored(&fields::optional_str(doc, &item, "media").ok()??).ok()?,
        start: start as u64,
        end: end as u64,
        start_ms: uint(doc, &item, "start_ms")?,
        end_ms: uint(doc, &item, "end_ms")?,
        author: MemberId::from_stored(&fields::optional_str(doc, &item, "author").ok()??).ok()?,
        created_at: fields::required_time(doc, &item, "created_at").ok()?,
    })
}

/// The story's segments in transcript order.
pub(crate) fn read(doc: &AutoCommit) -> Result<Vec<Segment>> {
    let (obj, transcript) = transcript(doc)?;
    let mut segments: Vec<Segment> = Vec::new();
    for map in maps(doc)? {
        for key in doc.keys(&map).collect::<Vec<_>>() {
            if let Some(segment) = read_one(doc, &obj, &transcript, &map, &key)
                && !segments.iter().any(|s| s.id == segment.id)
            {
                segments.push(segment);
            }
        }
    }
    segments.sort_by_key(|s| (s.start, s.end, s.id));
    Ok(segments)
}
