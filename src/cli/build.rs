//! `folio build`: runs the pipeline stages in order. Orchestration only.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::book::{DocumentPlan, Kind};
use crate::diag::Report;
use crate::render::{self, Written};
use crate::{book, config, links, notes};

#[derive(Debug, Clone, Default)]
pub struct BuildSettings {
    pub root: PathBuf,
    /// Default: `<root>/output`.
    pub out: Option<PathBuf>,
    /// Build only these packs (no handouts); empty means everything.
    pub packs: Vec<String>,
    /// `(k, n)`: build documents k, k+n, k+2n… (1-based) of the full list.
    pub shard: Option<(usize, usize)>,
}

#[derive(Debug)]
pub struct BuildOutcome {
    pub report: Report,
    pub written: Vec<Written>,
    /// An error was about writing output, not about the input.
    pub io_failed: bool,
    pub seconds: f64,
}

#[derive(Debug)]
pub enum BuildError {
    /// The command line asked for something the project does not have.
    Usage(String),
    Io(std::io::Error),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Usage(message) => write!(f, "{message}"),
            BuildError::Io(err) => write!(f, "{err}"),
        }
    }
}

impl BuildOutcome {
    /// "3 files, 124 pages in 2.84 s".
    pub fn summary(&self) -> String {
        let files = self.written.len();
        let pages: usize = self.written.iter().map(|w| w.pages).sum();
        format!(
            "{files} file{}, {pages} page{} in {:.2} s",
            if files == 1 { "" } else { "s" },
            if pages == 1 { "" } else { "s" },
            self.seconds
        )
    }
}

/// Builds the chosen documents. Input errors come back in the report: a
/// document whose own input is sound is still built when another has errors.
pub fn build(settings: &BuildSettings, on_written: &(dyn Fn(&Written) + Sync)) -> Result<BuildOutcome, BuildError> {
    let started = Instant::now();
    let root = settings.root.canonicalize().map_err(|err| {
        BuildError::Io(std::io::Error::new(
            err.kind(),
            format!("cannot open project folder {}: {err}", settings.root.display()),
        ))
    })?;
    let out_dir = settings.out.clone().unwrap_or_else(|| root.join("output"));
    let mut report = Report::default();
    let finish = |mut report: Report, written: Vec<Written>, io_failed: bool| {
        report.sort();
        Ok(BuildOutcome { report, written, io_failed, seconds: started.elapsed().as_secs_f64() })
    };

    let config = config::load(&root, &mut report);
    let corpus = notes::load(&root, &mut report);
    let graph = links::resolve(&corpus, &mut report);
    let Some(config) = config else {
        return finish(report, Vec::new(), false);
    };
    let project_name = root.file_name().map_or_else(|| "Notes".to_string(), |n| n.to_string_lossy().into_owned());
    let plans = book::plan(&config, &corpus, &graph, &project_name, &mut report);
    if report.has_errors() {
        return finish(report, Vec::new(), false);
    }
    let plans = choose(plans, &config, settings)?;

    if let Err(err) = std::fs::create_dir_all(&out_dir) {
        report.push(crate::diag::Diagnostic::error(format!("cannot create the output folder: {err}")).in_file(&out_dir));
        return finish(report, Vec::new(), true);
    }
    // Held until the manifest is written: a second folio on the same output
    // waits here instead of interleaving its files with ours.
    let _lock = lock(&out_dir).map_err(BuildError::Io)?;
    let base = render::base(&root, &corpus);
    let built = render::build_all(&base, &plans, &corpus, &out_dir, on_written, &mut report);
    let mut io_failed = built.io_failed;
    if !built.written.is_empty() {
        if let Err(err) = write_manifest(&out_dir, &built.written) {
            report.push(crate::diag::Diagnostic::error(format!("cannot write the manifest: {err}")).in_file(&out_dir));
            io_failed = true;
        }
    }
    finish(report, built.written, io_failed)
}

/// Applies `--pack` and `--shard` to the planned documents.
fn choose(plans: Vec<DocumentPlan>, config: &config::Config, settings: &BuildSettings) -> Result<Vec<DocumentPlan>, BuildError> {
    let mut plans = plans;
    if !settings.packs.is_empty() {
        let known: Vec<&str> = config.packs.iter().map(|p| p.name()).collect();
        if let Some(unknown) = settings.packs.iter().find(|name| !known.contains(&name.as_str())) {
            return Err(BuildError::Usage(format!("no pack is named `{unknown}`; the packs are: {}", known.join(", "))));
        }
        plans.retain(|plan| plan.kind == Kind::Pack && settings.packs.contains(&plan.name));
    }
    if let Some((k, n)) = settings.shard {
        plans = plans.into_iter().enumerate().filter(|(i, _)| i % n == k - 1).map(|(_, plan)| plan).collect();
    }
    Ok(plans)
}

fn lock(out_dir: &Path) -> std::io::Result<File> {
    let file = File::options().create(true).truncate(false).write(true).open(out_dir.join(".folio.lock"))?;
    if file.try_lock().is_err() {
        eprintln!("waiting for another folio writing to {} …", out_dir.display());
        file.lock()?;
    }
    Ok(file)
}

/// `output/manifest.json`: what this run wrote, for CI to check and publish.
#[derive(Serialize)]
struct Manifest<'a> {
    folio_version: &'static str,
    files: Vec<ManifestEntry<'a>>,
}

#[derive(Serialize)]
struct ManifestEntry<'a> {
    path: &'a str,
    pack: &'a str,
    kind: Kind,
    pages: usize,
    bytes: usize,
    sha256: &'a str,
    notes: &'a [String],
}

fn write_manifest(out_dir: &Path, written: &[Written]) -> std::io::Result<()> {
    let manifest = Manifest {
        folio_version: env!("CARGO_PKG_VERSION"),
        files: written
            .iter()
            .map(|w| ManifestEntry {
                path: &w.output,
                pack: &w.name,
                kind: w.kind,
                pages: w.pages,
                bytes: w.bytes,
                sha256: &w.sha256,
                notes: &w.note_ids,
            })
            .collect(),
    };
    let mut json = serde_json::to_string_pretty(&manifest).expect("the manifest serialises");
    json.push('\n');
    render::write_atomically(&out_dir.join("manifest.json"), json.as_bytes())
}
