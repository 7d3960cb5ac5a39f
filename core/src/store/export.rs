//! Everything that lets a story leave the device goes through here, and
//! checks effective consent first: one story for publication or sharing, or
//! a whole project exported to a folder as JSON or CSV with a manifest of
//! what was withheld and why.

use std::fs;
use std::path::Path;

use serde::Serialize;
use serde_json::json;

use super::export_media::{ExportedMedia, WithheldMedia};
use super::{Store, consent, export_cleanup, now};
use crate::consent::rule;
use crate::consent::{ExportPurpose, PublishedStory};
use crate::error::{Error, Result};
use crate::ids::{ProjectId, StoryId};
use crate::model::{StoryQuery, text_enum};

text_enum!(
    /// The file format of an export.
    ExportFormat, "format" {
        /// `index.json` plus one `stories/<id>.json` per story.
        Json => "json",
        /// `stories.csv`, one row per story.
        Csv => "csv",
    }
);

/// The reason given for a story whose stored document does not load.
const UNREADABLE: &str = "unreadable: the story's stored document does not load";

/// A story that was not exported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Withheld {
    pub id: StoryId,
    pub reason: String,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    pub exported: Vec<StoryId>,
    pub withheld: Vec<Withheld>,
    /// Media copied (decrypted) into `media/`.
    pub media: Vec<ExportedMedia>,
    /// Media left out, and why.
    pub media_withheld: Vec<WithheldMedia>,
    /// Every file written, relative to the export folder.
    pub files: Vec<String>,
}

impl Store {
    /// The story as it may leave the device for `purpose`, with storytellers
    /// credited as their consent grants say. `ConsentRequired` names the
    /// missing scope when the storytellers' consent does not allow it.
    pub fn publish_story(&self, story: StoryId, purpose: ExportPurpose) -> Result<PublishedStory> {
        let full = self.story(story)?;
        let scopes = self.read(|conn| consent::story_scopes(conn, story))?;
        if !purpose.allowed_by(&scopes) {
            return Err(Error::ConsentRequired {
                scope: purpose.required_scope(),
                story,
            });
        }
        let now = now();
        let mut storytellers = Vec::new();
        for teller in &full.storytellers {
            let participant = self.participant(*teller).ok();
            let records = self.read(|conn| consent::ledger_of(conn, *teller))?;
            storytellers.push((participant, rule::effective(&records, *teller, Some(story), now)));
        }
        Ok(crate::consent::publication::publish(
            &full,
            purpose,
            &storytellers,
            &scopes,
            now,
        ))
    }

    /// Exports every story of a project that consent allows for `purpose`
    /// into `folder` (created if needed), plus `manifest.json` listing what
    /// was exported and what was withheld, and why.
    pub fn export_project(
        &self,
        project: ProjectId,
        folder: &Path,
        format: ExportFormat,
        purpose: ExportPurpose,
    ) -> Result<ExportReport> {
        let mut published = Vec::new();
        let mut withheld = Vec::new();
        let mut query = StoryQuery {
            limit: 500,
            ..StoryQuery::new(project)
        };
        loop {
            let page = self.list_stories(&query)?;
            for summary in &page.stories {
                match self.publish_story(summary.id, purpose) {
                    Ok(story) => published.push(story),
                    Err(Error::ConsentRequired { scope, .. }) => withheld.push(Withheld {
                        id: summary.id,
                        reason: format!("consent required: {scope} has not been granted by every storyteller"),
                    }),
                    // One damaged story must not stop the export of the rest.
                    Err(Error::CorruptData(_)) => withheld.push(Withheld {
                        id: summary.id,
                        reason: UNREADABLE.into(),
                    }),
                    Err(err) => return Err(err),
                }
            }
            match page.next_offset {
                Some(next) => query.offset = next,
                None => break,
            }
        }
        for name in ["", "manifest.json", "index.json", "stories.csv", "stories", "media"] {
            super::output_files::refuse_store_file(self.path(), &folder.join(name), "folder")?;
        }
        fs::create_dir_all(folder)?;
        let previous = export_cleanup::previous_files(folder)?;
        let mut files = match format {
            ExportFormat::Json => {
                // Segments place the transcript on its recording: exported
                // with the transcript, never without it.
                let mut segments = std::collections::HashMap::new();
                for story in published.iter().filter(|s| s.transcript.is_some()) {
                    segments.insert(story.id, self.story_segments(story.id)?);
                }
                write_json(folder, &published, &segments)?
            }
            ExportFormat::Csv => vec![write_csv(folder, &published)?],
        };
        let exported_ids: Vec<StoryId> = published.iter().map(|s| s.id).collect();
        let withheld_ids: Vec<StoryId> = withheld.iter().map(|w| w.id).collect();
        let (media, media_withheld) = self.export_story_media(folder, &exported_ids, &withheld_ids)?;
        files.extend(media.iter().map(|m| m.file.clone()));
        export_cleanup::remove_stale(folder, &previous, &files)?;
        files.push("manifest.json".into());
        let manifest = json!({
            "project_id": project,
            "purpose": purpose,
            "format": format,
            "exported_at": now().to_rfc3339(),
            "exported": published.iter().map(|s| s.id).collect::<Vec<_>>(),
            "withheld": withheld,
            "fields_withheld": published.iter()
                .filter(|s| !s.fields_withheld.is_empty())
                .map(|s| json!({"id": s.id, "fields": s.fields_withheld}))
                .collect::<Vec<_>>(),
            "media": media,
            "media_withheld": media_withheld,
            "files": files,
        });
        write_file(folder, "manifest.json", &to_json(&manifest)?)?;
        Ok(ExportReport {
            exported: published.iter().map(|s| s.id).collect(),
            withheld,
            media,
            media_withheld,
            files,
        })
    }
}

