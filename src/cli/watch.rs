//! `folio watch`: build, then rebuild whenever the notes, folio.toml, a
//! layout or a font changes.
//!
//! Each rebuild runs the whole pipeline again in the same process. That is
//! cheap where it matters: parsing notes is fast, and Typst's memo cache is
//! process-wide, so unchanged chapters are not evaluated or laid out again.
//! Files whose bytes did not change are not rewritten (see
//! [`crate::output::write_atomically`]), so only the PDFs an edit touched get
//! a new time stamp.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::{Event, EventKind, RecursiveMode, Watcher};

use super::print_report;
use crate::project::{BuildOptions, Project};

/// Memo cache entries unused for this many rebuilds are dropped, so a long
/// session does not grow without bound.
const KEEP_GENERATIONS: usize = 3;

pub fn run(project: &Project, options: &BuildOptions, quiet: bool) -> Result<(), String> {
    let root = project.root().to_path_buf();
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        // Ctrl-C (or SIGTERM) only asks the loop to stop: a build in progress
        // finishes its atomic writes, so no temporary file is left behind.
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .map_err(|err| err.to_string())?;
    }
    let (sender, events) = channel::<notify::Result<Event>>();
    let mut watcher = notify::recommended_watcher(sender).map_err(|err| err.to_string())?;
    let out_dir = project.out_dir(options);
    let watch_inputs = |watcher: &mut notify::RecommendedWatcher| -> Result<(), String> {
        for path in watched(&root) {
            let mode = if path.is_dir() && path != root {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            };
            watcher
                .watch(&path, mode)
                .map_err(|err| format!("cannot watch {}: {err}", path.display()))?;
        }
        Ok(())
    };
    watch_inputs(&mut watcher)?;
    rebuild(project, options, quiet);
    eprintln!(
        "watching {} for changes (Ctrl-C to stop)",
        crate::diag::display_path(&root)
    );
    while !stop.load(Ordering::SeqCst) {
        match events.recv_timeout(Duration::from_millis(200)) {
            Ok(Ok(event)) if changes_input(&root, &out_dir, &event) => {
                // An editor's save is several events; wait until they settle.
                while events.recv_timeout(DEBOUNCE).is_ok() {}
                // New folders (layouts/, fonts/) may have appeared.
                let _ = watch_inputs(&mut watcher);
                rebuild(project, options, quiet);
            }
            Ok(Ok(_)) => {}
            Ok(Err(err)) => eprintln!("watch error: {err}"),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    eprintln!("stopped watching");
    Ok(())
}

/// What folio reads: notes, folio.toml, layouts and fonts. The root itself is
/// watched (not recursively) to see folio.toml and those folders appear.
fn watched(root: &Path) -> Vec<PathBuf> {
    let mut paths = vec![root.to_path_buf()];
    for folder in ["notes", "layouts", "fonts"] {
        let path = root.join(folder);
        if path.is_dir() {
            paths.push(path);
        }
    }
    paths
}

/// Quiet time after the last event before a rebuild starts.
const DEBOUNCE: Duration = Duration::from_millis(80);

/// A change (not a read: folio's own reads raise events too) to an input.
fn changes_input(root: &Path, out_dir: &Path, event: &Event) -> bool {
    let writes = matches!(
        event.kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
    );
    writes && event.paths.iter().any(|path| is_input(root, out_dir, path))
}

fn is_input(root: &Path, out_dir: &Path, path: &Path) -> bool {
    if path.starts_with(out_dir) {
        return false;
    }
    let relative = path.strip_prefix(root).unwrap_or(path);
    let first = relative
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    matches!(
        first.as_deref(),
        Some("notes" | "layouts" | "fonts" | crate::config::CONFIG_FILE)
    )
}

fn rebuild(project: &Project, options: &BuildOptions, quiet: bool) {
    let started = Instant::now();
    let result = project.build(options, &|_| {});
    typst::comemo::evict(KEEP_GENERATIONS);
    let clock = clock();
    match result {
        Ok(outcome) => {
            print_report(&outcome.report, false);
            let status = if outcome.report.has_errors() {
                outcome.report.summary()
            } else {
                outcome.summary()
            };
            if !quiet || outcome.report.has_errors() {
                eprintln!(
                    "[{clock}] {status} ({:.2} s)",
                    started.elapsed().as_secs_f64()
                );
            }
        }
        Err(err) => eprintln!("[{clock}] error: {err}"),
    }
}

/// The time of day (UTC) for the status line; it never enters a document.
fn clock() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60
    )
}
