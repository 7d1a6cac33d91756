//! `scripts/run.sh` reuses what `scripts/test.sh` built: its build must resolve the same
//! dependencies with the same features, or a run right after the tests compiles minutes of
//! dependencies again (it did: `cargo run -p callpop` leaves the tests' dev-dependencies out of
//! the feature resolution, and ~190 s of crates were rebuilt).
//!
//! The check reads the build commands out of the two scripts, runs the test script's (nothing to
//! do when the workspace is built, as `scripts/test.sh` has done before running this), then the
//! run script's, and asks cargo which dependencies it compiled. Ignored by plain `cargo test`: it
//! runs cargo on the workspace's target directory.

use std::path::Path;
use std::process::Command;

use callpop_tests::webdriver::workspace_dir;

/// The cargo arguments of the script's build: its `cargo build ...` line, or what its `cargo
/// run ...` builds. Shell words are plain here (no quoting but `"$@"`, which is dropped).
fn build_args(script: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(script)?;
    for line in text.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        let words: Vec<&str> = line
            .split_whitespace()
            .skip_while(|w| *w == "exec")
            .collect();
        match words.as_slice() {
            ["cargo", "build", rest @ ..] | ["cargo", "run", rest @ ..] => {
                let mut args = vec!["build".to_owned()];
                args.extend(
                    rest.iter()
                        .take_while(|w| **w != "--")
                        .filter(|w| **w != "\"$@\"" && **w != "--quiet")
                        .map(|w| (*w).to_owned()),
                );
                return Ok(args);
            }
            _ => {}
        }
    }
    anyhow::bail!("{} builds nothing with cargo", script.display())
}

/// Runs `cargo ARGS --message-format=json` in the workspace; returns the packages it compiled
/// that are not the workspace's own (crates.io and git dependencies).
fn compiled_dependencies(args: &[String]) -> anyhow::Result<Vec<String>> {
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    // The variables cargo sets for a test describe this package, not the build to run.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("CARGO_") && name != "CARGO_HOME" && name != "CARGO_TARGET_DIR" {
            cargo.env_remove(name);
        }
    }
    let output = cargo
        .args(args)
        .arg("--message-format=json")
        .current_dir(workspace_dir())
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "cargo {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut compiled = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let local = message["package_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("path+"));
        if message["reason"] == "compiler-artifact" && message["fresh"] == false && !local {
            compiled.push(message["target"]["name"].as_str().unwrap_or("?").to_owned());
        }
    }
    compiled.sort();
    compiled.dedup();
    Ok(compiled)
}

#[test]
#[ignore = "runs cargo on the workspace's target directory; scripts/test.sh runs it"]
fn the_run_script_compiles_no_dependency_after_the_test_build() -> anyhow::Result<()> {
    let scripts = workspace_dir().join("scripts");
    let test_build = build_args(&scripts.join("test.sh"))?;
    let run_build = build_args(&scripts.join("run.sh"))?;
    // What scripts/test.sh built (nothing to do when it has just run).
    compiled_dependencies(&test_build)?;
    let compiled = compiled_dependencies(&run_build)?;
    assert!(
        compiled.is_empty(),
        "`cargo {}` (scripts/run.sh) compiled {} dependencies again after `cargo {}` \
         (scripts/test.sh): {compiled:?}",
        run_build.join(" "),
        compiled.len(),
        test_build.join(" "),
    );
    Ok(())
}
