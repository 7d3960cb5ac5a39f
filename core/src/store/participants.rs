//! Participants and their accessibility preferences.

use rusqlite::params;

use super::{Store, participant_uuid};
use crate::documents::{DocKind, history, participant_doc};
use crate::error::Result;
use crate::ids::{ParticipantId, ProjectId};
use crate::model::{
    Adjustment, BadgeChange, ChangeKind, HistoryEntry, InteractionBadge, NewParticipant, Participant,
    ParticipantSummary, ParticipantUpdate,
};

impl Store {
    /// Adds a participant to a project.
    pub fn add_participant(&self, project: ProjectId, new: &NewParticipant) -> Result<ParticipantId> {
        let checked = participant_doc::check_new(new)?;
        self.write(|w| {
            let id = ParticipantId::new();
            w.create(
                DocKind::Participant,
                participant_uuid(id),
                project,
                |doc, author, now| participant_doc::create(doc, &checked, author, now),
            )?;
            Ok(id)
        })
    }

    /// A participant with their accessibility preferences.
    pub fn participant(&self, id: ParticipantId) -> Result<Participant> {
        self.view(participant_uuid(id), DocKind::Participant, |doc| {
            participant_doc::read(doc)
        })
    }

    /// The participants of a project, by name, from the index.
    pub fn participants(&self, project: ProjectId) -> Result<Vec<ParticipantSummary>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT participant_id, display_name, pseudonym, badge FROM participants
                 WHERE project_id = ?1 ORDER BY display_name COLLATE NOCASE, participant_id",
            )?;
            let rows = stmt.query_map(params![project.to_string()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })?;
            rows.map(|row| {
                let (id, display_name, pseudonym, badge) = row?;
                Ok(ParticipantSummary {
                    id: ParticipantId::from_stored(&id)?,
                    display_name,
                    pseudonym,
                    badge: InteractionBadge::from_stored(&badge)?,
                })
            })
            .collect()
        })
    }

    /// Changes a participant's details; checks every field before changing any.
    pub fn update_participant(&self, id: ParticipantId, update: &ParticipantUpdate) -> Result<()> {
        self.write(|w| {
            w.edit(
                participant_uuid(id),
                DocKind::Participant,
                ChangeKind::DetailsChanged,
                |doc, _| participant_doc::update(doc, update),
            )
        })
    }

    /// Sets the participant's interaction badge. This supersedes every level
    /// this device has seen, including concurrent ones merged in earlier.
    pub fn set_badge(&self, id: ParticipantId, level: InteractionBadge) -> Result<()> {
        self.write(|w| {
            w.edit(
                participant_uuid(id),
                DocKind::Participant,
                ChangeKind::BadgeChanged,
                |doc, author| participant_doc::set_badge(doc, level, author, super::now()),
            )
        })
    }

    /// Every change of the participant's badge, oldest first.
    pub fn badge_history(&self, id: ParticipantId) -> Result<Vec<BadgeChange>> {
        self.view(participant_uuid(id), DocKind::Participant, |doc| {
            participant_doc::badge_history(doc)
        })
    }

    /// Adds a reasonable adjustment; adding one already there is a no-op.
    pub fn add_adjustment(&self, id: ParticipantId, adjustment: &Adjustment) -> Result<()> {
        self.write(|w| {
            w.edit(
                participant_uuid(id),
                DocKind::Participant,
                ChangeKind::AdjustmentsChanged,
                |doc, _| participant_doc::add_adjustment(doc, adjustment),
            )
        })
    }

    /// Removes a reasonable adjustment; removing one not there is a no-op.
    pub fn remove_adjustment(&self, id: ParticipantId, adjustment: &Adjustment) -> Result<()> {
        self.write(|w| {
            w.edit(
                participant_uuid(id),
                DocKind::Participant,
                ChangeKind::AdjustmentsChanged,
                |doc, _| participant_doc::remove_adjustment(doc, adjustment),
            )
        })
    }

    /// Who changed this participant's record, and when.
    pub fn participant_history(&self, id: ParticipantId) -> Result<Vec<HistoryEntry>> {
        let (project, entries) = self.view(participant_uuid(id), DocKind::Participant, |doc| {
            let project = crate::documents::read_header(doc)?.project_id;
            Ok((project, history::read(doc)))
        })?;
        self.name_members(project, entries)
    }
}
