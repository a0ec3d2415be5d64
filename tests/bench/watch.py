#!/usr/bin/env python3
"""Watch-mode benchmark: time from saving a one-word edit in one note to the
updated compendium PDF on disk, over 10 edits in a paragraph and 10 in a
footnote (each edit one word more than the last), against a cold build.

    python3 tests/bench/watch.py [NOTES]        (default 100)

Builds the release binary first; uses ../shared/bench/gen_corpus.py. Not part
of cargo test.
"""
import os, statistics, subprocess, sys, threading, time

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

def body_paragraph(lines):
    """The index of the first plain paragraph line after the front matter."""
    fences = [n for n, line in enumerate(lines) if line.strip() == "---"]
    start = fences[1] + 1 if len(fences) > 1 and fences[0] == 0 else 0
    for n in range(start, len(lines)):
        line = lines[n]
        if len(line) > 80 and line[0].isalpha():
            return n
    raise SystemExit(f"{note} has no plain paragraph")


def edits(where, count=10):
    """Adds one word at a time (each edit one word more than the last) to
    line `where` of the note; returns each edit's time to the rewritten PDF."""
    times = []
    lines = original.split("\n")
    for i in range(count):
        before = os.stat(pdf).st_mtime_ns
        lines[where] += f" edit{i}"
        start = time.monotonic()
        open(path, "w").write("\n".join(lines))
        while os.stat(pdf).st_mtime_ns == before:
            time.sleep(0.005)
            if time.monotonic() - start > 60:
                raise SystemExit("no rebuild within 60 s")
        times.append(time.monotonic() - start)
        time.sleep(0.3)
    return times


def summary(times):
    return (f"median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}) "
            f"over {len(times)} edits")


watcher = subprocess.Popen([binary, "watch", "--root", corpus, "-q"], stderr=subprocess.PIPE, text=True)
try:
    while "watching" not in watcher.stderr.readline():
        pass
    # Each rebuild reports the notes' warnings again: read them, or the pipe
    # fills and the watcher waits on it.
    threading.Thread(target=watcher.stderr.read, daemon=True).start()
    lines = original.split("\n")
    # In a paragraph of the body; then at the end of the body, which in the
    # generated notes is a footnote: an edited footnote is a new element
    # for Typst, whose footnote numbers are laid out again.
    paragraph = edits(body_paragraph(lines))
    open(path, "w").write(original)
    time.sleep(1.0)
    footnote = edits(len(lines) - 2)
finally:
    watcher.terminate()
    open(path, "w").write(original)
print(f"{notes} notes: cold build {cold:.2f} s")
print(f"  a word added in a paragraph: edit-to-PDF {summary(paragraph)}")
print(f"  a word added in a footnote:  edit-to-PDF {summary(footnote)}")
