//! Media: attach a recording from a file (streamed on a worker thread, with
//! progress and cancellation) or a small photo from bytes, read a byte range
//! for a player, export to a file, list a story's items, remove one.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use storyloom::sync::CancelHandle;
pub use storyloom::{ExportedMedia, MediaKind, TimeRange, WithheldMedia};
use storyloom::{HighlightId, MediaId, MemberId, SegmentId, StoryId};

use crate::error::{Result, StoreError};
use crate::records::to_system_time;
use crate::store::Store;
use crate::worker::off_thread;

/// What a media item is.
#[uniffi::remote(Enum)]
pub enum MediaKind {
    /// A sound recording.
    Audio,
    /// A photo or scanned image.
    Photo,
    /// A video recording.
    Video,
    /// Any other file: a scanned consent form, a PDF.
    Document,
}

/// A media item an export copied.
#[uniffi::remote(Record)]
pub struct ExportedMedia {
    /// The media item.
    pub id: MediaId,
    /// The story it belongs to.
    pub story_id: StoryId,
    /// What it is.
    pub kind: MediaKind,
    /// Its MIME type.
    pub mime: String,
    /// `sha256:` and 64 hex digits: the hash of the bytes written.
    pub content_hash: String,
    /// The file written, relative to the export folder (`media/<id>`).
    pub file: String,
}

/// A media item an export left out, and why.
#[uniffi::remote(Record)]
pub struct WithheldMedia {
    /// The media item left out.
    pub id: MediaId,
    /// The story it belongs to.
    pub story_id: StoryId,
    /// Why: the story was withheld, `KeepMedia` consent is missing, or the
    /// bytes are not on this device or failed verification.
    pub reason: String,
}

/// Where in a recording to play: what a player needs for a quote.
#[uniffi::remote(Record)]
pub struct TimeRange {
    /// The recording to play.
    pub media_id: MediaId,
    /// Where to start, in milliseconds from the recording's start.
    pub start_ms: u64,
    /// Where to stop, in milliseconds from the recording's start.
    pub end_ms: u64,
}

/// A range of the transcript (UTF-16 offsets, following its words through
/// edits like a highlight) linked to a time range of a recording.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Segment {
    /// Pass it to `removeSegment`.
    pub id: SegmentId,
    /// The recording it is linked to.
    pub media_id: MediaId,
    /// UTF-16 offsets into the transcript, as highlights use.
    pub start: i32,
    /// End (exclusive) of the linked words, in UTF-16 offsets.
    pub end: i32,
    /// Where the words start in the recording, in milliseconds.
    pub start_ms: u64,
    /// Where they end in the recording, in milliseconds.
    pub end_ms: u64,
    /// The member who linked them.
    pub author: MemberId,
    /// When the segment was made.
    pub created_at: SystemTime,
}

impl From<storyloom::Segment> for Segment {
    fn from(s: storyloom::Segment) -> Self {
        Self {
            id: s.id,
            media_id: s.media_id,
            start: i32::try_from(s.start).unwrap_or(i32::MAX),
            end: i32::try_from(s.end).unwrap_or(i32::MAX),
            start_ms: s.start_ms,
            end_ms: s.end_ms,
            author: s.author,
            created_at: to_system_time(s.created_at),
        }
    }
}

/// What the app says about a media item it attaches.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewMedia {
    /// What the item is.
    pub kind: MediaKind,
    /// MIME type, e.g. `audio/ogg`; `application/octet-stream` (the default)
    /// if unknown. A value that is not a MIME type is `InvalidInput`.
    #[uniffi(default = "application/octet-stream")]
    pub mime: String,
    /// A caption to show with it; empty by default.
    #[uniffi(default = "")]
    pub caption: String,
    /// Length of a recording in milliseconds, as the app measured it.
    #[uniffi(default = None)]
    pub duration_ms: Option<u64>,
}

impl From<NewMedia> for storyloom::NewMedia {
    fn from(new: NewMedia) -> Self {
        Self {
            kind: new.kind,
            mime: new.mime,
            caption: new.caption,
            duration_ms: new.duration_ms,
        }
    }
}

/// A media item of a story, as listed on this device.
#[derive(Debug, Clone, uniffi::Record)]
pub struct MediaItem {
    /// The media item's id.
    pub id: MediaId,
    /// The story it belongs to.
    pub story_id: StoryId,
    /// What it is.
    pub kind: MediaKind,
    /// Its MIME type.
    pub mime: String,
    /// Size of the original file, in bytes.
    pub size: u64,
    /// Length of a recording in milliseconds as the app gave it, or null.
    pub duration_ms: Option<u64>,
    /// Its caption; empty when none.
    pub caption: String,
    /// The member who attached it.
    pub added_by: MemberId,
    /// When it was attached.
    pub added_at: SystemTime,
    /// `sha256:` and 64 hex digits: the hash of the original bytes.
    pub content_hash: String,
    /// Whether the bytes are on this device.
    pub present: bool,
    /// Whether the storytellers no longer allow keeping media.
    pub withdrawn: bool,
}

