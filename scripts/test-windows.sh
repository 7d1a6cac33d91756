#!/usr/bin/env bash
# Runs Callpop's non-GUI test suites (core, providers, relay, sim, session, CLI, and the app's own unit
# tests: its Run key, its AppUserModelID, its messages) built for 64-bit Windows
# (x86_64-pc-windows-gnu) under Wine, then the OS keyring round trip against Wine's Credential
# Manager (crates/core/tests/os_keyring.rs, #[ignore]d in plain runs: it needs an OS keyring).
#
#   scripts/test-windows.sh
#
# Every test binary runs through scripts/wine.sh (the cargo runner) in a fresh Wine prefix made
# in a temporary directory and removed at the end. A test that cannot run on Windows says so:
# cargo lists it as ignored with its reason ("SKIPPED on Windows: ..."). Ends with the passed,
# ignored and failed counts per crate; exits non-zero when any test failed.
#
# Needs: rustup's x86_64-pc-windows-gnu target, gcc-mingw-w64-x86-64 (the linker), wine64 and jq;
# installed here when missing (apt-get as root or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
target=x86_64-pc-windows-gnu
crates=(callpop-core callpop-providers callpop-relay callpop-sim callpop-session callpop-cli callpop)

scripts/apt-install.sh test-windows gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 wine64 jq
rustup target list --installed | grep -qx "$target" || rustup target add "$target"

# A fresh Wine prefix for this run; wine.sh makes it on first use. Removed at the end, after its
# wineserver (which keeps files in it open) has been stopped.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/callpop-wine.XXXXXX")
export CALLPOP_WINEPREFIX="$scratch/prefix"
wineserver=/usr/lib/wine/wineserver
[ -x "$wineserver" ] || wineserver=$(command -v wineserver || echo true)
cleanup() {
  WINEPREFIX="$CALLPOP_WINEPREFIX" "$wineserver" -k 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$PWD/scripts/wine.sh"
# The app's test program links WebView2Loader.dll, which tauri-build leaves beside the app in
# target/…/debug, not beside the test programs in deps/.
WINEPATH="Z:$(echo "$PWD/target/$target/debug" | tr / '\\')"
export WINEPATH
# The tests choose their own config, data dir and keys; none leaks in from the caller's shell.
unset CALLPOP_CONFIG CALLPOP_DATA_DIR CALLPOP_API_KEY CALLPOP_RELAY_TOKEN CALLPOP_AUTODIALER_KEY

packages=()
for crate in "${crates[@]}"; do packages+=(-p "$crate"); done
logs="$scratch/logs"
mkdir -p "$logs"

# One cargo invocation for every crate: selecting them one by one would resolve the
# dependencies' features differently and rebuild them each time. The build's JSON tells which
# crate each test program belongs to (for the counts below).
start=$(date +%s)
cargo test --target "$target" "${packages[@]}" --no-run --message-format=json-render-diagnostics |
  jq -r 'select(.reason == "compiler-artifact" and .executable != null)
    | (.package_id | if test("#") then (sub(".*#"; "") | if test("@") then sub("@.*"; "") else null end) else split(" ")[0] end) as $name
    | [(.executable | split("/") | last), ($name // (.manifest_path | split("/") | .[-2])), .target.name] | @tsv' \
  >"$logs/executables"
build_s=$(( $(date +%s) - start ))

start=$(date +%s)
scripts/wine.sh cmd.exe /c exit >/dev/null
prefix_s=$(( $(date +%s) - start ))

failed=false
start=$(date +%s)
status=0
cargo test --target "$target" "${packages[@]}" --no-fail-fast 2>&1 | tee "$logs/cargo" || status=$?
[ "$status" -eq 0 ] || failed=true

# The keyring against Wine's Credential Manager (CredWriteW, CredReadW, CredDeleteW): the one
# test program whose ignored tests run here, started the way cargo starts it.
keyring=$(awk -F'\t' '$2 == "callpop-core" && $3 == "os_keyring" { print $1 }' "$logs/executables")
if [ -z "$keyring" ]; then
  echo "test-windows: cargo built no crates/core/tests/os_keyring.rs" >&2
  exit 1
fi
echo
echo "     Running tests/os_keyring.rs (target/$target/debug/deps/$keyring) -- --include-ignored"
status=0
scripts/wine.sh "target/$target/debug/deps/$keyring" --include-ignored 2>&1 | tee "$logs/keyring" || status=$?
[ "$status" -eq 0 ] || failed=true
run_s=$(( $(date +%s) - start ))

echo
echo "test-windows: $target under $(scripts/wine.sh --version 2>/dev/null || echo Wine)"
# Counts per crate: each "Running" or "Doc-tests" line names the program whose "test result"
# follows; a program that died before its result line counts as "crashed".
{
  cat "$logs/cargo"
  echo "     Running keyring"
  cat "$logs/keyring"
} | awk -v executables="$logs/executables" -v order="${crates[*]}" '
  BEGIN {
    while ((getline line < executables) > 0) { split(line, f, "\t"); crate_of[f[1]] = f[2] }
    crate_of["keyring"] = "keyring (Credential Manager)"
  }
  function finish() { if (current != "" && !done) crashed[current]++; done = 1 }
  /^ +Running / {
    finish(); done = 0
    exe = $NF; gsub(/[()]/, "", exe); n = split(exe, parts, "/"); current = crate_of[parts[n]]
    if (current == "") current = "(unknown)"
  }
  /^ +Doc-tests / { finish(); done = 0; current = $2; gsub(/_/, "-", current) }
  /^test result:/ {
    done = 1
    for (i = 1; i < NF; i++) {
      if ($(i + 1) ~ /^passed/) passed[current] += $i
      if ($(i + 1) ~ /^failed/) failed[current] += $i
      if ($(i + 1) ~ /^ignored/) ignored[current] += $i
    }
  }
  END {
    finish()
    n = split(order, names, " "); names[++n] = "keyring (Credential Manager)"
    for (i = 1; i <= n; i++) {
      c = names[i]
      printf "  %-30s %4d passed %3d ignored %3d failed%s\n", c, passed[c], ignored[c], failed[c],
        crashed[c] ? sprintf(", %d test program(s) crashed", crashed[c]) : ""
    }
  }'
grep -h "SKIPPED on Windows" "$logs/cargo" | sed 's/^/  /' || true
echo "test-windows: build ${build_s} s, Wine prefix ${prefix_s} s, tests ${run_s} s"
if $failed; then
  echo "test-windows: FAILED" >&2
  exit 1
fi
