#!/usr/bin/env python3
"""Watch-mode benchmark: time from saving a one-word edit in one note to the
updated compendium PDF on disk, over 10 edits, against a cold build.

    python3 tests/bench/watch.py [NOTES]        (default 100)

Builds the release binary first; uses ../shared/bench/gen_corpus.py. Not part
of cargo test.
"""
import os, statistics, subprocess, sys, time

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
notes = int(sys.argv[1]) if len(sys.argv) > 1 else 100
corpus = f"/tmp/folio-bench-watch-{notes}"
if not os.path.exists(corpus):
    subprocess.run([sys.executable, os.path.join(root, "../shared/bench/gen_corpus.py"), "--notes", str(notes),
                    "--out", corpus], check=True, stdout=subprocess.DEVNULL)
subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=root, check=True)
binary = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target")), "release/folio")
subprocess.run(["rm", "-rf", os.path.join(corpus, "output")])
start = time.monotonic()
subprocess.run([binary, "--root", corpus, "-q"], check=True)
cold = time.monotonic() - start

pdf = os.path.join(corpus, "output/compendium.pdf")
note = sorted(n for n in os.listdir(os.path.join(corpus, "notes")) if n.endswith(".md"))[0]
path = os.path.join(corpus, "notes", note)
original = open(path).read()
watcher = subprocess.Popen([binary, "watch", "--root", corpus, "-q"], stderr=subprocess.PIPE, text=True)
try:
    while "watching" not in watcher.stderr.readline():
        pass
    times = []
    for i in range(10):
        before = os.stat(pdf).st_mtime_ns
        lines = original.split("\n")
        # One word changes, at the end of the body.
        lines[-2] = lines[-2] + f" edit{i}"
        start = time.monotonic()
        open(path, "w").write("\n".join(lines))
        while os.stat(pdf).st_mtime_ns == before:
            time.sleep(0.005)
            if time.monotonic() - start > 60:
                raise SystemExit("no rebuild within 60 s")
        times.append(time.monotonic() - start)
        time.sleep(0.3)
finally:
    watcher.terminate()
    open(path, "w").write(original)
print(f"{notes} notes: cold build {cold:.2f} s; edit-to-PDF median {statistics.median(times):.2f} s "
      f"(min {min(times):.2f}, max {max(times):.2f}) over {len(times)} edits")
