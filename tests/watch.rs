//! `folio watch` driven from a test: an edit rebuilds only what changed, an
//! error is reported and its fix rebuilds, a deleted note is handled, and
//! Ctrl-C stops cleanly without temporary files.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

mod common;

struct Watcher {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Watcher {
    fn start(dir: &Path) -> Watcher {
        let mut child = Command::new(env!("CARGO_BIN_EXE_folio"))
            .arg("watch")
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        });
        Watcher { child, log }
    }

    /// Waits until the log has `count` occurrences of `needle`.
    fn wait_for(&self, needle: &str, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.log.lock().unwrap().matches(needle).count() < count {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {needle:?}:\n{}",
                self.log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends `signal` (SIGINT is Ctrl-C, SIGTERM a service manager's stop)
    /// and waits for a clean exit.
    fn stop(mut self, signal: libc::c_int) -> String {
        // SAFETY: kill only sends a signal to our own child process.
        let sent = unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
        assert_eq!(sent, 0, "the signal was sent");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exit status {status}");
                break;
            }
            assert!(Instant::now() < deadline, "folio watch did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
        self.log.lock().unwrap().clone()
    }
}

fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

#[test]
fn watch_rebuilds_what_changed_survives_errors_and_stops_cleanly() {
    let config = "[book]\ntitle = \"W\"\ndate = 2009-12-01\n\n[[pack]]\nname = \"first\"\nnotes = [\"alpha\"]\n\n[[pack]]\nname = \"second\"\nnotes = [\"beta\", \"g*\"]\n";
    let dir = common::project(&[
        ("folio.toml", config),
        (
            "notes/alpha.md",
            "---\ntitle: Alpha\nrelated: [beta]\n---\n\nThe first version.\n",
        ),
        (
            "notes/beta.md",
            "---\ntitle: Beta\nrelated: [alpha, gamma]\n---\n\nBeta text.\n",
        ),
        (
            "notes/gamma.md",
            "---\ntitle: Gamma\nrelated: [beta]\n---\n\nGamma text.\n",
        ),
    ]);
    let out = dir.path().join("output");
    let watcher = Watcher::start(dir.path());
    watcher.wait_for("watching", 1);
    let (first, second) = (out.join("first.pdf"), out.join("second.pdf"));
    let second_before = modified(&second);
    let first_bytes = std::fs::read(&first).unwrap();

    // An edit rebuilds the pack that holds the note and leaves the other alone.
    std::fs::write(
        dir.path().join("notes/alpha.md"),
        "---\ntitle: Alpha\nrelated: [beta]\n---\n\nThe second version.\n",
    )
    .unwrap();
    watcher.wait_for("files, ", 2);
    assert_ne!(
        std::fs::read(&first).unwrap(),
        first_bytes,
        "first.pdf was rebuilt"
    );
    assert!(common::Pdf::open(&first).text(3).contains("second version"));
    assert_eq!(
        modified(&second),
        second_before,
        "second.pdf was not rewritten"
    );

    // An error is shown and the watcher keeps going; the fix rebuilds.
    std::fs::write(
        dir.path().join("notes/alpha.md"),
        "---\ntitle: Alpha\nrelated: [beta\n---\n\nThe third version.\n",
    )
    .unwrap();
    watcher.wait_for("invalid YAML front matter", 1);
    std::fs::write(
        dir.path().join("notes/alpha.md"),
        "---\ntitle: Alpha\nrelated: [beta]\n---\n\nThe third version.\n",
    )
    .unwrap();
    watcher.wait_for("files, ", 3);
    assert!(common::Pdf::open(&first).text(3).contains("third version"));

    // Deleting a note rebuilds the pack that held it (and beta's related list
    // must drop it first, or that is an error).
    std::fs::write(
        dir.path().join("notes/beta.md"),
        "---\ntitle: Beta\nrelated: [alpha]\n---\n\nBeta text.\n",
    )
    .unwrap();
    watcher.wait_for("files, ", 4);
    std::fs::remove_file(dir.path().join("notes/gamma.md")).unwrap();
    watcher.wait_for("files, ", 5);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(!manifest.contains("gamma"), "{manifest}");

    let log = watcher.stop(libc::SIGINT);
    assert!(log.contains("stopped watching"), "{log}");
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn sigterm_stops_watch_cleanly_after_the_current_build() {
    let dir = common::project(&[
        (
            "notes/alpha.md",
            "---\ntitle: Alpha\n---\n\nSee [[beta]].\n",
        ),
        ("notes/beta.md", "---\ntitle: Beta\n---\n\nSee [[alpha]].\n"),
    ]);
    let watcher = Watcher::start(dir.path());
    watcher.wait_for(" pages in ", 1);
    let log = watcher.stop(libc::SIGTERM);
    assert!(log.contains("stopped watching"), "{log}");
    assert!(dir.path().join("output/briefing-book.pdf").exists());
}

/// A PNG of one colour, `width` pixels wide.
fn png(width: u32, shade: u8) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, width / 2, image::Rgb([shade, 90, 140]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

#[test]
fn an_image_outside_notes_that_a_note_uses_is_watched() {
    let dir = common::project(&[(
        "notes/alpha.md",
        "---\ntitle: Alpha\n---\n\n![A map](../assets/map.png)\n",
    )]);
    std::fs::create_dir_all(dir.path().join("assets")).unwrap();
    std::fs::write(dir.path().join("assets/map.png"), png(1200, 10)).unwrap();
    let watcher = Watcher::start(dir.path());
    watcher.wait_for(" pages in ", 1);
    let pdf = dir.path().join("output/briefing-book.pdf");
    let before = std::fs::read(&pdf).unwrap();
    // A file in assets/ that no note uses changes nothing.
    std::fs::write(dir.path().join("assets/unused.txt"), "x").unwrap();
    std::thread::sleep(Duration::from_millis(600));
    std::fs::write(dir.path().join("assets/map.png"), png(1200, 200)).unwrap();
    watcher.wait_for(" pages in ", 2);
    let log = watcher.stop(libc::SIGINT);
    assert_eq!(log.matches(" pages in ").count(), 2, "{log}");
    assert_ne!(
        std::fs::read(&pdf).unwrap(),
        before,
        "the new image is in the PDF"
    );
}

#[test]
fn a_rebuild_that_moves_pages_is_byte_identical_to_a_fresh_build() {
    // Watch starts each layout from the previous build's pages and each
    // note's parse from the previous build's; when an edit moves every
    // later chapter by a page, and then words are added inside a paragraph
    // and a footnote, the book must still come out exactly as a build from
    // nothing makes it.
    let dir = common::sample_book_project();
    let watcher = Watcher::start(dir.path());
    watcher.wait_for("watching", 1);
    let note = dir.path().join("notes/security-sector-management.md");
    let text = std::fs::read_to_string(&note).unwrap();
    let long: String = (0..700).map(|i| format!("word{i} ")).collect();
    std::fs::write(&note, format!("{text}\n\n{long}\n")).unwrap();
    watcher.wait_for(" pages in ", 2);
    // Words added inside a paragraph and inside a footnote: the rebuild
    // edits the previous build's parse of the note instead of parsing it
    // anew, and the spans it keeps must not show in the PDF.
    let other = dir.path().join("notes/threat-assessments.md");
    let text = std::fs::read_to_string(&other).unwrap();
    let edited = text
        .replacen("shapes decisions.", "shapes real decisions.", 1)
        .replacen("unclassified summary", "unclassified, short summary", 1);
    assert_ne!(edited, text, "the note has the edited phrases");
    std::fs::write(&other, edited).unwrap();
    watcher.wait_for(" pages in ", 3);
    watcher.stop(libc::SIGINT);
    let watched = std::fs::read(dir.path().join("output/briefing-book.pdf")).unwrap();
    let output = common::folio(dir.path(), &["build", "-q", "--out", "fresh"]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let fresh = std::fs::read(dir.path().join("fresh/briefing-book.pdf")).unwrap();
    assert!(
        common::Pdf::open(&dir.path().join("fresh/briefing-book.pdf"))
            .all_text()
            .contains("word699"),
        "the edit is in the book"
    );
    let text = common::Pdf::open(&dir.path().join("output/briefing-book.pdf")).all_text();
    assert!(
        text.contains("shapes real decisions") && text.contains("unclassified, short summary"),
        "the watched book has the edits in the paragraph and the footnote"
    );
    assert!(
        watched == fresh,
        "the watched rebuild differs from a fresh build"
    );
}
