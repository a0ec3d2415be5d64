//! The command line: arguments, dispatch, and the one place that decides the
//! exit code. Each command parses its own flags (shared groups are structs
//! that commands flatten, as typst-cli does), runs the library's
//! [`crate::Project`], prints, and hands back an [`Outcome`].

mod fonts;
mod list;
mod new;
mod watch;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};

use crate::diag::Report;
use crate::project::{BuildError, BuildOptions, Built, Checked, Project};

/// Compile a folder of Markdown notes into print-ready PDF briefing books.
///
/// Run in a project folder (folio.toml, notes/, layouts/, fonts/), folio
/// writes one PDF per pack into output/. With no command it builds, and
/// takes `folio build`'s flags.
#[derive(Debug, Parser)]
#[command(
    name = "folio",
    version,
    propagate_version = true,
    max_term_width = 100,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub build: BuildArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build every pack of the project into PDFs (the default command).
    ///
    /// Reads folio.toml and notes/**/*.md, checks every cross-reference,
    /// typesets each pack with its layout and writes output/<pack>.pdf.
    /// Nothing is written when the input has errors; an earlier PDF is only
    /// ever replaced by a complete new one.
    Build(BuildArgs),
    /// Run every check that needs no typesetting; write nothing.
    ///
    /// Reads folio.toml, every note and image, resolves every
    /// cross-reference and pack, and reports every problem. Fast enough to
    /// run on every commit.
    Check(CheckArgs),
    /// Build, then rebuild whenever a note, folio.toml, a layout or a font
    /// changes. Only documents whose bytes changed are rewritten. Ctrl-C stops.
    Watch(BuildArgs),
    /// Create a starter project in a new or empty folder.
    ///
    /// Writes folio.toml (with comments), three example notes showing front
    /// matter, cross-references, a table, a footnote and an image, and a
    /// .gitignore for output/.
    New {
        /// The folder to create.
        dir: PathBuf,
        #[command(flatten)]
        quiet: QuietArg,
    },
    /// List the notes (id, title, date, tags, packs) and the packs (notes,
    /// pages of the last build).
    List {
        #[command(flatten)]
        project: ProjectArgs,
        #[command(flatten)]
        format: FormatArg,
    },
    /// List every font family folio can use, the scripts it covers and
    /// where it comes from.
    Fonts {
        /// Instead, list the characters of the notes that no font has
        /// (per note and writing system): they would print as blank boxes.
        #[arg(long)]
        missing: bool,
        #[command(flatten)]
        project: ProjectArgs,
        #[command(flatten)]
        format: FormatArg,
        #[command(flatten)]
        fonts: FontArgs,
        /// Show every warning in full.
        #[arg(long, short = 'v')]
        verbose: bool,
    },
    /// Work with layouts.
    #[command(subcommand)]
    Layout(LayoutCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    ///
    /// For bash: `folio completions bash > ~/.local/share/bash-completion/completions/folio`.
    Completions { shell: clap_complete::Shell },
}

#[derive(Debug, Subcommand)]
pub enum LayoutCommand {
    /// Copy a built-in layout into layouts/ so it can be edited; the copy
    /// then replaces the built-in for this project.
    Export {
        /// briefing, workshop, handout or prelude.
        #[arg(default_value = "briefing")]
        name: String,
        #[command(flatten)]
        project: ProjectArgs,
        #[command(flatten)]
        quiet: QuietArg,
    },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics with source snippets on stderr.
    #[default]
    Human,
    /// One JSON document on stdout (schema in the README); human output stays on stderr.
    Json,
}

/// Where the project is.
#[derive(Debug, Clone, Default, Args)]
pub struct ProjectArgs {
    /// The project folder (holding folio.toml and notes/). Default: the
    /// nearest folder upwards from here that has folio.toml or notes/.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

impl ProjectArgs {
    fn root(&self) -> PathBuf {
        self.root
            .clone()
            .unwrap_or_else(|| find_root(Path::new(".")))
    }
}

#[derive(Debug, Clone, Default, Args)]
pub struct QuietArg {
    /// Print only errors and warnings: no progress, no summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Clone, Default, Args)]
pub struct FormatArg {
    /// Output format for results and diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

#[derive(Debug, Clone, Default, Args)]
pub struct FontArgs {
    /// Also use the fonts installed on this machine (off by default, so
    /// builds are the same on every machine; `system_fonts = true` in
    /// folio.toml does the same).
    #[arg(long)]
    pub system_fonts: bool,
}

/// The flags of `folio check`, which `build` and `watch` share.
#[derive(Debug, Clone, Default, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub project: ProjectArgs,

