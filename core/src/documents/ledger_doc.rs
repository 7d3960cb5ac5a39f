//! The consent ledger and the erasure tombstones, inside the project
//! document so they travel with the project (and first, in a sync).
//!
//! ```text
//! consent:    { <record id>: { kind: "grant" | "withdrawal", storyteller, story?, scopes: [..], at,
//!                              recorded_by, device,
//!                              grants only:      method, information_version, information_language,
//!                                                evidence?, expires_at?, review_at?, attribution, acknowledges: [..]
//!                              withdrawals only: erase } }
//! tombstones: { <document id>: { kind, erased_at, withdrawal } }
//! ```
//! Both maps only ever gain keys: merging is a union. Records hold ids,
//! scopes and times — never story text or personal details — so the ledger
//! survives erasure and consent stays provable.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{DocKind, fields};
use crate::consent::{Attribution, ConsentGrant, ConsentMethod, ConsentRecord, ConsentScope, ConsentWithdrawal};
use crate::error::{Error, Result};
use crate::ids::{ConsentRecordId, DeviceId, MemberId, ParticipantId, StoryId};

pub(crate) mod keys {
    pub const CONSENT: &str = "consent";
    pub const TOMBSTONES: &str = "tombstones";
    pub const KIND: &str = "kind";
    pub const STORYTELLER: &str = "storyteller";
    pub const STORY: &str = "story";
    pub const SCOPES: &str = "scopes";
    pub const AT: &str = "at";
    pub const RECORDED_BY: &str = "recorded_by";
    pub const DEVICE: &str = "device";
    pub const METHOD: &str = "method";
    pub const INFORMATION_VERSION: &str = "information_version";
    pub const INFORMATION_LANGUAGE: &str = "information_language";
    pub const EVIDENCE: &str = "evidence";
    pub const EXPIRES_AT: &str = "expires_at";
    pub const REVIEW_AT: &str = "review_at";
    pub const ATTRIBUTION: &str = "attribution";
    pub const ACKNOWLEDGES: &str = "acknowledges";
    pub const ERASE: &str = "erase";
    pub const ERASED_AT: &str = "erased_at";
    pub const WITHDRAWAL: &str = "withdrawal";
}

/// A document erased at a storyteller's request: ids and a time, no content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Tombstone {
    pub id: Uuid,
    pub kind: DocKind,
    pub erased_at: DateTime<Utc>,
    /// The withdrawal that asked for the erasure.
    pub withdrawal: ConsentRecordId,
}

/// Creates the ledger and tombstone maps (with the project, so that devices
/// rarely create them concurrently).
pub(crate) fn create(doc: &mut AutoCommit) -> Result<()> {
    doc.put_object(ROOT, keys::CONSENT, ObjType::Map)?;
    doc.put_object(ROOT, keys::TOMBSTONES, ObjType::Map)?;
    Ok(())
}

/// Every map stored under `key`. Projects written before the ledger existed
/// have none; two devices upgrading such a project at once each create one,
/// and Automerge keeps both as a conflict. Reading the union of all of them
/// means no record is ever hidden by that conflict.
fn maps(doc: &AutoCommit, key: &str) -> Result<Vec<ObjId>> {
    let mut maps = Vec::new();
    for (value, id) in doc.get_all(ROOT, key)? {
        match value {
            Value::Object(ObjType::Map) => maps.push(id),
            _ => return Err(Error::corrupt(format!("project field {key:?} is not a map"))),
        }
    }
    Ok(maps)
}

/// The map new entries go into: the winning one, created if missing.
fn writable_map(doc: &mut AutoCommit, key: &str) -> Result<ObjId> {
    match doc.get(ROOT, key)? {
        Some((Value::Object(ObjType::Map), id)) => Ok(id),
        Some(_) => Err(Error::corrupt(format!("project field {key:?} is not a map"))),
        None => Ok(doc.put_object(ROOT, key, ObjType::Map)?),
    }
}

fn put_list(doc: &mut AutoCommit, obj: &ObjId, key: &str, items: impl IntoIterator<Item = String>) -> Result<()> {
    let list = doc.put_object(obj, key, ObjType::List)?;
    for (index, item) in items.into_iter().enumerate() {
        doc.insert(&list, index, item)?;
    }
    Ok(())
}

fn put_time(doc: &mut AutoCommit, obj: &ObjId, key: &str, time: Option<DateTime<Utc>>) -> Result<()> {
    if let Some(time) = time {
        doc.put(obj, key, fields::timestamp(time))?;
    }
    Ok(())
}

