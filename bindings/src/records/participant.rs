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
    SignLanguageInterpreter,
    SpokenLanguageInterpreter,
    EasyRead,
    LargePrint,
    HighContrast,
    Captions,
    HearingLoop,
    Aac,
    TimeToReadAhead,
    Breaks,
    QuietSpace,
    SupportPerson,
    Note,
}

/// A reasonable adjustment: the language for an interpreter, the text of a
/// note, no detail otherwise.
#[uniffi::remote(Record)]
pub struct Adjustment {
    pub kind: AdjustmentKind,
    #[uniffi(default = None)]
    pub detail: Option<String>,
}

/// One change of a badge.
#[derive(Debug, Clone, uniffi::Record)]
pub struct BadgeChange {
    pub level: InteractionBadge,
    pub member_id: MemberId,
    pub device_id: DeviceId,
    pub at: SystemTime,
}

/// A participant with their accessibility preferences.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Participant {
    pub id: ParticipantId,
    pub project_id: ProjectId,
    pub display_name: String,
    pub pseudonym: Option<String>,
    pub pronouns: Option<String>,
    pub preferred_language: Option<String>,
    pub contact: Option<String>,
    pub communication_notes: String,
    /// The effective badge: the most protective of concurrently set levels.
    pub badge: InteractionBadge,
    pub adjustments: Vec<Adjustment>,
    pub conflicts: Vec<FieldConflict>,
    pub created_at: SystemTime,
}

/// A line in the list of participants.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ParticipantSummary {
    pub id: ParticipantId,
    pub display_name: String,
    pub pseudonym: Option<String>,
    pub badge: InteractionBadge,
}

/// What a new participant starts with.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewParticipant {
    pub display_name: String,
    #[uniffi(default = None)]
    pub pseudonym: Option<String>,
    #[uniffi(default = None)]
    pub pronouns: Option<String>,
    #[uniffi(default = None)]
    pub preferred_language: Option<String>,
    #[uniffi(default = None)]
    pub contact: Option<String>,
    #[uniffi(default = "")]
    pub communication_notes: String,
    #[uniffi(default = None)]
    pub badge: Option<InteractionBadge>,
    #[uniffi(default = [])]
    pub adjustments: Vec<Adjustment>,
}

/// Changes to a participant. `null`/`nil` leaves a field alone; an empty
/// string clears an optional one.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct ParticipantUpdate {
    #[uniffi(default = None)]
    pub display_name: Option<String>,
    #[uniffi(default = None)]
    pub pseudonym: Option<String>,
    #[uniffi(default = None)]
    pub pronouns: Option<String>,
    #[uniffi(default = None)]
    pub preferred_language: Option<String>,
    #[uniffi(default = None)]
    pub contact: Option<String>,
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
