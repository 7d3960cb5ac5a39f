//! The layout of a story document, and the edits made to it.
//!
//! ```text
//! { type: "story", schema, id, project_id, created_at,
//!   title, language?, place?, recorded_at? (RFC 3339 with offset), status, reporter,
//!   summary: Text, transcript: Text,
//!   storytellers: { <participant id>: true },   add-wins set
//!   tags: { <tag>: true },                       add-wins set
//!   highlights: { <id>: { start, end (cursors), theme?, note, author, created_at } },
//!   comments: { <id>: { body, highlight?, author, created_at } } }
//! ```
//! One-value fields are plain map keys: Automerge keeps every concurrent
//! value and picks the same winner everywhere; we show the rest as conflicts.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, Cursor, MoveCursor, ObjId, ObjType, ROOT, ReadDoc};
use chrono::{DateTime, FixedOffset, Utc};

use super::fields;
use crate::error::{Error, RecordKind, Result};
use crate::ids::{CommentId, HighlightId, MemberId, ParticipantId, StoryId};
use crate::model::{Comment, FieldConflict, Highlight, LanguageTag, NewStory, Story, StoryStatus, StoryUpdate};
use crate::text;

pub(crate) mod keys {
    pub const TITLE: &str = "title";
    pub const SUMMARY: &str = "summary";
    pub const TRANSCRIPT: &str = "transcript";
    pub const LANGUAGE: &str = "language";
    pub const RECORDED_AT: &str = "recorded_at";
    pub const PLACE: &str = "place";
    pub const STATUS: &str = "status";
    pub const REPORTER: &str = "reporter";
    pub const STORYTELLERS: &str = "storytellers";
    pub const TAGS: &str = "tags";
    pub const HIGHLIGHTS: &str = "highlights";
    pub const COMMENTS: &str = "comments";
    pub const START: &str = "start";
    pub const END: &str = "end";
    pub const THEME: &str = "theme";
    pub const NOTE: &str = "note";
    pub const BODY: &str = "body";
    pub const HIGHLIGHT: &str = "highlight";
    pub const AUTHOR: &str = "author";
    pub const CREATED_AT: &str = "created_at";
}

/// The two long texts of a story, edited character by character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoryText {
    Transcript,
    Summary,
}

impl StoryText {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::Transcript => keys::TRANSCRIPT,
            Self::Summary => keys::SUMMARY,
        }
    }
}

/// A new story's content, checked.
#[derive(Debug, Clone)]
pub(crate) struct ValidNewStory {
    pub title: String,
    pub storytellers: Vec<ParticipantId>,
    pub transcript: String,
    pub summary: String,
    pub language: Option<String>,
    pub recorded_at: Option<DateTime<FixedOffset>>,
    pub place: Option<String>,
    pub tags: Vec<String>,
    pub status: StoryStatus,
}

impl ValidNewStory {
    pub fn check(new: &NewStory) -> Result<Self> {
        let title = text::required_line("title", &new.title)?;
        text::long_text("transcript", &new.transcript)?;
        text::long_text("summary", &new.summary)?;
        let language = match &new.language {
            Some(l) if !l.trim().is_empty() => Some(LanguageTag::parse(l)?.to_string()),
            _ => None,
        };
        let place = match &new.place {
            Some(p) => text::optional_line("place", p)?,
            None => None,
        };
        let mut tags = new.tags.iter().map(|t| normalize_tag(t)).collect::<Result<Vec<_>>>()?;
        tags.sort();
        tags.dedup();
        let mut storytellers = new.storytellers.clone();
        storytellers.sort();
        storytellers.dedup();
        Ok(Self {
            title,
            storytellers,
            transcript: new.transcript.clone(),
            summary: new.summary.clone(),
            language,
            recorded_at: new.recorded_at,
            place,
            tags,
            status: new.status.unwrap_or(StoryStatus::Draft),
        })
    }
}

/// Tags are compared without regard to case or spacing: "Sharing  Power" and
/// "sharing power" are one tag.
pub(crate) fn normalize_tag(tag: &str) -> Result<String> {
    let collapsed = tag.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    if collapsed.is_empty() {
        return Err(Error::invalid("tag", "must not be empty"));
    }
    if collapsed.chars().count() > 100 {
        return Err(Error::invalid("tag", "is longer than 100 characters"));
    }
    Ok(collapsed)
}

