//! Members: who belongs to a project, a coordinator removing a member or one
//! lost device (which renews the group secret for the devices that remain),
//! and roles (issue 12, ADR 0016).

use storyloom::{DeviceId, MemberId, ProjectId};

pub use storyloom::MemberStatus;

use crate::error::Result;
use crate::records::MemberRole;
use crate::store::Store;

/// A member as the project's signed records say.
#[uniffi::remote(Record)]
pub struct MemberStatus {
    /// The member's id, as `removeMember` and `setMemberRole` take it.
    pub id: MemberId,
    /// The name the member joined under.
    pub name: String,
    /// The member's role by the signed records (only a coordinator may
    /// remove members or change roles).
    pub role: MemberRole,
    /// The member's devices that are enrolled and not removed.
    pub devices: Vec<DeviceId>,
    /// Whether a coordinator removed the member: their devices are refused
    /// and hold no group secret made since.
    pub removed: bool,
}

#[uniffi::export]
impl Store {
    /// The project's members, with their devices and whether removed.
    pub fn members(&self, project: ProjectId) -> Result<Vec<MemberStatus>> {
        Ok(self.inner.members(project)?)
    }

    /// Removes a member and all their devices (coordinators only). What
    /// their devices already received stays readable to them; nothing
    /// sealed from now on is, and nothing they send is accepted.
    pub fn remove_member(&self, project: ProjectId, member: MemberId) -> Result<()> {
        Ok(self.inner.remove_member(project, member)?)
    }

    /// Removes one lost or stolen device (coordinators only); its member stays.
    pub fn remove_device(&self, project: ProjectId, device: DeviceId) -> Result<()> {
        Ok(self.inner.remove_device(project, device)?)
    }

    /// Gives a member a role (coordinators only).
    pub fn set_member_role(&self, project: ProjectId, member: MemberId, role: MemberRole) -> Result<()> {
        Ok(self.inner.set_member_role(project, member, role)?)
    }
}