/// Appends a record to the ledger.
pub(crate) fn append(doc: &mut AutoCommit, record: &ConsentRecord) -> Result<()> {
    let ledger = writable_map(doc, keys::CONSENT)?;
    let item = doc.put_object(&ledger, record.id().to_string(), ObjType::Map)?;
    match record {
        ConsentRecord::Grant(g) => {
            doc.put(&item, keys::KIND, "grant")?;
            common(
                doc,
                &item,
                g.storyteller,
                g.story,
                &g.scopes,
                g.given_at,
                g.recorded_by,
                g.device,
            )?;
            doc.put(&item, keys::METHOD, g.method.as_str())?;
            doc.put(&item, keys::INFORMATION_VERSION, g.information_version.as_str())?;
            doc.put(&item, keys::INFORMATION_LANGUAGE, g.information_language.as_str())?;
            if let Some(evidence) = &g.evidence {
                doc.put(&item, keys::EVIDENCE, evidence.as_str())?;
            }
            put_time(doc, &item, keys::EXPIRES_AT, g.expires_at)?;
            put_time(doc, &item, keys::REVIEW_AT, g.review_at)?;
            doc.put(&item, keys::ATTRIBUTION, g.attribution.as_str())?;
            put_list(
                doc,
                &item,
                keys::ACKNOWLEDGES,
                g.acknowledges.iter().map(ToString::to_string),
            )?;
        }
        ConsentRecord::Withdrawal(w) => {
            doc.put(&item, keys::KIND, "withdrawal")?;
            common(
                doc,
                &item,
                w.storyteller,
                w.story,
                &w.scopes,
                w.withdrawn_at,
                w.recorded_by,
                w.device,
            )?;
            doc.put(&item, keys::ERASE, w.erase)?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn common(
    doc: &mut AutoCommit,
    item: &ObjId,
    storyteller: ParticipantId,
    story: Option<StoryId>,
    scopes: &[ConsentScope],
    at: DateTime<Utc>,
    recorded_by: MemberId,
    device: DeviceId,
) -> Result<()> {
    doc.put(item, keys::STORYTELLER, storyteller.to_string())?;
    if let Some(story) = story {
        doc.put(item, keys::STORY, story.to_string())?;
    }
    put_list(doc, item, keys::SCOPES, scopes.iter().map(|s| s.as_str().to_owned()))?;
    doc.put(item, keys::AT, fields::timestamp(at))?;
    doc.put(item, keys::RECORDED_BY, recorded_by.to_string())?;
    doc.put(item, keys::DEVICE, device.to_string())?;
    Ok(())
}

/// Every record of the ledger, oldest first.
pub(crate) fn read(doc: &AutoCommit) -> Result<Vec<ConsentRecord>> {
    let mut records = Vec::new();
    for ledger in maps(doc, keys::CONSENT)? {
        for key in doc.keys(&ledger).collect::<Vec<_>>() {
            let item = fields::object(doc, &ledger, &key, ObjType::Map)?;
            records.push(read_record(doc, &item, &key)?);
        }
    }
    records.sort_by_key(|r| (r.at(), r.id()));
    records.dedup_by_key(|r| r.id());
    Ok(records)
}

/// One record of the ledger, as [`read`] would give it, if it is there.
pub(crate) fn read_one(doc: &AutoCommit, id: ConsentRecordId) -> Result<Option<ConsentRecord>> {
    let key = id.to_string();
    for ledger in maps(doc, keys::CONSENT)? {
        if doc.get(&ledger, key.as_str())?.is_some() {
            let item = fields::object(doc, &ledger, &key, ObjType::Map)?;
            return read_record(doc, &item, &key).map(Some);
        }
    }
    Ok(None)
}

fn read_record(doc: &AutoCommit, item: &ObjId, key: &str) -> Result<ConsentRecord> {
    let id = ConsentRecordId::from_stored(key)?;
    let storyteller = ParticipantId::from_stored(&fields::required_str(doc, item, keys::STORYTELLER)?)?;
    let story = fields::optional_str(doc, item, keys::STORY)?
        .map(|s| StoryId::from_stored(&s))
        .transpose()?;
    let scopes = read_list(doc, item, keys::SCOPES)?
        .iter()
        // A scope from a newer library is not understood here: leaving it
        // out of a grant fails closed, and we could not enforce it anyway.
        .filter_map(|s| ConsentScope::parse(s).ok())
        .collect();
    let at = fields::required_time(doc, item, keys::AT)?;
    let recorded_by = MemberId::from_stored(&fields::required_str(doc, item, keys::RECORDED_BY)?)?;
    let device = DeviceId::from_stored(&fields::required_str(doc, item, keys::DEVICE)?)?;
    match fields::required_str(doc, item, keys::KIND)?.as_str() {
        "grant" => Ok(ConsentRecord::Grant(ConsentGrant {
            id,
            storyteller,
            story,
            scopes,
            given_at: at,
            recorded_by,
            device,
            method: ConsentMethod::from_stored(&fields::required_str(doc, item, keys::METHOD)?)?,
            information_version: fields::required_str(doc, item, keys::INFORMATION_VERSION)?,
            information_language: fields::required_str(doc, item, keys::INFORMATION_LANGUAGE)?,
            evidence: fields::optional_str(doc, item, keys::EVIDENCE)?,
            expires_at: fields::optional_time(doc, item, keys::EXPIRES_AT)?,
            review_at: fields::optional_time(doc, item, keys::REVIEW_AT)?,
            attribution: Attribution::from_stored(&fields::required_str(doc, item, keys::ATTRIBUTION)?)?,
            acknowledges: read_list(doc, item, keys::ACKNOWLEDGES)?
                .iter()
                .map(|id| ConsentRecordId::from_stored(id))
                .collect::<Result<_>>()?,
        })),
        "withdrawal" => Ok(ConsentRecord::Withdrawal(ConsentWithdrawal {
            id,
            storyteller,
            story,
            scopes,
            withdrawn_at: at,
            recorded_by,
            device,
            erase: match doc.get(item, keys::ERASE)? {
                Some((Value::Scalar(v), _)) => match v.as_ref() {
                    ScalarValue::Boolean(b) => *b,
                    _ => return Err(Error::corrupt("withdrawal erase flag is not a boolean")),
                },
                _ => return Err(Error::corrupt("withdrawal erase flag is missing")),
            },
        })),
        _ => Err(Error::corrupt("consent record kind is unknown")),
    }
}

fn read_list(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<Vec<String>> {
    let list = fields::object(doc, obj, key, ObjType::List)?;
    (0..doc.length(&list))
        .map(|index| match doc.get(&list, index)? {
            Some((Value::Scalar(v), _)) => match v.as_ref() {
                ScalarValue::Str(s) => Ok(s.to_string()),
                _ => Err(Error::corrupt(format!("{key} holds a non-string"))),
            },
            _ => Err(Error::corrupt(format!("{key} holds a non-string"))),
        })
        .collect()
}

/// Records that a document was erased. Adding a tombstone that is already
/// there keeps the first.
pub(crate) fn add_tombstone(doc: &mut AutoCommit, tombstone: &Tombstone) -> Result<()> {
    let key = tombstone.id.hyphenated().to_string();
    for map in maps(doc, keys::TOMBSTONES)? {
        if doc.get(&map, key.as_str())?.is_some() {
            return Ok(());
        }
    }
    let map = writable_map(doc, keys::TOMBSTONES)?;
    let item = doc.put_object(&map, key, ObjType::Map)?;
    doc.put(&item, keys::KIND, tombstone.kind.as_str())?;
    doc.put(&item, keys::ERASED_AT, fields::timestamp(tombstone.erased_at))?;
    doc.put(&item, keys::WITHDRAWAL, tombstone.withdrawal.to_string())?;
    Ok(())
}

/// Every tombstone in the project that reads as one. Tombstones come from
/// peers and erase nothing by themselves (the ledger decides, see
/// `store::erasure`), so an entry that does not parse — a forged kind, a
/// broken id — is left out here rather than making the project unreadable.
pub(crate) fn tombstones(doc: &AutoCommit) -> Result<Vec<Tombstone>> {
    let mut tombstones: Vec<Tombstone> = Vec::new();
    for map in maps(doc, keys::TOMBSTONES)? {
        for key in doc.keys(&map).collect::<Vec<_>>() {
            let Ok(id) = Uuid::try_parse(&key) else { continue };
            if tombstones.iter().any(|t| t.id == id) {
                continue;
            }
            let Ok(item) = fields::object(doc, &map, &key, ObjType::Map) else {
                continue;
            };
            let read = || -> Result<Tombstone> {
                Ok(Tombstone {
                    id,
                    kind: DocKind::from_stored(&fields::required_str(doc, &item, keys::KIND)?)?,
                    erased_at: fields::required_time(doc, &item, keys::ERASED_AT)?,
                    withdrawal: ConsentRecordId::from_stored(&fields::required_str(doc, &item, keys::WITHDRAWAL)?)?,
                })
            };
            if let Ok(tombstone) = read() {
                tombstones.push(tombstone);
            }
        }
    }
    Ok(tombstones)
}

/// The keys of every tombstone entry, readable or not: the set that may
/// only grow.
pub(crate) fn tombstone_keys(doc: &AutoCommit) -> Result<Vec<String>> {
    let mut keys = Vec::new();
    for map in maps(doc, keys::TOMBSTONES)? {
        keys.extend(doc.keys(&map));
    }
    keys.sort();
    keys.dedup();
    Ok(keys)
}

/// The author of the change that created each consent record: the actor
/// of the record's map object (device‖member, see [`super::Author`]).
/// `None` for an actor that is not one of ours.
pub(crate) fn record_authors(doc: &AutoCommit) -> Result<Vec<(ConsentRecordId, Option<super::Author>)>> {
    let mut authors = Vec::new();
    for ledger in maps(doc, keys::CONSENT)? {
        for key in doc.keys(&ledger).collect::<Vec<_>>() {
            let Ok(id) = ConsentRecordId::from_stored(&key) else {
                continue;
            };
            for (value, obj) in doc.get_all(&ledger, key.as_str())? {
                if let (Value::Object(ObjType::Map), ObjId::Id(_, actor, _)) = (value, obj) {
                    authors.push((id, super::Author::from_actor(&actor)));
                }
            }
        }
    }
    Ok(authors)
}
