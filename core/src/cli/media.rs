//! `storyloom media add|list|export|remove`.

use serde_json::json;
use storyloom::{Error, MediaId, MediaKind, NewMedia, Store, StoryId};

use crate::args::MediaCommand;
use crate::output::Output;

pub fn run(store: &Store, command: &MediaCommand) -> Result<Output, Error> {
    match command {
        MediaCommand::Add {
            story,
            file,
            kind,
            mime,
            caption,
            duration_ms,
        } => {
            let new = NewMedia {
                kind: MediaKind::parse(kind)?,
                mime: mime.clone(),
                caption: caption.clone(),
                duration_ms: *duration_ms,
            };
            let item = store.attach_media_file(StoryId::parse(story)?, file, &new)?;
            Ok(Output::new(
                json!({"id": item.id, "size": item.size, "kind": item.kind}),
                format!("Attached {} ({} bytes) as {}.", item.kind, item.size, item.id),
            ))
        }
        MediaCommand::List { story } => {
            let items = store.story_media(StoryId::parse(story)?)?;
            let text = items
                .iter()
                .map(|i| {
                    format!(
                        "{}  {:<8} {:>12} bytes  {}{}",
                        i.id,
                        i.kind.as_str(),
                        i.size,
                        i.mime,
                        if i.present { "" } else { "  (not on this device)" }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            let media: Vec<_> = items
                .iter()
                .map(|i| {
                    json!({"id": i.id, "kind": i.kind, "mime": i.mime, "size": i.size,
                           "caption": i.caption, "present": i.present})
                })
                .collect();
            Ok(Output::new(json!({ "media": media }), text))
        }
        MediaCommand::Export { id, out, force } => {
            let size = store.export_media(MediaId::parse(id)?, out, *force)?;
            Ok(Output::new(
                json!({"size": size, "out": out.display().to_string()}),
                format!("Wrote {size} bytes to {}.", out.display()),
            ))
        }
        MediaCommand::Remove { story, id } => {
            let (story, id) = (StoryId::parse(story)?, MediaId::parse(id)?);
            store.remove_media(story, id)?;
            Ok(Output::new(json!({"removed": id}), format!("Removed {id}.")))
        }
    }
}
