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
    /// Record the conversation (audio, video or notes).
    Record,
    /// Transcribe it into text; without it no transcript leaves the device.
    Transcribe,
    /// Keep the audio, photos or video; attaching media needs it.
    KeepMedia,
    /// Share the story within the project's group (sync, documents).
    ShareInProject,
    /// Publish it with no name attached.
    PublishAnonymised,
    /// Publish it with the storyteller's name (or chosen pseudonym).
    PublishNamed,
    /// Quote from it; without it no highlight leaves the device.
    UseQuotes,
    /// Use it in research and analysis.
    Research,
    /// Keep it in an archive after the project.
    Archive,
    /// Contact the storyteller again to follow up.
    Contact,
}

/// How consent was given.
#[uniffi::remote(Enum)]
pub enum ConsentMethod {
    /// Said aloud and recorded.
    Spoken,
    /// A written signature.
    Written,
    /// An easy-read consent form.
    EasyRead,
    /// In sign language, through an interpreter.
    SignLanguage,
    /// Through augmentative and alternative communication.
    Aac,
    /// Given by a supporter or proxy on the storyteller's behalf.
    Proxy,
}

/// How the storyteller wants to be credited.
#[uniffi::remote(Enum)]
pub enum Attribution {
    /// By their display name.
    Named,
    /// By their chosen pseudonym.
    Pseudonym,
    /// Not at all ("Anonymous storyteller").
    Anonymous,
}

/// Why a story is leaving the device.
#[uniffi::remote(Enum)]
pub enum ExportPurpose {
    /// Analysis by the project's researchers: needs `Research`.
    Research,
    /// Publication: needs `PublishAnonymised`, or `PublishNamed` to credit
    /// storytellers by name.
    Publication,
    /// Keeping in an archive after the project: needs `Archive`.
    Archive,
}

/// The file format of an export.
#[uniffi::remote(Enum)]
pub enum ExportFormat {
    /// `index.json` and one JSON file per story under `stories/`, with
    /// segments alongside transcripts.
    Json,
    /// One `stories.csv`, a row per story.
    Csv,
}

/// A withdrawal to record. No scopes withdraws every scope.
#[uniffi::remote(Record)]
pub struct NewConsentWithdrawal {
    /// The storyteller withdrawing.
    pub storyteller: ParticipantId,
    /// The story it covers; all the storyteller's stories when null.
    #[uniffi(default = None)]
    pub story: Option<StoryId>,
    /// The scopes withdrawn; empty (the default) withdraws every scope.
    #[uniffi(default = [])]
    pub scopes: Vec<ConsentScope>,
    /// Also erase what it covers, here at once and on every device that
    /// syncs: the story, or for all stories, every story of theirs and their
    /// personal details. Cannot be undone.
    #[uniffi(default = false)]
    pub erase: bool,
}

/// How a storyteller is credited in something that leaves the device.
#[uniffi::remote(Record)]
pub struct Credit {
    /// How the storyteller is credited.
    pub attribution: Attribution,
    /// The name or pseudonym shown; "Anonymous storyteller" otherwise.
    pub shown_as: String,
}

/// A quote that may leave the device.
#[uniffi::remote(Record)]
pub struct PublishedQuote {
    /// The highlighted words.
    pub quote: String,
    /// The codebook theme, or null.
    pub theme: Option<String>,
    /// The highlight's note; empty when none.
    pub note: String,
}

/// A story that was not exported, and why.
#[uniffi::remote(Record)]
pub struct Withheld {
    /// The story left out.
    pub id: StoryId,
    /// Why, e.g. the consent scope not granted by every storyteller. Never
    /// personal data.
    pub reason: String,
}

/// What an export wrote.
#[uniffi::remote(Record)]
pub struct ExportReport {
    /// The stories written.
    pub exported: Vec<StoryId>,
    /// The stories left out, and why.
    pub withheld: Vec<Withheld>,
    /// Media copied (decrypted) into `media/`.
    pub media: Vec<crate::media::ExportedMedia>,
    /// Media left out, and why.
    pub media_withheld: Vec<crate::media::WithheldMedia>,
    /// Every file written, relative to the export folder (including
    /// `manifest.json`).
    pub files: Vec<String>,
}

/// A consent grant to record.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewConsentGrant {
    /// The storyteller giving consent; a participant of the project.
    pub storyteller: ParticipantId,
    /// What they consent to; at least one (`InvalidInput`, field `scopes`,
    /// otherwise).
    pub scopes: Vec<ConsentScope>,
    /// How they gave it.
    pub method: ConsentMethod,
    /// The story it covers; all the storyteller's stories when null.
    #[uniffi(default = None)]
    pub story: Option<StoryId>,
    /// The version of the information sheet they were given (one line).
    #[uniffi(default = "1")]
    pub information_version: String,
    /// The language it was given in (BCP 47).
    #[uniffi(default = "en")]
    pub information_language: String,
    /// Content hash of the evidence held as media: `sha256:` and 64 hex digits.
    #[uniffi(default = None)]
    pub evidence: Option<String>,
    /// When the consent lapses; must be in the future. Null: never.
    #[uniffi(default = None)]
    pub expires_at: Option<SystemTime>,
    /// When to ask again; must be in the future. Null: no review date.
    #[uniffi(default = None)]
    pub review_at: Option<SystemTime>,
    /// How they want to be credited in anything that leaves the device.
    pub attribution: Attribution,
}