impl From<storyloom::MediaItem> for MediaItem {
    fn from(item: storyloom::MediaItem) -> Self {
        Self {
            id: item.id,
            story_id: item.story_id,
            kind: item.kind,
            mime: item.mime,
            size: item.size,
            duration_ms: item.duration_ms,
            caption: item.caption,
            added_by: item.added_by,
            added_at: to_system_time(item.added_at),
            content_hash: item.content_hash,
            present: item.present,
            withdrawn: item.withdrawn,
        }
    }
}

/// Told of an attach's progress after each chunk (1 MiB). Return false to
/// cancel: the attach then fails with `Cancelled` and leaves nothing behind.
#[uniffi::export(with_foreign)]
pub trait MediaProgress: Send + Sync {
    /// `done` of `total` bytes stored so far; return true to go on, false
    /// to cancel. Called on the attaching thread.
    fn on_progress(&self, done: u64, total: u64) -> bool;
}

#[uniffi::export]
impl Store {
    /// Attaches the file at `path` (what the recorder wrote) to a story,
    /// streamed chunk by chunk on a worker thread: a long recording never
    /// crosses the FFI and never blocks the caller's thread. Refused with
    /// `ConsentRequired` (keep-media) unless every storyteller allows
    /// keeping media. Cancelling the coroutine or task (or `progress`
    /// returning false) stops it at the next chunk and leaves nothing
    /// behind.
    #[uniffi::method(default(progress = None))]
    pub async fn attach_media_file(
        self: Arc<Self>,
        story: StoryId,
        path: String,
        media: NewMedia,
        progress: Option<Arc<dyn MediaProgress>>,
    ) -> Result<MediaItem> {
        let stop = CancelHandle::new();
        let caller = stop.clone();
        off_thread("media-attach", Some(caller), move || {
            let cancel = AtomicBool::new(false);
            let mut report = |done: u64, total: u64| {
                let refused = progress.as_ref().is_some_and(|p| !p.on_progress(done, total));
                if refused || stop.is_cancelled() {
                    cancel.store(true, Ordering::SeqCst);
                }
            };
            let transfer = storyloom::MediaTransfer {
                progress: Some(&mut report),
                cancel: Some(&cancel),
            };
            Ok(self
                .inner
                .attach_media_file_with(story, Path::new(&path), &media.into(), transfer)?
                .into())
        })
        .await
    }

    /// Attaches a small item (a photo, a scanned form) held in memory.
    pub fn attach_media_bytes(&self, story: StoryId, bytes: Vec<u8>, media: NewMedia) -> Result<MediaItem> {
        Ok(self.inner.attach_media_bytes(story, &bytes, &media.into())?.into())
    }

    /// Up to `len` bytes of the item from `start`, for a player that seeks
    /// (at most 64 MiB per call). A damaged chunk is `CorruptData`.
    pub fn read_media(&self, id: MediaId, start: u64, len: u64) -> Result<Vec<u8>> {
        Ok(self.inner.read_media(id, start, len)?)
    }

    /// Writes the item's original bytes to `path` on a worker thread; an
    /// existing file is replaced only with `overwrite`. Returns the size.
    #[uniffi::method(default(overwrite = false))]
    pub async fn export_media(self: Arc<Self>, id: MediaId, path: String, overwrite: bool) -> Result<u64> {
        off_thread("media-export", None, move || {
            Ok(self.inner.export_media(id, Path::new(&path), overwrite)?)
        })
        .await
    }

    /// A story's media items, oldest first, with whether each one's bytes
    /// are on this device.
    pub fn story_media(&self, story: StoryId) -> Result<Vec<MediaItem>> {
        Ok(self
            .inner
            .story_media(story)?
            .into_iter()
            .map(MediaItem::from)
            .collect())
    }

    /// Removes an item from a story; its bytes go when nothing references them.
    pub fn remove_media(&self, story: StoryId, id: MediaId) -> Result<()> {
        Ok(self.inner.remove_media(story, id)?)
    }

    /// Links transcript offsets `start..end` (UTF-16) to `start_ms..end_ms`
    /// of one of the story's recordings.
    pub fn add_segment(
        &self,
        story: StoryId,
        media: MediaId,
        start: i32,
        end: i32,
        start_ms: u64,
        end_ms: u64,
    ) -> Result<SegmentId> {
        let offset = |value: i32| {
            u64::try_from(value).map_err(|_| StoreError::invalid("segment", format!("{value} is negative")))
        };
        Ok(self
            .inner
            .add_segment(story, media, (offset(start)?, offset(end)?), (start_ms, end_ms))?)
    }

    /// The story's segments, in transcript order.
    pub fn story_segments(&self, story: StoryId) -> Result<Vec<Segment>> {
        Ok(self
            .inner
            .story_segments(story)?
            .into_iter()
            .map(Segment::from)
            .collect())
    }

    /// Removes a segment. A story with no such segment is `InvalidInput`
    /// (field `segment_id`).
    pub fn remove_segment(&self, story: StoryId, id: SegmentId) -> Result<()> {
        Ok(self.inner.remove_segment(story, id)?)
    }

    /// The stretch of a recording that plays a highlight, or null if no
    /// segment covers it: seek the player there to play the quote.
    pub fn highlight_time_range(&self, story: StoryId, highlight: HighlightId) -> Result<Option<TimeRange>> {
        Ok(self.inner.highlight_time_range(story, highlight)?)
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for StoreError {
    fn from(err: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Internal { reason: err.reason }
    }
}
