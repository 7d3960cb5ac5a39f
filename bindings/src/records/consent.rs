//! Consent grants and withdrawals, effective consent, and what may leave
//! the device.

use std::time::SystemTime;

pub use storyloom::{
    Attribution, ConsentMethod, ConsentScope, Credit, ExportFormat, ExportPurpose, ExportReport, NewConsentWithdrawal,
    PublishedQuote, Withheld,
};
use storyloom::{ConsentRecordId, DeviceId, MemberId, ParticipantId, StoryId};

use super::{all, from_system_time, to_system_time};

/// What a storyteller may consent to.
#[uniffi::remote(Enum)]
pub enum ConsentScope {
    Record,
    Transcribe,
    KeepMedia,
    ShareInProject,
    PublishAnonymised,
    PublishNamed,
    UseQuotes,
    Research,
    Archive,
    Contact,
}

/// How consent was given.
#[uniffi::remote(Enum)]
pub enum ConsentMethod {
    Spoken,
    Written,
    EasyRead,
    SignLanguage,
    Aac,
    Proxy,
}

/// How the storyteller wants to be credited.
#[uniffi::remote(Enum)]
pub enum Attribution {
    Named,
    Pseudonym,
    Anonymous,
}

/// Why a story is leaving the device.
#[uniffi::remote(Enum)]
pub enum ExportPurpose {
    Research,
    Publication,
    Archive,
}

/// The file format of an export.
#[uniffi::remote(Enum)]
pub enum ExportFormat {
    Json,
    Csv,
}

/// A withdrawal to record. No scopes withdraws every scope.
#[uniffi::remote(Record)]
pub struct NewConsentWithdrawal {
    pub storyteller: ParticipantId,
    #[uniffi(default = None)]
    pub story: Option<StoryId>,
    #[uniffi(default = [])]
    pub scopes: Vec<ConsentScope>,
    #[uniffi(default = false)]
    pub erase: bool,
}

/// How a storyteller is credited in something that leaves the device.
#[uniffi::remote(Record)]
pub struct Credit {
    pub attribution: Attribution,
    pub shown_as: String,
}

/// A quote that may leave the device.
#[uniffi::remote(Record)]
pub struct PublishedQuote {
    pub quote: String,
    pub theme: Option<String>,
    pub note: String,
}

/// A story that was not exported, and why.
#[uniffi::remote(Record)]
pub struct Withheld {
    pub id: StoryId,
    pub reason: String,
}

/// What an export wrote.
#[uniffi::remote(Record)]
pub struct ExportReport {
    pub exported: Vec<StoryId>,
    pub withheld: Vec<Withheld>,
    pub media: Vec<crate::media::ExportedMedia>,
    pub media_withheld: Vec<crate::media::WithheldMedia>,
    pub files: Vec<String>,
}

/// A consent grant to record.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewConsentGrant {
    pub storyteller: ParticipantId,
    pub scopes: Vec<ConsentScope>,
    pub method: ConsentMethod,
    /// The story it covers; all the storyteller's stories when null.
    #[uniffi(default = None)]
    pub story: Option<StoryId>,
    #[uniffi(default = "1")]
    pub information_version: String,
    #[uniffi(default = "en")]
    pub information_language: String,
    /// Content hash of the evidence held as media: `sha256:` and 64 hex digits.
    #[uniffi(default = None)]
    pub evidence: Option<String>,
    #[uniffi(default = None)]
    pub expires_at: Option<SystemTime>,
    #[uniffi(default = None)]
    pub review_at: Option<SystemTime>,
    pub attribution: Attribution,
}

/// A consent grant, as recorded.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ConsentGrant {
    pub id: ConsentRecordId,
    pub storyteller: ParticipantId,
    pub story: Option<StoryId>,
    pub scopes: Vec<ConsentScope>,
    pub given_at: SystemTime,
    pub recorded_by: MemberId,
    pub device: DeviceId,
    pub method: ConsentMethod,
    pub information_version: String,
    pub information_language: String,
    pub evidence: Option<String>,
    pub expires_at: Option<SystemTime>,
    pub review_at: Option<SystemTime>,
    pub attribution: Attribution,
    pub acknowledges: Vec<ConsentRecordId>,
}

