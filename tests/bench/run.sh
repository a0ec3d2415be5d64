#!/usr/bin/env bash
# Build benchmark on generated corpora: for each N, the full build (three
# packs) and the compendium alone, printing wall time, CPU time, peak memory
# and pages. Not part of cargo test.
#
#   tests/bench/run.sh [N...] [-- JOBS...]   e.g. tests/bench/run.sh 100 1000 -- 2 1
#
# Needs ../shared/bench/gen_corpus.py (the corpus generator) and GNU time.
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=(); jobs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do sizes+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
jobs=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 1000)
[ ${#jobs[@]} -gt 0 ] || jobs=(2)
cargo build --release --quiet
bin="$PWD/target/release/folio"
for notes in "${sizes[@]}"; do
  corpus="${TMPDIR:-/tmp}/folio-bench-seed1-$notes"
  [ -d "$corpus" ] || python3 ../shared/bench/gen_corpus.py --notes "$notes" --seed 1 --out "$corpus" >/dev/null
  for j in "${jobs[@]}"; do
    for what in full compendium; do
      rm -rf "$corpus/output"
      args=(--root "$corpus" --jobs "$j" -q)
      [ "$what" = compendium ] && args+=(--pack compendium)
      /usr/bin/time -f "%e %U %S %M" -o /tmp/folio-bench-time "$bin" "${args[@]}" 2>/dev/null || true
      read -r wall user sys kb < /tmp/folio-bench-time
      pages=$(python3 -c "import json,sys; print(sum(f['pages'] for f in json.load(open(sys.argv[1]))['files']))" "$corpus/output/manifest.json")
      printf 'N=%-5s jobs=%s %-10s wall=%6.1fs cpu=%6.1fs peak=%5d MB pages=%s\n' \
        "$notes" "$j" "$what" "$wall" "$(awk "BEGIN { print $user + $sys }")" $((kb / 1024)) "$pages"
    done
  done
done
