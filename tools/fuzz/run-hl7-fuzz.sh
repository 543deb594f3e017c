#!/bin/sh
# Builds the HL7 libFuzzer target and runs it.
#   tools/fuzz/run-hl7-fuzz.sh [seconds] [extra libFuzzer flags…]
# The harness is compiled into one module with Sources/HL7 (SwiftPM executables do not link
# with -sanitize=fuzzer), so the parser is coverage-instrumented. Crashes land in
# tools/fuzz/crashes/; turn each into a test in Tests/HL7Tests/FuzzRegressionTests.swift.
set -eu
cd "$(dirname "$0")/../.."
SECONDS_TO_RUN=${1:-120}
[ $# -gt 0 ] && shift
OUT=.build/fuzz
mkdir -p "$OUT" tools/fuzz/crashes "$OUT/corpus-hl7"
rm -f "$OUT/hl7_fuzz"
ROOT=$(pwd)
# Compile inside $OUT: swiftc may leave module files in its working directory.
(cd "$OUT" && swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name HL7Fuzz \
    "$ROOT/tools/fuzz/hl7_fuzz.swift" $(find "$ROOT/Sources/HL7" -name '*.swift' | sort) -o hl7_fuzz 2>&1) \
    | { grep -v "Cannot export local symbol" || true; }
[ -x "$OUT/hl7_fuzz" ] || { echo "fuzz build failed" >&2; exit 1; }
# Seed corpus: small, varied messages (kept in the repo, each well under 1 KB).
cp tools/fuzz/seeds/* "$OUT/corpus-hl7/" 2>/dev/null || true
# Swift's own backtracer would catch the trap first and libFuzzer would not save the input.
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}
exec "$OUT/hl7_fuzz" "$OUT/corpus-hl7" -max_total_time="$SECONDS_TO_RUN" -max_len=4096 \
    -artifact_prefix=tools/fuzz/crashes/ -print_final_stats=1 "$@"
