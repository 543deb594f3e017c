#!/bin/sh
# Regenerates the committed sample drop under samples/: the `.small` profile with a fixed seed,
# so it stays under 2 MB and a test can check it still matches the generator
# (Tests/SamplesTests/CommittedSamplesTests.swift). Run from anywhere after `swift build`:
#   tools/make-committed-samples.sh
# Batches go to samples/inbox/ and the ground truth beside them, samples/ground-truth.json
# (outside the inbox, so a pipeline pointed at samples/inbox never takes it for a batch).
set -eu
cd "$(dirname "$0")/.."
SEED=20250110
BIN=${SLUICE_BIN:-$(swift build --show-bin-path)/sluice}
rm -rf samples/inbox samples/ground-truth.json
# No READY markers: the committed drop is exactly the generator's output (a test compares them).
"$BIN" samples --small --seed "$SEED" --marker "" samples/inbox
bytes=$(find samples -type f -exec cat {} + | wc -c)
echo "samples/: $bytes bytes"
[ "$bytes" -lt 2000000 ] || { echo "samples/ is over 2 MB" >&2; exit 1; }
