//! Files the command line reads and writes. What it reads is checked for
//! size while it is read, so `/dev/zero` or a huge file costs at most the
//! limit plus one byte; what it writes never replaces the store, and
//! replaces another existing file only with `--force`.

use std::io::Read;
use std::path::Path;

use storyloom::{Error, Store};

/// Reads at most `limit` bytes of `path`; anything longer is refused after
/// reading `limit + 1` bytes.
pub fn read_bounded(path: &Path, field: &str, limit: usize) -> Result<Vec<u8>, Error> {
    let file = std::fs::File::open(path).map_err(|err| Error::InvalidInput {
        field: field.into(),
        reason: format!("cannot read {}: {err}", path.display()),
    })?;
    read_bounded_from(file, field, limit)
}

/// [`read_bounded`] for any reader (the fuzz target feeds bytes directly).
pub fn read_bounded_from(reader: impl Read, field: &str, limit: usize) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| Error::InvalidInput {
            field: field.into(),
            reason: format!("cannot be read: {err}"),
        })?;
    if bytes.len() > limit {
        return Err(Error::InvalidInput {
            field: field.into(),
            reason: format!("is larger than the limit of {limit} bytes"),
        });
    }
    Ok(bytes)
}

/// A text file (UTF-8) of at most `limit` bytes.
pub fn text_from_bytes(bytes: Vec<u8>, field: &str) -> Result<String, Error> {
    String::from_utf8(bytes).map_err(|err| Error::InvalidInput {
        field: field.into(),
        reason: format!(
            "is not UTF-8 text (bad bytes at offset {})",
            err.utf8_error().valid_up_to()
        ),
    })
}

/// A text file given on the command line, such as a transcript.
pub fn read_text_file(path: &Path, field: &str) -> Result<String, Error> {
    text_from_bytes(read_bounded(path, field, storyloom::text::MAX_TEXT_BYTES)?, field)
}

/// Refuses a folder to export into that already holds files, unless `force`.
pub fn check_export_folder(store: &Store, folder: &Path, force: bool) -> Result<(), Error> {
    if folder == store.path() {
        return Err(Error::InvalidInput {
            field: "out".into(),
            reason: "is the store itself; choose a folder".into(),
        });
    }
    let holds_files = std::fs::read_dir(folder).is_ok_and(|mut entries| entries.next().is_some());
    if holds_files && !force {
        return Err(Error::InvalidInput {
            field: "out".into(),
            reason: "already holds files; pass --force to write over them".into(),
        });
    }
    if folder.exists() && !folder.is_dir() {
        return Err(Error::InvalidInput {
            field: "out".into(),
            reason: "is a file, not a folder".into(),
        });
    }
    Ok(())
}
