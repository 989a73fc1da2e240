//! Tidy rules for the repository, run by `cargo test`: file headers, banned markers, the core
//! crates' dependency rules and float ban, and a code-map entry in ARCHITECTURE.md per crate.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace root")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

fn all_rust_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    rust_files(&root().join("xtask"), &mut files);
    files.sort();
    files
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let bad: Vec<String> = all_rust_files()
        .into_iter()
        .filter(|f| !fs::read_to_string(f).expect("readable").starts_with("//!"))
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        bad.is_empty(),
        "files must start with a `//!` line saying what they are for:\n{}",
        bad.join("\n")
    );
}

#[test]
fn no_skipped_tests_or_stubs() {
    // Spelled in pieces so this file does not match itself.
    let banned = [
        concat!("#[", "ignore"),
        concat!("todo", "!("),
        concat!("unimplemented", "!("),
        concat!("#[", "should_panic"),
    ];
    let mut hits = Vec::new();
    for file in all_rust_files() {
        let text = fs::read_to_string(&file).expect("readable");
        for (n, line) in text.lines().enumerate() {
            for b in banned {
                if line.contains(b) {
                    hits.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(hits.is_empty(), "skipped tests and stubs are not allowed:\n{}", hits.join("\n"));
}

const CORE: &[&str] = &["num", "model", "book", "margin", "engine"];

#[test]
fn core_crates_depend_only_on_core_crates_and_ban_floats() {
    for name in CORE {
        let dir = root().join("crates").join(name);
        let manifest = fs::read_to_string(dir.join("Cargo.toml")).expect("manifest");
        let mut section = String::new();
        for line in manifest.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                section = line.to_string();
                continue;
            }
            if section == "[dependencies]" && !line.is_empty() && !line.starts_with('#') {
                let dep = line.split(['=', '.', ' ']).next().unwrap_or("");
                let allowed = CORE.iter().any(|c| dep == format!("cascade-{c}"));
                assert!(allowed, "crates/{name} may depend only on core crates, found `{dep}`");
            }
        }
        let lib = fs::read_to_string(dir.join("src/lib.rs")).expect("lib.rs");
        assert!(
            lib.contains("#![deny(clippy::float_arithmetic)]"),
            "crates/{name} must deny float arithmetic"
        );
        for file in {
            let mut f = Vec::new();
            rust_files(&dir.join("src"), &mut f);
            f
        } {
            let text = fs::read_to_string(&file).expect("readable");
            for banned in [
                "std::time",
                "std::thread",
                "std::fs",
                "std::env",
                "SystemTime",
                "Instant::now",
                "thread_rng",
            ] {
                assert!(
                    !text.contains(banned),
                    "{}: core crates do no I/O and read no clock (`{banned}`)",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn every_crate_has_a_code_map_entry() {
    let map = fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    for entry in fs::read_dir(root().join("crates")).expect("crates/") {
        let name = entry.expect("entry").file_name().into_string().expect("utf-8 name");
        let heading = format!("### `crates/{name}`");
        assert!(map.contains(&heading), "ARCHITECTURE.md needs a `{heading}` section");
    }
}
