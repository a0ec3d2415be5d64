#!/usr/bin/env bash
# Benchmarks folio on a generated corpus and prints one line per run:
# wall time, peak memory, files and pages. Not part of `cargo test`.
#
#   tests/bench/run.sh [NOTES] [JOBS...]      e.g. tests/bench/run.sh 1000 1 2
#
# Needs ../shared/bench/gen_corpus.py (the corpus generator) and GNU time.
set -euo pipefail
cd "$(dirname "$0")/../.."
notes="${1:-100}"; shift || true
jobs=("${@:-2}")
corpus="${TMPDIR:-/tmp}/folio-bench-$notes"
[ -d "$corpus" ] || python3 ../shared/bench/gen_corpus.py --notes "$notes" --out "$corpus" >/dev/null
cargo build --release --quiet
bin="$PWD/target/release/folio"
echo "corpus: $notes notes ($corpus), packs as generated"
for j in "${jobs[@]}"; do
  rm -rf "$corpus/output"
  /usr/bin/time -f "%e %M" -o /tmp/folio-bench-time "$bin" --root "$corpus" --jobs "$j" -q
  read -r seconds kb < /tmp/folio-bench-time
  summary=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(len(m['files']), sum(f['pages'] for f in m['files']))" "$corpus/output/manifest.json")
  echo "jobs=$j  wall=${seconds}s  peak=$((kb / 1024)) MB  files/pages=$summary"
done
