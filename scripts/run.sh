#!/usr/bin/env bash
# Runs the Callpop desktop app. With nothing configured it runs the built-in demo: the Vega
# simulator on 127.0.0.1 plus a sample directory, with a call every ~20 s.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec cargo run -p callpop "$@"
