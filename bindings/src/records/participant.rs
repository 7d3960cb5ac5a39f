//! Participants and their accessibility preferences.

use std::time::SystemTime;

use storyloom::{DeviceId, MemberId, ParticipantId, ProjectId};

pub use storyloom::{Adjustment, AdjustmentKind, InteractionBadge};

use super::{FieldConflict, to_system_time};

/// How much interaction a person wants. The meaning, never a colour.
#[uniffi::remote(Enum)]
pub enum InteractionBadge {
    /// Not chosen: treat as "ask first".
    Unset,
    /// Please approach me; I may find it hard to start.
    Green,
    /// Only people I already know should start an interaction.
    Yellow,
    /// Please do not start an interaction with me.
    Red,
}

/// A kind of reasonable adjustment.
#[uniffi::remote(Enum)]
pub enum AdjustmentKind {
    /// A sign-language interpreter; the detail is the sign language (BCP 47,
    /// e.g. `bfi`).
    SignLanguageInterpreter,
    /// A spoken-language interpreter; the detail is the language (BCP 47).
    SpokenLanguageInterpreter,
    /// Easy-read versions of written material.
    EasyRead,
    /// Large print.
    LargePrint,
    /// High-contrast material.
    HighContrast,
    /// Captions or speech-to-text.
    Captions,
    /// A hearing loop.
    HearingLoop,
    /// Augmentative and alternative communication.
    Aac,
    /// Material sent ahead, with time to read it.
    TimeToReadAhead,
    /// Breaks during a session.
    Breaks,
    /// A quiet space to go to.
    QuietSpace,
    /// A support person who comes along.
    SupportPerson,
    /// Anything else, in the person's words; the detail is the text.
    Note,
}

/// A reasonable adjustment: the language for an interpreter, the text of a
/// note, no detail otherwise.
#[uniffi::remote(Record)]
pub struct Adjustment {
    /// What kind of adjustment.
    pub kind: AdjustmentKind,
    /// The language (BCP 47) for an interpreter, the text of a `Note`; null
    /// for every other kind. A missing or unexpected detail is `InvalidInput`
    /// (field `adjustment`).
    #[uniffi(default = None)]
    pub detail: Option<String>,
}

/// One change of a badge.
#[derive(Debug, Clone, uniffi::Record)]
pub struct BadgeChange {
    /// The level set.
    pub level: InteractionBadge,
    /// The member who set it.
    pub member_id: MemberId,
    /// The device it was set on.
    pub device_id: DeviceId,
    /// When it was set, by that device's clock.
    pub at: SystemTime,
}

/// A participant with their accessibility preferences.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Participant {
    /// The participant's id.
    pub id: ParticipantId,
    /// The project they take part in.
    pub project_id: ProjectId,
    /// The name the group knows them by.
    pub display_name: String,
    /// The name to credit them by when they choose `Pseudonym` attribution,
    /// or null.
    pub pseudonym: Option<String>,
    /// Their pronouns, in their words, or null.
    pub pronouns: Option<String>,
    /// The language they prefer (BCP 47), or null.
    pub preferred_language: Option<String>,
    /// Sensitive: how to reach them. Never exported or published; null when
    /// not given.
    pub contact: Option<String>,
    /// How they like to communicate, in their words; empty when none.
    pub communication_notes: String,
    /// The effective badge: the most protective of concurrently set levels.
    pub badge: InteractionBadge,
    /// The reasonable adjustments they ask for.
    pub adjustments: Vec<Adjustment>,
    /// Fields devices changed concurrently; empty when none.
    pub conflicts: Vec<FieldConflict>,
    /// When they were added.
    pub created_at: SystemTime,
}

/// A line in the list of participants.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ParticipantSummary {
    /// The participant's id.
    pub id: ParticipantId,
    /// The name the group knows them by.
    pub display_name: String,
    /// Their pseudonym, or null.
    pub pseudonym: Option<String>,
    /// Their effective interaction badge.
    pub badge: InteractionBadge,
}

