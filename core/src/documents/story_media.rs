//! The media references of a story document.
//!
//! ```text
//! { …story…, media: { <media id>: { kind, mime, size, duration_ms?, caption,
//!                                   added_by, added_at, content_hash } } }
//! ```
//! Each item has its own key, so additions from different devices never
//! collide and a removal is a delete of that key: the set merges like tags.
//! Stories made before media existed get the `media` map on first attach;
//! two devices doing that at once each make one, so every read gathers the
//! entries of all concurrent maps and a removal deletes from all of them.
//! The item key and chunk list are never in the document.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use super::fields;
use crate::error::Result;
use crate::ids::{MediaId, MemberId, StoryId};
use crate::model::{MediaItem, MediaKind};

const MEDIA: &str = "media";
const KIND: &str = "kind";
const MIME: &str = "mime";
const SIZE: &str = "size";
const DURATION: &str = "duration_ms";
const CAPTION: &str = "caption";
const ADDED_BY: &str = "added_by";
const ADDED_AT: &str = "added_at";
const CONTENT_HASH: &str = "content_hash";

/// Every concurrent `media` map in the document.
fn media_maps(doc: &AutoCommit) -> Result<Vec<ObjId>> {
    Ok(doc
        .get_all(ROOT, MEDIA)?
        .into_iter()
        .filter_map(|(value, id)| matches!(value, Value::Object(ObjType::Map)).then_some(id))
        .collect())
}

/// Adds a reference (to the map that wins, creating it if there is none).
pub(crate) fn add(doc: &mut AutoCommit, item: &MediaItem) -> Result<()> {
    let map = match doc.get(ROOT, MEDIA)? {
        Some((Value::Object(ObjType::Map), id)) => id,
        _ => doc.put_object(ROOT, MEDIA, ObjType::Map)?,
    };
    let entry = doc.put_object(&map, item.id.to_string(), ObjType::Map)?;
    doc.put(&entry, KIND, item.kind.as_str())?;
    doc.put(&entry, MIME, item.mime.as_str())?;
    doc.put(&entry, SIZE, ScalarValue::Uint(item.size))?;
    if let Some(ms) = item.duration_ms {
        doc.put(&entry, DURATION, ScalarValue::Uint(ms))?;
    }
    doc.put(&entry, CAPTION, item.caption.as_str())?;
    doc.put(&entry, ADDED_BY, item.added_by.to_string())?;
    doc.put(&entry, ADDED_AT, fields::timestamp(item.added_at))?;
    doc.put(&entry, CONTENT_HASH, item.content_hash.as_str())?;
    Ok(())
}

/// Removes a reference; returns whether there was one.
pub(crate) fn remove(doc: &mut AutoCommit, id: MediaId) -> Result<bool> {
    let key = id.to_string();
    let mut found = false;
    for map in media_maps(doc)? {
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

/// One reference, or `None` if a peer wrote it malformed: a bad entry
/// hides that item, never the story.
fn read_one(doc: &AutoCommit, story: StoryId, map: &ObjId, key: &str) -> Option<MediaItem> {
    let entry = fields::object(doc, map, key, ObjType::Map).ok()?;
    let text = |k: &str| fields::optional_str(doc, &entry, k).ok().flatten();
    Some(MediaItem {
        id: MediaId::from_stored(key).ok()?,
        story_id: story,
        kind: MediaKind::from_stored(&text(KIND)?).ok()?,
        mime: text(MIME)?,
        size: uint(doc, &entry, SIZE)?,
        duration_ms: uint(doc, &entry, DURATION),
        caption: text(CAPTION).unwrap_or_default(),
        added_by: MemberId::from_stored(&text(ADDED_BY)?).ok()?,
        added_at: fields::required_time(doc, &entry, ADDED_AT).ok()?,
        content_hash: text(CONTENT_HASH)?,
        present: false,
        withdrawn: false,
    })
}

/// The story's media references, oldest first (`present` and `withdrawn`
/// are for the store to fill in).
pub(crate) fn read(doc: &AutoCommit, story: StoryId) -> Result<Vec<MediaItem>> {
    let mut items: Vec<MediaItem> = Vec::new();
    for map in media_maps(doc)? {
        for key in doc.keys(&map).collect::<Vec<_>>() {
            if let Some(item) = read_one(doc, story, &map, &key)
                && !items.iter().any(|i| i.id == item.id)
            {
                items.push(item);
            }
        }
    }
    items.sort_by_key(|i| (i.added_at, i.id));
    Ok(items)
}
