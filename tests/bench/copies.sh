#!/usr/bin/env bash
# Numbered-copies benchmark: the compendium of the generated 100-note corpus
# (seed 1) built once, then as 25 numbered copies with names and a personal
# watermark. Prints wall time, CPU time and peak memory of each and the
# ratio. Not part of cargo test.
#
#   tests/bench/copies.sh [NOTES]
set -euo pipefail
cd "$(dirname "$0")/../.."
notes="${1:-100}"
work="${TMPDIR:-/tmp}/folio-bench-copies-$notes"
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/folio"
if [ ! -d "$work/notes" ]; then
  python3 ../shared/bench/gen_corpus.py --notes "$notes" --seed 1 --out "$work" >/dev/null 2>&1
  sed -i 's/^\[book\]$/[book]\ncopy_watermark = true/' "$work/folio.toml"
fi
python3 - "$work/recipients.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("name,organisation\n")
    for i in range(1, 26):
        f.write(f"Recipient {i},\"Office {i % 5}, Plans\"\n")
PY
measure() {
  local label="$1"; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$bin" build --root "$work" --pack compendium -q "$@" 2>/dev/null
  read -r wall user sys rss < "$work/time.txt"
  printf '%-28s wall %6.2f s   cpu %6.2f s   peak %6.0f MB\n' "$label" "$wall" "$(echo "$user + $sys" | bc)" "$(echo "$rss / 1024" | bc)"
  echo "$wall"  > "$work/last-wall.txt"
}
measure "one build"
one=$(cat "$work/last-wall.txt")
measure "25 copies" --copies "$work/recipients.csv"
many=$(cat "$work/last-wall.txt")
printf '25 copies cost %.2f× one build\n' "$(echo "$many / $one" | bc -l)"
