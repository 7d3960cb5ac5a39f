//! Typed reads from Automerge maps. Anything of the wrong type is corrupt
//! data (a bug or a hostile peer), never a panic.

use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value};
use chrono::{DateTime, TimeZone, Utc};

use crate::error::{Error, Result};

fn scalar(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<Option<ScalarValue>> {
    match doc.get(obj, key)? {
        None => Ok(None),
        Some((Value::Scalar(value), _)) => Ok(Some(value.into_owned())),
        Some((Value::Object(_), _)) => Err(wrong_type(key, "a value")),
    }
}

fn wrong_type(key: &str, expected: &str) -> Error {
    Error::corrupt(format!("document field {key:?} is not {expected}"))
}

pub(crate) fn optional_str(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<Option<String>> {
    match scalar(doc, obj, key)? {
        None | Some(ScalarValue::Null) => Ok(None),
        Some(ScalarValue::Str(s)) => Ok(Some(s.to_string())),
        Some(_) => Err(wrong_type(key, "a string")),
    }
}

pub(crate) fn required_str(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<String> {
    optional_str(doc, obj, key)?.ok_or_else(|| Error::corrupt(format!("document field {key:?} is missing")))
}

/// Every concurrently written string value of a key: the winner first.
pub(crate) fn all_strs(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<Vec<String>> {
    let winner = optional_str(doc, obj, key)?;
    let mut values: Vec<String> = Vec::new();
    for (value, _) in doc.get_all(obj, key)? {
        match value {
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Str(s) => values.push(s.to_string()),
                ScalarValue::Null => values.push(String::new()),
                ScalarValue::Timestamp(t) | ScalarValue::Int(t) => values.push(t.to_string()),
                _ => return Err(wrong_type(key, "a string")),
            },
            Value::Object(_) => return Err(wrong_type(key, "a string")),
        }
    }
    if let Some(pos) = winner.and_then(|winner| values.iter().position(|v| *v == winner)) {
        values.swap(0, pos);
    }
    Ok(values)
}

/// The one-value root fields that devices set concurrently: the value
/// shown (Automerge's winner) and the others, for each such field.
pub(crate) fn conflicts(doc: &AutoCommit, keys: &[&str]) -> Result<Vec<crate::model::FieldConflict>> {
    let mut conflicts = Vec::new();
    for key in keys {
        let mut values = all_strs(doc, &automerge::ROOT, key)?;
        if values.len() > 1 {
            let winner = values.remove(0);
            conflicts.push(crate::model::FieldConflict {
                field: (*key).to_owned(),
                winner,
                others: values,
            });
        }
    }
    Ok(conflicts)
}

pub(crate) fn optional_i64(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<Option<i64>> {
    match scalar(doc, obj, key)? {
        None | Some(ScalarValue::Null) => Ok(None),
        Some(ScalarValue::Int(i)) => Ok(Some(i)),
        Some(ScalarValue::Uint(u)) => i64::try_from(u).map(Some).map_err(|_| wrong_type(key, "an integer")),
        Some(_) => Err(wrong_type(key, "an integer")),
    }
}

pub(crate) fn required_i64(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<i64> {
    optional_i64(doc, obj, key)?.ok_or_else(|| Error::corrupt(format!("document field {key:?} is missing")))
}

pub(crate) fn optional_time(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<Option<DateTime<Utc>>> {
    match scalar(doc, obj, key)? {
        None | Some(ScalarValue::Null) => Ok(None),
        Some(ScalarValue::Timestamp(ms)) => millis_to_time(ms).map(Some).ok_or_else(|| wrong_type(key, "a time")),
        Some(_) => Err(wrong_type(key, "a time")),
    }
}

pub(crate) fn required_time(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<DateTime<Utc>> {
    optional_time(doc, obj, key)?.ok_or_else(|| Error::corrupt(format!("document field {key:?} is missing")))
}

pub(crate) fn optional_bytes(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<Option<Vec<u8>>> {
    match scalar(doc, obj, key)? {
        None | Some(ScalarValue::Null) => Ok(None),
        Some(ScalarValue::Bytes(b)) => Ok(Some(b)),
        Some(_) => Err(wrong_type(key, "bytes")),
    }
}

pub(crate) fn required_bytes(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<Vec<u8>> {
    optional_bytes(doc, obj, key)?.ok_or_else(|| Error::corrupt(format!("document field {key:?} is missing")))
}

/// The id of a nested object of the expected type.
pub(crate) fn object(doc: &AutoCommit, obj: &ObjId, key: &str, expected: ObjType) -> Result<ObjId> {
    match doc.get(obj, key)? {
        Some((Value::Object(found), id)) if same_kind(found, expected) => Ok(id),
        Some(_) => Err(wrong_type(key, &format!("a {expected:?}"))),
        None => Err(Error::corrupt(format!("document field {key:?} is missing"))),
    }
}

/// Maps and tables are both key/value objects.
fn same_kind(found: ObjType, expected: ObjType) -> bool {
    found == expected || matches!((found, expected), (ObjType::Table, ObjType::Map))
}

/// The current text of a text object.
pub(crate) fn text(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<(ObjId, String)> {
    let id = object(doc, obj, key, ObjType::Text)?;
    let text = doc.text(&id)?;
    Ok((id, text))
}

/// The keys of a map used as an add-wins set.
pub(crate) fn set_members(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<Vec<String>> {
    let set = object(doc, obj, key, ObjType::Map)?;
    Ok(doc.keys(&set).collect())
}

pub(crate) fn millis_to_time(ms: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms).single()
}

pub(crate) fn timestamp(time: DateTime<Utc>) -> ScalarValue {
    ScalarValue::Timestamp(time.timestamp_millis())
}
