//! `storyloom story …`

use chrono::{DateTime, Utc};
use serde_json::json;
use storyloom::{
    Error, HistoryEntry, NewStory, ParticipantId, ProjectId, Store, StoryId, StoryQuery, StorySort, StoryStatus,
    StoryUpdate,
};

use crate::args::StoryCommand;
use crate::files::read_text_file;
use crate::output::{Output, json_error};

pub fn run(store: &Store, project: Result<ProjectId, Error>, command: &StoryCommand) -> Result<Output, Error> {
    match command {
        StoryCommand::Add(args) => {
            let transcript = match &args.transcript_file {
                Some(path) => read_text_file(path, "transcript_file")?,
                None => String::new(),
            };
            let new = NewStory {
                title: args.title.clone(),
                storytellers: args
                    .storytellers
                    .iter()
                    .map(|s| ParticipantId::parse(s))
                    .collect::<Result<_, _>>()?,
                transcript,
                summary: args.summary.clone(),
                language: args.language.clone(),
                recorded_at: args
                    .recorded_at
                    .as_deref()
                    .map(|t| {
                        DateTime::parse_from_rfc3339(t).map_err(|err| Error::InvalidInput {
                            field: "recorded_at".into(),
                            reason: format!("not an RFC 3339 time: {err}"),
                        })
                    })
                    .transpose()?,
                place: args.place.clone(),
                tags: args.tags.clone(),
                status: None,
            };
            let id = store.create_story(project?, &new)?;
            Ok(Output::new(json!({"id": id}), id.to_string()))
        }
        StoryCommand::Show { id } => {
            let story = store.story(StoryId::parse(id)?)?;
            let mut text = format!(
                "{} ({})\nStatus: {}\nTags: {}\n\n{}\n",
                story.title,
                story.id,
                story.status,
                story.tags.join(", "),
                story.transcript
            );
            for highlight in &story.highlights {
                text.push_str(&format!(
                    "\nHighlight [{}..{}] {:?} {}",
                    highlight.start,
                    highlight.end,
                    highlight.quote,
                    highlight.theme.as_deref().unwrap_or("")
                ));
            }
            for conflict in &story.conflicts {
                text.push_str(&format!(
                    "\nConflict on {}: showing {:?}, also {:?}",
                    conflict.field, conflict.winner, conflict.others
                ));
            }
            Ok(Output::new(serde_json::to_value(&story).map_err(json_error)?, text))
        }
        StoryCommand::Edit(args) => {
            let id = StoryId::parse(&args.id)?;
            let transcript = args
                .transcript_file
                .as_deref()
                .map(|p| read_text_file(p, "transcript_file"))
                .transpose()?;
            let update = StoryUpdate {
                title: args.title.clone(),
                language: args.language.clone(),
                status: args.status.as_deref().map(StoryStatus::parse).transpose()?,
                ..Default::default()
            };
            if update.title.is_some() || update.language.is_some() || update.status.is_some() {
                store.update_story(id, &update)?;
            }
            if let Some(transcript) = transcript {
                store.set_transcript(id, &transcript)?;
            }
            for tag in &args.add_tags {
                store.add_tag(id, tag)?;
            }
            for tag in &args.remove_tags {
                store.remove_tag(id, tag)?;
            }
            let story = store.story(id)?;
            Ok(Output::new(
                json!({"id": id, "title": story.title, "tags": story.tags, "status": story.status}),
                "Story updated.",
            ))
        }
        StoryCommand::List(args) => {
            let query = StoryQuery {
                tag: args.tag.clone(),
                status: args.status.as_deref().map(StoryStatus::parse).transpose()?,
                storyteller: args.storyteller.as_deref().map(ParticipantId::parse).transpose()?,
                sort: parse_sort(&args.sort)?,
                limit: args.limit,
                offset: args.offset,
                ..StoryQuery::new(project?)
            };
            let page = store.list_stories(&query)?;
            let text = page
                .stories
                .iter()
                .map(|s| format!("{}  {}  [{}] {}", s.id, s.title, s.status, s.tags.join(", ")))
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::new(
                json!({"stories": page.stories, "next_offset": page.next_offset}),
                text,
            ))
        }
        StoryCommand::Highlight(args) => {
            let id = store.add_highlight(
                StoryId::parse(&args.id)?,
                args.start,
                args.end,
                args.theme.as_deref(),
                &args.note,
            )?;
            Ok(Output::new(json!({"id": id}), id.to_string()))
        }
        StoryCommand::History { id } => {
            let history = store.story_history(StoryId::parse(id)?)?;
            Ok(Output::new(json!({"history": history}), history_text(&history)))
        }
    }
}

fn parse_sort(text: &str) -> Result<StorySort, Error> {
    match text {
        "created" => Ok(StorySort::CreatedDesc),
        "updated" => Ok(StorySort::UpdatedDesc),
        "recorded" => Ok(StorySort::RecordedDesc),
        "title" => Ok(StorySort::TitleAsc),
        other => Err(Error::InvalidInput {
            field: "sort".into(),
            reason: format!("{other:?} is not one of: created, updated, recorded, title"),
        }),
    }
}

pub fn history_text(history: &[HistoryEntry]) -> String {
    history
        .iter()
        .map(|entry| {
            format!(
                "{}  {:<20} {}",
                entry.at.with_timezone(&Utc).format("%Y-%m-%d %H:%M:%S"),
                format!("{:?}", entry.kind),
                entry.member_name.as_deref().unwrap_or("(unknown member)")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
