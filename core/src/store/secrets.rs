//! The group secret of each project, invites, and joining from one.

use rusqlite::{OptionalExtension, params};

use super::{Store, Writer, project_uuid};
use crate::documents::{DocKind, project_doc};
use crate::error::{Error, KeySide, Result};
use crate::ids::{MemberId, ProjectId};
use crate::model::{ChangeKind, MemberRole};
use crate::sync::{GroupSecret, Invite};
use crate::text;

impl Store {
    /// An invite for another device: a string fit for a QR code holding the
    /// project's id, name and group secret. Whoever holds it can join the
    /// group: show it, do not send it where others can read it.
    pub fn invite(&self, project: ProjectId) -> Result<String> {
        self.write(|w| {
            let name = w
                .view(project_uuid(project), DocKind::Project, |doc| project_doc::read(doc))?
                .name;
            let secret = w.secret(project)?;
            Invite {
                project,
                project_name: name,
                secret,
            }
            .encode()
        })
    }

    /// Joins the project an invite is for. The project's document arrives
    /// with the first sync; this device's member is added to it then.
    /// Joining a project this device already holds just makes it a member.
    pub fn join(&self, invite: &str, member_name: &str, role: MemberRole) -> Result<(ProjectId, MemberId)> {
        let invite = Invite::parse(invite)?;
        let member_name = text::required_line("display_name", member_name)?;
        let project = invite.project;
        let held = self.write(|w| {
            if let Some(existing) = w.stored_secret(project)?
                && existing != invite.secret
            {
                return Err(Error::wrong_key(
                    KeySide::OtherDevice,
                    "this device holds the project with a different group secret than the invite",
                ));
            }
            let tx = w.conn.transaction()?;
            tx.execute(
                "INSERT OR IGNORE INTO project_secrets (project_id, secret) VALUES (?1, ?2)",
                params![project.to_string(), invite.secret.as_bytes().to_vec()],
            )?;
            let held = super::persistence::doc_row(&tx, project_uuid(project))?.is_some();
            tx.commit()?;
            Ok(held)
        })?;
        if held {
            return Ok((project, self.join_project(project, &member_name, role)?));
        }
        self.write(|w| {
            if let Ok(author) = w.author(project) {
                return Ok((project, author.member));
            }
            let member = MemberId::new();
            let tx = w.conn.transaction()?;
            tx.execute(
                "INSERT INTO local_members (project_id, member_id) VALUES (?1, ?2)",
                params![project.to_string(), member.to_string()],
            )?;
            tx.execute(
                "INSERT INTO pending_joins (project_id, member_id, display_name, role) VALUES (?1, ?2, ?3, ?4)",
                params![project.to_string(), member.to_string(), member_name, role.as_str()],
            )?;
            tx.commit()?;
            Ok((project, member))
        })
    }
}

impl Store {
    /// Leaves a project this device joined but has not received yet: forgets
    /// the group secret and the member it was to write as, so it can join
    /// again with a correct invite (after joining from a mistyped or stale
    /// one, every sync fails with `WrongKey`). A project whose documents
    /// this device holds is refused: leaving it would drop the group's
    /// stories from this device, which is not what leaving a wrong invite
    /// asks for. Leaving a project this device is not in is `NotFound`.
    pub fn leave_project(&self, project: ProjectId) -> Result<()> {
        self.write(|w| {
            let id = project.to_string();
            if super::persistence::doc_row(&w.conn, project_uuid(project))?.is_some() {
                return Err(Error::invalid(
                    "project",
                    "this device holds the project's documents; only a project joined but not yet received can be left",
                ));
            }
            let tx = w.conn.transaction()?;
            let mut removed = tx.execute("DELETE FROM project_secrets WHERE project_id = ?1", [&id])?;
            removed += tx.execute("DELETE FROM pending_joins WHERE project_id = ?1", [&id])?;
            removed += tx.execute("DELETE FROM local_members WHERE project_id = ?1", [&id])?;
            if removed == 0 {
                return Err(Error::not_found(crate::error::RecordKind::Project, id));
            }
            tx.commit()?;
            w.local_members.remove(&project);
            Ok(())
        })
    }

    /// The group secret, for the hostile-peer test helpers only.
    #[cfg(feature = "test-support")]
    pub(crate) fn group_secret_for_test(&self, project: ProjectId) -> Result<GroupSecret> {
        self.write(|w| w.secret(project))
    }
}

