//! The library's front door: a [`Project`] is loaded once and then checked,
//! built or typeset; the command line, the watcher, the tests and the fuzzer
//! all go through it, so the pipeline runs in one place.
//!
//! ```no_run
//! let project = folio::Project::load("my-notes")?;
//! let built = project.build(&folio::BuildOptions::default(), &|_| {})?;
//! eprintln!("{}", built.summary());
//! # Ok::<(), folio::BuildError>(())
//! ```
//!
//! The stages run one way: config, notes (with names), links, book, images,
//! fonts; then render, which typesets with the world and writes through
//! output.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use typst_layout::PagedDocument;

use crate::book::{DocumentPlan, Kind};
use crate::diag::{Diagnostic, Report};
use crate::render::{self, Written};
use crate::world::{Fonts, Reuse};
use crate::{book, config, fonts, images, links, notes};

/// A project folder: folio.toml, notes/, layouts/, fonts/.
#[derive(Debug, Clone)]
pub struct Project {
    root: PathBuf,
    /// The font set, kept while the font files stay the same, so that the
    /// builds of one process (watch) do not parse every font again.
    fonts: std::sync::Arc<std::sync::Mutex<Option<(FontsKey, Fonts)>>>,
}

/// What a loaded font set depends on: the system's fonts or not, and each
/// project font file's path, size and modification time.
type FontsKey = (bool, Vec<(PathBuf, u64, Option<std::time::SystemTime>)>);

impl Project {
    /// Opens the project folder `root` (it must exist; nothing is read yet).
    pub fn load(root: impl AsRef<Path>) -> Result<Project, BuildError> {
        let root = root.as_ref();
        let root = root.canonicalize().map_err(|err| {
            BuildError::Io(std::io::Error::new(
                err.kind(),
                format!("cannot open project folder {}: {err}", root.display()),
            ))
        })?;
        Ok(Project {
            root,
            fonts: Default::default(),
        })
    }

    /// The fonts a build can use; loaded once and reused until a file in
    /// fonts/ changes.
    fn fonts(&self, system: bool) -> Fonts {
        let files = fonts::project_font_files(&self.root)
            .into_iter()
            .map(|path| {
                let meta = std::fs::metadata(&path).ok();
                let len = meta.as_ref().map_or(0, |m| m.len());
                let modified = meta.and_then(|m| m.modified().ok());
                (path, len, modified)
            })
            .collect();
        let key = (system, files);
        let mut cached = self.fonts.lock().expect("font cache poisoned");
        if let Some((cached_key, fonts)) = cached.as_ref()
            && *cached_key == key
        {
            return fonts.clone();
        }
        let fonts = Fonts::load_with(&self.root, system);
        *cached = Some((key, fonts.clone()));
        fonts
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where output goes unless the options say otherwise.
    pub fn out_dir(&self, options: &BuildOptions) -> PathBuf {
        options
            .out
            .clone()
            .unwrap_or_else(|| self.root.join("output"))
    }

    /// Runs every validation that needs no typesetting and writes nothing.
    pub fn check(&self, options: &BuildOptions) -> Result<Checked, BuildError> {
        check(self, options)
    }

    /// Builds the chosen documents; see [`build`].
    pub fn build(
        &self,
        options: &BuildOptions,
        on_written: &(dyn Fn(&Written) + Sync),
    ) -> Result<Built, BuildError> {
        build(self, options, on_written)
    }
}

/// What a check or build is asked to do, beyond what folio.toml says.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Default: `<root>/output`.
    pub out: Option<PathBuf>,
    /// Build only these packs (no handouts); empty means everything.
    pub packs: Vec<String>,
    /// `(k, n)`: build documents k, k+n, k+2n… (1-based) of the full list.
    pub shard: Option<(usize, usize)>,
    /// Treat warnings as errors.
    pub deny_warnings: bool,
    /// PDF standards that replace folio.toml's `pdf_standard`.
    pub pdf_standards: Vec<String>,
    /// Image variant that replaces folio.toml's for every document.
    pub variant: Option<crate::config::Variant>,
    /// Render page PNGs and contact sheets too.
    pub previews: Option<crate::preview::PreviewSettings>,
    /// Also write each document's generated Typst sources under this folder.
    pub emit_typst: Option<PathBuf>,
    /// Also use the machine's installed fonts (`--system-fonts`).
    pub system_fonts: bool,
    /// The previous edition's manifest (`--since`), replacing folio.toml's
    /// `previous`.
    pub since: Option<PathBuf>,
    /// Recipients of numbered copies (`--copies`): every pack is built as
    /// one PDF per recipient.
    pub copies: Option<PathBuf>,
    /// Exports remembered across builds of one process (watch mode).
    pub exported: std::sync::Arc<render::ExportMemo>,
    /// More builds follow in this process (watch mode): keep what Typst
    /// cached for them.
    pub rebuilds: bool,
}

