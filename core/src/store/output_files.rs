//! Files the library writes outside the store (bundles, exports): never
//! over the store itself or its SQLite side files, whatever the caller
//! asks, and over another existing file only when the caller says so.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::Store;
use crate::error::{Error, Result};
use crate::ids::{DeviceId, ProjectId};

/// The store file and every file SQLite keeps beside it.
fn store_files(store: &Path) -> Vec<PathBuf> {
    let base = resolved(store);
    let mut files = vec![base.clone()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = base.clone().into_os_string();
        name.push(suffix);
        files.push(PathBuf::from(name));
    }
    files
}

/// `path` with its folder resolved (symbolic links, `..`), so two spellings
/// of one file compare equal even before the file exists.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(full) = fs::canonicalize(path) {
        return full;
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (fs::canonicalize(folder), path.file_name()) {
        (Ok(folder), Some(name)) => folder.join(name),
        _ => path.to_path_buf(),
    }
}

/// Refuses `target` when it is the store at `store` or one of its side files.
pub(crate) fn refuse_store_file(store: &Path, target: &Path, field: &str) -> Result<()> {
    let target = resolved(target);
    if store_files(store).contains(&target) {
        return Err(Error::invalid(
            field,
            "is the store itself or one of its -wal/-shm/-journal files; choose another file",
        ));
    }
    Ok(())
}

impl Store {
    /// Writes a bundle of `project` (everything, or only what `peer` lacks)
    /// to `path` and returns its size. An existing file is replaced only
    /// when `overwrite` is true; the store's own files never are.
    pub fn export_bundle_to_file(
        &self,
        project: ProjectId,
        peer: Option<DeviceId>,
        path: &Path,
        overwrite: bool,
    ) -> Result<u64> {
        refuse_store_file(self.path(), path, "out")?;
        if !overwrite && fs::symlink_metadata(path).is_ok() {
            return Err(Error::invalid(
                "out",
                "already exists; pass overwrite (--force) to replace it",
            ));
        }
        let bytes = self.export_bundle(project, peer)?;
        let mut file = if overwrite {
            fs::File::create(path)?
        } else {
            // create_new: a file that appeared since the check is not clobbered.
            fs::OpenOptions::new().write(true).create_new(true).open(path)?
        };
        file.write_all(&bytes)?;
        file.sync_all()?;
        Ok(bytes.len() as u64)
    }
}
