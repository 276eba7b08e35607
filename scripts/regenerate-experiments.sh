#!/usr/bin/env bash
# Regenerates every report committed under docs/experiments/ (the .txt tables, the raw .json
# sweep documents and the --plot SVGs) from scripts/experiment-reports.tsv, which lists each
# output with the exact command that writes it.
#
#   scripts/regenerate-experiments.sh            # every report (~13 min of 2 cores, release)
#   scripts/regenerate-experiments.sh small      # only the `small` lines (seconds)
#   scripts/regenerate-experiments.sh big|all    # only the big ones / all (the default)
#   HEDGEHOG=path/to/hedgehog scripts/regenerate-experiments.sh   # skip the release build
#
# Results do not depend on --jobs or the machine, so a regenerated file differs from the
# committed one only when the code changed what it computes; `git diff docs/experiments`
# shows what. tests/exp_reports.rs checks the small lines on every test run.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
case $which in small | big | all) ;; *) echo "usage: $0 [small|big|all]" >&2; exit 2 ;; esac
if [ -z "${HEDGEHOG:-}" ]; then
  cargo build --release --quiet --bin hedgehog
  HEDGEHOG="${CARGO_TARGET_DIR:-target}/release/hedgehog"
fi
while read -r size output rest; do
  case $size in '' | '#'*) continue ;; esac
  [ "$which" = all ] || [ "$which" = "$size" ] || continue
  read -ra args <<<"$rest"
  echo "$(date -u +%T) docs/experiments/$output: hedgehog $rest" >&2
  "$HEDGEHOG" "${args[@]}" > "docs/experiments/$output.tmp"
  mv "docs/experiments/$output.tmp" "docs/experiments/$output"
done < scripts/experiment-reports.tsv
