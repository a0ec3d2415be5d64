#!/usr/bin/env bash
# Build benchmark on generated corpora (seed 1): for each N, folio's wall
# time, CPU time, peak memory and pages for the compendium alone and for all
# three packs of the generated folio.toml, next to the Pandoc pipeline
# (Pandoc's --pdf-engine=typst over Typst 0.15) on the same notes, in the same
# run. Not part of cargo test.
#
#   tests/bench/run.sh [N...] [-- JOBS...]   e.g. tests/bench/run.sh 100 300 1000 -- 2
#
# Needs ../shared/bench/gen_corpus.py (the corpus generator), GNU time and,
# for the Pandoc column, `pip install pypandoc-binary typst` (the Typst shim
# ../shared/bench/typst-shim.py stands in for a typst binary). Without them
# the Pandoc column says "n/a".
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=(); jobs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do sizes+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
jobs=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 300 1000)
[ ${#jobs[@]} -gt 0 ] || jobs=(2)
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/folio"
shared="$(cd ../shared/bench && pwd)"

# Pandoc and a `typst` on PATH for its --pdf-engine=typst, if they can be had.
pandoc=$(python3 -c "import pypandoc; print(pypandoc.get_pandoc_path())" 2>/dev/null || true)
shim_dir=$(mktemp -d)
trap 'rm -rf "$shim_dir"' EXIT
if [ -n "$pandoc" ] && python3 -c "import typst" 2>/dev/null; then
  printf '#!/usr/bin/env bash\nexec %s %s "$@"\n' "$(command -v python3)" "$shared/typst-shim.py" > "$shim_dir/typst"
  chmod +x "$shim_dir/typst"
fi

measure() { # label, command...: prints wall cpu peak
  /usr/bin/time -f "%e %U %S %M" -o /tmp/folio-bench-time "$@" >/dev/null 2>&1 || true
  read -r wall user sys kb < /tmp/folio-bench-time
  printf '%6.1fs %6.1fs %5d MB' "$wall" "$(awk "BEGIN { print $user + $sys }")" $((kb / 1024))
}

printf '%-6s %-5s %-26s %8s %8s %9s %7s\n' N jobs run wall cpu peak pages
for notes in "${sizes[@]}"; do
  corpus="${TMPDIR:-/tmp}/folio-bench-seed1-$notes"
  [ -d "$corpus/notes" ] || python3 "$shared/gen_corpus.py" --notes "$notes" --seed 1 --out "$corpus" >/dev/null
  for j in "${jobs[@]}"; do
    for what in compendium all-packs; do
      rm -rf "$corpus/output"
      args=(--root "$corpus" --jobs "$j" -q)
      [ "$what" = compendium ] && args+=(--pack compendium)
      [ "$what" = all-packs ] && args=(--root "$corpus" --jobs "$j" -q --pack compendium --pack workshop-governance --pack workshop-defence)
      figures=$(measure "$bin" "${args[@]}")
      pages=$(python3 -c "import json,sys; print(sum(f['pages'] for f in json.load(open(sys.argv[1]))['files']))" "$corpus/output/manifest.json")
      read -r wall cpu peak unit <<< "$figures"
      printf '%-6s %-5s %-26s %8s %8s %6s %s %7s\n' "$notes" "$j" "folio $what" "$wall" "$cpu" "$peak" "$unit" "$pages"
    done
  done
  pandoc_dir="${TMPDIR:-/tmp}/folio-bench-pandoc-$notes"
  if [ -x "$shim_dir/typst" ]; then
    [ -f "$pandoc_dir/pandoc/book.md" ] || python3 "$shared/gen_corpus.py" --notes "$notes" --seed 1 --out "$pandoc_dir" --pandoc >/dev/null
    figures=$(cd "$pandoc_dir/pandoc" && PATH="$shim_dir:$PATH" measure "$pandoc" book.md --toc --pdf-engine=typst -o book.pdf)
    pages=$(pdfinfo "$pandoc_dir/pandoc/book.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
    read -r wall cpu peak unit <<< "$figures"
    printf '%-6s %-5s %-26s %8s %8s %6s %s %7s\n' "$notes" "-" "pandoc+typst book.md" "$wall" "$cpu" "$peak" "$unit" "$pages"
  else
    printf '%-6s %-5s %-26s %8s\n' "$notes" "-" "pandoc+typst book.md" "n/a"
  fi
done