/// Writes a new story's fields (the header is written by the caller).
pub(crate) fn create(doc: &mut AutoCommit, reporter: MemberId, story: &ValidNewStory) -> Result<()> {
    doc.put(ROOT, keys::TITLE, story.title.as_str())?;
    doc.put(ROOT, keys::STATUS, story.status.as_str())?;
    doc.put(ROOT, keys::REPORTER, reporter.to_string())?;
    if let Some(language) = &story.language {
        doc.put(ROOT, keys::LANGUAGE, language.as_str())?;
    }
    if let Some(place) = &story.place {
        doc.put(ROOT, keys::PLACE, place.as_str())?;
    }
    if let Some(recorded_at) = story.recorded_at {
        doc.put(ROOT, keys::RECORDED_AT, recorded_at.to_rfc3339())?;
    }
    let summary = doc.put_object(ROOT, keys::SUMMARY, ObjType::Text)?;
    doc.splice_text(&summary, 0, 0, &story.summary)?;
    let transcript = doc.put_object(ROOT, keys::TRANSCRIPT, ObjType::Text)?;
    doc.splice_text(&transcript, 0, 0, &story.transcript)?;
    let storytellers = doc.put_object(ROOT, keys::STORYTELLERS, ObjType::Map)?;
    for id in &story.storytellers {
        doc.put(&storytellers, id.to_string(), true)?;
    }
    let tags = doc.put_object(ROOT, keys::TAGS, ObjType::Map)?;
    for tag in &story.tags {
        doc.put(&tags, tag.as_str(), true)?;
    }
    doc.put_object(ROOT, keys::HIGHLIGHTS, ObjType::Map)?;
    doc.put_object(ROOT, keys::COMMENTS, ObjType::Map)?;
    Ok(())
}

/// Reads the whole story out of its document, checking every field.
pub(crate) fn read(doc: &AutoCommit) -> Result<Story> {
    let header = super::read_header(doc)?;
    if header.kind != super::DocKind::Story {
        return Err(Error::corrupt("document is not a story"));
    }
    let (transcript_obj, transcript) = fields::text(doc, &ROOT, keys::TRANSCRIPT)?;
    let (_, summary) = fields::text(doc, &ROOT, keys::SUMMARY)?;
    let title = fields::required_str(doc, &ROOT, keys::TITLE)?;
    let status = StoryStatus::from_stored(&fields::required_str(doc, &ROOT, keys::STATUS)?)?;
    let recorded_at = match fields::optional_str(doc, &ROOT, keys::RECORDED_AT)? {
        Some(text) => Some(
            DateTime::parse_from_rfc3339(&text).map_err(|_| Error::corrupt("recorded_at is not an RFC 3339 time"))?,
        ),
        None => None,
    };
    let storytellers = fields::set_members(doc, &ROOT, keys::STORYTELLERS)?
        .iter()
        .map(|id| ParticipantId::from_stored(id))
        .collect::<Result<Vec<_>>>()?;
    let mut tags = fields::set_members(doc, &ROOT, keys::TAGS)?;
    tags.sort();
    Ok(Story {
        id: StoryId::from_bytes(*header.id.as_bytes()),
        project_id: header.project_id,
        title,
        summary,
        language: fields::optional_str(doc, &ROOT, keys::LANGUAGE)?,
        recorded_at,
        place: fields::optional_str(doc, &ROOT, keys::PLACE)?,
        reporter: MemberId::from_stored(&fields::required_str(doc, &ROOT, keys::REPORTER)?)?,
        storytellers,
        tags,
        status,
        highlights: read_highlights(doc, &transcript_obj, &transcript)?,
        comments: read_comments(doc)?,
        conflicts: read_conflicts(doc)?,
        created_at: fields::required_time(doc, &ROOT, super::keys::CREATED_AT)?,
        transcript,
    })
}

fn read_conflicts(doc: &AutoCommit) -> Result<Vec<FieldConflict>> {
    fields::conflicts(
        doc,
        &[
            keys::TITLE,
            keys::STATUS,
            keys::LANGUAGE,
            keys::PLACE,
            keys::RECORDED_AT,
        ],
    )
}

