//! Time-coded segments on the store: link a range of a transcript to a time
//! range of one of the story's recordings, and ask which stretch of which
//! recording plays a highlight.

use super::{Store, story_uuid};
use crate::documents::story_segments::{self, NewSegment};
use crate::documents::{DocKind, story_doc, story_media};
use crate::error::{Error, RecordKind, Result};
use crate::ids::{HighlightId, MediaId, SegmentId, StoryId};
use crate::model::{ChangeKind, Segment, TimeRange};

fn offset(value: u64) -> Result<usize> {
    usize::try_from(value).map_err(|_| Error::invalid("segment", "offset is too large"))
}

impl Store {
    /// Links transcript offsets `start..end` (UTF-16) to `start_ms..end_ms`
    /// of `media`, one of the story's items. The range stays on its words
    /// through everyone's later edits.
    pub fn add_segment(
        &self,
        story: StoryId,
        media: MediaId,
        (start, end): (u64, u64),
        (start_ms, end_ms): (u64, u64),
    ) -> Result<SegmentId> {
        let (start, end) = (offset(start)?, offset(end)?);
        self.write(|w| {
            let id = SegmentId::new();
            w.edit(
                story_uuid(story),
                DocKind::Story,
                ChangeKind::SegmentsChanged,
                |doc, author| {
                    let item = story_media::read(doc, story)?
                        .into_iter()
                        .find(|i| i.id == media)
                        .ok_or_else(|| Error::not_found(RecordKind::Media, media))?;
                    if let Some(duration) = item.duration_ms
                        && end_ms > duration
                    {
                        return Err(Error::invalid(
                            "end_ms",
                            format!("is past the end of the recording ({duration} ms)"),
                        ));
                    }
                    story_segments::add(
                        doc,
                        &NewSegment {
                            id,
                            media,
                            start,
                            end,
                            start_ms,
                            end_ms,
                            author: author.member,
                            now: super::now(),
                        },
                    )
                },
            )?;
            Ok(id)
        })
    }

    /// The story's segments, in transcript order, where their words are now.
    pub fn story_segments(&self, story: StoryId) -> Result<Vec<Segment>> {
        self.view(story_uuid(story), DocKind::Story, |doc| story_segments::read(doc))
    }

    pub fn remove_segment(&self, story: StoryId, id: SegmentId) -> Result<()> {
        self.write(|w| {
            let found = w.edit(
                story_uuid(story),
                DocKind::Story,
                ChangeKind::SegmentsChanged,
                |doc, _| story_segments::remove(doc, id),
            )?;
            if found {
                Ok(())
            } else {
                Err(Error::invalid(
                    "segment_id",
                    format!("story {story} has no segment {id}"),
                ))
            }
        })
    }

    /// The stretch of a recording that plays `highlight`: found from the
    /// segments its words fall in, interpolated within a segment (speech
    /// is taken as even within one). `None` if no segment covers it.
    pub fn highlight_time_range(&self, story: StoryId, highlight: HighlightId) -> Result<Option<TimeRange>> {
        let (highlights, segments) = self.view(story_uuid(story), DocKind::Story, |doc| {
            Ok((story_doc::read(doc)?.highlights, story_segments::read(doc)?))
        })?;
        let quote = highlights
            .into_iter()
            .find(|h| h.id == highlight)
            .ok_or_else(|| Error::not_found(RecordKind::Highlight, highlight))?;
        Ok(time_range(&segments, quote.start, quote.end))
    }
}

/// The time of transcript offset `at` within `segment`.
fn time_at(segment: &Segment, at: u64) -> u64 {
    let at = at.clamp(segment.start, segment.end);
    let (chars, ms) = (segment.end - segment.start, segment.end_ms - segment.start_ms);
    if chars == 0 {
        return segment.start_ms;
    }
    segment.start_ms + ((at - segment.start) as u128 * ms as u128 / chars as u128) as u64
}

/// The time range of `start..end` in the recording of the first segment it
/// overlaps, across every overlapping segment of that recording.
pub(crate) fn time_range(segments: &[Segment], start: u64, end: u64) -> Option<TimeRange> {
    let overlapping: Vec<&Segment> = segments.iter().filter(|s| s.start < end && start < s.end).collect();
    let media = overlapping.first()?.media_id;
    let same: Vec<&&Segment> = overlapping.iter().filter(|s| s.media_id == media).collect();
    let start_ms = same.iter().map(|s| time_at(s, start)).min()?;
    let end_ms = same.iter().map(|s| time_at(s, end)).max()?;
    Some(TimeRange {
        media_id: media,
        start_ms,
        end_ms,
    })
}
