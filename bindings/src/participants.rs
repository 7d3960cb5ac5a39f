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
    pub fn add_participant(&self, project: ProjectId, participant: NewParticipant) -> Result<ParticipantId> {
        Ok(self.inner.add_participant(project, &participant.into())?)
    }

    pub fn participant(&self, id: ParticipantId) -> Result<Participant> {
        Ok(self.inner.participant(id)?.into())
    }

    pub fn participants(&self, project: ProjectId) -> Result<Vec<ParticipantSummary>> {
        Ok(all(self.inner.participants(project)?))
    }

    pub fn update_participant(&self, id: ParticipantId, update: ParticipantUpdate) -> Result<()> {
        Ok(self.inner.update_participant(id, &update.into())?)
    }

    /// Sets the badge, superseding concurrent levels this device has seen.
    pub fn set_badge(&self, id: ParticipantId, level: InteractionBadge) -> Result<()> {
        Ok(self.inner.set_badge(id, level)?)
    }

    pub fn badge_history(&self, id: ParticipantId) -> Result<Vec<BadgeChange>> {
        Ok(all(self.inner.badge_history(id)?))
    }

    pub fn add_adjustment(&self, id: ParticipantId, adjustment: Adjustment) -> Result<()> {
        Ok(self.inner.add_adjustment(id, &adjustment)?)
    }

    pub fn remove_adjustment(&self, id: ParticipantId, adjustment: Adjustment) -> Result<()> {
        Ok(self.inner.remove_adjustment(id, &adjustment)?)
    }

    pub fn participant_history(&self, id: ParticipantId) -> Result<Vec<HistoryEntry>> {
        Ok(all(self.inner.participant_history(id)?))
    }

    pub fn export_participant_document(&self, id: ParticipantId) -> Result<Vec<u8>> {
        Ok(self.inner.export_participant_document(id)?)
    }
}
