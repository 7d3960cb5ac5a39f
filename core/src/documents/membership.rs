//! Signed membership records in the project document (issue 12, ADR 0016).
//!
//! ```text
//! project root: "membership:<record id, hex>" = bytes(postcard SignedRecord)
//! record id = SHA-256(body); signature = Ed25519 by the signing device over
//!   "storyloom membership v1" | project id | record id
//! ```
//!
//! One root key per record, so concurrent records never overwrite each
//! other; the fold (`keys::membership`) reads the set. A record counts only
//! if its signer device is enrolled (not contested) and the signature
//! verifies; anything else under the prefix is reported as forged, which a
//! peer's batch is refused for.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ReadDoc, ScalarValue, Value};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::ids::{DeviceId, MemberId, ProjectId};
use crate::keys::membership::{Action, Record, RecordId};
use crate::keys::{DeviceKeys, Directory, verify};
use crate::model::MemberRole;

const PREFIX: &str = "membership:";

/// The signed part of a record, as encoded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Body {
    pub version: u8,
    /// add | remove | set-role | remove-device
    pub action: String,
    pub member: Option<[u8; 16]>,
    pub device: Option<[u8; 16]>,
    pub role: Option<String>,
    /// Milliseconds since 1970, for people reading the history.
    pub at: i64,
    pub signer: [u8; 16],
    pub parents: Vec<RecordId>,
    /// For a removal: the new group secret's key id and its sealed boxes,
    /// one per remaining device.
    pub rotation: Option<Rotation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Rotation {
    pub key_id: [u8; 8],
    pub boxes: Vec<([u8; 16], Vec<u8>)>,
}

#[derive(Serialize, Deserialize)]
struct Signed {
    body: Vec<u8>,
    signature: Vec<u8>,
}

/// Everything the document's records say.
#[derive(Debug, Default)]
pub(crate) struct Records {
    pub valid: Vec<Record>,
    /// The sealed boxes of each rotation, by record id.
    pub rotations: Vec<(RecordId, Rotation)>,
    /// Entries under the prefix that are malformed, unsigned, or signed by
    /// a key not enrolled for the device they name.
    pub forged: Vec<String>,
}

fn signing_input(project: ProjectId, id: &RecordId) -> Vec<u8> {
    let mut input = b"storyloom membership v1".to_vec();
    input.extend_from_slice(project.as_bytes());
    input.extend_from_slice(id);
    input
}

/// Signs `body` with this device's keys and writes it (the caller commits).
pub(crate) fn write(doc: &mut AutoCommit, project: ProjectId, keys: &DeviceKeys, body: &Body) -> Result<RecordId> {
    let body = postcard::to_allocvec(body).map_err(|e| Error::Storage(format!("cannot encode a record: {e}")))?;
    let id: RecordId = Sha256::digest(&body).into();
    let signature = keys.sign(&signing_input(project, &id)).to_vec();
    let signed = postcard::to_allocvec(&Signed { body, signature })
        .map_err(|e| Error::Storage(format!("cannot encode a record: {e}")))?;
    doc.put(ROOT, format!("{PREFIX}{}", hex(&id)), ScalarValue::Bytes(signed))?;
    Ok(id)
}

/// Reads every record, checking each against `directory` (the enrolments
/// as written, before membership filters them).
pub(crate) fn read(doc: &AutoCommit, project: ProjectId, directory: &Directory) -> Result<Records> {
    let mut records = Records::default();
    for name in doc.keys(ROOT).filter(|k| k.starts_with(PREFIX)) {
        let values = doc.get_all(ROOT, name.as_str())?;
        if values.len() != 1 {
            records.forged.push(name);
            continue;
        }
        match parse(&values[0].0, &name, project, directory) {
            Some((record, rotation)) => {
                if let Some(rotation) = rotation {
                    records.rotations.push((record.id, rotation));
                }
                records.valid.push(record);
            }
            None => records.forged.push(name),
        }
    }
    Ok(records)
}