/// A withdrawal, as recorded.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ConsentWithdrawal {
    pub id: ConsentRecordId,
    pub storyteller: ParticipantId,
    pub story: Option<StoryId>,
    pub scopes: Vec<ConsentScope>,
    pub withdrawn_at: SystemTime,
    pub recorded_by: MemberId,
    pub device: DeviceId,
    pub erase: bool,
}

/// One record of the consent ledger.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum ConsentRecord {
    Grant { grant: ConsentGrant },
    Withdrawal { withdrawal: ConsentWithdrawal },
}

/// The consent in force for a storyteller, for one story or all of theirs.
#[derive(Debug, Clone, uniffi::Record)]
pub struct EffectiveConsent {
    pub storyteller: ParticipantId,
    pub story: Option<StoryId>,
    pub scopes: Vec<ConsentScope>,
    pub attribution: Attribution,
    pub erased: bool,
    pub review_at: Option<SystemTime>,
}

/// A story as it may leave the device.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PublishedStory {
    pub id: StoryId,
    pub purpose: ExportPurpose,
    pub title: String,
    pub summary: String,
    pub transcript: Option<String>,
    pub language: Option<String>,
    pub recorded_on: Option<String>,
    pub place: Option<String>,
    pub tags: Vec<String>,
    pub themes: Vec<String>,
    pub quotes: Vec<PublishedQuote>,
    pub storytellers: Vec<Credit>,
    pub fields_withheld: Vec<String>,
    pub consent: Vec<ConsentScope>,
    pub exported_at: SystemTime,
}

impl From<NewConsentGrant> for storyloom::NewConsentGrant {
    fn from(g: NewConsentGrant) -> Self {
        Self {
            storyteller: g.storyteller,
            story: g.story,
            scopes: g.scopes,
            method: g.method,
            information_version: g.information_version,
            information_language: g.information_language,
            evidence: g.evidence,
            expires_at: g.expires_at.map(from_system_time),
            review_at: g.review_at.map(from_system_time),
            attribution: g.attribution,
        }
    }
}

impl From<storyloom::ConsentRecord> for ConsentRecord {
    fn from(record: storyloom::ConsentRecord) -> Self {
        match record {
            storyloom::ConsentRecord::Grant(g) => Self::Grant {
                grant: ConsentGrant {
                    id: g.id,
                    storyteller: g.storyteller,
                    story: g.story,
                    scopes: g.scopes,
                    given_at: to_system_time(g.given_at),
                    recorded_by: g.recorded_by,
                    device: g.device,
                    method: g.method,
                    information_version: g.information_version,
                    information_language: g.information_language,
                    evidence: g.evidence,
                    expires_at: g.expires_at.map(to_system_time),
                    review_at: g.review_at.map(to_system_time),
                    attribution: g.attribution,
                    acknowledges: g.acknowledges,
                },
            },
            storyloom::ConsentRecord::Withdrawal(w) => Self::Withdrawal {
                withdrawal: ConsentWithdrawal {
                    id: w.id,
                    storyteller: w.storyteller,
                    story: w.story,
                    scopes: w.scopes,
                    withdrawn_at: to_system_time(w.withdrawn_at),
                    recorded_by: w.recorded_by,
                    device: w.device,
                    erase: w.erase,
                },
            },
        }
    }
}

impl From<storyloom::EffectiveConsent> for EffectiveConsent {
    fn from(e: storyloom::EffectiveConsent) -> Self {
        Self {
            storyteller: e.storyteller,
            story: e.story,
            scopes: e.scopes,
            attribution: e.attribution,
            erased: e.erased,
            review_at: e.review_at.map(to_system_time),
        }
    }
}

impl From<storyloom::PublishedStory> for PublishedStory {
    fn from(p: storyloom::PublishedStory) -> Self {
        Self {
            id: p.id,
            purpose: p.purpose,
            title: p.title,
            summary: p.summary,
            transcript: p.transcript,
            language: p.language,
            recorded_on: p.recorded_on,
            place: p.place,
            tags: p.tags,
            themes: p.themes,
            quotes: p.quotes,
            storytellers: p.storytellers,
            fields_withheld: p.fields_withheld,
            consent: p.consent,
            exported_at: to_system_time(p.exported_at),
        }
    }
}

/// Converts a list of ledger records.
pub(crate) fn records(items: Vec<storyloom::ConsentRecord>) -> Vec<ConsentRecord> {
    all(items)
}
