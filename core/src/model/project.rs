//! Projects, their members and their theme codebook.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::text_enum;
use crate::ids::{MemberId, ProjectId};

text_enum!(
    /// What a member does in the group. Roles describe, they do not rank:
    /// no role may silently override another's edit.
    MemberRole, "role" {
        Reporter => "reporter",
        Facilitator => "facilitator",
        Coordinator => "coordinator",
        Researcher => "researcher",
        Storyteller => "storyteller",
    }
);

/// A member of the project's group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub id: MemberId,
    pub display_name: String,
    pub role: MemberRole,
    pub joined_at: DateTime<Utc>,
}

/// A theme in the project's codebook, e.g. "sharing power".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Theme {
    pub name: String,
    pub description: String,
    pub added_by: MemberId,
}

/// A project with its members and codebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    pub members: Vec<Member>,
    pub themes: Vec<Theme>,
    pub created_at: DateTime<Utc>,
    /// The member this device writes as in this project.
    pub local_member: Option<MemberId>,
}

/// A line in the list of projects held by a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectSummary {
    pub id: ProjectId,
    pub name: String,
    pub created_at: DateTime<Utc>,
}
