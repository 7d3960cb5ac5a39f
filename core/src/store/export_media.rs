//! The media of a project export: each exported story's items copied
//! (decrypted) into `media/<id>` only where its storytellers allow keeping
//! media and the bytes are here; every other item listed as withheld, with
//! why, in the manifest.

use std::fs;
use std::path::Path;

use serde::Serialize;

use super::Store;
use crate::consent::ConsentScope;
use crate::error::{Error, Result};
use crate::ids::{MediaId, StoryId};
use crate::model::MediaKind;

/// A media item an export copied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportedMedia {
    pub id: MediaId,
    pub story_id: StoryId,
    pub kind: MediaKind,
    pub mime: String,
    pub content_hash: String,
    /// Relative to the export folder.
    pub file: String,
}

/// A media item an export left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WithheldMedia {
    pub id: MediaId,
    pub story_id: StoryId,
    pub reason: String,
}

/// The file an exported item is written to, relative to the export folder.
pub(super) fn media_file(id: MediaId) -> String {
    format!("media/{id}")
}

impl Store {
    /// Copies the media of `stories` (the ones an export wrote) into
    /// `folder/media`, and lists the media of `withheld_stories` and of
    /// items consent or presence keeps back.
    pub(super) fn export_story_media(
        &self,
        folder: &Path,
        stories: &[StoryId],
        withheld_stories: &[StoryId],
    ) -> Result<(Vec<ExportedMedia>, Vec<WithheldMedia>)> {
        let mut exported = Vec::new();
        let mut withheld = Vec::new();
        for &story in withheld_stories {
            for item in self.story_media(story).unwrap_or_default() {
                withheld.push(WithheldMedia {
                    id: item.id,
                    story_id: story,
                    reason: "the story itself was withheld".into(),
                });
            }
        }
        for &story in stories {
            let items = self.story_media(story)?;
            if items.is_empty() {
                continue;
            }
            let keep = self.story_consent(story)?.contains(&ConsentScope::KeepMedia);
            for item in items {
                let reason = if !keep {
                    Some(format!(
                        "consent required: {} has not been granted by every storyteller",
                        ConsentScope::KeepMedia
                    ))
                } else if !item.present {
                    Some("the bytes are not on this device".to_string())
                } else {
                    None
                };
                if let Some(reason) = reason {
                    withheld.push(WithheldMedia {
                        id: item.id,
                        story_id: story,
                        reason,
                    });
                    continue;
                }
                fs::create_dir_all(folder.join("media"))?;
                let file = media_file(item.id);
                match self.export_media(item.id, &folder.join(&file), true) {
                    Ok(_) => exported.push(ExportedMedia {
                        id: item.id,
                        story_id: story,
                        kind: item.kind,
                        mime: item.mime,
                        content_hash: item.content_hash,
                        file,
                    }),
                    // A damaged item must not stop the export of the rest.
                    Err(Error::CorruptData(_) | Error::MediaNotPresent { .. }) => withheld.push(WithheldMedia {
                        id: item.id,
                        story_id: story,
                        reason: "unreadable: the bytes on this device failed verification".into(),
                    }),
                    Err(err) => return Err(err),
                }
            }
        }
        Ok((exported, withheld))
    }
}
