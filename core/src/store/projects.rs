//! Projects, their members and their codebook.

use rusqlite::{OptionalExtension, params};

use super::{Store, Writer, index_document, now, persistence, project_uuid};
use crate::documents::{self, Author, DocKind, Header, project_doc};
use crate::error::{Error, Result};
use crate::ids::{MemberId, ProjectId};
use crate::model::{ChangeKind, MemberRole, Project, ProjectSummary};
use crate::text;

impl Store {
    /// Creates a project, with this device writing as its first member.
    pub fn create_project(&self, name: &str, member_name: &str, role: MemberRole) -> Result<(ProjectId, MemberId)> {
        let name = text::required_line("project name", name)?;
        let member_name = text::required_line("display_name", member_name)?;
        self.write(|w| {
            let project = ProjectId::new();
            let member = MemberId::new();
            let author = Author {
                device: w.device,
                member,
            };
            let now = now();
            let mut doc = documents::new_document(&author);
            let header = Header {
                kind: DocKind::Project,
                id: project_uuid(project),
                project_id: project,
            };
            documents::write_header(&mut doc, &header, now)?;
            project_doc::create(&mut doc, &name)?;
            project_doc::add_member(&mut doc, member, &member_name, role, now)?;
            documents::commit(&mut doc, &ChangeKind::Created, now);

            let tx = w.conn.transaction()?;
            tx.execute(
                "INSERT INTO local_members (project_id, member_id) VALUES (?1, ?2)",
                params![project.to_string(), member.to_string()],
            )?;
            Writer::store_new_secret(&tx, project)?;
            persistence::insert(
                &tx,
                header.id,
                DocKind::Project,
                project,
                &mut doc,
                now.timestamp_millis(),
            )?;
            let mut pending = super::StoreChange::default();
            index_document(&tx, DocKind::Project, &mut doc, now, &mut pending, &mut w.ledgers)?;
            tx.commit()?;
            w.changes.absorb(pending);
            w.local_members.insert(project, member);
            w.docs.insert(header.id, doc);
            w.enrol_device(project)?;
            Ok((project, member))
        })
    }

    /// Makes this device a member of a project it holds a copy of (received
    /// from another device), so it can write to it. Joining twice returns
    /// the member it already writes as.
    pub fn join_project(&self, project: ProjectId, member_name: &str, role: MemberRole) -> Result<MemberId> {
        let member_name = text::required_line("display_name", member_name)?;
        self.write(|w| {
            if let Ok(author) = w.author(project) {
                return Ok(author.member);
            }
            let id = project_uuid(project);
            w.locate(id, DocKind::Project)?;
            let member = MemberId::new();
            let author = Author {
                device: w.device,
                member,
            };
            let now = now();
            let doc = w.document(id, None)?;
            doc.set_actor(author.actor_id());
            if let Err(err) = project_doc::add_member(doc, member, &member_name, role, now) {
                doc.rollback();
                return Err(err);
            }
            documents::commit(doc, &ChangeKind::MemberAdded, now);
            let result = join_transaction(w, project, member, now);
            if result.is_err() {
                w.docs.evict(&id);
            }
            result?;
            w.local_members.insert(project, member);
            w.enrol_device(project)?;
            Ok(member)
        })
    }

    /// Adds a member who writes through another device (or none).
    pub fn add_member(&self, project: ProjectId, display_name: &str, role: MemberRole) -> Result<MemberId> {
        self.write(|w| {
            let member = MemberId::new();
            w.edit(
                project_uuid(project),
                DocKind::Project,
                ChangeKind::MemberAdded,
                |doc, _| project_doc::add_member(doc, member, display_name, role, now()),
            )?;
            Ok(member)
        })
    }

    /// Adds a theme to the project's codebook. Returns false if a theme of
    /// that name (in any case) was already there.
    pub fn add_theme(&self, project: ProjectId, name: &str, description: &str) -> Result<bool> {
        self.write(|w| {
            w.edit(
                project_uuid(project),
                DocKind::Project,
                ChangeKind::ThemeAdded,
                |doc, author| project_doc::add_theme(doc, name, description, author.member),
            )
        })
    }

    /// The project with its members and codebook.
    pub fn project(&self, id: ProjectId) -> Result<Project> {
        let mut project = self.view(project_uuid(id), DocKind::Project, |doc| project_doc::read(doc))?;
        project.local_member = self.read(|conn| local_member(conn, id))?;
        Ok(project)
    }

    /// Every project this store holds, oldest first.
    pub fn projects(&self) -> Result<Vec<ProjectSummary>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare_cached("SELECT project_id, name, created_at FROM projects ORDER BY created_at")?;
            let rows = stmt.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })?;
            rows.map(|row| {
                let (id, name, created_at) = row?;
                Ok(ProjectSummary {
                    id: ProjectId::from_stored(&id)?,
                    name,
                    created_at: documents::fields::millis_to_time(created_at)
                        .ok_or_else(|| Error::corrupt("project creation time"))?,
                })
            })
            .collect()
        })
    }
}

fn join_transaction(
    w: &mut Writer,
    project: ProjectId,
    member: MemberId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let id = project_uuid(project);
    let Writer {
        conn,
        docs,
        changes,
        ledgers,
        ..
    } = w;
    let doc = docs
        .get_mut(&id)
        .ok_or_else(|| Error::Storage("document left the cache".into()))?;
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO local_members (project_id, member_id) VALUES (?1, ?2)",
        params![project.to_string(), member.to_string()],
    )?;
    persistence::save_changes(&tx, id, doc, now.timestamp_millis())?;
    let mut pending = super::StoreChange::default();
    index_document(&tx, DocKind::Project, doc, now, &mut pending, ledgers)?;
    tx.commit()?;
    changes.absorb(pending);
    Ok(())
}

/// The member this device writes as in `project`, if it has joined.
fn local_member(conn: &rusqlite::Connection, project: ProjectId) -> Result<Option<MemberId>> {
    let member: Option<String> = conn
        .query_row(
            "SELECT member_id FROM local_members WHERE project_id = ?1",
            [project.to_string()],
            |row| row.get(0),
        )
        .optional()?;
    member.map(|m| MemberId::from_stored(&m)).transpose()
}
