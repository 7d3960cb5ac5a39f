//! Which store files this process has open. Two `Store`s on one file would
//! be two writers writing as the same device: their Automerge changes would
//! collide and a document could become unreadable. So a second open of the
//! same file in one process is refused; apps share one `Store`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};

static OPEN: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// The same file named two ways (relative, through a symlinked folder)
/// gives the same key.
fn key(path: &Path) -> PathBuf {
    if let Ok(path) = path.canonicalize() {
        return path;
    }
    let name = path.file_name().map(PathBuf::from).unwrap_or_default();
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match parent.canonicalize() {
        Ok(parent) => parent.join(name),
        Err(_) => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    }
}

/// Records that `path` is being opened; refuses if it already is.
pub(crate) fn claim(path: &Path) -> Result<PathBuf> {
    let key = key(path);
    let mut open = OPEN.lock().unwrap_or_else(|p| p.into_inner());
    if !open.insert(key.clone()) {
        return Err(Error::invalid(
            "path",
            "this store is already open in this process; share the open Store instead of opening it twice",
        ));
    }
    Ok(key)
}

/// Records that the store at `key` is closed.
pub(crate) fn release(key: &Path) {
    OPEN.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
}