fn to_json(value: &impl Serialize) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(value).map_err(|e| Error::Storage(format!("could not write JSON: {e}")))
}

/// Writes a file atomically: to a temporary name, then renamed.
fn write_file(folder: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let path = folder.join(name);
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staging = path.with_file_name(format!(".{file_name}.partial"));

    fs::write(&staging, bytes)?;
    fs::rename(&staging, &path)?;
    Ok(())
}

fn write_json(
    folder: &Path,
    stories: &[PublishedStory],
    segments: &std::collections::HashMap<StoryId, Vec<crate::model::Segment>>,
) -> Result<Vec<String>> {
    fs::create_dir_all(folder.join("stories"))?;
    let mut files = Vec::new();
    for story in stories {
        let name = format!("stories/{}.json", story.id);
        let mut value =
            serde_json::to_value(story).map_err(|e| Error::Storage(format!("could not write JSON: {e}")))?;
        if let (Some(object), Some(segments)) = (value.as_object_mut(), segments.get(&story.id)) {
            object.insert(
                "segments".into(),
                serde_json::to_value(segments).map_err(|e| Error::Storage(format!("could not write JSON: {e}")))?,
            );
        }
        write_file(folder, &name, &to_json(&value)?)?;
        files.push(name);
    }
    let index: Vec<_> = stories
        .iter()
        .map(|s| json!({"id": s.id, "title": s.title, "file": format!("stories/{}.json", s.id)}))
        .collect();
    write_file(folder, "index.json", &to_json(&index)?)?;
    files.push("index.json".into());
    Ok(files)
}

/// A cell no spreadsheet evaluates: one that starts like a formula gets a
/// leading `'` (OWASP's CSV injection advice), which spreadsheets show as
/// text; a reader of the raw file strips that one quote to get the value.
fn inert_cell(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

fn write_csv(folder: &Path, stories: &[PublishedStory]) -> Result<String> {
    let csv_error = |e: csv::Error| Error::Storage(format!("could not write CSV: {e}"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "id",
            "title",
            "summary",
            "transcript",
            "language",
            "recorded_on",
            "place",
            "tags",
            "themes",
            "quotes",
            "storytellers",
            "consent",
        ])
        .map_err(csv_error)?;
    for s in stories {
        let join = |items: Vec<String>| items.join("; ");
        writer
            .write_record(
                [
                    s.id.to_string(),
                    s.title.clone(),
                    s.summary.clone(),
                    s.transcript.clone().unwrap_or_default(),
                    s.language.clone().unwrap_or_default(),
                    s.recorded_on.clone().unwrap_or_default(),
                    s.place.clone().unwrap_or_default(),
                    join(s.tags.clone()),
                    join(s.themes.clone()),
                    join(s.quotes.iter().map(|q| q.quote.clone()).collect()),
                    join(s.storytellers.iter().map(|c| c.shown_as.clone()).collect()),
                    join(s.consent.iter().map(|c| c.as_str().to_owned()).collect()),
                ]
                .map(inert_cell),
            )
            .map_err(csv_error)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::Storage(format!("could not write CSV: {e}")))?;
    write_file(folder, "stories.csv", &bytes)?;
    Ok("stories.csv".into())
}
