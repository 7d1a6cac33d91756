#!/usr/bin/env bash
# Builds an installable Debian package of Callpop, offline: cargo builds the binaries, dpkg-deb
# packs them with the desktop entry (the `tel:` / `callto:` handler) and the icons, and
# dpkg-shlibdeps works out the library dependencies from the binaries themselves. No bundler
# that downloads tools at build time is involved.
#
#   scripts/build-deb.sh                 # release build → target/debian/callpop_VERSION_ARCH.deb
#   scripts/build-deb.sh --profile debug --no-build --compress gzip --out DIR
#                                        # pack what is already built, quickly (the tests do)
#
# Install it with `sudo apt install ./target/debian/callpop_*.deb` (apt pulls the libraries).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
profile=release
build=yes
compress=xz
out="$root/target/debian"
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile="$2"; shift 2 ;;
    --no-build) build=no; shift ;;
    --out) out="$2"; shift 2 ;;
    --compress) compress="$2"; shift 2 ;;
    *) echo "build-deb: unknown argument $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
case "$profile" in
  release) profile_dir=release; cargo_profile=(--release) ;;
  debug) profile_dir=debug; cargo_profile=() ;;
  *) echo "build-deb: --profile is release or debug, not $profile" >&2; exit 2 ;;
esac
for tool in dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { echo "build-deb: $tool is missing: apt-get install dpkg-dev" >&2; exit 1; }
done

target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
if [ "$build" = yes ]; then
  (cd "$root" && cargo build "${cargo_profile[@]}" -p callpop -p callpop-cli)
fi
bin_dir="$target_dir/$profile_dir"
for binary in callpop callpop-cli; do
  [ -x "$bin_dir/$binary" ] || { echo "build-deb: $bin_dir/$binary is not built (drop --no-build)" >&2; exit 1; }
done

version="$(cd "$root" && cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="callpop"))')"
arch="$(dpkg --print-architecture)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
pkg="$stage/callpop"

# The binaries are linked rather than copied where they can be (a debug build is ~300 MB).
mkdir -p "$pkg/usr/bin"
for binary in callpop callpop-cli; do
  ln "$bin_dir/$binary" "$pkg/usr/bin/$binary" 2>/dev/null || install -m755 "$bin_dir/$binary" "$pkg/usr/bin/$binary"
done
install -Dm644 "$root/packaging/linux/callpop.desktop" "$pkg/usr/share/applications/callpop.desktop"
install -Dm644 "$root/icons/32x32.png" "$pkg/usr/share/icons/hicolor/32x32/apps/callpop.png"
install -Dm644 "$root/icons/128x128.png" "$pkg/usr/share/icons/hicolor/128x128/apps/callpop.png"
install -Dm644 "$root/icons/icon.png" "$pkg/usr/share/icons/hicolor/512x512/apps/callpop.png"
install -Dm644 "$root/README.md" "$pkg/usr/share/doc/callpop/README.md"
cat > "$pkg/usr/share/doc/callpop/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: callpop
License: MIT OR Apache-2.0
COPYRIGHT

# dpkg-shlibdeps reads the libraries the binaries link against from a debian/control.
mkdir -p "$stage/debian"
printf 'Source: callpop\n\nPackage: callpop\nArchitecture: any\n' > "$stage/debian/control"
shlibs="$(cd "$stage" && dpkg-shlibdeps -O -e callpop/usr/bin/callpop -e callpop/usr/bin/callpop-cli 2>/dev/null \
  | sed -n 's/^shlibs:Depends=//p')"
[ -n "$shlibs" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
# Loaded at run time rather than linked: the tray (appindicator) and the keyring's Secret Service.
depends="$shlibs, libayatana-appindicator3-1, xdg-utils"
recommends="gnome-keyring | kwalletmanager | keepassxc"

size_kib="$(du -sk "$pkg/usr" | cut -f1)"
mkdir -p "$pkg/DEBIAN"
cat > "$pkg/DEBIAN/control" <<CONTROL
Package: callpop
Version: $version
Architecture: $arch
Maintainer: Callpop developers <callpop@users.noreply.github.com>
Installed-Size: $size_kib
Depends: $depends
Recommends: $recommends
Section: comm
Priority: optional
Homepage: https://github.com/callpop/callpop
Description: caller card and click-to-call for sales managers on a cloud PBX
 Callpop lives in the tray and pops a caller card when a customer calls: the
 number, the contact and company from the directory, the responsible manager,
 recent calls and a link to the CRM record. It calls numbers from tel: and
 callto: links, the contact list and the history, and keeps API keys in the
 OS keyring only.
CONTROL

mkdir -p "$out"
deb="$out/callpop_${version}_${arch}.deb"
level=()
[ "$compress" = gzip ] && level=(-z1)   # the quick packing the tests ask for
dpkg-deb --root-owner-group -Z"$compress" "${level[@]}" --build "$pkg" "$deb" >/dev/null
echo "$deb"
