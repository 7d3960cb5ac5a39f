//! The layout of a project document: the group's members and codebook.
//!
//! ```text
//! { type: "project", schema, id (= project_id), project_id, created_at, name,
//!   members: { <member id>: { display_name, role, joined_at } },   add-wins
//!   themes:  { <theme name, lower case>: { name, description, added_by } },   add-wins
//!   consent: { … }, tombstones: { … } }   see `ledger_doc`
//! ```

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};
use chrono::{DateTime, Utc};

use super::fields;
use crate::error::{Error, Result};
use crate::ids::MemberId;
use crate::model::{Member, MemberRole, Project, Theme};
use crate::text;

pub(crate) mod keys {
    pub const NAME: &str = "name";
    pub const MEMBERS: &str = "members";
    pub const THEMES: &str = "themes";
    pub const DISPLAY_NAME: &str = "display_name";
    pub const ROLE: &str = "role";
    pub const JOINED_AT: &str = "joined_at";
    pub const DESCRIPTION: &str = "description";
    pub const ADDED_BY: &str = "added_by";
}

/// Writes a new project's fields under its header.
pub(crate) fn create(doc: &mut AutoCommit, name: &str) -> Result<()> {
    doc.put(ROOT, keys::NAME, name)?;
    doc.put_object(ROOT, keys::MEMBERS, ObjType::Map)?;
    doc.put_object(ROOT, keys::THEMES, ObjType::Map)?;
    super::ledger_doc::create(doc)
}

/// Reads the project, checking every field.
pub(crate) fn read(doc: &AutoCommit) -> Result<Project> {
    let project = read_without_ledger(doc)?;
    // The ledger and tombstones are part of a valid project.
    super::ledger_doc::read(doc)?;
    super::ledger_doc::tombstones(doc)?;
    Ok(project)
}

/// Reads the project's own fields, leaving the ledger to the caller: the
/// store reads it through its ledger cache (`store::ledger_cache`), which
/// checks it as [`read`] would.
pub(crate) fn read_without_ledger(doc: &AutoCommit) -> Result<Project> {
    let header = super::read_header(doc)?;
    if header.kind != super::DocKind::Project || header.id != *uuid::Uuid::from_bytes_ref(header.project_id.as_bytes())
    {
        return Err(Error::corrupt("document is not a project"));
    }
    let members_obj = fields::object(doc, &ROOT, keys::MEMBERS, ObjType::Map)?;
    let mut members = Vec::new();
    for key in doc.keys(&members_obj).collect::<Vec<_>>() {
        let item = fields::object(doc, &members_obj, &key, ObjType::Map)?;
        members.push(Member {
            id: MemberId::from_stored(&key)?,
            display_name: fields::required_str(doc, &item, keys::DISPLAY_NAME)?,
            role: MemberRole::from_stored(&fields::required_str(doc, &item, keys::ROLE)?)?,
            joined_at: fields::required_time(doc, &item, keys::JOINED_AT)?,
        });
    }
    members.sort_by_key(|m| (m.joined_at, m.id));
    let themes_obj = fields::object(doc, &ROOT, keys::THEMES, ObjType::Map)?;
    let mut themes = Vec::new();
    for key in doc.keys(&themes_obj).collect::<Vec<_>>() {
        let item = fields::object(doc, &themes_obj, &key, ObjType::Map)?;
        themes.push(Theme {
            name: fields::required_str(doc, &item, keys::NAME)?,
            description: fields::optional_str(doc, &item, keys::DESCRIPTION)?.unwrap_or_default(),
            added_by: MemberId::from_stored(&fields::required_str(doc, &item, keys::ADDED_BY)?)?,
        });
    }
    themes.sort_by_key(|theme| theme.name.to_lowercase());
    Ok(Project {
        id: header.project_id,
        name: fields::required_str(doc, &ROOT, keys::NAME)?,
        members,
        themes,
        created_at: fields::required_time(doc, &ROOT, super::keys::CREATED_AT)?,
        local_member: None,
    })
}

pub(crate) fn add_member(
    doc: &mut AutoCommit,
    id: MemberId,
    display_name: &str,
    role: MemberRole,
    now: DateTime<Utc>,
) -> Result<()> {
    let display_name = text::required_line("display_name", display_name)?;
    let members = fields::object(doc, &ROOT, keys::MEMBERS, ObjType::Map)?;
    let item = doc.put_object(&members, id.to_string(), ObjType::Map)?;
    doc.put(&item, keys::DISPLAY_NAME, display_name)?;
    doc.put(&item, keys::ROLE, role.as_str())?;
    doc.put(&item, keys::JOINED_AT, fields::timestamp(now))?;
    Ok(())
}

/// Adds a theme to the codebook. Adding a theme that is already there (in
/// any case) keeps the existing one.
pub(crate) fn add_theme(doc: &mut AutoCommit, name: &str, description: &str, added_by: MemberId) -> Result<bool> {
    let name = text::required_line("theme", name)?;
    let description = text::note("description", description)?;
    let themes = fields::object(doc, &ROOT, keys::THEMES, ObjType::Map)?;
    let key = name.to_lowercase();
    if doc.get(&themes, key.as_str())?.is_some() {
        return Ok(false);
    }
    let item = doc.put_object(&themes, key, ObjType::Map)?;
    doc.put(&item, keys::NAME, name)?;
    doc.put(&item, keys::DESCRIPTION, description)?;
    doc.put(&item, keys::ADDED_BY, added_by.to_string())?;
    Ok(true)
}
