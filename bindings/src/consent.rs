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
    /// Records a consent grant and returns its ledger id. It supersedes the
    /// withdrawals this device knows of for the storyteller, and no other
    /// (docs/consent.md). Fails with `InvalidInput` (no scope, a bad language,
    /// evidence or date, a story that is not the storyteller's) or `NotFound`.
    pub fn grant_consent(&self, project: ProjectId, grant: NewConsentGrant) -> Result<ConsentRecordId> {
        Ok(self.inner.grant_consent(project, &grant.into())?)
    }

    /// Records a withdrawal and returns its ledger id. With `erase`, erases
    /// the stories it covers (and, for all stories, the storyteller's personal
    /// details) here at once and on every device that syncs; erasing again
    /// what is already erased changes nothing and returns the first withdrawal.
    pub fn withdraw_consent(&self, project: ProjectId, withdrawal: NewConsentWithdrawal) -> Result<ConsentRecordId> {
        Ok(self.inner.withdraw_consent(project, &withdrawal)?)
    }

    /// The project's consent ledger, or one storyteller's part of it when
    /// `storyteller` is given, oldest first.
    #[uniffi::method(default(storyteller = None))]
    pub fn consent_records(
        &self,
        project: ProjectId,
        storyteller: Option<ParticipantId>,
    ) -> Result<Vec<ConsentRecord>> {
        Ok(records(self.inner.consent_records(project, storyteller)?))
    }

    /// The consent in force for a storyteller, for one story or, when `story`
    /// is null, for all of their stories.
    #[uniffi::method(default(story = None))]
    pub fn effective_consent(&self, storyteller: ParticipantId, story: Option<StoryId>) -> Result<EffectiveConsent> {
        Ok(self.inner.effective_consent(storyteller, story)?.into())
    }

    /// The scopes in force for a story: what every one of its storytellers
    /// allows (none for a story with no storyteller).
    pub fn story_consent(&self, story: StoryId) -> Result<Vec<ConsentScope>> {
        Ok(self.inner.story_consent(story)?)
    }

    /// Fails with `ConsentRequired` (naming `scope` and the story) unless every
    /// storyteller of the story allows `scope`; returns nothing otherwise.
    pub fn require_consent(&self, story: StoryId, scope: ConsentScope) -> Result<()> {
        Ok(self.inner.require_consent(story, scope)?)
    }

    /// A consent receipt for a storyteller, as pretty-printed JSON (Kantara
    /// Consent Receipt v1.1 field names; docs/consent.md), to give them.
    pub fn consent_receipt(&self, project: ProjectId, storyteller: ParticipantId) -> Result<String> {
        let receipt = self.inner.consent_receipt(project, storyteller)?;
        serde_json::to_string_pretty(&receipt).map_err(|e| StoreError::Internal { reason: e.to_string() })
    }

    /// The story as it may leave the device for `purpose`: transcript only
    /// with `Transcribe`, quotes only with `UseQuotes`, storytellers credited
    /// as their grants say, never contact details. Fails with
    /// `ConsentRequired` naming the missing scope.
    pub fn publish_story(&self, story: StoryId, purpose: ExportPurpose) -> Result<PublishedStory> {
        Ok(self.inner.publish_story(story, purpose)?.into())
    }

    /// Exports every story of the project that consent allows for `purpose`
    /// into `folder` (created if needed; files an earlier export wrote there
    /// and this one does not are removed), with `manifest.json` listing what
    /// was exported and what was withheld, and why. Suspends (Kotlin) or awaits
    /// (Swift) while a worker thread writes. A folder whose files would
    /// overwrite the store's own is `InvalidInput` (field `folder`).
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