#[derive(Debug)]
pub struct Built {
    pub report: Report,
    pub written: Vec<Written>,
    /// Documents not built because their input has errors.
    pub blocked: Vec<String>,
    /// An error was about writing output, not about the input.
    pub io_failed: bool,
    /// Notes left out because they are drafts.
    pub drafts: usize,
    /// Every file the build read (folio.toml, notes, images, layouts,
    /// fonts), so that a watcher can watch exactly those.
    pub read: std::collections::BTreeSet<PathBuf>,
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

impl Built {
    /// "3 files, 124 pages in 2.84 s".
    pub fn summary(&self) -> String {
        let files = self.written.len();
        let pages: usize = self.written.iter().map(|w| w.pages).sum();
        let drafts = match self.drafts {
            0 => String::new(),
            1 => "; 1 draft note left out".to_string(),
            n => format!("; {n} draft notes left out"),
        };
        format!(
            "{files} file{}, {pages} page{} in {:.2} s{drafts}",
            if files == 1 { "" } else { "s" },
            if pages == 1 { "" } else { "s" },
            self.seconds
        )
    }
}

/// Where prepared images are cached, inside the output folder.
const IMAGE_CACHE: &str = ".cache/images";

/// Everything known after validation, before any typesetting.
pub struct Checked {
    pub root: PathBuf,
    pub fonts: Fonts,
    pub report: Report,
    pub corpus: notes::Corpus,
    /// The documents whose input is sound, after `--pack` and `--shard`.
    pub plans: Vec<DocumentPlan>,
    /// Documents left out because their input has errors.
    pub blocked: Vec<String>,
    /// `--deny-warnings` or `strict = true`.
    pub deny_warnings: bool,
}

impl Checked {
    /// A check's result in the shape of a build that wrote nothing.
    pub fn into_built(self) -> Built {
        Built {
            drafts: self.corpus.drafts.len(),
            report: self.report,
            written: Vec::new(),
            blocked: self.blocked,
            io_failed: false,
            read: Default::default(),
            seconds: 0.0,
        }
    }
}

/// Every validation that needs no typesetting; writes nothing.
fn check(project: &Project, settings: &BuildOptions) -> Result<Checked, BuildError> {
    let root = project.root.clone();
    let mut report = Report::default();
    let config = config::load(&root, &mut report);
    let system_fonts =
        settings.system_fonts || config.as_ref().is_some_and(|c| c.book.system_fonts);
    let fonts = project.fonts(system_fonts);
    if let Some(config) = &config {
        check_fonts(config, &fonts, &mut report);
    }
    let library = crate::cite::Library::load(&root, config.as_ref(), &mut report);
    let previous = previous_edition(&root, config.as_ref(), settings, &mut report);
    let recipients = settings
        .copies
        .as_ref()
        .and_then(|path| crate::edition::read_recipients(path, &mut report));
    let corpus = notes::load(&root, library, previous.as_ref(), &mut report);
    fonts::check_coverage(&corpus, config.as_ref(), &fonts, &mut report);
    let graph = links::resolve(&corpus);
    let cache_dir = project.out_dir(settings).join(IMAGE_CACHE);
    let Some(config) = config else {
        images::check(&root, &corpus, &[], Some(&cache_dir), &mut report);
        return Ok(Checked {
            root,
            fonts,
            report,
            corpus,
            plans: Vec::new(),
            blocked: Vec::new(),
            deny_warnings: settings.deny_warnings,
        });
    };
    let project_name = root
        .file_name()
        .map_or_else(|| "Notes".to_string(), |n| n.to_string_lossy().into_owned());
    let mut config = config;
    if let Some(variant) = settings.variant {
        config.book.variant = variant;
        config.packs.iter_mut().for_each(|pack| pack.variant = None);
    }
    let edition = book::EditionInputs {
        previous: previous.as_ref(),
        recipients: recipients.as_deref(),
    };
    let plans = book::plan(
        &config,
        &corpus,
        &graph,
        &project_name,
        &edition,
        &mut report,
    );
    let targets: Vec<_> = plans.iter().map(|p| p.images).collect();
    images::check(&root, &corpus, &targets, Some(&cache_dir), &mut report);
    links::warn_orphans(&corpus, &graph, &mut report);
    if config.packs.iter().any(|p| !p.implicit) {
        book::warn_unpacked(&corpus, &plans, &mut report);
    }
    let mut plans = choose(plans, &config, settings)?;
    if !settings.pdf_standards.is_empty() {
        // The command line checked the names already.
        let standards: Vec<_> = settings
            .pdf_standards
            .iter()
            .filter_map(|name| config::parse_standard(name))
            .collect();
        plans
            .iter_mut()
            .for_each(|plan| plan.standards = standards.clone());
    }
    require_alt_text(&plans, &corpus, &mut report);
    let deny_warnings = settings.deny_warnings || config.book.strict;
    if deny_warnings {
        report.deny_warnings();
    }
    let (plans, blocked) = sound_plans(plans, &config, &corpus, &report);
    report.sort();
    Ok(Checked {
        root,
        fonts,
        report,
        corpus,
        plans,
        blocked,
        deny_warnings,
    })
}

/// The previous edition named by `--since` or folio.toml's `previous`.
fn previous_edition(
    root: &Path,
    config: Option<&config::Config>,
    settings: &BuildOptions,
    report: &mut Report,
) -> Option<crate::edition::Previous> {
    use crate::edition::Named;
    let named = match (
        &settings.since,
        config.and_then(|c| c.book.previous.as_ref()),
    ) {
        (Some(path), _) => Named::CommandLine(path),
        (None, Some(previous)) => Named::Config {
            config: &config?.path,
            range: previous.span(),
            path: root.join(previous.get_ref()),
        },
        (None, None) => return None,
    };
    crate::edition::load(named, report)
}

/// PDF/UA-1 requires alternative text for every image: for notes in such a
/// document the "no alt text" warning is an error, at the note's line,
/// before Typst would refuse the export without saying which note.
fn require_alt_text(plans: &[DocumentPlan], corpus: &notes::Corpus, report: &mut Report) {
    let accessible: BTreeSet<&Path> = plans
        .iter()
        .filter(|plan| plan.standards.contains(&typst_pdf::PdfStandard::Ua_1))
        .flat_map(|plan| {
            plan.note_ids
                .iter()
                .filter_map(|id| corpus.get(id))
                .map(|note| note.path.as_path())
        })
        .collect();
    for diagnostic in &mut report.diagnostics {
        let missing_alt = diagnostic.code == Some(crate::diag::Code::MissingAltText);
        if missing_alt
            && diagnostic
                .file
                .as_deref()
                .is_some_and(|f| accessible.contains(f))
        {
            diagnostic.severity = crate::diag::Severity::Error;
            diagnostic.message.push_str(", which PDF/UA-1 requires");
        }
    }
}

/// A font named in folio.toml (`font`, `heading_font`, `fallback_fonts`
/// of the book and of each pack) must exist: no silent fallback.
fn check_fonts(config: &config::Config, fonts: &Fonts, report: &mut Report) {
    let book = &config.book;
    let fallback = book.fallback_fonts.iter().chain(
        config
            .packs
            .iter()
            .flat_map(|p| p.fallback_fonts.iter().flatten()),
    );
    for family in [&book.font, &book.heading_font]
        .into_iter()
        .flatten()
        .chain(fallback)
    {
        if !fonts.has_family(family.get_ref()) {
            report.push(
                Diagnostic::error(format!("font `{}` is not available", family.get_ref()))
                    .at(&config.path, family.span())
                    .hint(format!(
                        "put its .ttf/.otf files in fonts/, or use one of: {} (see `folio fonts`; \
                         installed fonts count with --system-fonts)",
                        some_families(fonts)
                    )),
            );
        }
    }
}

/// The families a hint can list: all of them, unless installed fonts make
/// hundreds.
fn some_families(fonts: &Fonts) -> String {
    const SHOWN: usize = 12;
    let families = fonts.families();
    match families.len() {
        n if n > SHOWN => format!("{}, … ({n} in all)", families[..SHOWN].join(", ")),
        _ => families.join(", "),
    }
}

/// Splits off the documents that would include a note with an error (or
/// could, when the note could not be read at all), so one broken note does
/// not stop the packs that do not hold it.
fn sound_plans(
    plans: Vec<DocumentPlan>,
    config: &config::Config,
    corpus: &notes::Corpus,
    report: &Report,
) -> (Vec<DocumentPlan>, Vec<String>) {
    let error_files: BTreeSet<&Path> = report
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .filter_map(|d| d.file.as_deref())
        .collect();
    // Errors in folio.toml, or in a bibliography (which any document may
    // read), hold back every document.
    let global = report.diagnostics.iter().any(|d| {
        d.is_error()
            && d.file
                .as_deref()
                .is_none_or(|f| f == config.path || crate::cite::is_bibliography_file(f))
    });
    // Notes with errors that made it into the corpus, and the ids of files
    // that did not (their tags are unknown, so any tag-selected pack may
    // have held them).
    let bad: BTreeSet<&str> = corpus
        .notes
        .iter()
        .filter(|n| error_files.contains(n.path.as_path()))
        .map(|n| n.id.as_str())
        .collect();
    let unread: Vec<String> = error_files
        .iter()
        .filter(|f| {
            f.extension().is_some_and(|e| e == "md") && !corpus.notes.iter().any(|n| n.path == **f)
        })
        .filter_map(|f| f.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    let blocked = |plan: &DocumentPlan| {
        if global || plan.note_ids.iter().any(|id| bad.contains(id.as_str())) {
            return true;
        }
        let pack = config
            .packs
            .iter()
            .find(|p| p.name() == plan.name && plan.kind == Kind::Pack);
        pack.is_some_and(|pack| {
            !unread.is_empty()
                && (!pack.tags.is_empty()
                    || unread.iter().any(|id| {
                        pack.notes
                            .iter()
                            .any(|p| book::wildcard_match(p.get_ref(), id))
                    }))
        })
    };
    let (blocked, sound): (Vec<_>, Vec<_>) = plans.into_iter().partition(|plan| blocked(plan));
    (sound, blocked.into_iter().map(|plan| plan.output).collect())
}

/// Builds the chosen documents. Input errors come back in the report: a
/// document whose own input is sound is still built when another has errors.
fn build(
    project: &Project,
    settings: &BuildOptions,
    on_written: &(dyn Fn(&Written) + Sync),
) -> Result<Built, BuildError> {
    let started = Instant::now();
    let Checked {
        root,
        fonts,
        mut report,
        corpus,
        plans,
        blocked,
        deny_warnings,
    } = check(project, settings)?;
    let drafts = corpus.drafts.len();
    let out_dir = project.out_dir(settings);
    // What this build depends on, as far as known before typesetting: the
    // layouts and files Typst reads are added after.
    let mut read: std::collections::BTreeSet<PathBuf> = corpus
        .notes
        .iter()
        .map(|n| n.path.clone())
        .chain(corpus.drafts.iter().cloned())
        .chain(
            corpus
                .notes
                .iter()
                .flat_map(|n| n.body.images.iter().map(|i| root.join(&i.path))),
        )
        .chain(fonts::project_font_files(&root))
        .chain(corpus.library.files().map(|f| root.join(f)))
        .chain([root.join(config::CONFIG_FILE)])
        .collect();
    let finish = |mut report: Report,
                  written: Vec<Written>,
                  io_failed: bool,
                  read: std::collections::BTreeSet<PathBuf>| {
        report.sort();
        Ok(Built {
            report,
            written,
            blocked,
            io_failed,
            drafts,
            read,
            seconds: started.elapsed().as_secs_f64(),
        })
    };
    if plans.is_empty() {
        return finish(report, Vec::new(), false, read);
    }
    if let Err(err) = std::fs::create_dir_all(&out_dir) {
        report.push(
            Diagnostic::error(format!("cannot create the output folder: {err}")).in_file(&out_dir),
        );
        return finish(report, Vec::new(), true, read);
    }
    // Held until the manifest is written: a second folio on the same output
    // waits here instead of interleaving its files with ours.
    let _lock = match lock(&out_dir) {
        Ok(lock) => lock,
        Err(err) => {
            report.push(
                Diagnostic::error(format!("cannot write to the output folder: {err}"))
                    .in_file(&out_dir),
            );
            return finish(report, Vec::new(), true, read);
        }
    };
    if let Some(dir) = &settings.emit_typst
        && let Err(err) = render::emit_typst(&root, &plans, &corpus, dir)
    {
        report
            .push(Diagnostic::error(format!("cannot write the Typst sources: {err}")).in_file(dir));
        return finish(report, Vec::new(), true, read);
    }
    let mut base = render::base(&root, &corpus, fonts, settings.exported.take_sources());
    if settings.rebuilds {
        settings.exported.put_sources(base.generated_sources());
        base.set_reuse(Reuse::Rebuild(settings.exported.layouts()));
    }
    let targets: Vec<_> = plans.iter().map(|p| p.images).collect();
    for prepared in images::prepare(&root, &corpus, &targets, &out_dir.join(IMAGE_CACHE)) {
        base.add_image(prepared.target, &prepared.path, prepared.bytes);
    }
    // `FOLIO_TIMINGS=trace.json`: Typst's own timings of this build, for
    // chrome://tracing or Perfetto (what `typst compile --timings` writes).
    let timings = std::env::var_os("FOLIO_TIMINGS").map(PathBuf::from);
    if timings.is_some() {
        typst_timing::enable();
    }
    let job = render::Job {
        base: &base,
        plans: &plans,
        corpus: &corpus,
        out_dir: &out_dir,
        previews: settings.previews,
        memo: &settings.exported,
        on_written,
    };
    let built = render::build_all(&job, &mut report);
    let edition = crate::edition::Record::of(
        &corpus,
        plans.first().and_then(|p| p.data.book.date.clone()),
    );
    if deny_warnings {
        // Typst's own warnings arrive only now.
        report.deny_warnings();
    }
    let mut io_failed = built.io_failed;
    if !built.written.is_empty()
        && let Err(err) = write_manifest(&out_dir, &built.written, &edition)
    {
        report
            .push(Diagnostic::error(format!("cannot write the manifest: {err}")).in_file(&out_dir));
        io_failed = true;
    }
    read.extend(base.files_read());
    if let Some(path) = timings {
        let written = File::create(&path)
            .map_err(|err| err.to_string())
            .and_then(|file| {
                typst_timing::export_json(std::io::BufWriter::new(file), |span| {
                    base.span_place(typst::syntax::Span::from_raw(span))
                })
            });
        if let Err(err) = written {
            report
                .push(Diagnostic::error(format!("cannot write the timings: {err}")).in_file(&path));
        }
    }
    finish(report, built.written, io_failed, read)
}

/// Applies `--pack` and `--shard` to the planned documents.
fn choose(
    plans: Vec<DocumentPlan>,
    config: &config::Config,
    settings: &BuildOptions,
) -> Result<Vec<DocumentPlan>, BuildError> {
    let mut plans = plans;
    if !settings.packs.is_empty() {
        let known: Vec<&str> = config.packs.iter().map(|p| p.name()).collect();
        if let Some(unknown) = settings
            .packs
            .iter()
            .find(|name| !known.contains(&name.as_str()))
        {
            return Err(BuildError::Usage(format!(
                "no pack is named `{unknown}`; the packs are: {}",
                known.join(", ")
            )));
        }
        plans.retain(|plan| plan.kind == Kind::Pack && settings.packs.contains(&plan.name));
    }
    if let Some((k, n)) = settings.shard {
        plans = plans
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % n == k - 1)
            .map(|(_, plan)| plan)
            .collect();
    }
    Ok(plans)
}

fn lock(out_dir: &Path) -> std::io::Result<File> {
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(out_dir.join(".folio.lock"))?;
    if file.try_lock().is_err() {
        eprintln!(
            "waiting for another folio writing to {} …",
            out_dir.display()
        );
        file.lock()?;
    }
    Ok(file)
}

/// `output/manifest.json`: what this run wrote, for CI to check and publish.
#[derive(Serialize)]
struct ManifestEntry<'a> {
    path: &'a str,
    pack: &'a str,
    kind: &'static str,
    pages: usize,
    bytes: usize,
    sha256: &'a str,
    /// The edition's date (the book's).
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
    /// A numbered copy's number and recipient.
    #[serde(skip_serializing_if = "Option::is_none")]
    copy: Option<&'a crate::edition::Recipient>,
    notes: &'a [String],
    /// The font files a PDF embeds (none listed for previews).
    #[serde(skip_serializing_if = "Option::is_none")]
    fonts: Option<&'a [crate::fonts::EmbeddedFont]>,
}

