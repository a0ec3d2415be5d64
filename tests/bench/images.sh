#!/usr/bin/env bash
# Image benchmark: 30 photographs of 4000x3000 pixels, built with folio's
# downsampling (300 dpi) and with the originals embedded (image_dpi = 1200,
# which keeps a 4000-pixel photo as it is), plus a build with no images.
# Prints PDF size, wall time and peak memory for each. Not part of cargo test.
#
#   tests/bench/images.sh
#
# Needs Python 3 with Pillow (pip install pillow) to draw the photographs.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${TMPDIR:-/tmp}/folio-bench-images"
cargo build --release --quiet
bin="$PWD/target/release/folio"
if [ ! -f "$work/notes/photo-30.md" ]; then
  mkdir -p "$work/notes/photos"
  python3 - "$work" <<'PY'
import random, sys
from PIL import Image, ImageFilter
work = sys.argv[1]
for i in range(1, 31):
    rnd = random.Random(i)
    small = Image.new("RGB", (400, 300))
    small.putdata([(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) for _ in range(400 * 300)])
    photo = small.resize((4000, 3000), Image.BICUBIC).filter(ImageFilter.GaussianBlur(3))
    photo.save(f"{work}/notes/photos/photo-{i:02}.jpg", quality=92)
    with open(f"{work}/notes/photo-{i:02}.md", "w") as f:
        f.write(f"---\ntitle: Photograph {i}\nrelated: [photo-{(i % 30) + 1:02}]\n---\n\n"
                f"Field visit, site {i}.\n\n![Site {i} seen from the road](photos/photo-{i:02}.jpg)\n")
PY
fi
run() {
  local label="$1" config="$2"
  printf '[book]\ntitle = "Photographs"\ndate = 2009-12-01\n%s\n' "$config" > "$work/folio.toml"
  /usr/bin/time -f "%e %M" -o /tmp/folio-bench-time "$bin" --root "$work" -q
  read -r seconds kb < /tmp/folio-bench-time
  echo "$label: wall=${seconds}s peak=$((kb / 1024)) MB pdf=$(( $(stat -c %s "$work/output/briefing-book.pdf") / 1024 )) KB"
}
rm -rf "$work/output"
run "originals embedded (image_dpi 1200)" "image_dpi = 1200"
rm -rf "$work/output"
run "downsampled, cold cache (300 dpi)  " ""
run "downsampled, warm cache (300 dpi)  " ""
# The same notes without their images.
mkdir -p "$work/noimg/notes"
for f in "$work"/notes/*.md; do grep -v '^!\[' "$f" > "$work/noimg/notes/$(basename "$f")"; done
printf '[book]\ntitle = "Photographs"\ndate = 2009-12-01\n' > "$work/noimg/folio.toml"
/usr/bin/time -f "%e %M" -o /tmp/folio-bench-time "$bin" --root "$work/noimg" -q
read -r seconds kb < /tmp/folio-bench-time
echo "no images at all:                   wall=${seconds}s peak=$((kb / 1024)) MB"