    /// Build only this pack (repeatable). Handouts are not built then.
    #[arg(long = "pack", value_name = "NAME")]
    pub packs: Vec<String>,

    /// Build documents K, K+N, K+2N… (1-based, packs in folio.toml order,
    /// then handouts), so N CI jobs together build everything once.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,

    #[command(flatten)]
    pub quiet: QuietArg,

    /// Show every warning in full (repeated warnings are otherwise
    /// summarised as one line with a count).
    #[arg(long, short = 'v')]
    pub verbose: bool,

    #[command(flatten)]
    pub format: FormatArg,

    /// Treat warnings as errors (exit code 1, documents with them not built).
    #[arg(long)]
    pub deny_warnings: bool,

    /// Produce PDF/A or PDF/UA: a-2b, a-3b, ua-1 (repeatable; replaces
    /// folio.toml's pdf_standard).
    #[arg(long = "pdf-standard", value_name = "STANDARD", value_delimiter = ',', value_parser = parse_standard_name)]
    pub pdf_standards: Vec<String>,

    /// Prepare images for print (300 dpi, the default) or screen (150 dpi,
    /// smaller files); replaces folio.toml's `variant`.
    #[arg(long, value_enum)]
    pub variant: Option<crate::config::Variant>,

    #[command(flatten)]
    pub fonts: FontArgs,

    /// The manifest.json of the previous edition: the book gets a
    /// "Changes in this edition" page and revision bars (replaces
    /// folio.toml's `previous`).
    #[arg(long, value_name = "MANIFEST")]
    pub since: Option<PathBuf>,

    /// Numbered copies, one per line of this CSV file (columns: name,
    /// optional organisation and copy): every pack is written as
    /// output/<pack>/copy-NN.pdf.
    #[arg(long, value_name = "CSV")]
    pub copies: Option<PathBuf>,
}

/// The flags of `folio build` (and `watch`, and folio with no command).
#[derive(Debug, Clone, Default, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub check: CheckArgs,

    /// Where to write the PDFs. Default: <root>/output.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Documents to typeset at once. Default: one per core.
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,

    /// Also render every page to output/previews/<pack>/page-001.png and a
    /// contact sheet of all pages to output/previews/<pack>.png.
    #[arg(long)]
    pub preview: bool,

    /// Width of the page previews in pixels.
    #[arg(long, value_name = "PX", default_value_t = 1240, value_parser = clap::value_parser!(u32).range(64..=8000))]
    pub preview_width: u32,

    /// Also write each document's generated Typst sources (main file, pack
    /// data, note bodies, layouts, images) to DIR/<pack>/, to compile with
    /// another Typst front end or to debug a layout.
    #[arg(long, value_name = "DIR")]
    pub emit_typst: Option<PathBuf>,
}

impl CheckArgs {
    fn options(&self) -> BuildOptions {
        BuildOptions {
            packs: self.packs.clone(),
            shard: self.shard,
            deny_warnings: self.deny_warnings,
            pdf_standards: self.pdf_standards.clone(),
            variant: self.variant,
            system_fonts: self.fonts.system_fonts,
            since: self.since.clone(),
            copies: self.copies.clone(),
            ..BuildOptions::default()
        }
    }

    /// JSON output replaces progress and summary lines.
    fn quiet(&self) -> bool {
        self.quiet.quiet || self.format.format == Format::Json
    }
}

impl BuildArgs {
    fn options(&self) -> BuildOptions {
        BuildOptions {
            out: self.out.clone(),
            previews: self.preview.then_some(crate::preview::PreviewSettings {
                width: self.preview_width,
            }),
            emit_typst: self.emit_typst.clone(),
            ..self.check.options()
        }
    }
}

fn parse_standard_name(text: &str) -> Result<String, String> {
    match crate::config::parse_standard(text) {
        Some(_) => Ok(text.to_string()),
        None => Err(format!(
            "use one of: {}",
            crate::config::STANDARDS.join(", ")
        )),
    }
}

fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let parsed = text
        .split_once('/')
        .and_then(|(k, n)| Some((k.trim().parse().ok()?, n.trim().parse().ok()?)));
    match parsed {
        Some((k, n)) if n >= 1 && (1..=n).contains(&k) => Ok((k, n)),
        _ => Err(format!("`{text}` is not K/N with 1 <= K <= N, e.g. 2/4")),
    }
}

