//! Exporting again into a folder that holds an earlier export: the files
//! of the earlier export that the new one does not write (stories erased
//! or withheld since, or the other format) are removed, so the folder and
//! its manifest agree. Only files the earlier export wrote, as its
//! `manifest.json` lists them, and only under the names an export uses:
//! nothing else in the folder is ever touched.

use std::fs;
use std::path::Path;

use uuid::Uuid;

use crate::error::Result;

/// The files an earlier export in `folder` wrote, from its manifest: its
/// `files` list, or (manifests written before that list existed) what its
/// format and exported ids imply. Empty when there is no manifest we wrote.
pub(super) fn previous_files(folder: &Path) -> Result<Vec<String>> {
    let bytes = match fs::read(folder.join("manifest.json")) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err.into()),
    };
    // Not a manifest of ours (someone else's file of that name): it lists
    // nothing we wrote, so nothing is removed.
    let Ok(manifest) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Ok(Vec::new());
    };
    let strings = |key: &str| -> Vec<String> {
        manifest[key]
            .as_array()
            .map(|items| items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let mut files = strings("files");
    if manifest.get("files").is_none() {
        match manifest["format"].as_str() {
            Some("json") => {
                files.push("index.json".into());
                files.extend(strings("exported").iter().map(|id| format!("stories/{id}.json")));
            }
            Some("csv") => files.push("stories.csv".into()),
            _ => {}
        }
    }
    files.retain(|name| written_by_export(name));
    Ok(files)
}

/// Whether `name` is one an export writes: never a path that leaves the
/// folder or names a file an export would not write.
fn written_by_export(name: &str) -> bool {
    match name {
        "index.json" | "stories.csv" => true,
        _ => {
            let canonical = |id: &str| Uuid::try_parse(id).is_ok_and(|u| u.hyphenated().to_string() == id);
            name.strip_prefix("stories/")
                .and_then(|rest| rest.strip_suffix(".json"))
                .is_some_and(canonical)
                || name.strip_prefix("media/").is_some_and(canonical)
        }
    }
}

/// Removes each of `previous` that `written` does not include.
pub(super) fn remove_stale(folder: &Path, previous: &[String], written: &[String]) -> Result<()> {
    for name in previous.iter().filter(|name| !written.contains(name)) {
        match fs::remove_file(folder.join(name)) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_an_export_writes_are_ever_removed() {
        let id = Uuid::new_v4().hyphenated().to_string();
        assert!(written_by_export("index.json"));
        assert!(written_by_export(&format!("stories/{id}.json")));
        for name in [
            "manifest.json",
            "../index.json",
            "stories/../../x.json",
            "/etc/passwd",
            "stories/notes.json",
            "notes.txt",
            &format!("stories/{id}.json/../x"),
        ] {
            assert!(!written_by_export(name), "{name}");
        }
    }
}