fn read_highlights(doc: &AutoCommit, transcript_obj: &ObjId, transcript: &str) -> Result<Vec<Highlight>> {
    let map = fields::object(doc, &ROOT, keys::HIGHLIGHTS, ObjType::Map)?;
    let mut highlights = Vec::new();
    for key in doc.keys(&map).collect::<Vec<_>>() {
        let item = fields::object(doc, &map, &key, ObjType::Map)?;
        let start = cursor(&fields::required_bytes(doc, &item, keys::START)?)?;
        let last = cursor(&fields::required_bytes(doc, &item, keys::END)?)?;
        let start = doc.get_cursor_position(transcript_obj, &start, None)?;
        let last = doc.get_cursor_position(transcript_obj, &last, None)?;
        // The end cursor sits on the last highlighted character, so text typed
        // just after the quote does not join it. If every highlighted
        // character was deleted, the range collapses to empty.
        let end = if last >= start {
            last + text::char_width_at(transcript, last)
        } else {
            start
        };
        let end = end.min(text::utf16_len(transcript));
        highlights.push(Highlight {
            id: HighlightId::from_stored(&key)?,
            start: start as u64,
            end: end as u64,
            quote: text::slice_utf16(transcript, start, end).to_owned(),
            theme: fields::optional_str(doc, &item, keys::THEME)?,
            note: fields::optional_str(doc, &item, keys::NOTE)?.unwrap_or_default(),
            author: MemberId::from_stored(&fields::required_str(doc, &item, keys::AUTHOR)?)?,
            created_at: fields::required_time(doc, &item, keys::CREATED_AT)?,
        });
    }
    highlights.sort_by_key(|h| (h.start, h.end, h.id));
    Ok(highlights)
}

fn cursor(bytes: &[u8]) -> Result<Cursor> {
    Cursor::try_from(bytes).map_err(|_| Error::corrupt("highlight cursor does not decode"))
}

fn read_comments(doc: &AutoCommit) -> Result<Vec<Comment>> {
    let map = fields::object(doc, &ROOT, keys::COMMENTS, ObjType::Map)?;
    let mut comments = Vec::new();
    for key in doc.keys(&map).collect::<Vec<_>>() {
        let item = fields::object(doc, &map, &key, ObjType::Map)?;
        comments.push(Comment {
            id: CommentId::from_stored(&key)?,
            body: fields::required_str(doc, &item, keys::BODY)?,
            highlight: fields::optional_str(doc, &item, keys::HIGHLIGHT)?
                .map(|h| HighlightId::from_stored(&h))
                .transpose()?,
            author: MemberId::from_stored(&fields::required_str(doc, &item, keys::AUTHOR)?)?,
            created_at: fields::required_time(doc, &item, keys::CREATED_AT)?,
        });
    }
    comments.sort_by_key(|c| (c.created_at, c.id));
    Ok(comments)
}

/// Applies the one-value fields of an update, after checking all of them.
pub(crate) fn update(doc: &mut AutoCommit, update: &StoryUpdate) -> Result<()> {
    let title = update
        .title
        .as_deref()
        .map(|t| text::required_line("title", t))
        .transpose()?;
    let language = match update.language.as_deref().map(str::trim) {
        Some("") => Some(None),
        Some(l) => Some(Some(LanguageTag::parse(l)?.to_string())),
        None => None,
    };
    let place = update
        .place
        .as_deref()
        .map(|p| text::optional_line("place", p))
        .transpose()?;
    if let Some(title) = title {
        doc.put(ROOT, keys::TITLE, title)?;
    }
    if let Some(language) = language {
        put_optional(doc, keys::LANGUAGE, language)?;
    }
    if let Some(place) = place {
        put_optional(doc, keys::PLACE, place)?;
    }
    if let Some(status) = update.status {
        doc.put(ROOT, keys::STATUS, status.as_str())?;
    }
    if let Some(recorded_at) = update.recorded_at {
        doc.put(ROOT, keys::RECORDED_AT, recorded_at.to_rfc3339())?;
    }
    Ok(())
}

fn put_optional(doc: &mut AutoCommit, key: &str, value: Option<String>) -> Result<()> {
    match value {
        Some(value) => doc.put(ROOT, key, value)?,
        None => doc.delete(ROOT, key)?,
    }
    Ok(())
}

/// The transcript alone, without reading the rest of the story.
pub(crate) fn transcript(doc: &AutoCommit) -> Result<String> {
    Ok(text_obj(doc, StoryText::Transcript)?.1)
}

fn text_obj(doc: &AutoCommit, which: StoryText) -> Result<(ObjId, String)> {
    fields::text(doc, &ROOT, which.key())
}