impl Writer {
    /// A `WrongKey` error said from this device's side: which of the two
    /// holds the secret that came from the project's own invite is known
    /// only by whether this device has received the project, and neither
    /// side is told the other is hostile.
    pub(crate) fn explain_wrong_key(&self, project: ProjectId, err: Error) -> Error {
        let Error::WrongKey { .. } = err else {
            return err;
        };
        let received = super::persistence::doc_row(&self.conn, project_uuid(project))
            .map(|row| row.is_some())
            .unwrap_or(true);
        let side = if received {
            KeySide::OtherDevice
        } else {
            KeySide::ThisDevice
        };
        Error::wrong_key(
            side,
            if received {
                format!(
                    "the other device holds a different group secret for project {project} than this one; \
                 if it joined from a mistyped or old invite, it can leave the project and join again with a new invite from this device; \
                 if a member was removed while this device was away, the other device holds the newer secret: start the session from this device to receive it"
                )
            } else {
                format!(
                    "this device joined project {project} with a different group secret than the other device holds; \
                 if the invite was mistyped or old, leave the project and join again with a new invite"
                )
            },
        )
    }

    fn stored_secret(&self, project: ProjectId) -> Result<Option<GroupSecret>> {
        let bytes: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT secret FROM project_secrets WHERE project_id = ?1",
                [project.to_string()],
                |row| row.get(0),
            )
            .optional()?;
        bytes.map(|b| GroupSecret::from_bytes(&b)).transpose()
    }

    /// The newest group secret this device holds for the project (the
    /// epoch everything is sealed under, `store::membership`).
    pub(crate) fn secret(&mut self, project: ProjectId) -> Result<GroupSecret> {
        let mut held = self.held_secrets(project)?;
        Ok(held.swap_remove(0))
    }

    /// The group secret this device was given: created with the project or
    /// brought by its invite. Projects created before sync existed get one
    /// the first time it is needed on a device that is a member.
    pub(crate) fn given_secret(&mut self, project: ProjectId) -> Result<GroupSecret> {
        if let Some(secret) = self.stored_secret(project)? {
            return Ok(secret);
        }
        self.locate(project_uuid(project), DocKind::Project)?;
        self.author(project)?;
        let secret = GroupSecret::generate()?;
        self.conn.execute(
            "INSERT INTO project_secrets (project_id, secret) VALUES (?1, ?2)",
            params![project.to_string(), secret.as_bytes().to_vec()],
        )?;
        Ok(secret)
    }

    /// Stores a new project's secret inside the creating transaction.
    pub(crate) fn store_new_secret(tx: &rusqlite::Transaction<'_>, project: ProjectId) -> Result<()> {
        tx.execute(
            "INSERT INTO project_secrets (project_id, secret) VALUES (?1, ?2)",
            params![project.to_string(), GroupSecret::generate()?.as_bytes().to_vec()],
        )?;
        Ok(())
    }

    /// After a session brought the project whole and this device added its
    /// member to it: sends that change in the same session. The peer holds
    /// exactly what it sent, so the sync state starts from there and the
    /// change goes in the next message instead of after a round of heads.
    pub(crate) fn send_joined_member(&mut self, session: &mut crate::sync::SyncSession) -> Result<()> {
        use automerge::sync::{BloomFilter, Have, State};
        let id = project_uuid(session.project);
        let received = self
            .document(id, None)?
            .get_last_local_change()
            .map(|change| change.deps().to_vec());
        if let Some(received) = received {
            let mut state = State::new();
            state.shared_heads = received.clone();
            state.their_heads = Some(received.clone());
            state.their_need = Some(Vec::new());
            state.their_have = Some(vec![Have {
                last_sync: received,
                bloom: BloomFilter::default(),
            }]);
            session.states.insert(id, state);
        }
        session.active.insert(id);
        Ok(())
    }

    /// Whether this device joined `project` from an invite and waits for
    /// its document to add its member.
    pub(crate) fn has_pending_join(&self, project: ProjectId) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM pending_joins WHERE project_id = ?1",
                [project.to_string()],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Adds the member a device joined as to the project, once the project
    /// document has arrived.
    pub(crate) fn complete_pending_join(&mut self, project: ProjectId) -> Result<()> {
        let pending: Option<(String, String, String)> = self
            .conn
            .query_row(
                "SELECT member_id, display_name, role FROM pending_joins WHERE project_id = ?1",
                [project.to_string()],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        let Some((member, name, role)) = pending else {
            return Ok(());
        };
        let member = MemberId::from_stored(&member)?;
        let role = MemberRole::from_stored(&role)?;
        let now = super::now();
        let known = self
            .view(project_uuid(project), DocKind::Project, |doc| project_doc::read(doc))?
            .members
            .iter()
            .any(|m| m.id == member);
        if !known {
            // The member and its device's enrolment in one change: the
            // session sends this device's last change to the peer as the
            // only thing it lacks (`send_joined_member`).
            let keys = self.device_keys(project)?.public();
            self.edit(
                project_uuid(project),
                DocKind::Project,
                ChangeKind::MemberAdded,
                |doc, author| {
                    project_doc::add_member(doc, member, &name, role, now)?;
                    crate::documents::enrolments::enrol(doc, author.device, author.member, &keys)
                },
            )?;
        }
        self.conn
            .execute("DELETE FROM pending_joins WHERE project_id = ?1", [project.to_string()])?;
        self.enrol_device(project)
    }
}
