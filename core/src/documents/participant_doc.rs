//! The layout of a participant document, and the edits made to it.
//!
//! ```text
//! { type: "participant", schema, id, project_id, created_at,
//!   display_name, pseudonym?, pronouns?, preferred_language?, contact?, communication_notes,
//!   badge,                                      concurrent values: most protective wins
//!   badge_history: [ { level, member, device, at } ],
//!   adjustments: { <kind[:detail]>: { kind, detail? } } }   add-wins set
//! ```
//! The badge is a plain key, so concurrent sets leave every value in the
//! document until someone sets it again, which supersedes them all. Reading
//! takes the most protective of the values present (ADR 0003).

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use chrono::{DateTime, Utc};

use super::{Author, fields};
use crate::error::{Error, Result};
use crate::ids::{DeviceId, MemberId, ParticipantId};
use crate::model::{
    Adjustment, AdjustmentKind, BadgeChange, FieldConflict, InteractionBadge, LanguageTag, NewParticipant, Participant,
    ParticipantUpdate,
};
use crate::text;

pub(crate) mod keys {
    pub const DISPLAY_NAME: &str = "display_name";
    pub const PSEUDONYM: &str = "pseudonym";
    pub const PRONOUNS: &str = "pronouns";
    pub const PREFERRED_LANGUAGE: &str = "preferred_language";
    pub const CONTACT: &str = "contact";
    pub const COMMUNICATION_NOTES: &str = "communication_notes";
    pub const BADGE: &str = "badge";
    pub const BADGE_HISTORY: &str = "badge_history";
    pub const ADJUSTMENTS: &str = "adjustments";
    pub const KIND: &str = "kind";
    pub const DETAIL: &str = "detail";
    pub const LEVEL: &str = "level";
    pub const MEMBER: &str = "member";
    pub const DEVICE: &str = "device";
    pub const AT: &str = "at";
}

/// The one-line optional fields, with their keys.
const OPTIONAL_LINES: [&str; 3] = [keys::PSEUDONYM, keys::PRONOUNS, keys::CONTACT];

/// Checks a new participant's details.
pub(crate) fn check_new(new: &NewParticipant) -> Result<NewParticipant> {
    let mut checked = NewParticipant {
        display_name: text::required_line("display_name", &new.display_name)?,
        pseudonym: checked_line(keys::PSEUDONYM, new.pseudonym.as_deref())?,
        pronouns: checked_line(keys::PRONOUNS, new.pronouns.as_deref())?,
        preferred_language: checked_language(new.preferred_language.as_deref())?,
        contact: checked_line(keys::CONTACT, new.contact.as_deref())?,
        communication_notes: text::note("communication_notes", &new.communication_notes)?,
        badge: new.badge,
        adjustments: Vec::new(),
    };
    for adjustment in &new.adjustments {
        checked
            .adjustments
            .push(Adjustment::validated(adjustment.kind, adjustment.detail.as_deref())?);
    }
    Ok(checked)
}

fn checked_line(field: &str, value: Option<&str>) -> Result<Option<String>> {
    value
        .map(|v| text::optional_line(field, v))
        .transpose()
        .map(Option::flatten)
}

fn checked_language(value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(tag) => Ok(Some(LanguageTag::parse(tag)?.to_string())),
    }
}

/// Writes a new participant (already checked) under its header.
pub(crate) fn create(doc: &mut AutoCommit, new: &NewParticipant, author: &Author, now: DateTime<Utc>) -> Result<()> {
    doc.put(ROOT, keys::DISPLAY_NAME, new.display_name.as_str())?;
    for (key, value) in [
        (keys::PSEUDONYM, &new.pseudonym),
        (keys::PRONOUNS, &new.pronouns),
        (keys::PREFERRED_LANGUAGE, &new.preferred_language),
        (keys::CONTACT, &new.contact),
    ] {
        if let Some(value) = value {
            doc.put(ROOT, key, value.as_str())?;
        }
    }
    doc.put(ROOT, keys::COMMUNICATION_NOTES, new.communication_notes.as_str())?;
    doc.put_object(ROOT, keys::BADGE_HISTORY, ObjType::List)?;
    doc.put_object(ROOT, keys::ADJUSTMENTS, ObjType::Map)?;
    set_badge(doc, new.badge.unwrap_or(InteractionBadge::Unset), author, now)?;
    for adjustment in &new.adjustments {
        add_adjustment(doc, adjustment)?;
    }
    Ok(())
}