/// Exit codes, as documented in the README.
pub mod exit {
    pub const SUCCESS: u8 = 0;
    pub const INPUT_ERRORS: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const FAILURE: u8 = 3;
}

/// How a command ended; [`exit_code`] alone turns it into a number.
pub enum Outcome {
    /// A check or build ran: its report decides.
    Ran(Result<Built, BuildError>),
    /// The command did what it was asked.
    Done,
    /// The input has errors (already reported).
    InputErrors,
    /// The command line asked for something impossible (message printed).
    Usage,
    /// Something outside the input failed: I/O, the watcher (printed).
    Failed,
}

pub fn run(cli: Cli) -> ExitCode {
    let outcome = match cli.command {
        None => build_command("build", &cli.build),
        Some(Command::Build(args)) => build_command("build", &args),
        Some(Command::Check(args)) => check_command(&args),
        Some(Command::Watch(args)) => watch_command(&args),
        Some(Command::New { dir, quiet }) => new::run(&dir, quiet.quiet),
        Some(Command::List { project, format }) => list::run(&project.root(), format.format),
        Some(Command::Fonts {
            missing,
            project,
            format,
            fonts,
            verbose,
        }) => fonts::run(
            &project.root(),
            fonts.system_fonts,
            missing,
            format.format,
            verbose,
        ),
        Some(Command::Layout(LayoutCommand::Export {
            name,
            project,
            quiet,
        })) => match export_layout(&project.root(), &name) {
            Ok(path) => {
                if !quiet.quiet {
                    eprintln!(
                        "wrote {}; edit it there, it now replaces the built-in `{name}`",
                        crate::diag::display_path(&path)
                    );
                }
                Outcome::Done
            }
            Err(message) => {
                eprintln!("error: {message}");
                Outcome::Usage
            }
        },
        Some(Command::Completions { shell }) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "folio", &mut script);
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = std::io::Write::write_all(&mut std::io::stdout(), &script);
            Outcome::Done
        }
    };
    ExitCode::from(exit_code(&outcome))
}

/// Sets the number of documents typeset at once for this process.
fn set_jobs(jobs: Option<u32>) {
    if let Some(jobs) = jobs {
        // The global pool is built once per process; a second call only
        // fails when something else already set it, which is harmless.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs as usize)
            .build_global();
    }
}

fn build_command(command: &str, args: &BuildArgs) -> Outcome {
    set_jobs(args.jobs);
    let quiet = args.check.quiet();
    let result = Project::load(args.check.project.root()).and_then(|project| {
        let progress = Progress::new(quiet);
        let result = project.build(&args.options(), &|written| progress.written(written));
        progress.finish(
            result
                .as_ref()
                .map_or(&[], |built| built.written.as_slice()),
        );
        result
    });
    report_run(command, &args.check, result)
}

fn check_command(args: &CheckArgs) -> Outcome {
    let result = Project::load(args.project.root())
        .and_then(|project| project.check(&args.options()))
        .map(Checked::into_built);
    report_run("check", args, result)
}

fn watch_command(args: &BuildArgs) -> Outcome {
    set_jobs(args.jobs);
    let project = match Project::load(args.check.project.root()) {
        Ok(project) => project,
        Err(err) => {
            eprintln!("error: {err}");
            return Outcome::Failed;
        }
    };
    let options = BuildOptions {
        rebuilds: true,
        ..args.options()
    };
    match watch::run(&project, &options, args.check.quiet.quiet) {
        Ok(()) => Outcome::Done,
        Err(message) => {
            eprintln!("error: {message}");
            Outcome::Failed
        }
    }
}

/// Prints a check's or build's diagnostics, summary and JSON document.
fn report_run(command: &str, args: &CheckArgs, result: Result<Built, BuildError>) -> Outcome {
    let outcome = Outcome::Ran(result);
    let code = exit_code(&outcome);
    let Outcome::Ran(result) = &outcome else {
        unreachable!("constructed above")
    };
    match result {
        Ok(built) => {
            print_report(&built.report, args.verbose);
            for output in &built.blocked {
                eprintln!("not built: {output} (its input has errors)");
            }
            if !args.quiet() && code == exit::SUCCESS && command == "build" {
                eprintln!("{}", built.summary());
            }
        }
        Err(err) => eprintln!("error: {err}"),
    }
    if args.format.format == Format::Json {
        println!("{}", json_result(command, code, result));
    }
    outcome
}