fn parse(
    value: &Value<'_>,
    name: &str,
    project: ProjectId,
    directory: &Directory,
) -> Option<(Record, Option<Rotation>)> {
    let Value::Scalar(scalar) = value else {
        return None;
    };
    let ScalarValue::Bytes(bytes) = scalar.as_ref() else {
        return None;
    };
    let signed: Signed = postcard::from_bytes(bytes).ok()?;
    let id: RecordId = Sha256::digest(&signed.body).into();
    if name != format!("{PREFIX}{}", hex(&id)) {
        return None;
    }
    let body: Body = postcard::from_bytes(&signed.body).ok()?;
    if body.version != 1 {
        return None;
    }
    let signer_device = DeviceId::from_bytes(body.signer);
    let enrolment = directory.get(signer_device)?;
    if !verify(&enrolment.keys.signing, &signing_input(project, &id), &signed.signature) {
        return None;
    }
    let member = body.member.map(MemberId::from_bytes);
    let role = match &body.role {
        Some(role) => Some(MemberRole::parse(role).ok()?),
        None => None,
    };
    let action = match (body.action.as_str(), member, role, body.device) {
        ("add", Some(member), Some(role), None) => Action::Add(member, role),
        ("set-role", Some(member), Some(role), None) => Action::SetRole(member, role),
        ("remove", Some(member), None, None) => Action::Remove(member),
        ("remove-device", None, None, Some(device)) => Action::RemoveDevice(DeviceId::from_bytes(device)),
        _ => return None,
    };
    if body.rotation.is_some() && !matches!(action, Action::Remove(_) | Action::RemoveDevice(_)) {
        return None;
    }
    let record = Record {
        id,
        signer_device,
        signer_member: enrolment.member,
        action,
        parents: body.parents,
        rotation: body.rotation.as_ref().map(|r| r.key_id),
    };
    Some((record, body.rotation))
}

/// The project's founder: the member whose device wrote the project's
/// header in its first change (the lowest op counter on `created_at`). Two
/// different members claiming it (a forged first change) leave no founder.
pub(crate) fn founder(doc: &AutoCommit) -> Result<Option<MemberId>> {
    let mut best: Option<(u64, MemberId)> = None;
    let mut tied = false;
    for (_, op) in doc.get_all(ROOT, super::keys::CREATED_AT)? {
        let automerge::ObjId::Id(counter, actor, _) = op else {
            continue;
        };
        let Some(author) = super::Author::from_actor(&actor) else {
            continue;
        };
        match best {
            Some((c, m)) if c < counter || (c == counter && m == author.member) => {}
            Some((c, _)) if c == counter => tied = true,
            _ => {
                best = Some((counter, author.member));
                tied = false;
            }
        }
    }
    Ok(if tied { None } else { best.map(|(_, m)| m) })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the project document says about membership, folded.
pub(crate) struct State {
    /// Enrolments as written, before membership filters them.
    pub enrolled: Directory,
    pub records: Records,
    pub founder: Option<MemberId>,
    pub membership: crate::keys::membership::Membership,
}

/// Reads and folds the records of a project document.
pub(crate) fn state(doc: &AutoCommit) -> Result<State> {
    let enrolled = super::enrolments::raw_directory(doc)?;
    let project = super::read_header(doc)?.project_id;
    let records = read(doc, project, &enrolled)?;
    let founder = founder(doc)?;
    let membership = crate::keys::membership::fold(&records.valid, founder);
    Ok(State {
        enrolled,
        records,
        founder,
        membership,
    })
}

/// The enrolments a project's devices may be trusted with: those of
/// members and devices the records have not removed.
pub(crate) fn trusted_directory(doc: &AutoCommit) -> Result<Directory> {
    if super::read_header(doc).is_err() {
        return super::enrolments::raw_directory(doc);
    }
    let state = state(doc)?;
    let membership = &state.membership;
    Ok(state
        .enrolled
        .retain(|device, enrolment| membership.admits(enrolment.member, *device)))
}
