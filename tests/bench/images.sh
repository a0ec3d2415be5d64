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
work="${TMPDIR:-/tmp}/folio-bench-photos"
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/folio"
if [ ! -f "$work/notes/photo-30.md" ]; then
  mkdir -p "$work/notes/photos"
  python3 - "$work" <<'PY'
import random, sys
from PIL import Image, ImageDraw, ImageFilter
work = sys.argv[1]
# Photograph-like: a graded sky, hills, buildings and light sensor grain, as
# a phone camera would save them (JPEG quality 92).
for i in range(1, 31):
    rnd = random.Random(i)
    img = Image.new("RGB", (4000, 3000))
    draw = ImageDraw.Draw(img)
    top, bottom = (rnd.randrange(60, 120), rnd.randrange(120, 180), 230), (230, 220, rnd.randrange(180, 230))
    for y in range(1800):
        t = y / 1800
        draw.line([(0, y), (4000, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    for layer in range(4):
        colour = (rnd.randrange(40, 110), rnd.randrange(90, 160), rnd.randrange(30, 90))
        points = [(x, 1500 + layer * 250 + rnd.randrange(-200, 200)) for x in range(0, 4001, 250)]
        draw.polygon(points + [(4000, 3000), (0, 3000)], fill=colour)
    for _ in range(25):
        x, y, w, h = rnd.randrange(0, 3800), rnd.randrange(1600, 2600), rnd.randrange(80, 300), rnd.randrange(100, 400)
        draw.rectangle([x, y, x + w, y + h], fill=(rnd.randrange(120, 240),) * 3)
    grain = Image.effect_noise((4000, 3000), 12).convert("RGB")
    photo = Image.blend(img.filter(ImageFilter.GaussianBlur(2)), grain, 0.06)
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
