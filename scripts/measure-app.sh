#!/usr/bin/env bash
# Measures the desktop app on its built-in demo: time from launch to "tray ready" (the tray icon
# and its menu exist, as logged by the app), and the idle memory of the app and its WebKit
# processes (PSS, so shared pages are counted once) after it settles. Needs the app built
# (`cargo build -p callpop`), Xvfb and D-Bus (scripts/setup.sh installs them).
#   scripts/measure-app.sh [debug|release] [SETTLE_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-debug}
settle=${2:-15}
app="target/$profile/callpop"
[ -x "$app" ] || { echo "measure-app: $app is missing: cargo build -p callpop${profile/debug/}" >&2; exit 1; }
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export app home settle
xvfb-run -a -s "-screen 0 1366x768x24" dbus-run-session -- bash -c '
  set -euo pipefail
  # An empty config: the demo, without the first-run wizard (its window is not the idle state).
  : >"$home/config.toml"
  export CALLPOP_CONFIG="$home/config.toml" CALLPOP_DATA_DIR="$home/data" RUST_LOG=info NO_COLOR=1
  start=$(date +%s.%N)
  "$app" >"$home/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    grep -q "tray ready" "$home/log" && break
    sleep 0.01
  done
  ready=$(date +%s.%N)
  grep -q "tray ready" "$home/log" || { echo "the app never said tray ready:"; cat "$home/log"; kill $pid; exit 1; }
  echo "launch -> tray ready: $(awk "BEGIN { printf \"%.0f\", ($ready - $start) * 1000 }") ms (polled every 10 ms)"
  sleep "$settle"
  total=0
  for p in $pid $(pgrep -P $pid || true); do
    [ -r /proc/$p/smaps_rollup ] || continue
    pss=$(awk "/^Pss:/ {print \$2}" /proc/$p/smaps_rollup)
    printf "  %-28s %6d KiB\n" "$(tr -d "\0" </proc/$p/comm)" "$pss"
    total=$((total + pss))
  done
  echo "idle memory after ${settle} s (PSS, app + WebKit): $((total / 1024)) MiB"
  kill $pid
  wait $pid 2>/dev/null || true
'
