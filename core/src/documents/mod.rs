//! Automerge documents: one per project, per story and per participant.
//!
//! The document is the unit of loading, syncing and erasure (ADR 0001). This
//! module knows how each kind of record is laid out inside its document and
//! nothing about SQLite; `store` decides when documents are loaded and saved.

pub(crate) mod enrolments;
pub(crate) mod fields;
pub(crate) mod history;
pub(crate) mod ledger_doc;
pub(crate) mod membership;
pub(crate) mod participant_doc;
pub(crate) mod project_doc;
pub(crate) mod story_doc;
pub(crate) mod story_media;
pub(crate) mod story_segments;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, LoadOptions, ROOT, TextEncoding};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::{DeviceId, MemberId, ProjectId};
use crate::model::ChangeKind;

/// The layout version written into every document. A document with a higher
/// version comes from a newer library and is refused rather than misread.
pub(crate) const DOC_SCHEMA: i64 = 1;

/// Offsets into text are UTF-16 code units, as Kotlin, Swift and JavaScript
/// count them (ADR 0002).
const ENCODING: TextEncoding = TextEncoding::Utf16CodeUnit;

/// Keys every document has at its root.
pub(crate) mod keys {
    pub const TYPE: &str = "type";
    pub const SCHEMA: &str = "schema";
    pub const ID: &str = "id";
    pub const PROJECT_ID: &str = "project_id";
    pub const CREATED_AT: &str = "created_at";
}

crate::model::text_enum!(
    /// The kinds of document.
    DocKind, "document type" {
        Project => "project",
        Story => "story",
        Participant => "participant",
    }
);

/// What every document says about itself at its root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub kind: DocKind,
    pub id: Uuid,
    pub project_id: ProjectId,
}

/// A new, empty document that writes as `actor`.
pub(crate) fn new_document(actor: &Author) -> AutoCommit {
    AutoCommit::new_with_encoding(ENCODING).with_actor(actor.actor_id())
}

/// Loads a document from the concatenation of its saved chunks.
///
/// The bytes may come from a peer: should Automerge ever panic on them, the
/// panic is caught and the bytes are corrupt data.
pub(crate) fn load_document(bytes: &[u8]) -> Result<AutoCommit> {
    std::panic::catch_unwind(|| AutoCommit::load_with_options(bytes, LoadOptions::new().text_encoding(ENCODING)))
        .map_err(|_| Error::corrupt("document bytes could not be read safely"))?
        .map_err(|err| Error::corrupt(format!("document bytes do not load: {err}")))
}

/// Writes the root keys every document has.
pub(crate) fn write_header(doc: &mut AutoCommit, header: &Header, now: DateTime<Utc>) -> Result<()> {
    doc.put(ROOT, keys::TYPE, header.kind.as_str())?;
    doc.put(ROOT, keys::SCHEMA, DOC_SCHEMA)?;
    doc.put(ROOT, keys::ID, header.id.hyphenated().to_string())?;
    doc.put(ROOT, keys::PROJECT_ID, header.project_id.to_string())?;
    doc.put(
        ROOT,
        keys::CREATED_AT,
        automerge::ScalarValue::Timestamp(now.timestamp_millis()),
    )?;
    Ok(())
}

/// Reads and checks the root keys.
pub(crate) fn read_header(doc: &AutoCommit) -> Result<Header> {
    let kind = fields::required_str(doc, &ROOT, keys::TYPE)?;
    let kind = DocKind::from_stored(&kind)?;
    let schema = fields::required_i64(doc, &ROOT, keys::SCHEMA)?;
    if !(1..=DOC_SCHEMA).contains(&schema) {
        return Err(Error::corrupt(format!(
            "document layout version {schema} is not supported (this library reads up to {DOC_SCHEMA})"
        )));
    }
    let id = fields::required_str(doc, &ROOT, keys::ID)?;
    let id = Uuid::try_parse(&id).map_err(|_| Error::corrupt("document id is not a UUID"))?;
    let project_id = ProjectId::from_stored(&fields::required_str(doc, &ROOT, keys::PROJECT_ID)?)?;
    Ok(Header { kind, id, project_id })
}

/// Who is writing: the member, on this device. Encoded in the Automerge actor
/// id so every change says who made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Author {
    pub device: DeviceId,
    pub member: MemberId,
}

impl Author {
    /// 32 bytes: the device id, then the member id. One actor per member per
    /// device keeps each actor's changes sequential, as Automerge requires,
    /// because a store has a single writer.
    pub fn actor_id(&self) -> ActorId {
        let mut bytes = Vec::with_capacity(32);
        bytes.extend_from_slice(self.device.as_bytes());
        bytes.extend_from_slice(self.member.as_bytes());
        ActorId::from(bytes)
    }

    /// The author of a change, if its actor id is one of ours.
    pub fn from_actor(actor: &ActorId) -> Option<Self> {
        let bytes = actor.to_bytes();
        if bytes.len() != 32 {
            return None;
        }
        let device: [u8; 16] = bytes[..16].try_into().ok()?;
        let member: [u8; 16] = bytes[16..].try_into().ok()?;
        Some(Self {
            device: DeviceId::from_bytes(device),
            member: MemberId::from_bytes(member),
        })
    }
}

/// Closes the pending Automerge transaction as one change, recording its kind
/// and time for the history.
pub(crate) fn commit(doc: &mut AutoCommit, kind: &ChangeKind, now: DateTime<Utc>) {
    doc.commit_with(
        CommitOptions::default()
            .with_message(kind.as_message())
            .with_time(now.timestamp_millis()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authors_round_trip_through_actor_ids() {
        let author = Author {
            device: DeviceId::new(),
            member: MemberId::new(),
        };
        assert_eq!(Author::from_actor(&author.actor_id()), Some(author));
        assert_eq!(Author::from_actor(&ActorId::random()), None);
    }

    #[test]
    fn headers_round_trip_and_future_layouts_are_refused() {
        let author = Author {
            device: DeviceId::new(),
            member: MemberId::new(),
        };
        let header = Header {
            kind: DocKind::Story,
            id: Uuid::now_v7(),
            project_id: ProjectId::new(),
        };
        let mut doc = new_document(&author);
        write_header(&mut doc, &header, Utc::now()).unwrap();
        assert_eq!(read_header(&doc).unwrap(), header);

        doc.put(ROOT, keys::SCHEMA, DOC_SCHEMA + 1).unwrap();
        assert!(matches!(read_header(&doc), Err(Error::CorruptData(_))));
    }
}
