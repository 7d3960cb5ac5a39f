//! Consent: an append-only ledger of consent grants and withdrawals per
//! project, the effective consent computed from it, receipts for
//! storytellers, and what may leave the device.
//!
//! The exact rule is in `docs/consent.md` and in [`rule`]; it is the same on
//! every device that holds the same records, whatever order they merged in.

pub(crate) mod publication;
pub(crate) mod receipt;
pub(crate) mod rule;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ConsentRecordId, DeviceId, MemberId, ParticipantId, StoryId};
use crate::model::text_enum;

pub use publication::{Credit, ExportPurpose, PublishedQuote, PublishedStory};
pub use rule::EffectiveConsent;

text_enum!(
    /// What a storyteller may consent to.
    ConsentScope, "scope" {
        /// Record the conversation (audio, video or notes).
        Record => "record",
        /// Transcribe it into text.
        Transcribe => "transcribe",
        /// Keep the audio, photos or video.
        KeepMedia => "keep-media",
        /// Share the story within the project's group.
        ShareInProject => "share-in-project",
        /// Publish it with no name attached.
        PublishAnonymised => "publish-anonymised",
        /// Publish it with the storyteller's name (or chosen pseudonym).
        PublishNamed => "publish-named",
        /// Quote from it.
        UseQuotes => "use-quotes",
        /// Use it in research and analysis.
        Research => "research",
        /// Keep it in an archive after the project.
        Archive => "archive",
        /// Contact the storyteller again to follow up.
        Contact => "contact",
    }
);

text_enum!(
    /// How consent was given, in whatever form the storyteller could give it.
    ConsentMethod, "method" {
        /// Said aloud and recorded.
        Spoken => "spoken",
        /// A written signature.
        Written => "written",
        /// An easy-read consent form.
        EasyRead => "easy-read",
        /// In sign language, through an interpreter.
        SignLanguage => "sign-language",
        /// Through augmentative and alternative communication.
        Aac => "aac",
        /// Given by a supporter or proxy on the storyteller's behalf.
        Proxy => "proxy",
    }
);

text_enum!(
    /// How the storyteller wants to be credited in anything that leaves the device.
    Attribution, "attribution" {
        /// By their name.
        Named => "named",
        /// By their chosen pseudonym.
        Pseudonym => "pseudonym",
        /// Not at all.
        Anonymous => "anonymous",
    }
);

impl Attribution {
    /// More protective attributions win when grants disagree.
    pub(crate) fn protection(self) -> u8 {
        match self {
            Self::Named => 0,
            Self::Pseudonym => 1,
            Self::Anonymous => 2,
        }
    }
}

/// A consent grant, as recorded. Never edited; a change of mind is a new
/// grant or a withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentGrant {
    pub id: ConsentRecordId,
    pub storyteller: ParticipantId,
    /// The story it covers, or `None` for all of the storyteller's stories in
    /// the project.
    pub story: Option<StoryId>,
    pub scopes: Vec<ConsentScope>,
    pub given_at: DateTime<Utc>,
    pub recorded_by: MemberId,
    pub device: DeviceId,
    pub method: ConsentMethod,
    /// The version of the information sheet the storyteller was given.
    pub information_version: String,
    /// The language it was given in (BCP 47).
    pub information_language: String,
    /// Content hash of the evidence held as media (an audio clip, a photo of
    /// a signature), as `sha256:<hex>`.
    pub evidence: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub review_at: Option<DateTime<Utc>>,
    pub attribution: Attribution,
    /// The withdrawals the recording device knew of when the grant was made:
    /// only those can this grant supersede.
    pub acknowledges: Vec<ConsentRecordId>,
}

/// A withdrawal of consent, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentWithdrawal {
    pub id: ConsentRecordId,
    pub storyteller: ParticipantId,
    /// The story it covers, or `None` for all of the storyteller's stories.
    pub story: Option<StoryId>,
    /// The scopes withdrawn; empty means every scope.
    pub scopes: Vec<ConsentScope>,
    pub withdrawn_at: DateTime<Utc>,
    pub recorded_by: MemberId,
    pub device: DeviceId,
    /// The storyteller asks for the stories (and, for all stories, their
    /// personal details) to be erased from every device.
    pub erase: bool,
}

/// One record of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConsentRecord {
    Grant(ConsentGrant),
    Withdrawal(ConsentWithdrawal),
}

impl ConsentRecord {
    pub fn id(&self) -> ConsentRecordId {
        match self {
            Self::Grant(g) => g.id,
            Self::Withdrawal(w) => w.id,
        }
    }

    pub fn storyteller(&self) -> ParticipantId {
        match self {
            Self::Grant(g) => g.storyteller,
            Self::Withdrawal(w) => w.storyteller,
        }
    }

    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::Grant(g) => g.given_at,
            Self::Withdrawal(w) => w.withdrawn_at,
        }
    }
}

/// What a new consent grant says; the store adds the id, time, recorder,
/// device and acknowledged withdrawals.
#[derive(Debug, Clone)]
pub struct NewConsentGrant {
    pub storyteller: ParticipantId,
    pub story: Option<StoryId>,
    pub scopes: Vec<ConsentScope>,
    pub method: ConsentMethod,
    pub information_version: String,
    pub information_language: String,
    pub evidence: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub review_at: Option<DateTime<Utc>>,
    pub attribution: Attribution,
}

impl NewConsentGrant {
    /// A grant of `scopes` for all the storyteller's stories, spoken, with
    /// information sheet version 1 in English and a pseudonymous credit.
    pub fn new(storyteller: ParticipantId, scopes: Vec<ConsentScope>, method: ConsentMethod) -> Self {
        Self {
            storyteller,
            story: None,
            scopes,
            method,
            information_version: "1".into(),
            information_language: "en".into(),
            evidence: None,
            expires_at: None,
            review_at: None,
            attribution: Attribution::Pseudonym,
        }
    }
}

/// What a new withdrawal says.
#[derive(Debug, Clone)]
pub struct NewConsentWithdrawal {
    pub storyteller: ParticipantId,
    pub story: Option<StoryId>,
    /// Empty withdraws every scope.
    pub scopes: Vec<ConsentScope>,
    pub erase: bool,
}