/// The manifest's entry for each written file (also used by `--format json`).
pub fn file_entries(written: &[Written]) -> serde_json::Value {
    let mut entries: Vec<ManifestEntry> = Vec::new();
    for w in written {
        let kind = match w.kind {
            Kind::Pack => "pack",
            Kind::Handout => "handout",
        };
        entries.push(ManifestEntry {
            path: &w.output,
            pack: &w.name,
            kind,
            pages: w.pages,
            bytes: w.bytes,
            sha256: &w.sha256,
            date: w.date.as_deref(),
            copy: w.copy.as_ref(),
            notes: &w.note_ids,
            fonts: Some(&w.fonts),
        });
        for preview in &w.previews {
            let sheet = preview.sheet;
            entries.push(ManifestEntry {
                path: &preview.output,
                pack: &w.name,
                kind: if sheet { "contact-sheet" } else { "preview" },
                pages: if sheet { w.pages } else { 1 },
                bytes: preview.bytes,
                sha256: &preview.sha256,
                date: None,
                copy: None,
                notes: &[],
                fonts: None,
            });
        }
    }
    serde_json::to_value(entries).expect("the manifest serialises")
}

fn write_manifest(
    out_dir: &Path,
    written: &[Written],
    edition: &crate::edition::Record,
) -> std::io::Result<()> {
    let manifest = serde_json::json!({
        "folio_version": env!("CARGO_PKG_VERSION"),
        "files": file_entries(written),
        "edition": edition,
    });
    let mut json = serde_json::to_string_pretty(&manifest).expect("the manifest serialises");
    json.push('\n');
    crate::output::write_atomically(&out_dir.join("manifest.json"), json.as_bytes())
}