/// The text after deleting `delete` UTF-16 code units at `start` of
/// `current` and inserting `insert` there, checked as [`splice`] checks it.
pub(crate) fn spliced(current: &str, which: StoryText, start: usize, delete: usize, insert: &str) -> Result<String> {
    text::check_utf16_range(current, start, delete, which.key())?;
    let from = text::slice_utf16(current, 0, start).len();
    let to = from + text::slice_utf16(current, start, start + delete).len();
    if current.len() - (to - from) + insert.len() > text::MAX_TEXT_BYTES {
        return Err(Error::invalid(
            which.key(),
            format!("would grow past the limit of {} MB", text::MAX_TEXT_BYTES / 1_048_576),
        ));
    }
    let mut text = String::with_capacity(current.len() - (to - from) + insert.len());
    text.push_str(&current[..from]);
    text.push_str(insert);
    text.push_str(&current[to..]);
    Ok(text)
}

/// Applies a splice already checked by [`spliced`] against this document's
/// current text, without reading the text again.
pub(crate) fn splice_checked(
    doc: &mut AutoCommit,
    which: StoryText,
    start: usize,
    delete: usize,
    insert: &str,
) -> Result<()> {
    let obj = fields::object(doc, &ROOT, which.key(), ObjType::Text)?;
    let delete = isize::try_from(delete).map_err(|_| Error::invalid(which.key(), "deletion is too long"))?;
    doc.splice_text(&obj, start, delete, insert)?;
    Ok(())
}

/// Deletes `delete` UTF-16 code units at `start` and inserts `insert` there.
pub(crate) fn splice(doc: &mut AutoCommit, which: StoryText, start: usize, delete: usize, insert: &str) -> Result<()> {
    let (obj, current) = text_obj(doc, which)?;
    text::check_utf16_range(&current, start, delete, which.key())?;
    let deleted_bytes = text::slice_utf16(&current, start, start + delete).len();
    if current.len() - deleted_bytes + insert.len() > text::MAX_TEXT_BYTES {
        return Err(Error::invalid(
            which.key(),
            format!("would grow past the limit of {} MB", text::MAX_TEXT_BYTES / 1_048_576),
        ));
    }
    let delete = isize::try_from(delete).map_err(|_| Error::invalid(which.key(), "deletion is too long"))?;
    doc.splice_text(&obj, start, delete, insert)?;
    Ok(())
}

/// Replaces the whole text, applying only the difference so that concurrent
/// edits elsewhere in the text survive.
pub(crate) fn replace(doc: &mut AutoCommit, which: StoryText, new_text: &str) -> Result<()> {
    text::long_text(which.key(), new_text)?;
    let (obj, _) = text_obj(doc, which)?;
    doc.update_text(&obj, new_text)?;
    Ok(())
}

fn set_object(doc: &AutoCommit, key: &str) -> Result<ObjId> {
    fields::object(doc, &ROOT, key, ObjType::Map)
}

pub(crate) fn add_tag(doc: &mut AutoCommit, tag: &str) -> Result<()> {
    let tag = normalize_tag(tag)?;
    let tags = set_object(doc, keys::TAGS)?;
    add_to_set(doc, &tags, &tag)
}

/// Removing a tag that is not there is a no-op: the caller wants it gone.
pub(crate) fn remove_tag(doc: &mut AutoCommit, tag: &str) -> Result<()> {
    let tag = normalize_tag(tag)?;
    let tags = set_object(doc, keys::TAGS)?;
    if doc.get(&tags, tag.as_str())?.is_some() {
        doc.delete(&tags, tag.as_str())?;
    }
    Ok(())
}

pub(crate) fn add_storyteller(doc: &mut AutoCommit, id: ParticipantId) -> Result<()> {
    let set = set_object(doc, keys::STORYTELLERS)?;
    add_to_set(doc, &set, &id.to_string())
}

/// Adds a key to a map used as an add-wins set. Automerge skips a put of
/// the value already there, so a key that is present is deleted and put
/// again: the fresh op is what wins over a concurrent remove elsewhere.
fn add_to_set(doc: &mut AutoCommit, set: &ObjId, key: &str) -> Result<()> {
    if doc.get(set, key)?.is_some() {
        doc.delete(set, key)?;
    }
    doc.put(set, key, true)?;
    Ok(())
}

