//! Projects, members and the codebook.

use std::time::SystemTime;

use storyloom::{MemberId, ProjectId};

pub use storyloom::MemberRole;

use super::{all, to_system_time};

/// What a member does in the group (roles describe, they do not rank).
#[uniffi::remote(Enum)]
pub enum MemberRole {
    /// Records stories and writes them up.
    Reporter,
    /// Runs the sessions where stories are told.
    Facilitator,
    /// Looks after the project: participants, consent, the group.
    Coordinator,
    /// Analyses the stories: highlights, themes, comments.
    Researcher,
    /// A storyteller who writes in the project themselves.
    Storyteller,
}

/// A member of a project's group.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Member {
    /// The member's id: every change they write carries it.
    pub id: MemberId,
    /// The name the group knows them by.
    pub display_name: String,
    /// What they do in the group.
    pub role: MemberRole,
    /// When they joined or were added.
    pub joined_at: SystemTime,
}

/// A theme in the project's codebook.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Theme {
    /// The theme's name, e.g. "sharing power"; unique in the codebook,
    /// ignoring case.
    pub name: String,
    /// What the theme means to the group; empty when none.
    pub description: String,
    /// The member who added it.
    pub added_by: MemberId,
}

/// A project with its members and codebook.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Project {
    /// The project's id.
    pub id: ProjectId,
    /// The project's name.
    pub name: String,
    /// Everyone in the project's group.
    pub members: Vec<Member>,
    /// The codebook: themes highlights can be coded with.
    pub themes: Vec<Theme>,
    /// When the project was created.
    pub created_at: SystemTime,
    /// The member this device writes as, if it has joined.
    pub local_member: Option<MemberId>,
}

/// A line in the list of projects.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ProjectSummary {
    /// The project's id.
    pub id: ProjectId,
    /// The project's name.
    pub name: String,
    /// When the project was created.
    pub created_at: SystemTime,
}

/// The project and member a new project was created with.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CreatedProject {
    /// The new project.
    pub project_id: ProjectId,
    /// The member this device writes as in it.
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
