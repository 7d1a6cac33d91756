#!/usr/bin/env bash
# Runs every test: unit, integration, the keyring against a real Secret Service, and the
# end-to-end tests of the real app under Xvfb through WebDriver; then the Windows build: the
# cross-built app and installer under Wine, and the non-GUI suites built for Windows under Wine.
# Screenshots land in target/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --windows
export PATH="$HOME/.cargo/bin:$PATH"

cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
# The end-to-end tests drive the built app binary.
cargo build --workspace --all-targets --quiet

# Windows: the app, the CLI and the installer, cross-built (debug: quicker; the release is
# scripts/build-windows.sh). The Windows tests below start them under Wine.
windows_start=$(date +%s)
cargo clippy --target x86_64-pc-windows-gnu -p callpop -p callpop-cli --quiet -- -D warnings
scripts/build-windows.sh --debug
CALLPOP_WINDOWS_DIST="$PWD/target/windows/debug"
CALLPOP_WINDOWS_INSTALLER=$(ls "$PWD"/target/windows/Callpop-Setup-*-x64-debug.exe)
export CALLPOP_WINDOWS_DIST CALLPOP_WINDOWS_INSTALLER
windows_build_s=$(( $(date +%s) - windows_start ))

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

# The non-GUI suites (core, providers, relay, sim, session, CLI, the keyring) built for Windows and run
# under Wine.
windows_start=$(date +%s)
scripts/test-windows.sh
echo "test: the Windows part took $(( windows_build_s + $(date +%s) - windows_start )) s besides its tests in the workspace run"
