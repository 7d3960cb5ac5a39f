//! Stories: creating them, reading them, and editing their fields and texts.

use rusqlite::{Connection, OptionalExtension};

use super::{Store, story_uuid};
use crate::documents::story_doc::{self, StoryText, ValidNewStory};
use crate::documents::{DocKind, history};
use crate::error::{Error, RecordKind, Result};
use crate::ids::{ParticipantId, ProjectId, StoryId};
use crate::model::{ChangeKind, HistoryEntry, NewStory, Story, StoryUpdate};

impl Store {
    /// Creates a story in a project. Every storyteller must be a participant
    /// of that project.
    pub fn create_story(&self, project: ProjectId, new: &NewStory) -> Result<StoryId> {
        let story = ValidNewStory::check(new)?;
        self.write(|w| {
            for storyteller in &story.storytellers {
                check_participant(&w.conn, *storyteller, project)?;
            }
            let id = StoryId::new();
            w.create(DocKind::Story, story_uuid(id), project, |doc, author, _| {
                story_doc::create(doc, author.member, &story)
            })?;
            Ok(id)
        })
    }

    /// The whole story: texts, highlights, comments and any conflicts.
    pub fn story(&self, id: StoryId) -> Result<Story> {
        self.view(story_uuid(id), DocKind::Story, |doc| story_doc::read(doc))
    }

    /// Changes one-value fields (title, language, place, status, recording
    /// time); checks every field before changing any.
    pub fn update_story(&self, id: StoryId, update: &StoryUpdate) -> Result<()> {
        let kind = if update.title.is_some()
            && update.language.is_none()
            && update.place.is_none()
            && update.status.is_none()
            && update.recorded_at.is_none()
        {
            ChangeKind::TitleChanged
        } else {
            ChangeKind::DetailsChanged
        };
        self.write(|w| {
            w.edit(story_uuid(id), DocKind::Story, kind, |doc, _| {
                story_doc::update(doc, update)
            })
        })
    }

    /// Deletes `delete` UTF-16 code units of the transcript at `start` and
    /// inserts `insert` there: what a text field's change callback reports.
    pub fn splice_transcript(&self, id: StoryId, start: u64, delete: u64, insert: &str) -> Result<()> {
        self.splice(id, StoryText::Transcript, start, delete, insert)
    }

    /// Replaces the transcript with `text`, applying only the difference so
    /// concurrent edits elsewhere in it survive the merge.
    pub fn set_transcript(&self, id: StoryId, text: &str) -> Result<()> {
        self.replace(id, StoryText::Transcript, text)
    }

    /// Like [`Store::splice_transcript`], for the summary.
    pub fn splice_summary(&self, id: StoryId, start: u64, delete: u64, insert: &str) -> Result<()> {
        self.splice(id, StoryText::Summary, start, delete, insert)
    }

    /// Like [`Store::set_transcript`], for the summary.
    pub fn set_summary(&self, id: StoryId, text: &str) -> Result<()> {
        self.replace(id, StoryText::Summary, text)
    }

    fn splice(&self, id: StoryId, which: StoryText, start: u64, delete: u64, insert: &str) -> Result<()> {
        let field = text_field(which);
        let start = usize::try_from(start).map_err(|_| Error::invalid(field, "offset is too large"))?;
        let delete = usize::try_from(delete).map_err(|_| Error::invalid(field, "length is too large"))?;
        if which == StoryText::Transcript {
            return self.write(|w| w.splice_transcript(story_uuid(id), start, delete, insert));
        }
        self.write(|w| {
            w.edit(story_uuid(id), DocKind::Story, text_change(which), |doc, _| {
                story_doc::splice(doc, which, start, delete, insert)
            })
        })
    }

    fn replace(&self, id: StoryId, which: StoryText, text: &str) -> Result<()> {
        self.write(|w| {
            w.edit(story_uuid(id), DocKind::Story, text_change(which), |doc, _| {
                story_doc::replace(doc, which, text)
            })
        })
    }

    /// Adds a tag (tags are compared ignoring case and spacing).
    pub fn add_tag(&self, id: StoryId, tag: &str) -> Result<()> {
        self.write(|w| {
            w.edit(story_uuid(id), DocKind::Story, ChangeKind::TagsChanged, |doc, _| {
                story_doc::add_tag(doc, tag)
            })
        })
    }

    /// Removes a tag; removing one that is not there is a no-op.
    pub fn remove_tag(&self, id: StoryId, tag: &str) -> Result<()> {
        self.write(|w| {
            w.edit(story_uuid(id), DocKind::Story, ChangeKind::TagsChanged, |doc, _| {
                story_doc::remove_tag(doc, tag)
            })
        })
    }

    /// Adds a storyteller, who must be a participant of the story's project.
    pub fn add_storyteller(&self, id: StoryId, participant: ParticipantId) -> Result<()> {
        self.write(|w| {
            let row = w.locate(story_uuid(id), DocKind::Story)?;
            check_participant(&w.conn, participant, row.project_id)?;
            w.edit(
                story_uuid(id),
                DocKind::Story,
                ChangeKind::StorytellersChanged,
                |doc, _| story_doc::add_storyteller(doc, participant),
            )
        })
    }

    /// Removes a storyteller; removing one who is not there is a no-op.
    pub fn remove_storyteller(&self, id: StoryId, participant: ParticipantId) -> Result<()> {
        self.write(|w| {
            w.edit(
                story_uuid(id),
                DocKind::Story,
                ChangeKind::StorytellersChanged,
                |doc, _| story_doc::remove_storyteller(doc, participant),
            )
        })
    }

    /// Who changed this story, when, and what kind of change, oldest first.
    pub fn story_history(&self, id: StoryId) -> Result<Vec<HistoryEntry>> {
        let (project, entries) = self.view(story_uuid(id), DocKind::Story, |doc| {
            let project = crate::documents::read_header(doc)?.project_id;
            Ok((project, history::read(doc)))
        })?;
        self.name_members(project, entries)
    }
}

fn text_field(which: StoryText) -> &'static str {
    match which {
        StoryText::Transcript => "transcript",
        StoryText::Summary => "summary",
    }
}

fn text_change(which: StoryText) -> ChangeKind {
    match which {
        StoryText::Transcript => ChangeKind::TranscriptEdited,
        StoryText::Summary => ChangeKind::SummaryEdited,
    }
}

/// A storyteller must be a participant of the same project.
fn check_participant(conn: &Connection, participant: ParticipantId, project: ProjectId) -> Result<()> {
    let found: Option<String> = conn
        .query_row(
            "SELECT project_id FROM participants WHERE participant_id = ?1",
            [participant.to_string()],
            |row| row.get(0),
        )
        .optional()?;
    match found {
        Some(p) if p == project.to_string() => Ok(()),
        Some(_) => Err(Error::invalid(
            "storyteller",
            format!("participant {participant} belongs to another project"),
        )),
        None if super::erasure::is_tombstoned(conn, super::participant_uuid(participant))? => Err(Error::Erased {
            kind: RecordKind::Participant,
            id: participant.to_string(),
        }),
        None => Err(Error::not_found(RecordKind::Participant, participant)),
    }
}
