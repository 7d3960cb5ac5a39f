//! Participants: storytellers and anyone else whose details and access needs
//! the group keeps.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::{ParticipantId, ProjectId};
use crate::model::{Adjustment, FieldConflict, InteractionBadge};

/// A participant as an app shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Participant {
    pub id: ParticipantId,
    pub project_id: ProjectId,
    pub display_name: String,
    pub pseudonym: Option<String>,
    pub pronouns: Option<String>,
    /// BCP 47.
    pub preferred_language: Option<String>,
    /// Sensitive: how to reach them. Never exported.
    pub contact: Option<String>,
    /// How they like to communicate, in their words.
    pub communication_notes: String,
    /// The effective badge: when devices set it concurrently, the most
    /// protective level.
    pub badge: InteractionBadge,
    pub adjustments: Vec<Adjustment>,
    /// Fields that devices changed concurrently: the winning value is shown,
    /// the others are listed here until someone sets the field again.
    pub conflicts: Vec<FieldConflict>,
    pub created_at: DateTime<Utc>,
}

/// What a new participant starts with.
#[derive(Debug, Clone, Default)]
pub struct NewParticipant {
    pub display_name: String,
    pub pseudonym: Option<String>,
    pub pronouns: Option<String>,
    pub preferred_language: Option<String>,
    pub contact: Option<String>,
    pub communication_notes: String,
    pub badge: Option<InteractionBadge>,
    pub adjustments: Vec<Adjustment>,
}

/// Changes to a participant's details. `None` leaves a field alone; an empty
/// string clears an optional field.
#[derive(Debug, Clone, Default)]
pub struct ParticipantUpdate {
    pub display_name: Option<String>,
    pub pseudonym: Option<String>,
    pub pronouns: Option<String>,
    pub preferred_language: Option<String>,
    pub contact: Option<String>,
    pub communication_notes: Option<String>,
}

/// A line in a list of participants, read from the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParticipantSummary {
    pub id: ParticipantId,
    pub display_name: String,
    pub pseudonym: Option<String>,
    pub badge: InteractionBadge,
}
