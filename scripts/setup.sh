#!/usr/bin/env bash
# Installs what Callpop needs on Debian 12 (bookworm): the system libraries the Tauri app links
# against, and what the tests use (Xvfb, gnome-keyring, WebKitWebDriver, tauri-driver).
# Idempotent: installs only what is missing. Needs root or sudo for apt-get.
set -euo pipefail

packages=(
  # build and link the app (Tauri v2 on WebKitGTK 4.1)
  build-essential pkg-config file libwebkit2gtk-4.1-dev libayatana-appindicator3-dev
  librsvg2-dev libxdo-dev libssl-dev libdbus-1-dev xdg-utils
  # the Debian package (scripts/build-deb.sh) and its check
  dpkg-dev desktop-file-utils
  # fonts with Cyrillic for the UI
  fonts-dejavu-core fonts-noto-core
  # tests: a display, a Secret Service, WebDriver for WebKitGTK, screenshots
  xvfb xauth dbus dbus-x11 gnome-keyring webkit2gtk-driver imagemagick
  # tests of the hotkey: the X clipboard and keyboard
  xclip xdotool
  # the relay's cluster tests and bench: Redis 7, started by the tests on a loopback port
  redis-server
)
# `--windows` (scripts/test.sh): the Windows build (scripts/build-windows.sh) and its tests under
# Wine too.
windows=false
if [ "${1:-}" = "--windows" ]; then
  windows=true
  packages+=(gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 nsis wine64 jq)
fi

"$(dirname "$0")/apt-install.sh" setup "${packages[@]}"

if ! command -v cargo >/dev/null; then
  echo "setup: Rust is not installed: install it with rustup (https://rustup.rs), then run this again" >&2
  exit 1
fi
export PATH="$HOME/.cargo/bin:$PATH"
if $windows && ! rustup target list --installed | grep -qx x86_64-pc-windows-gnu; then
  echo "setup: adding Rust's x86_64-pc-windows-gnu target (the Windows build)"
  rustup target add x86_64-pc-windows-gnu
fi
if ! command -v tauri-driver >/dev/null; then
  echo "setup: installing tauri-driver (WebDriver bridge for the end-to-end tests)"
  cargo install tauri-driver@2.1.0 --locked --quiet
fi
