#!/usr/bin/env bash
# Measures the desktop app on its built-in demo: time from launch to "tray ready" (the tray icon
# and its menu exist, as logged by the app) over several launches, and the idle memory of the app
# and its WebKit processes (PSS, so shared pages are counted once) after it settles, with where
# it sits: anonymous and file-backed, and the largest mappings of each process. Needs the app
# built (`cargo build -p callpop`; honours CARGO_TARGET_DIR), Xvfb and D-Bus (scripts/setup.sh
# installs them).
#   scripts/measure-app.sh [debug|release] [SETTLE_SECONDS] [LAUNCHES]
# Extra environment (WEBKIT_*, MALLOC_*, ...) is passed on to the app, for experiments.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-debug}
settle=${2:-15}
launches=${3:-5}
app="${CARGO_TARGET_DIR:-target}/$profile/callpop"
[ -x "$app" ] || { echo "measure-app: $app is missing: cargo build -p callpop${profile/debug/ --release}" >&2; exit 1; }
app=$(realpath "$app")
echo "binary: $app, $(( $(stat -c %s "$app") / 1024 )) KiB"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export app home settle launches
xvfb-run -a -s "-screen 0 1366x768x24" dbus-run-session -- bash -c '
  set -euo pipefail
  # An empty config: the demo, without the first-run wizard (its window is not the idle state).
  : >"$home/config.toml"
  export CALLPOP_CONFIG="$home/config.toml" CALLPOP_DATA_DIR="$home/data" RUST_LOG=info NO_COLOR=1
  # Starts the app and waits for "tray ready"; leaves $pid and the milliseconds it took in $took.
  launch() {
    local start ready
    start=$(date +%s%N)
    "$app" >"$home/log" 2>&1 &
    pid=$!
    for _ in $(seq 1 1000); do
      grep -q "tray ready" "$home/log" && break
      sleep 0.005
    done
    ready=$(date +%s%N)
    grep -q "tray ready" "$home/log" || { echo "the app never said tray ready:" >&2; cat "$home/log" >&2; kill $pid; exit 1; }
    took=$(( (ready - start) / 1000000 ))
  }
  stop() { kill $pid; wait $pid 2>/dev/null || true; }
  times=()
  for i in $(seq 1 "$launches"); do
    launch
    times+=("$took")
    # The last launch stays up for the idle measurement.
    [ "$i" = "$launches" ] || { sleep 1; stop; sleep 0.5; }
  done
  sorted=$(printf "%s\n" "${times[@]}" | sort -n)
  echo "launch -> tray ready over $launches launches (polled every 5 ms): min $(head -1 <<<"$sorted") ms, median $(sed -n "$(( (launches + 1) / 2 ))p" <<<"$sorted") ms, max $(tail -1 <<<"$sorted") ms (${times[*]})"
  sleep "$settle"
  total=0
  for p in $pid $(pgrep -P $pid || true); do
    [ -r /proc/$p/smaps_rollup ] || continue
    read -r pss anon file < <(awk "/^Pss:/ {p=\$2} /^Pss_Anon:/ {a=\$2} /^Pss_File:/ {f=\$2} END {print p, a, f}" /proc/$p/smaps_rollup)
    printf "  %-24s %7d KiB PSS (anonymous %d, file-backed %d)\n" "$(tr -d "\0" </proc/$p/comm)" "$pss" "$anon" "$file"
    # The largest mappings by PSS, anonymous ones summed as [anon].
    awk "/^[0-9a-f]+-[0-9a-f]+ / { name = (\$6 == \"\" ? \"[anon]\" : \$6) }
         /^Pss:/ { sum[name] += \$2 }
         END { for (n in sum) printf \"%d %s\n\", sum[n], n }" /proc/$p/smaps \
      | sort -rn | head -8 | awk "{ printf \"      %7d KiB  %s\n\", \$1, \$2 }"
    total=$((total + pss))
  done
  echo "idle memory after ${settle} s (PSS, app + WebKit): $((total / 1024)) MiB"
  stop
'
