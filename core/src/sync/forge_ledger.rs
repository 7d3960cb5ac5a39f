//! For tests that play a hostile member: add consent records and
//! tombstones to a project document as a change by any author, bypassing
//! every check the store makes. Behind the `test-support` feature; apps
//! never enable it.

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc, Value};
use uuid::Uuid;

use crate::consent::ConsentRecord;
use crate::documents::ledger_doc::{self, keys};
use crate::documents::{self, Author, fields};
use crate::error::{Error, Result};
use crate::ids::{ConsentRecordId, DeviceId, MemberId};

/// `project_doc` (a saved project document) with `record` added to its
/// ledger in a change written as `device`‖`member`.
pub fn forge_ledger_record(
    project_doc: &[u8],
    device: DeviceId,
    member: MemberId,
    record: &ConsentRecord,
) -> Result<Vec<u8>> {
    let mut doc = documents::load_document(project_doc)?;
    doc.set_actor(Author { device, member }.actor_id());
    ledger_doc::append(&mut doc, record)?;
    Ok(doc.save())
}

/// `project_doc` with a tombstone for `id` of kind `kind` (any text),
/// naming `withdrawal`, in a change written as `device`‖`member`.
pub fn forge_tombstone(
    project_doc: &[u8],
    device: DeviceId,
    member: MemberId,
    id: Uuid,
    kind: &str,
    withdrawal: ConsentRecordId,
) -> Result<Vec<u8>> {
    let mut doc = documents::load_document(project_doc)?;
    doc.set_actor(Author { device, member }.actor_id());
    let map = match doc.get(ROOT, keys::TOMBSTONES)? {
        Some((Value::Object(ObjType::Map), map)) => map,
        _ => return Err(Error::corrupt("the project has no tombstones map")),
    };
    let item = doc.put_object(&map, id.hyphenated().to_string(), ObjType::Map)?;
    doc.put(&item, keys::KIND, kind)?;
    doc.put(&item, keys::ERASED_AT, fields::timestamp(chrono::Utc::now()))?;
    doc.put(&item, keys::WITHDRAWAL, withdrawal.to_string())?;
    Ok(doc.save())
}
