#!/usr/bin/env bash
# The false-positive study of docs/lints.md: run check-config's lints over every
# *_grpc_service_config.json that googleapis publishes and count, per lint code, how many fire
# and in how many files. The files are not part of this repository (their licence and size);
# this script reads them from a local clone.
#
#   git clone --depth 1 https://github.com/googleapis/googleapis /tmp/googleapis
#   cargo build && scripts/googleapis-lint-study.sh /tmp/googleapis [target/debug/hedgehog]
#
# Prints: files checked, how many are valid under A6, then `count files code` per lint code,
# and writes every lint line to lints.txt in the current directory for reading one by one.
set -euo pipefail
repo=${1:?usage: $0 GOOGLEAPIS_CHECKOUT [HEDGEHOG_BINARY]}
bin=${2:-target/debug/hedgehog}
out=lints.txt
: > "$out"
files=0 valid=0
while IFS= read -r -d '' f; do
  files=$((files + 1))
  rel=${f#"$repo"/}
  # Exit 0 valid, 1 invalid; 2 (unreadable) would stop the study.
  text=$("$bin" check-config "$f") && rc=0 || rc=$?
  [ "$rc" -le 1 ] || { echo "check-config failed ($rc) on $rel" >&2; exit 1; }
  [ "$rc" -eq 0 ] && valid=$((valid + 1))
  grep -E '\[[a-z-]+\]$' <<<"$text" | sed "s|^ *|$rel: |" >> "$out" || true
done < <(find "$repo" -name '*_grpc_service_config.json' -print0 | sort -z)
echo "files: $files, valid: $valid"
echo "count files code"
sed -E 's/.*\[([a-z-]+)\]$/\1/' "$out" | sort | uniq -c | while read -r n code; do
  in=$(grep -F "[$code]" "$out" | cut -d: -f1 | sort -u | wc -l)
  echo "$n $in $code"
done
