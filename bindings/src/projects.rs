//! Projects, members, the codebook, and moving documents between stores.

use storyloom::{MemberId, ProjectId};

use crate::error::Result;
use crate::records::{CreatedProject, MemberRole, Project, ProjectSummary, all};
use crate::store::Store;

#[uniffi::export]
impl Store {
    /// Creates a project with this device writing as its first member.
    pub fn create_project(&self, name: String, member_name: String, role: MemberRole) -> Result<CreatedProject> {
        let (project_id, member_id) = self.inner.create_project(&name, &member_name, role)?;
        Ok(CreatedProject { project_id, member_id })
    }

    /// Makes this device a member of a project it received from another.
    pub fn join_project(&self, project: ProjectId, member_name: String, role: MemberRole) -> Result<MemberId> {
        Ok(self.inner.join_project(project, &member_name, role)?)
    }

    /// Adds a member who writes from another device, or from none.
    pub fn add_member(&self, project: ProjectId, display_name: String, role: MemberRole) -> Result<MemberId> {
        Ok(self.inner.add_member(project, &display_name, role)?)
    }

    /// Adds a theme to the codebook; false if it was already there.
    pub fn add_theme(&self, project: ProjectId, name: String, description: String) -> Result<bool> {
        Ok(self.inner.add_theme(project, &name, &description)?)
    }

    /// A project with its members and codebook.
    pub fn project(&self, id: ProjectId) -> Result<Project> {
        Ok(self.inner.project(id)?.into())
    }

    /// Every project in the store.
    pub fn projects(&self) -> Result<Vec<ProjectSummary>> {
        Ok(all(self.inner.projects()?))
    }

    /// The project document's bytes, to hand to another store.
    pub fn export_project_document(&self, id: ProjectId) -> Result<Vec<u8>> {
        Ok(self.inner.export_project_document(id)?)
    }

    /// Merges a document exported by another store. Returns whether this
    /// store changed. Malformed documents are refused and change nothing.
    pub fn import_document(&self, bytes: Vec<u8>) -> Result<bool> {
        Ok(self.inner.import_document(&bytes)?.changed)
    }
}