/// A consent grant, as recorded.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ConsentGrant {
    /// The ledger record's id; a withdrawal's `acknowledges` may name it.
    pub id: ConsentRecordId,
    /// The storyteller this consent grant is for.
    pub storyteller: ParticipantId,
    /// The story it covers, or null for all the storyteller's stories in the
    /// project.
    pub story: Option<StoryId>,
    /// What was consented to.
    pub scopes: Vec<ConsentScope>,
    /// When it was recorded, by the recording device's clock.
    pub given_at: SystemTime,
    /// The member who recorded it.
    pub recorded_by: MemberId,
    /// The device it was recorded on.
    pub device: DeviceId,
    /// How it was given.
    pub method: ConsentMethod,
    /// The version of the information sheet the storyteller was given.
    pub information_version: String,
    /// The language it was given in (BCP 47).
    pub information_language: String,
    /// Content hash of the evidence held as media (an audio clip, a photo of
    /// a signature), as `sha256:` and 64 hex digits, or null.
    pub evidence: Option<String>,
    /// When it lapses, or null for never.
    pub expires_at: Option<SystemTime>,
    /// When to ask the storyteller again, or null.
    pub review_at: Option<SystemTime>,
    /// How the storyteller wants to be credited.
    pub attribution: Attribution,
    /// The withdrawals the recording device knew of: only those can this
    /// grant supersede.
    pub acknowledges: Vec<ConsentRecordId>,
}

/// A withdrawal, as recorded.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ConsentWithdrawal {
    /// The ledger record's id.
    pub id: ConsentRecordId,
    /// The storyteller who withdrew.
    pub storyteller: ParticipantId,
    /// The story it covers, or null for all the storyteller's stories.
    pub story: Option<StoryId>,
    /// The scopes withdrawn; empty means every scope.
    pub scopes: Vec<ConsentScope>,
    /// When it was recorded, by the recording device's clock.
    pub withdrawn_at: SystemTime,
    /// The member who recorded it.
    pub recorded_by: MemberId,
    /// The device it was recorded on.
    pub device: DeviceId,
    /// The storyteller asked for erasure: the stories it covers (and, for all
    /// stories, their personal details) are erased on every device.
    pub erase: bool,
}

/// One record of the consent ledger.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum ConsentRecord {
    /// A consent grant.
    Grant {
        /// The grant as recorded.
        grant: ConsentGrant,
    },
    /// A withdrawal, possibly with erasure.
    Withdrawal {
        /// The withdrawal as recorded.
        withdrawal: ConsentWithdrawal,
    },
}

/// The consent in force for a storyteller, for one story or all of theirs.
#[derive(Debug, Clone, uniffi::Record)]
pub struct EffectiveConsent {
    /// The storyteller.
    pub storyteller: ParticipantId,
    /// The story asked about, or null for all their stories.
    pub story: Option<StoryId>,
    /// The scopes in force (granted, not withdrawn, not expired).
    pub scopes: Vec<ConsentScope>,
    /// The most protective attribution of the grants in force; `Anonymous`
    /// when none is.
    pub attribution: Attribution,
    /// An erasure covers this story (or all the storyteller's stories).
    pub erased: bool,
    /// The earliest review date among the grants in force, or null.
    pub review_at: Option<SystemTime>,
}

/// A story as it may leave the device.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PublishedStory {
    /// The story's id.
    pub id: StoryId,
    /// The purpose it was published for.
    pub purpose: ExportPurpose,
    /// The story's title.
    pub title: String,
    /// The summary.
    pub summary: String,
    /// The transcript, or null without `Transcribe` consent.
    pub transcript: Option<String>,
    /// The story's language (BCP 47), or null.
    pub language: Option<String>,
    /// The day it was recorded (`YYYY-MM-DD`, no time of day), or null.
    pub recorded_on: Option<String>,
    /// The coarse place name, or null.
    pub place: Option<String>,
    /// The story's tags.
    pub tags: Vec<String>,
    /// The codebook themes of its highlights.
    pub themes: Vec<String>,
    /// Its highlights as quotes; empty without `UseQuotes` consent.
    pub quotes: Vec<PublishedQuote>,
    /// How each storyteller is credited.
    pub storytellers: Vec<Credit>,
    /// Fields left out, and the scope that would have allowed them.
    pub fields_withheld: Vec<String>,
    /// The scopes in force when it was published.
    pub consent: Vec<ConsentScope>,
    /// When it was published.
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
