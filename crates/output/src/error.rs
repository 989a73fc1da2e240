//! `OutputError`: every way writing a run's files can fail, each naming the file involved.

use std::io;
use std::path::{Path, PathBuf};

use arrow_schema::ArrowError;
use parquet::errors::ParquetError;

/// Why an output file could not be written. Every variant names the file or directory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// The run directory could not be created.
    #[error(
        "cannot create output directory {}: {source} (check that no file has that name and that \
         the parent directory is writable)",
        dir.display()
    )]
    CreateDir {
        /// The directory asked for.
        dir: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// A file could not be created, written or synced to disk.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// The file (for atomic writes, the temporary file beside the target).
        path: PathBuf,
        /// What was being done: "create", "write", "sync" or "stat".
        action: &'static str,
        /// What the operating system said.
        source: io::Error,
    },
    /// A finished temporary file could not be renamed to its final name.
    #[error("cannot move {} into place as {}: {source}", from.display(), to.display())]
    Rename {
        /// The temporary file.
        from: PathBuf,
        /// The final name.
        to: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// The Parquet writer failed (encoding a row group, or writing it or the footer).
    #[error("cannot write Parquet file {}: {source}", path.display())]
    Parquet {
        /// The file being written (its temporary name until `finish`).
        path: PathBuf,
        /// The Parquet library's error.
        source: ParquetError,
    },
    /// A batch of rows could not be assembled into an Arrow record batch.
    #[error("cannot build an Arrow record batch for {}: {source}", path.display())]
    Arrow {
        /// The file the batch was meant for.
        path: PathBuf,
        /// The Arrow library's error.
        source: ArrowError,
    },
    /// A value could not be encoded as JSON.
    #[error("cannot encode JSON for {}: {source}", path.display())]
    Json {
        /// The file the JSON was meant for.
        path: PathBuf,
        /// The JSON library's error.
        source: serde_json::Error,
    },
    /// The target path has no file name (for example `/` or `..`).
    #[error("cannot write {}: the path has no file name", path.display())]
    NoFileName {
        /// The path given.
        path: PathBuf,
    },
    /// The writer options are unusable.
    #[error("invalid output options: {reason}")]
    InvalidOptions {
        /// What is wrong and how to fix it.
        reason: String,
    },
}

impl OutputError {
    /// The file or directory the error is about, if it is about one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::CreateDir { dir, .. } => Some(dir),
            Self::Io { path, .. }
            | Self::Parquet { path, .. }
            | Self::Arrow { path, .. }
            | Self::Json { path, .. }
            | Self::NoFileName { path } => Some(path),
            Self::Rename { to, .. } => Some(to),
            Self::InvalidOptions { .. } => None,
        }
    }
}
