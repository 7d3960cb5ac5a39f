//! Consent grants, withdrawals and erasure, effective consent, receipts,
//! and the consent-checked ways a story leaves the device.

use std::sync::Arc;

use storyloom::{ConsentRecordId, ParticipantId, ProjectId, StoryId};

use crate::error::{Result, StoreError};
use crate::records::{
    ConsentRecord, ConsentScope, EffectiveConsent, ExportFormat, ExportPurpose, ExportReport, NewConsentGrant,
    NewConsentWithdrawal, PublishedStory, records,
};
use crate::store::Store;
use crate::worker::off_thread;

#[uniffi::export]
impl Store {
    /// Records a consent grant; it supersedes the withdrawals this device knows of.
    pub fn grant_consent(&self, project: ProjectId, grant: NewConsentGrant) -> Result<ConsentRecordId> {
        Ok(self.inner.grant_consent(project, &grant.into())?)
    }

    /// Records a withdrawal; with `erase`, erases what it covers on every device.
    pub fn withdraw_consent(&self, project: ProjectId, withdrawal: NewConsentWithdrawal) -> Result<ConsentRecordId> {
        Ok(self.inner.withdraw_consent(project, &withdrawal)?)
    }

    /// The ledger, or one storyteller's part of it, oldest first.
    pub fn consent_records(
        &self,
        project: ProjectId,
        storyteller: Option<ParticipantId>,
    ) -> Result<Vec<ConsentRecord>> {
        Ok(records(self.inner.consent_records(project, storyteller)?))
    }

    /// The consent in force for a storyteller (for one story, or all when null).
    pub fn effective_consent(&self, storyteller: ParticipantId, story: Option<StoryId>) -> Result<EffectiveConsent> {
        Ok(self.inner.effective_consent(storyteller, story)?.into())
    }

    /// The scopes in force for a story: what every storyteller allows.
    pub fn story_consent(&self, story: StoryId) -> Result<Vec<ConsentScope>> {
        Ok(self.inner.story_consent(story)?)
    }

    /// Throws `ConsentRequired` (naming the scope) unless the story's consent includes it.
    pub fn require_consent(&self, story: StoryId, scope: ConsentScope) -> Result<()> {
        Ok(self.inner.require_consent(story, scope)?)
    }

    /// A consent receipt as JSON (Kantara Consent Receipt v1.1 field names).
    pub fn consent_receipt(&self, project: ProjectId, storyteller: ParticipantId) -> Result<String> {
        let receipt = self.inner.consent_receipt(project, storyteller)?;
        serde_json::to_string_pretty(&receipt).map_err(|e| StoreError::Internal { reason: e.to_string() })
    }

    /// The story as it may leave the device for `purpose`.
    pub fn publish_story(&self, story: StoryId, purpose: ExportPurpose) -> Result<PublishedStory> {
        Ok(self.inner.publish_story(story, purpose)?.into())
    }

    /// Exports what consent allows to `folder`, with a manifest of what was withheld.
    /// Runs on a worker thread.
    pub async fn export_project(
        self: Arc<Self>,
        project: ProjectId,
        folder: String,
        format: ExportFormat,
        purpose: ExportPurpose,
    ) -> Result<ExportReport> {
        off_thread("export", None, move || {
            Ok(self
                .inner
                .export_project(project, std::path::Path::new(&folder), format, purpose)?)
        })
        .await
    }
}
