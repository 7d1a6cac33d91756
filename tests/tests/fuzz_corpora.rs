//! The fuzz targets' bodies over their committed inputs, on stable, in the normal test run: every
//! file of `fuzz/corpus/<target>/` (the seeds and what the fuzzer kept) and of
//! `fuzz/regressions/<target>/` (inputs that once crashed a target, kept once fixed). A parser
//! that panics on one of them, or breaks an invariant a target checks, fails this test, without
//! nightly or libFuzzer. `scripts/fuzz.sh` is what explores beyond these inputs.

use std::path::{Path, PathBuf};

// The bodies, compiled here as a module: the fuzz crate is outside the workspace (it needs
// nightly and libFuzzer), so this file is shared by path rather than by a dependency.
#[path = "../../fuzz/src/targets.rs"]
#[allow(dead_code)]
mod targets;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files of `dir`, sorted; none when it does not exist.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_target_runs_clean_over_its_corpus_and_regressions() {
    let mut failures = Vec::new();
    let mut total = 0;
    for (name, body) in targets::TARGETS {
        let corpus = inputs(&fuzz_dir().join("corpus").join(name));
        assert!(
            !corpus.is_empty(),
            "{name}: no seed corpus in fuzz/corpus/{name}"
        );
        let regressions = inputs(&fuzz_dir().join("regressions").join(name));
        for path in corpus.iter().chain(&regressions) {
            let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            total += 1;
            // Every input runs, so one report names every failing file.
            if let Err(panic) = std::panic::catch_unwind(|| body(&data)) {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                failures.push(format!("{name}: {}: {message}", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} inputs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_fuzz_target_file_has_a_body_here_and_back() {
    let mut files: Vec<String> = inputs(&fuzz_dir().join("fuzz_targets"))
        .iter()
        .filter_map(|path| Some(path.file_stem()?.to_str()?.to_owned()))
        .collect();
    files.sort();
    let mut names: Vec<String> = targets::TARGETS
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    names.sort();
    assert_eq!(
        files, names,
        "fuzz/fuzz_targets/*.rs and targets::TARGETS differ"
    );
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for name in &names {
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "fuzz/Cargo.toml has no [[bin]] for {name}"
        );
    }
}
