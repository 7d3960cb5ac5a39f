//! Participants and their accessibility preferences.

use storyloom::{ParticipantId, ProjectId};

use crate::error::Result;
use crate::records::{
    Adjustment, BadgeChange, HistoryEntry, InteractionBadge, NewParticipant, Participant, ParticipantSummary,
    ParticipantUpdate, all,
};
use crate::store::Store;

#[uniffi::export]
impl Store {
    /// Adds a participant to a project and returns their id. Fails with
    /// `InvalidInput` for a bad name, language or adjustment, `NotFound` for
    /// an unknown project.
    pub fn add_participant(&self, project: ProjectId, participant: NewParticipant) -> Result<ParticipantId> {
        Ok(self.inner.add_participant(project, &participant.into())?)
    }

    /// A participant with their accessibility preferences. Fails with
    /// `NotFound`, or `Erased` once their personal details were erased.
    pub fn participant(&self, id: ParticipantId) -> Result<Participant> {
        Ok(self.inner.participant(id)?.into())
    }

    /// The participants of a project, by name.
    pub fn participants(&self, project: ProjectId) -> Result<Vec<ParticipantSummary>> {
        Ok(all(self.inner.participants(project)?))
    }

    /// Changes the details set in `update`; checks every field before
    /// changing any (`InvalidInput`).
    pub fn update_participant(&self, id: ParticipantId, update: ParticipantUpdate) -> Result<()> {
        Ok(self.inner.update_participant(id, &update.into())?)
    }

    /// Sets the badge, superseding concurrent levels this device has seen.
    pub fn set_badge(&self, id: ParticipantId, level: InteractionBadge) -> Result<()> {
        Ok(self.inner.set_badge(id, level)?)
    }

    /// Every change of the participant's badge, oldest first.
    pub fn badge_history(&self, id: ParticipantId) -> Result<Vec<BadgeChange>> {
        Ok(all(self.inner.badge_history(id)?))
    }

    /// Adds a reasonable adjustment; adding one already there changes nothing.
    /// A detail that does not fit the kind is `InvalidInput`.
    pub fn add_adjustment(&self, id: ParticipantId, adjustment: Adjustment) -> Result<()> {
        Ok(self.inner.add_adjustment(id, &adjustment)?)
    }

    /// Removes a reasonable adjustment; removing one not there changes nothing.
    pub fn remove_adjustment(&self, id: ParticipantId, adjustment: Adjustment) -> Result<()> {
        Ok(self.inner.remove_adjustment(id, &adjustment)?)
    }

    /// Who changed the participant's record, when, and what kind of change,
    /// oldest first.
    pub fn participant_history(&self, id: ParticipantId) -> Result<Vec<HistoryEntry>> {
        Ok(all(self.inner.participant_history(id)?))
    }

    /// The participant document's bytes, to hand to another store of the
    /// group (`importDocument` there). Sessions and bundles do this for
    /// you; this is for tools and tests.
    pub fn export_participant_document(&self, id: ParticipantId) -> Result<Vec<u8>> {
        Ok(self.inner.export_participant_document(id)?)
    }
}
