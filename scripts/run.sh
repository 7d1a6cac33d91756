#!/usr/bin/env bash
# Runs the Callpop desktop app. With nothing configured it runs the built-in demo: the Vega
# simulator on 127.0.0.1 plus a sample directory, with a call every ~20 s.
#
# Builds exactly what scripts/test.sh builds (the whole workspace, all targets): `cargo run -p
# callpop` alone resolves the dependencies' features differently (without the tests'
# dev-dependencies) and rebuilt ~190 s of them after a test run; this way a run after the tests,
# or the tests after a run, compiles nothing again. tests/tests/run_script.rs checks it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --workspace --all-targets
exec target/debug/callpop "$@"
