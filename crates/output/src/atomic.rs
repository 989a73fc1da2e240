//! Atomic file writes: write a temporary file beside the target, sync it, rename it into place.

use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::OutputError;

/// The temporary name used while `path` is being written: `path` with `.tmp` appended
/// (`summary.json` → `summary.json.tmp`), in the same directory so the rename stays on one
/// file system.
pub fn temp_path(path: &Path) -> Result<PathBuf, OutputError> {
    let name = path.file_name().ok_or_else(|| OutputError::NoFileName { path: path.into() })?;
    let mut temp: OsString = name.to_os_string();
    temp.push(".tmp");
    Ok(path.with_file_name(temp))
}

/// Writes `value` as pretty-printed JSON (with a trailing newline) to `path`, atomically: a
/// reader sees either the old file or the complete new one, never a partial write.
///
/// The parent directory must exist.
pub fn write_json_atomic<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<(), OutputError> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|source| OutputError::Json { path: path.into(), source })?;
    bytes.push(b'\n');
    write_bytes_atomic(path, &bytes)
}

/// Writes `text` to `path` atomically (temporary file, sync, rename).
///
/// The parent directory must exist.
pub fn write_text_atomic(path: &Path, text: &str) -> Result<(), OutputError> {
    write_bytes_atomic(path, text.as_bytes())
}

/// Writes `bytes` to `path` atomically (temporary file, sync, rename). On failure the temporary
/// file is removed and the target is left as it was.
pub fn write_bytes_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let temp = temp_path(path)?;
    let result = write_and_sync(&temp, bytes).and_then(|()| rename(&temp, path));
    if result.is_err() {
        // Best effort: the error being returned is the one that matters.
        let _ = std::fs::remove_file(&temp);
    }
    result
}

fn write_and_sync(temp: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let io = |action| move |source| OutputError::Io { path: temp.into(), action, source };
    let mut file = File::create(temp).map_err(io("create"))?;
    file.write_all(bytes).map_err(io("write"))?;
    file.sync_all().map_err(io("sync"))
}

/// Renames a finished temporary file to its final name.
pub(crate) fn rename(from: &Path, to: &Path) -> Result<(), OutputError> {
    std::fs::rename(from, to).map_err(|source| OutputError::Rename {
        from: from.into(),
        to: to.into(),
        source,
    })
}