/// What a new participant starts with.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewParticipant {
    /// Required: one line, not empty (`InvalidInput`, field `display_name`,
    /// otherwise).
    pub display_name: String,
    /// The name to credit them by under `Pseudonym` attribution.
    #[uniffi(default = None)]
    pub pseudonym: Option<String>,
    /// Their pronouns, in their words.
    #[uniffi(default = None)]
    pub pronouns: Option<String>,
    /// The language they prefer, as a BCP 47 tag.
    #[uniffi(default = None)]
    pub preferred_language: Option<String>,
    /// How to reach them; sensitive, never exported.
    #[uniffi(default = None)]
    pub contact: Option<String>,
    /// How they like to communicate, in their words.
    #[uniffi(default = "")]
    pub communication_notes: String,
    /// Their interaction badge; `Unset` when null.
    #[uniffi(default = None)]
    pub badge: Option<InteractionBadge>,
    /// The reasonable adjustments they ask for.
    #[uniffi(default = [])]
    pub adjustments: Vec<Adjustment>,
}

/// Changes to a participant. `null`/`nil` leaves a field alone; an empty
/// string clears an optional one.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct ParticipantUpdate {
    /// A new display name (one line, not empty).
    #[uniffi(default = None)]
    pub display_name: Option<String>,
    /// A new pseudonym; an empty string clears it.
    #[uniffi(default = None)]
    pub pseudonym: Option<String>,
    /// New pronouns; an empty string clears them.
    #[uniffi(default = None)]
    pub pronouns: Option<String>,
    /// A new preferred language (BCP 47); an empty string clears it.
    #[uniffi(default = None)]
    pub preferred_language: Option<String>,
    /// New contact details; an empty string clears them.
    #[uniffi(default = None)]
    pub contact: Option<String>,
    /// New communication notes; an empty string clears them.
    #[uniffi(default = None)]
    pub communication_notes: Option<String>,
}

impl From<storyloom::BadgeChange> for BadgeChange {
    fn from(c: storyloom::BadgeChange) -> Self {
        Self {
            level: c.level,
            member_id: c.member_id,
            device_id: c.device_id,
            at: to_system_time(c.at),
        }
    }
}

impl From<storyloom::Participant> for Participant {
    fn from(p: storyloom::Participant) -> Self {
        Self {
            id: p.id,
            project_id: p.project_id,
            display_name: p.display_name,
            pseudonym: p.pseudonym,
            pronouns: p.pronouns,
            preferred_language: p.preferred_language,
            contact: p.contact,
            communication_notes: p.communication_notes,
            badge: p.badge,
            adjustments: p.adjustments,
            conflicts: p.conflicts,
            created_at: to_system_time(p.created_at),
        }
    }
}

impl From<storyloom::ParticipantSummary> for ParticipantSummary {
    fn from(p: storyloom::ParticipantSummary) -> Self {
        Self {
            id: p.id,
            display_name: p.display_name,
            pseudonym: p.pseudonym,
            badge: p.badge,
        }
    }
}

impl From<NewParticipant> for storyloom::NewParticipant {
    fn from(p: NewParticipant) -> Self {
        Self {
            display_name: p.display_name,
            pseudonym: p.pseudonym,
            pronouns: p.pronouns,
            preferred_language: p.preferred_language,
            contact: p.contact,
            communication_notes: p.communication_notes,
            badge: p.badge,
            adjustments: p.adjustments,
        }
    }
}

impl From<ParticipantUpdate> for storyloom::ParticipantUpdate {
    fn from(u: ParticipantUpdate) -> Self {
        Self {
            display_name: u.display_name,
            pseudonym: u.pseudonym,
            pronouns: u.pronouns,
            preferred_language: u.preferred_language,
            contact: u.contact,
            communication_notes: u.communication_notes,
        }
    }
}
