#!/usr/bin/env bash
# Runs every test: unit, integration, the keyring against a real Secret Service, and the
# end-to-end tests of the real app under Xvfb through WebDriver. Screenshots land in
# target/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
# The end-to-end tests drive the built app binary.
cargo build --workspace --all-targets --quiet

# The real Asterisk for the Asterisk tests (a chroot, needs root; without it those tests say
# loudly that they were skipped). Started once here, reused by every test.
CALLPOP_PBX_LAB="$(scripts/pbx-lab.sh)"
export CALLPOP_PBX_LAB

# A private D-Bus session with an unlocked gnome-keyring (the Secret Service the keyring tests
# and the app use) whose keyring file lives in a fresh directory, and a private X display for the
# app's windows.
XDG_DATA_HOME=$(mktemp -d)
export XDG_DATA_HOME
trap 'rm -rf "$XDG_DATA_HOME"' EXIT
# The display comes first so that services D-Bus starts on demand can open it too.
xvfb-run --auto-servernum --server-args="-screen 0 1366x768x24" dbus-run-session -- bash -c '
  set -euo pipefail
  printf "callpop-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec cargo test --workspace -- --include-ignored
'
