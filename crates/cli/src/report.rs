//! `cascade report DIR`: write DIR/report.html from a run folder; `cascade run` calls the same
//! code after writing its outputs unless `--no-report` is given. The work is in
//! `cascade-report`; this file only times it and prints where the report went.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

/// Writes `dir/report.html` atomically and returns its path and its size in bytes.
pub(crate) fn write(dir: &Path) -> Result<(PathBuf, u64)> {
    let path = cascade_report::render(dir)?;
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    Ok((path, bytes))
}

/// `cascade report DIR`.
pub(crate) fn report(dir: &Path) -> Result<ExitCode> {
    let started = Instant::now();
    let (path, bytes) = write(dir)?;
    println!(
        "report written to {} ({} KB in {:.2} s); open it in a browser, it needs no network",
        path.display(),
        bytes.div_ceil(1024),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
