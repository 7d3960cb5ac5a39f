//! Projects, members and the codebook.

use std::time::SystemTime;

use storyloom::{MemberId, ProjectId};

pub use storyloom::MemberRole;

use super::{all, to_system_time};

/// What a member does in the group (roles describe, they do not rank).
#[uniffi::remote(Enum)]
pub enum MemberRole {
    Reporter,
    Facilitator,
    Coordinator,
    Researcher,
    Storyteller,
}

/// A member of a project's group.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Member {
    pub id: MemberId,
    pub display_name: String,
    pub role: MemberRole,
    pub joined_at: SystemTime,
}

/// A theme in the project's codebook.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Theme {
    pub name: String,
    pub description: String,
    pub added_by: MemberId,
}

/// A project with its members and codebook.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    pub members: Vec<Member>,
    pub themes: Vec<Theme>,
    pub created_at: SystemTime,
    /// The member this device writes as, if it has joined.
    pub local_member: Option<MemberId>,
}

/// A line in the list of projects.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ProjectSummary {
    pub id: ProjectId,
    pub name: String,
    pub created_at: SystemTime,
}

/// The project and member a new project was created with.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CreatedProject {
    pub project_id: ProjectId,
    pub member_id: MemberId,
}

impl From<storyloom::Member> for Member {
    fn from(m: storyloom::Member) -> Self {
        Self {
            id: m.id,
            display_name: m.display_name,
            role: m.role,
            joined_at: to_system_time(m.joined_at),
        }
    }
}

impl From<storyloom::Theme> for Theme {
    fn from(t: storyloom::Theme) -> Self {
        Self {
            name: t.name,
            description: t.description,
            added_by: t.added_by,
        }
    }
}

impl From<storyloom::Project> for Project {
    fn from(p: storyloom::Project) -> Self {
        Self {
            id: p.id,
            name: p.name,
            members: all(p.members),
            themes: all(p.themes),
            created_at: to_system_time(p.created_at),
            local_member: p.local_member,
        }
    }
}

impl From<storyloom::ProjectSummary> for ProjectSummary {
    fn from(p: storyloom::ProjectSummary) -> Self {
        Self {
            id: p.id,
            name: p.name,
            created_at: to_system_time(p.created_at),
        }
    }
}