/// Why [`Project::typeset_note`] gave no document.
#[derive(Debug)]
pub enum SingleNoteError {
    /// The note is invalid (front matter, links, images): a user error.
    Invalid(Report),
    /// The note passed validation but Typst failed: a bug in folio.
    Layout(Report),
}

impl Project {
    /// Runs one note file's bytes through the whole pipeline (front matter,
    /// body, links, images, layout) as `notes/note.md` of this project, laid
    /// out with `layout`, without writing anything. For tests and the
    /// fuzzer: any input either gives a document or located diagnostics,
    /// never a panic.
    pub fn typeset_note(
        &self,
        bytes: &[u8],
        layout: &str,
    ) -> Result<PagedDocument, SingleNoteError> {
        let root = self.root.as_path();
        let path = root.join("notes/note.md");
        let text = notes::decode(&path, bytes.to_vec()).map_err(SingleNoteError::Invalid)?;
        let mut report = Report::default();
        let corpus = notes::from_texts(
            root,
            vec![(path, text)],
            crate::cite::Library::default(),
            None,
            &mut report,
        );
        if corpus.notes.is_empty() {
            return Err(SingleNoteError::Invalid(report));
        }
        let graph = links::resolve(&corpus);
        images::check(root, &corpus, &[], None, &mut report);
        if report.has_errors() {
            return Err(SingleNoteError::Invalid(report));
        }
        let config = config::Config {
            path: root.join(config::CONFIG_FILE),
            book: config::Book {
                layout: layout.into(),
                ..Default::default()
            },
            packs: vec![config::Pack::everything()],
            handouts: Default::default(),
        };
        let plans = book::plan(
            &config,
            &corpus,
            &graph,
            "note",
            &Default::default(),
            &mut report,
        );
        let base = render::base(root, &corpus, Fonts::load(root), HashMap::new());
        match plans.first().and_then(|plan| {
            render::compile(
                &base,
                plan,
                &corpus,
                &BTreeMap::new(),
                None,
                true,
                &mut report,
            )
        }) {
            Some(document) => Ok(document),
            None => Err(SingleNoteError::Layout(report)),
        }
    }
}
