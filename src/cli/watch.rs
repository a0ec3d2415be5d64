//! `folio watch`: build, then rebuild whenever something the build read
//! changes: a note, folio.toml, a layout, a font, or an image wherever it is
//! in the project (each build reports the files it read, the World the
//! files Typst asked for; those are what is watched).
//!
//! Each rebuild runs the whole pipeline again in the same process. That is
//! cheap where it matters: parsing notes is fast, and Typst's memo cache is
//! process-wide, so unchanged chapters are not evaluated or laid out again.
//! Files whose bytes did not change are not rewritten (see
//! [`crate::output::write_atomically`]), so only the PDFs an edit touched get
//! a new time stamp.

use std::collections::BTreeSet;
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
    let mut watching: BTreeSet<PathBuf> = BTreeSet::new();
    let mut watch_inputs = |watcher: &mut notify::RecommendedWatcher,
                            read: &BTreeSet<PathBuf>|
     -> Result<(), String> {
        for (path, mode) in watched(&root, read) {
            if watching.insert(path.clone()) {
                watcher
                    .watch(&path, mode)
                    .map_err(|err| format!("cannot watch {}: {err}", path.display()))?;
            }
        }
        Ok(())
    };
    let mut read = rebuild(project, options, quiet);
    watch_inputs(&mut watcher, &read)?;
    eprintln!(
        "watching {} for changes (Ctrl-C to stop)",
        crate::diag::display_path(&root)
    );
    while !stop.load(Ordering::SeqCst) {
        match events.recv_timeout(Duration::from_millis(200)) {
            Ok(Ok(event)) if changes_input(&root, &out_dir, &read, &event) => {
                // An editor's save is several events; wait until they settle.
                while events.recv_timeout(DEBOUNCE).is_ok() {}
                read = rebuild(project, options, quiet);
                // New folders (layouts/, fonts/) and files may have appeared.
                let _ = watch_inputs(&mut watcher, &read);
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

/// What to watch: the root (not recursively: folio.toml, and folders that
/// appear), notes/, layouts/ and fonts/ whole (a new note, layout or font
/// counts), and the folder of every other file the last build read (an
/// image in `assets/`), since editors replace files rather than write them.
fn watched(root: &Path, read: &BTreeSet<PathBuf>) -> Vec<(PathBuf, RecursiveMode)> {
    let mut paths = vec![(root.to_path_buf(), RecursiveMode::NonRecursive)];
    for folder in ["notes", "layouts", "fonts"] {
        let path = root.join(folder);
        if path.is_dir() {
            paths.push((path, RecursiveMode::Recursive));
        }
    }
    let folders: BTreeSet<&Path> = read
        .iter()
        .filter(|path| !is_input(root, path))
        .filter_map(|path| path.parent())
        .filter(|dir| dir.starts_with(root) && dir.is_dir())
        .collect();
    paths.extend(
        folders
            .into_iter()
            .map(|dir| (dir.to_path_buf(), RecursiveMode::NonRecursive)),
    );
    paths
}

/// Quiet time after the last event before a rebuild starts. An editor's
/// save (write, or write a temporary file and rename it) raises its events
/// within a few milliseconds; every millisecond more is waited on each edit.
const DEBOUNCE: Duration = Duration::from_millis(30);

/// A change (not a read: folio's own reads raise events too) to an input:
/// a file the last build read, or anything in the folders folio reads whole.
fn changes_input(root: &Path, out_dir: &Path, read: &BTreeSet<PathBuf>, event: &Event) -> bool {
    let writes = matches!(
        event.kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
    );
    writes
        && event
            .paths
            .iter()
            .any(|path| !path.starts_with(out_dir) && (read.contains(path) || is_input(root, path)))
}

/// Whether `path` is in the folders folio reads whole, or is folio.toml.
fn is_input(root: &Path, path: &Path) -> bool {
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

/// Builds once; returns what the build read (empty when it could not run).
fn rebuild(project: &Project, options: &BuildOptions, quiet: bool) -> BTreeSet<PathBuf> {
    let started = Instant::now();
    let result = project.build(options, &|_| {});
    typst::comemo::evict(KEEP_GENERATIONS);
    let clock = clock();
    match result {
        Ok(outcome) => {
            print_report(&outcome.report, false);
            let read = outcome.read.clone();
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
            read
        }
        Err(err) => {
            eprintln!("[{clock}] error: {err}");
            BTreeSet::new()
        }
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
