#!/usr/bin/env bash
# Builds Callpop for 64-bit Windows on this Debian machine, offline: `callpop.exe` (the app, a
# Windows GUI program: no console window), `callpop-cli.exe`, the `WebView2Loader.dll` the app
# links against (taken from the webview2-com-sys crate by tauri-build), and the installer
# `Callpop-Setup-VERSION-x64.exe` made by Debian's NSIS from packaging/windows/callpop.nsi.
#
#   scripts/build-windows.sh            # release → target/windows/
#   scripts/build-windows.sh --debug    # debug build, as the tests use (quicker)
#
# Needs: rustup's x86_64-pc-windows-gnu target, gcc-mingw-w64-x86-64 (linker, windres) and nsis;
# installed here when missing (apt-get as root or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
target=x86_64-pc-windows-gnu
profile=release
[ "${1:-}" = "--debug" ] && profile=debug

scripts/apt-install.sh build-windows gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 nsis
rustup target list --installed | grep -qx "$target" || rustup target add "$target"

flags=(--target "$target" -p callpop -p callpop-cli --quiet)
[ "$profile" = release ] && flags+=(--release)
cargo build "${flags[@]}"
built=target/$target/$profile

# The release app is a Windows GUI program: started from the Start menu or a link, no console
# window opens beside it (main.rs's `windows_subsystem`).
headers=$(x86_64-w64-mingw32-objdump -p "$built/callpop.exe")
if [ "$profile" = release ] && ! grep -q 'Subsystem.*Windows GUI' <<<"$headers"; then
  echo "build-windows: callpop.exe is not a Windows GUI program" >&2
  exit 1
fi

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
dist=target/windows/$profile
rm -rf "$dist"
mkdir -p "$dist"
cp "$built/callpop.exe" "$built/callpop-cli.exe" "$built/WebView2Loader.dll" "$dist/"
cp icons/icon.ico "$dist/callpop.ico"
compression=lzma
if [ "$profile" = debug ]; then
  # The tests' installer: debug information off the copies (440 MB → ~70 MB) and quick zlib.
  x86_64-w64-mingw32-strip --strip-debug "$dist/callpop.exe" "$dist/callpop-cli.exe"
  compression=zlib
fi
out=target/windows/Callpop-Setup-$version-x64.exe
[ "$profile" = debug ] && out=target/windows/Callpop-Setup-$version-x64-debug.exe
makensis -V2 -DCOMPRESSION="$compression" -DVERSION="$version" -DSRCDIR="$PWD/$dist" -DOUTFILE="$PWD/$out" \
  packaging/windows/callpop.nsi
echo "build-windows: $out"
ls -l "$dist" "$out" | sed 's/^/build-windows: /'