/// Reads the participant, checking every field.
pub(crate) fn read(doc: &AutoCommit) -> Result<Participant> {
    let header = super::read_header(doc)?;
    if header.kind != super::DocKind::Participant {
        return Err(Error::corrupt("document is not a participant"));
    }
    let badges = badge_values(doc)?;
    let badge = InteractionBadge::most_protective(badges.iter().copied());
    let mut conflicts = fields::conflicts(
        doc,
        &[
            keys::DISPLAY_NAME,
            keys::PSEUDONYM,
            keys::PRONOUNS,
            keys::PREFERRED_LANGUAGE,
            keys::CONTACT,
            keys::COMMUNICATION_NOTES,
        ],
    )?;
    if badges.len() > 1 {
        conflicts.push(FieldConflict {
            field: keys::BADGE.to_owned(),
            winner: badge.to_string(),
            others: badges.iter().filter(|b| **b != badge).map(|b| b.to_string()).collect(),
        });
    }
    let mut adjustments = read_adjustments(doc)?;
    adjustments.sort();
    Ok(Participant {
        id: ParticipantId::from_bytes(*header.id.as_bytes()),
        project_id: header.project_id,
        display_name: fields::required_str(doc, &ROOT, keys::DISPLAY_NAME)?,
        pseudonym: fields::optional_str(doc, &ROOT, keys::PSEUDONYM)?,
        pronouns: fields::optional_str(doc, &ROOT, keys::PRONOUNS)?,
        preferred_language: fields::optional_str(doc, &ROOT, keys::PREFERRED_LANGUAGE)?,
        contact: fields::optional_str(doc, &ROOT, keys::CONTACT)?,
        communication_notes: fields::optional_str(doc, &ROOT, keys::COMMUNICATION_NOTES)?.unwrap_or_default(),
        badge,
        adjustments,
        conflicts,
        created_at: fields::required_time(doc, &ROOT, super::keys::CREATED_AT)?,
    })
}

/// Every badge level currently present (more than one after concurrent sets).
fn badge_values(doc: &AutoCommit) -> Result<Vec<InteractionBadge>> {
    let mut levels = Vec::new();
    for (value, _) in doc.get_all(ROOT, keys::BADGE)? {
        match value {
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Str(level) => levels.push(InteractionBadge::from_stored(level)?),
                _ => return Err(Error::corrupt("badge is not a level")),
            },
            Value::Object(_) => return Err(Error::corrupt("badge is not a level")),
        }
    }
    Ok(levels)
}

fn read_adjustments(doc: &AutoCommit) -> Result<Vec<Adjustment>> {
    let map = fields::object(doc, &ROOT, keys::ADJUSTMENTS, ObjType::Map)?;
    let mut adjustments = Vec::new();
    for key in doc.keys(&map).collect::<Vec<_>>() {
        let item = fields::object(doc, &map, &key, ObjType::Map)?;
        let kind = AdjustmentKind::from_stored(&fields::required_str(doc, &item, keys::KIND)?)?;
        let detail = fields::optional_str(doc, &item, keys::DETAIL)?;
        adjustments.push(Adjustment { kind, detail });
    }
    Ok(adjustments)
}

