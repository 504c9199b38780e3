#!/usr/bin/env bash
# Builds the AFL++ (afl.rs) fuzz targets and runs each for SECONDS.
#
#   fuzz/run.sh [SECONDS] [TARGET...]     (default: 600 s, all targets)
#   JOBS=2 fuzz/run.sh 600                (two fuzzers at a time)
#
# Output goes to fuzz/out/<target>/ (resumed if it exists; RESUME=0 starts
# fresh from fuzz/seeds/<target>/). Exit status is 1 if any target found a
# crash or a hang; their inputs are listed at the end.
set -euo pipefail
cd "$(dirname "$0")"

SECONDS_PER_TARGET=${1:-600}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(framing names commands replies raw_client)
JOBS=${JOBS:-1}
RESUME=${RESUME:-1}

command -v cargo-afl >/dev/null || { echo "cargo-afl missing: cargo install cargo-afl && cargo afl config --build" >&2; exit 2; }
cargo afl build --release

# Work on machines whose core_pattern / CPU governor we may not touch.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1
mkdir -p out

run_one() {
    local t=$1 in="seeds/$1"
    if [ "$RESUME" = 1 ] && [ -f "out/$t/default/fuzzer_stats" ]; then in=-; fi
    echo "== $t: ${SECONDS_PER_TARGET}s (log out/$t.log)"
    # -V: stop after N seconds; -t: per-exec timeout (ms) so loops show as hangs.
    cargo afl fuzz -V "$SECONDS_PER_TARGET" -t 1000 -i "$in" -o "out/$t" "target/release/$t" \
        >"out/$t.log" 2>&1 || echo "!! afl-fuzz for $t exited with $? (see out/$t.log)"
}

for t in "${TARGETS[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
    run_one "$t" &
done
wait

found=0
# afl-fuzz keeps its totals across resumed runs but empties crashes/ and
# hangs/ when it resumes, so the files there are what this run found.
count() { find "out/$1/default/$2" -name 'id:*' 2>/dev/null | wc -l; }
printf '\n%-11s %8s %11s %9s %7s %8s %7s %5s %13s\n' target run_s execs execs/s corpus edges crashes hangs "(all runs)"
for t in "${TARGETS[@]}"; do
    s="out/$t/default/fuzzer_stats"
    [ -f "$s" ] || { echo "$t: no stats (did afl-fuzz start? see out/$t.log)"; found=1; continue; }
    g() { awk -F' *: *' -v k="$1" '$1==k {print $2}' "$s"; }
    crashes=$(count "$t" crashes) hangs=$(count "$t" hangs)
    printf '%-11s %8s %11s %9s %7s %8s %7s %5s %13s\n' "$t" "$(g run_time)" "$(g execs_done)" "$(g execs_per_sec)" \
        "$(g corpus_count)" "$(g edges_found)/$(g total_edges)" "$crashes" "$hangs" "$(g saved_crashes)/$(g saved_hangs)"
    if [ "$crashes" != 0 ] || [ "$hangs" != 0 ]; then
        found=1
        ls -1 "out/$t/default/crashes/"id:* "out/$t/default/hangs/"id:* 2>/dev/null || true
    fi
done
[ $found = 0 ] && echo "no crashes, no hangs in this run" || echo "FOUND crashes/hangs: reproduce with target/release/<target> < FILE"
exit $found