pub(crate) fn remove_storyteller(doc: &mut AutoCommit, id: ParticipantId) -> Result<()> {
    let set = set_object(doc, keys::STORYTELLERS)?;
    if doc.get(&set, id.to_string())?.is_some() {
        doc.delete(&set, id.to_string())?;
    }
    Ok(())
}

/// What a new highlight says.
pub(crate) struct NewHighlight<'a> {
    pub id: HighlightId,
    pub start: usize,
    pub end: usize,
    pub theme: Option<&'a str>,
    pub note: &'a str,
    pub author: MemberId,
    pub now: DateTime<Utc>,
}

/// Anchors a highlight to the characters it covers: the start cursor on the
/// first character, the end cursor on the last, so the range follows those
/// characters through every concurrent edit.
pub(crate) fn add_highlight(doc: &mut AutoCommit, new: NewHighlight<'_>) -> Result<()> {
    let (obj, transcript) = text_obj(doc, StoryText::Transcript)?;
    if new.start >= new.end {
        return Err(Error::invalid(
            "highlight",
            "the range must cover at least one character",
        ));
    }
    text::check_utf16_range(&transcript, new.start, new.end - new.start, "highlight")?;
    let theme = new
        .theme
        .map(|t| text::optional_line("theme", t))
        .transpose()?
        .flatten();
    let note = text::note("note", new.note)?;
    let last_width = last_char_width(&transcript, new.end);
    let start = doc.get_cursor_moving(&obj, new.start, None, MoveCursor::After)?;
    let last = doc.get_cursor_moving(&obj, new.end - last_width, None, MoveCursor::Before)?;
    let map = set_object(doc, keys::HIGHLIGHTS)?;
    let item = doc.put_object(&map, new.id.to_string(), ObjType::Map)?;
    doc.put(&item, keys::START, start.to_bytes())?;
    doc.put(&item, keys::END, last.to_bytes())?;
    if let Some(theme) = theme {
        doc.put(&item, keys::THEME, theme)?;
    }
    doc.put(&item, keys::NOTE, note)?;
    doc.put(&item, keys::AUTHOR, new.author.to_string())?;
    doc.put(&item, keys::CREATED_AT, fields::timestamp(new.now))?;
    Ok(())
}

/// Width of the character that ends at UTF-16 offset `end`.
pub(crate) fn last_char_width(text: &str, end: usize) -> usize {
    let mut position = 0;
    for ch in text.chars() {
        position += ch.len_utf16();
        if position >= end {
            return ch.len_utf16();
        }
    }
    1
}

pub(crate) fn remove_highlight(doc: &mut AutoCommit, id: HighlightId) -> Result<()> {
    remove_entry(doc, keys::HIGHLIGHTS, &id.to_string(), RecordKind::Highlight)
}

pub(crate) fn add_comment(
    doc: &mut AutoCommit,
    id: CommentId,
    body: &str,
    highlight: Option<HighlightId>,
    author: MemberId,
    now: DateTime<Utc>,
) -> Result<()> {
    if body.trim().is_empty() {
        return Err(Error::invalid("comment", "must not be empty"));
    }
    let body = text::note("comment", body)?;
    if let Some(highlight) = highlight {
        let highlights = set_object(doc, keys::HIGHLIGHTS)?;
        if doc.get(&highlights, highlight.to_string())?.is_none() {
            return Err(Error::not_found(RecordKind::Highlight, highlight));
        }
    }
    let map = set_object(doc, keys::COMMENTS)?;
    let item = doc.put_object(&map, id.to_string(), ObjType::Map)?;
    doc.put(&item, keys::BODY, body)?;
    if let Some(highlight) = highlight {
        doc.put(&item, keys::HIGHLIGHT, highlight.to_string())?;
    }
    doc.put(&item, keys::AUTHOR, author.to_string())?;
    doc.put(&item, keys::CREATED_AT, fields::timestamp(now))?;
    Ok(())
}

pub(crate) fn remove_comment(doc: &mut AutoCommit, id: CommentId) -> Result<()> {
    remove_entry(doc, keys::COMMENTS, &id.to_string(), RecordKind::Comment)
}

fn remove_entry(doc: &mut AutoCommit, map_key: &str, key: &str, kind: RecordKind) -> Result<()> {
    let map = set_object(doc, map_key)?;
    if doc.get(&map, key)?.is_none() {
        return Err(Error::not_found(kind, key));
    }
    doc.delete(&map, key)?;
    Ok(())
}