/// Applies an update after checking every field in it.
pub(crate) fn update(doc: &mut AutoCommit, update: &ParticipantUpdate) -> Result<()> {
    let display_name = update
        .display_name
        .as_deref()
        .map(|n| text::required_line("display_name", n))
        .transpose()?;
    let mut lines = Vec::new();
    for (key, value) in OPTIONAL_LINES
        .iter()
        .zip([&update.pseudonym, &update.pronouns, &update.contact])
    {
        if let Some(value) = value {
            lines.push((*key, text::optional_line(key, value)?));
        }
    }
    let language = update
        .preferred_language
        .as_deref()
        .map(|l| checked_language(Some(l)))
        .transpose()?;
    let notes = update
        .communication_notes
        .as_deref()
        .map(|n| text::note("communication_notes", n))
        .transpose()?;

    if let Some(name) = display_name {
        doc.put(ROOT, keys::DISPLAY_NAME, name)?;
    }
    if let Some(language) = language {
        lines.push((keys::PREFERRED_LANGUAGE, language));
    }
    for (key, value) in lines {
        match value {
            Some(value) => doc.put(ROOT, key, value)?,
            None => doc.delete(ROOT, key)?,
        }
    }
    if let Some(notes) = notes {
        doc.put(ROOT, keys::COMMUNICATION_NOTES, notes)?;
    }
    Ok(())
}

/// Sets the badge, superseding every value this device has seen, and
/// records the change in the badge history.
pub(crate) fn set_badge(
    doc: &mut AutoCommit,
    level: InteractionBadge,
    author: &Author,
    now: DateTime<Utc>,
) -> Result<()> {
    doc.put(ROOT, keys::BADGE, level.as_str())?;
    let history = fields::object(doc, &ROOT, keys::BADGE_HISTORY, ObjType::List)?;
    let at = doc.length(&history);
    let entry = doc.insert_object(&history, at, ObjType::Map)?;
    doc.put(&entry, keys::LEVEL, level.as_str())?;
    doc.put(&entry, keys::MEMBER, author.member.to_string())?;
    doc.put(&entry, keys::DEVICE, author.device.to_string())?;
    doc.put(&entry, keys::AT, fields::timestamp(now))?;
    Ok(())
}

/// The badge history, oldest first.
pub(crate) fn badge_history(doc: &AutoCommit) -> Result<Vec<BadgeChange>> {
    let history = fields::object(doc, &ROOT, keys::BADGE_HISTORY, ObjType::List)?;
    let mut changes = Vec::new();
    for index in 0..doc.length(&history) {
        let entry = match doc.get(&history, index)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => return Err(Error::corrupt("badge history entry is not a map")),
        };
        changes.push(BadgeChange {
            level: InteractionBadge::from_stored(&fields::required_str(doc, &entry, keys::LEVEL)?)?,
            member_id: MemberId::from_stored(&fields::required_str(doc, &entry, keys::MEMBER)?)?,
            device_id: DeviceId::from_stored(&fields::required_str(doc, &entry, keys::DEVICE)?)?,
            at: fields::required_time(doc, &entry, keys::AT)?,
        });
    }
    changes.sort_by_key(|c| c.at);
    Ok(changes)
}

pub(crate) fn add_adjustment(doc: &mut AutoCommit, adjustment: &Adjustment) -> Result<()> {
    let adjustment = Adjustment::validated(adjustment.kind, adjustment.detail.as_deref())?;
    let map = fields::object(doc, &ROOT, keys::ADJUSTMENTS, ObjType::Map)?;
    // Always a new object, even if the adjustment is there: a fresh op is
    // what makes this add win over a concurrent remove of the old one.
    let item = doc.put_object(&map, adjustment.set_key(), ObjType::Map)?;
    doc.put(&item, keys::KIND, adjustment.kind.as_str())?;
    if let Some(detail) = &adjustment.detail {
        doc.put(&item, keys::DETAIL, detail.as_str())?;
    }
    Ok(())
}

/// Removing an adjustment that is not there is a no-op.
pub(crate) fn remove_adjustment(doc: &mut AutoCommit, adjustment: &Adjustment) -> Result<()> {
    let adjustment = Adjustment::validated(adjustment.kind, adjustment.detail.as_deref())?;
    let map = fields::object(doc, &ROOT, keys::ADJUSTMENTS, ObjType::Map)?;
    if doc.get(&map, adjustment.set_key())?.is_some() {
        doc.delete(&map, adjustment.set_key())?;
    }
    Ok(())
}
