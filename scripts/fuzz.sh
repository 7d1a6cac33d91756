#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of outside bytes (issue #18): the cargo-fuzz targets in
# fuzz/fuzz_targets/, each on its committed corpus (fuzz/corpus/<target>/) and dictionary
# (fuzz/dict/<target>.dict), with libFuzzer.
#
#   scripts/fuzz.sh                       every target for 20 s (a short check; CI replays the
#                                         corpora on stable instead: tests/tests/fuzz_corpora.rs,
#                                         since a clean fuzz build alone takes 7-14 min here)
#   scripts/fuzz.sh --seconds 60 csv_import vega_webhook
#                                         chosen targets, 60 s each
#   scripts/fuzz.sh --runs 100000         every target for 100 000 executions
#   scripts/fuzz.sh --long [TARGET...]    the measurement run, started by hand: each target for
#                                         10 million executions (hours for the slow ones; --runs
#                                         changes the count), its new inputs kept in
#                                         fuzz/target/long-corpus/<target>/ to minimise and commit
#                                         (`cargo +nightly fuzz cmin <target>`) if they add
#                                         coverage
#   scripts/fuzz.sh --timeout 10 ...      a slower machine: an input may take 10 s (default 5)
#   scripts/fuzz.sh --sanitizer none ...  without AddressSanitizer: builds in about half the time
#                                         and runs faster; our parsers are safe Rust, where ASan
#                                         adds little (it watches the C inside: SQLite, ring)
#   scripts/fuzz.sh --list                the targets
#
# Needs the nightly toolchain (`rustup toolchain install nightly`); installs cargo-fuzz from
# crates.io when it is missing. Builds into $CARGO_TARGET_DIR, or fuzz/target by default.
#
# A crash (panic, overflow, a run over the timeout, out of memory) fails the script: it says
# which target, where the input is (fuzz/artifacts/<target>/), and how to replay it. Once fixed,
# copy the input to fuzz/regressions/<target>/: `cargo test -p callpop-tests --test fuzz_corpora`
# replays every corpus and regression on stable.
#
# At the end a table: executions, executions per second and coverage (libFuzzer's `cov:`, edges
# reached) per target.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

seconds=20
runs=""
timeout=5
sanitizer=address
long=false
targets=()
while (($#)); do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --timeout) timeout="$2"; shift 2 ;;
        --sanitizer) sanitizer="$2"; shift 2 ;;
        --long) long=true; shift ;;
        --list) ls fuzz/fuzz_targets | sed 's/\.rs$//'; exit 0 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
if ((${#targets[@]} == 0)); then
    mapfile -t targets < <(ls fuzz/fuzz_targets | sed 's/\.rs$//')
fi
for target in "${targets[@]}"; do
    [[ -f fuzz/fuzz_targets/$target.rs ]] || { echo "fuzz.sh: no target $target (--list)" >&2; exit 2; }
done
if $long && [[ -z $runs ]]; then
    runs=10000000
fi

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz.sh: the nightly toolchain is missing: rustup toolchain install nightly" >&2
    exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz from crates.io"
    cargo install cargo-fuzz --locked
fi

# Release with debug assertions: overflow and `debug_assert!` are bugs the fuzzer should report.
# Every target at once (`cargo fuzz build` takes one name or all; linking is the cheap part).
build_start=$(date +%s)
(cd fuzz && cargo +nightly fuzz build --release --debug-assertions --sanitizer "$sanitizer")
echo "fuzz.sh: built in $(($(date +%s) - build_start)) s"
triple=$(rustc +nightly -vV | sed -n 's/^host: //p')
bin_dir="${CARGO_TARGET_DIR:-$PWD/fuzz/target}/$triple/release"
scratch="${CARGO_TARGET_DIR:-$PWD/fuzz/target}/fuzz-work"

# The longest input each target gets: a little over its largest real example; files people
# import and whole HTTP requests get more room.
max_len() {
    case "$1" in
        phone_number | dial_link) echo 256 ;;
        relay_resume) echo 1024 ;;
        csv_import | vcard_import | ami_frames | ari_events) echo 16384 ;;
        *) echo 8192 ;;
    esac
}

failed=()
summary=()
for target in "${targets[@]}"; do
    if $long; then
        work="${PWD}/fuzz/target/long-corpus/$target"
    else
        work="$scratch/$target"
        rm -rf "$work"
    fi
    artifacts="fuzz/artifacts/$target"
    mkdir -p "$work" "$artifacts"
    log="$scratch/$target.log"
    args=(
        -max_len="$(max_len "$target")"
        # A run over this is a hang to report; one over 1 s is kept as a slow unit and named at
        # the end (most take microseconds; the slow start-up work, phone metadata and the
        # relay, is done before the first input: `warm_up` in fuzz/src/targets.rs).
        -timeout="$timeout"
        -rss_limit_mb=2048
        -print_final_stats=1
        -report_slow_units=1
        -artifact_prefix="$artifacts/"
    )
    [[ -f fuzz/dict/$target.dict ]] && args+=(-dict="fuzz/dict/$target.dict")
    if [[ -n $runs ]]; then
        args+=(-runs="$runs")
    else
        args+=(-max_total_time="$seconds")
    fi
    echo "fuzz.sh: $target (${runs:+$runs runs}${runs:-$seconds s})"
    # New inputs go to the scratch folder (first); the committed corpus is only read.
    status=0
    "$bin_dir/$target" "${args[@]}" "$work" "fuzz/corpus/$target" >"$log" 2>&1 || status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$( (grep -o 'cov: [0-9]*' "$log" || true) | tail -1 | cut -d' ' -f2)
    summary+=("$(printf '%-22s %12s %10s %8s' "$target" "${execs:-?}" "${rate:-?}" "${cov:-?}")")
    slow=$(grep -c '^Slowest unit' "$log" || true)
    if ((slow > 0)); then
        echo "fuzz.sh: $target: $slow input(s) over 1 s, kept as $artifacts/slow-unit-*" >&2
    fi
    if ((status != 0)); then
        failed+=("$target")
        echo "================ fuzz.sh: $target FAILED (exit $status) ================" >&2
        if grep -q -E 'panicked at|==ERROR|ALARM|SUMMARY' "$log"; then
            (grep -E -A20 'panicked at|==ERROR|ALARM' "$log" || true) | head -40 >&2
            grep -E '^SUMMARY' "$log" >&2 || true
        else
            tail -40 "$log" >&2
        fi
        crash=$( (grep -o "Test unit written to [^ ]*" "$log" || true) | tail -1 | sed 's/Test unit written to //')
        echo "fuzz.sh: the input is ${crash:-in $artifacts/}; full log $log" >&2
        echo "fuzz.sh: replay with: (cd fuzz && cargo +nightly fuzz run $target ../${crash:-$artifacts/<file>})" >&2
    fi
done

echo
printf '%-22s %12s %10s %8s\n' target executions "exec/s" cov
printf '%s\n' "${summary[@]}"
if ((${#failed[@]})); then
    echo "fuzz.sh: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz.sh: no crash in ${#targets[@]} targets"