/// Copies the built-in layout `name` to `<root>/layouts/<name>.typ`.
fn export_layout(root: &Path, name: &str) -> Result<PathBuf, String> {
    let Some((_, text)) = crate::world::BUILTIN_LAYOUTS
        .iter()
        .find(|(n, _)| *n == name)
    else {
        let names: Vec<&str> = crate::world::BUILTIN_LAYOUTS
            .iter()
            .map(|(n, _)| *n)
            .collect();
        return Err(format!(
            "there is no built-in layout `{name}`; the built-ins are: {}",
            names.join(", ")
        ));
    };
    let path = root.join("layouts").join(format!("{name}.typ"));
    if path.exists() {
        return Err(format!(
            "{} exists already; folio will not overwrite it",
            crate::diag::display_path(&path)
        ));
    }
    std::fs::create_dir_all(root.join("layouts"))
        .map_err(|err| format!("cannot create layouts/: {err}"))?;
    crate::output::write_atomically(&path, text.as_bytes())
        .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    Ok(path)
}

/// The project root: the nearest folder from `start` upwards that holds
/// folio.toml or notes/, else `start` itself (as cargo finds Cargo.toml). A
/// notes folder without folio.toml is a project of its own even inside a
/// larger project.
pub fn find_root(start: &Path) -> PathBuf {
    let start = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
    start
        .ancestors()
        .find(|dir| dir.join(crate::config::CONFIG_FILE).is_file() || dir.join("notes").is_dir())
        .map_or(start.clone(), Path::to_path_buf)
}

/// The one place a command's outcome becomes an exit code (see [`exit`]).
fn exit_code(outcome: &Outcome) -> u8 {
    match outcome {
        Outcome::Ran(Ok(built)) if built.report.has_errors() && built.io_failed => exit::FAILURE,
        Outcome::Ran(Ok(built)) if built.report.has_errors() => exit::INPUT_ERRORS,
        Outcome::Ran(Ok(_)) | Outcome::Done => exit::SUCCESS,
        Outcome::Ran(Err(BuildError::Usage(_))) | Outcome::Usage => exit::USAGE,
        Outcome::Ran(Err(BuildError::Io(_))) | Outcome::Failed => exit::FAILURE,
        Outcome::InputErrors => exit::INPUT_ERRORS,
    }
}

/// The `--format json` document: schema version 1, see the README.
fn json_result(command: &str, code: u8, result: &Result<Built, BuildError>) -> String {
    let mut value = serde_json::json!({
        "version": 1,
        "command": command,
        "exit_code": code,
        "ok": code == exit::SUCCESS,
    });
    match result {
        Ok(outcome) => {
            value["errors"] = outcome.report.error_count().into();
            value["warnings"] = outcome.report.warning_count().into();
            value["diagnostics"] = outcome.report.to_json();
            if command == "build" {
                value["files"] = crate::project::file_entries(&outcome.written);
                value["not_built"] = outcome.blocked.clone().into();
            }
        }
        Err(err) => {
            value["errors"] = 1.into();
            value["warnings"] = 0.into();
            value["diagnostics"] = serde_json::json!([{ "severity": "error", "message": err.to_string(), "hints": [], "related": [] }]);
        }
    }
    serde_json::to_string_pretty(&value).expect("the result serialises")
}

/// A progress bar on a terminal; one plain line per file otherwise (CI logs).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
}

impl Progress {
    fn new(quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {elapsed:>3} {msg}")
                    .expect("valid template"),
            );
            bar.set_message("reading notes and laying out…");
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Self { bar, quiet }
    }

    fn written(&self, written: &crate::render::Written) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(format!("{} written, laying out the rest…", bar.position()));
            bar.println(format!(
                "wrote {}",
                crate::diag::display_path(&written.path)
            ));
        }
    }

    /// Without a terminal the files are listed once, in plan order, so logs
    /// do not depend on which thread finished first.
    fn finish(&self, written: &[crate::render::Written]) {
        match &self.bar {
            Some(bar) => bar.finish_and_clear(),
            None if !self.quiet => {
                for file in written {
                    eprintln!(
                        "wrote {} ({} page{})",
                        crate::diag::display_path(&file.path),
                        file.pages,
                        if file.pages == 1 { "" } else { "s" }
                    );
                }
            }
            None => {}
        }
    }
}

/// Diagnostics go to stderr, in colour only on a terminal and never with NO_COLOR.
pub fn print_report(report: &Report, verbose: bool) {
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut stderr = StandardStream::stderr(if colour {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    });
    let _ = report.emit_with(&mut stderr, verbose);
}
