#!/usr/bin/env bash
# Runs a Windows program of Callpop's under Wine: `scripts/wine.sh PROGRAM.exe ARGS...`. It is the
# cargo runner of the Windows target (CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER), so
# `cargo test --target x86_64-pc-windows-gnu` runs the test binaries through it.
#
# On first use it makes a 64-bit Wine prefix ($CALLPOP_WINEPREFIX, default target/wine) and puts
# a stand-in bcryptprimitives.dll in it (packaging/windows/bcryptprimitives.c: Wine 8 lacks the
# DLL from which Rust's standard library takes random bytes). Nothing is downloaded: Wine's
# Gecko and Mono are not installed (nothing of ours needs them).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
wine=/usr/lib/wine/wine64
[ -x "$wine" ] || wine=$(command -v wine64 || command -v wine || true)
if [ -z "$wine" ]; then
  echo "wine.sh: Wine is not installed (Debian: apt-get install wine64)" >&2
  exit 127
fi
export WINEPREFIX=${CALLPOP_WINEPREFIX:-$here/target/wine}
export WINEARCH=win64
export WINEDEBUG=${WINEDEBUG:--all}
# No Gecko or Mono installer prompts (they would try to download).
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}

shim=$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll
if [ ! -f "$shim" ]; then
  mkdir -p "$WINEPREFIX"
  (
    flock 9
    if [ ! -f "$shim" ]; then
      "$wine" wineboot --init >/dev/null 2>&1 || true
      "${WINESERVER:-$(dirname "$wine")/wineserver}" -w 2>/dev/null || true
      x86_64-w64-mingw32-gcc -shared -O2 -s -o "$shim.tmp" \
        "$here/packaging/windows/bcryptprimitives.c" -ladvapi32
      mv "$shim.tmp" "$shim"
    fi
  ) 9>"$WINEPREFIX.lock"
fi
exec "$wine" "$@"
