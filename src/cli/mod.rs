//! The command line: arguments, dispatch, and the one place that decides the
//! exit code.

mod build;
mod fonts;
mod list;
mod new;
mod watch;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};

pub use build::{BuildError, BuildOutcome, BuildSettings, Checked, build, check};

use crate::diag::Report;

/// Compile a folder of Markdown notes into print-ready PDF briefing books.
///
/// Run in a project folder (folio.toml, notes/, layouts/, fonts/), folio
/// writes one PDF per pack into output/. With no command it builds.
#[derive(Debug, Parser)]
#[command(
    name = "folio",
    version,
    propagate_version = true,
    max_term_width = 100
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
    Build,
    /// Run every check that needs no typesetting; write nothing.
    ///
    /// Reads folio.toml, every note and image, resolves every
    /// cross-reference and pack, and reports every problem. Fast enough to
    /// run on every commit.
    Check,
    /// Build, then rebuild whenever a note, folio.toml, a layout or a font
    /// changes. Only documents whose bytes changed are rewritten. Ctrl-C stops.
    Watch,
    /// Create a starter project in a new or empty folder.
    ///
    /// Writes folio.toml (with comments), three example notes showing front
    /// matter, cross-references, a table, a footnote and an image, and a
    /// .gitignore for output/.
    New {
        /// The folder to create.
        dir: PathBuf,
    },
    /// List the notes (id, title, date, tags, packs) and the packs (notes,
    /// pages of the last build).
    List,
    /// List every font family folio can use, the scripts it covers and
    /// where it comes from.
    Fonts {
        /// Instead, list the characters of the notes that no font has
        /// (per note and writing system): they would print as blank boxes.
        #[arg(long)]
        missing: bool,
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

#[derive(Debug, Clone, Default, Args)]
pub struct BuildArgs {
    /// The project folder (holding folio.toml and notes/). Default: the
    /// nearest folder upwards from here that has folio.toml (or notes/).
    #[arg(long, value_name = "DIR", global = true)]
    pub root: Option<PathBuf>,

    /// Where to write the PDFs. Default: <root>/output.
    #[arg(long, value_name = "DIR", global = true)]
    pub out: Option<PathBuf>,

    /// Documents to typeset at once. Default: one per core.
    #[arg(long, short = 'j', value_name = "N", global = true)]
    pub jobs: Option<usize>,

    /// Build only this pack (repeatable). Handouts are not built then.
    #[arg(long = "pack", value_name = "NAME", global = true)]
    pub packs: Vec<String>,

    /// Build documents K, K+N, K+2N… (1-based, packs in folio.toml order,
    /// then handouts), so N CI jobs together build everything once.
    #[arg(long, value_name = "K/N", value_parser = parse_shard, global = true)]
    pub shard: Option<(usize, usize)>,

    /// Print only errors and warnings: no progress, no summary line.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,

    /// Show every warning in full (repeated warnings are otherwise
    /// summarised as one line with a count).
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,

    /// Output format for results and diagnostics.
    #[arg(long, value_enum, default_value = "human", global = true)]
    pub format: Format,

    /// Treat warnings as errors (exit code 1, documents with them not built).
    #[arg(long, global = true)]
    pub deny_warnings: bool,

    /// Produce PDF/A or PDF/UA: a-2b, a-3b, ua-1 (repeatable; replaces
    /// folio.toml's pdf_standard).
    #[arg(long = "pdf-standard", value_name = "STANDARD", value_delimiter = ',', value_parser = parse_standard_name, global = true)]
    pub pdf_standards: Vec<String>,

    /// Also render every page to output/previews/<pack>/page-001.png and a
    /// contact sheet of all pages to output/previews/<pack>.png.
    #[arg(long, global = true)]
    pub preview: bool,

    /// Prepare images for print (300 dpi, the default) or screen (150 dpi,
    /// smaller files); replaces folio.toml's `variant`.
    #[arg(long, value_enum, global = true)]
    pub variant: Option<crate::config::Variant>,

    /// Also write each document's generated Typst sources (main file, pack
    /// data, note bodies, layouts, images) to DIR/<pack>/, to compile with
    /// another Typst front end or to debug a layout.
    #[arg(long, value_name = "DIR", global = true)]
    pub emit_typst: Option<PathBuf>,

    /// Also use the fonts installed on this machine (off by default, so
    /// builds are the same on every machine; `system_fonts = true` in
    /// folio.toml does the same).
    #[arg(long, global = true)]
    pub system_fonts: bool,

    /// Width of the page previews in pixels.
    #[arg(long, value_name = "PX", default_value_t = 1240, value_parser = clap::value_parser!(u32).range(64..=8000), global = true)]
    pub preview_width: u32,
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

pub fn run(cli: Cli) -> ExitCode {
    // Every flag is global, so `folio build --out x` and `folio --out x` agree.
    let args = cli.build;
    if let Some(jobs) = args.jobs {
        if jobs == 0 {
            eprintln!("error: --jobs must be at least 1");
            return ExitCode::from(exit::USAGE);
        }
        // The global pool is built once per process; a second call only
        // fails when something else already set it, which is harmless.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build_global();
    }
    let root = args
        .root
        .clone()
        .unwrap_or_else(|| find_root(Path::new(".")));
    let settings = BuildSettings {
        root,
        out: args.out.clone(),
        packs: args.packs.clone(),
        shard: args.shard,
        deny_warnings: args.deny_warnings,
        pdf_standards: args.pdf_standards.clone(),
        variant: args.variant,
        previews: args.preview.then_some(crate::preview::PreviewSettings {
            width: args.preview_width,
        }),
        emit_typst: args.emit_typst.clone(),
        system_fonts: args.system_fonts,
        exported: Default::default(),
    };
    let quiet = args.quiet || args.format == Format::Json;
    let (command, result) = match cli.command {
        Some(Command::Build) | None => {
            let progress = Progress::new(quiet);
            let result = build(&settings, &|written| progress.written(written));
            progress.finish(
                result
                    .as_ref()
                    .map_or(&[], |outcome| outcome.written.as_slice()),
            );
            ("build", result)
        }
        Some(Command::New { dir }) => {
            return match new::create(&dir) {
                Ok(()) => {
                    if !quiet {
                        eprintln!(
                            "created a folio project in {}; build it with: cd {} && folio",
                            dir.display(),
                            dir.display()
                        );
                    }
                    ExitCode::from(exit::SUCCESS)
                }
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::from(exit::USAGE)
                }
            };
        }
        Some(Command::Watch) => {
            return match watch::run(&settings, args.quiet) {
                Ok(()) => ExitCode::from(exit::SUCCESS),
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::from(exit::FAILURE)
                }
            };
        }
        Some(Command::Fonts { missing }) => {
            return fonts::run(&settings, missing, args.format, args.verbose);
        }
        Some(Command::Layout(LayoutCommand::Export { name })) => {
            return match export_layout(&settings.root, &name) {
                Ok(path) => {
                    if !quiet {
                        eprintln!(
                            "wrote {}; edit it there, it now replaces the built-in `{name}`",
                            crate::diag::display_path(&path)
                        );
                    }
                    ExitCode::from(exit::SUCCESS)
                }
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::from(exit::USAGE)
                }
            };
        }
        Some(Command::Completions { shell }) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "folio", &mut script);
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = std::io::Write::write_all(&mut std::io::stdout(), &script);
            return ExitCode::from(exit::SUCCESS);
        }
        Some(Command::List) => {
            let result = check(&settings);
            if let Ok(checked) = &result {
                let out_dir = settings
                    .out
                    .clone()
                    .unwrap_or_else(|| checked.root.join("output"));
                match args.format {
                    Format::Json => println!(
                        "{}",
                        serde_json::to_string_pretty(&list::json(checked, &out_dir))
                            .expect("serialises")
                    ),
                    Format::Human => print!("{}", list::table(checked, &out_dir)),
                }
            }
            let result = result.map(|checked| BuildOutcome {
                report: checked.report,
                written: Vec::new(),
                blocked: Vec::new(),
                io_failed: false,
                drafts: checked.corpus.drafts.len(),
                seconds: 0.0,
            });
            let code = exit_code(&result);
            match &result {
                Ok(outcome) => print_report(&outcome.report, args.verbose),
                Err(err) => eprintln!("error: {err}"),
            }
            return ExitCode::from(code);
        }
        Some(Command::Check) => {
            let result = check(&settings).map(|checked| BuildOutcome {
                report: checked.report,
                written: Vec::new(),
                blocked: checked.blocked,
                io_failed: false,
                drafts: checked.corpus.drafts.len(),
                seconds: 0.0,
            });
            ("check", result)
        }
    };
    let code = exit_code(&result);
    match &result {
        Ok(outcome) => {
            print_report(&outcome.report, args.verbose);
            for output in &outcome.blocked {
                eprintln!("not built: {output} (it holds a note with errors)");
            }
            if !quiet && code == exit::SUCCESS && command == "build" {
                eprintln!("{}", outcome.summary());
            }
        }
        Err(err) => eprintln!("error: {err}"),
    }
    if args.format == Format::Json {
        println!("{}", json_result(command, code, &result));
    }
    ExitCode::from(code)
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

/// The one place a run's result becomes an exit code (see [`exit`]).
fn exit_code(result: &Result<BuildOutcome, BuildError>) -> u8 {
    match result {
        Ok(outcome) if outcome.report.has_errors() && outcome.io_failed => exit::FAILURE,
        Ok(outcome) if outcome.report.has_errors() => exit::INPUT_ERRORS,
        Ok(_) => exit::SUCCESS,
        Err(BuildError::Usage(_)) => exit::USAGE,
        Err(BuildError::Io(_)) => exit::FAILURE,
    }
}

/// The `--format json` document: schema version 1, see the README.
fn json_result(command: &str, code: u8, result: &Result<BuildOutcome, BuildError>) -> String {
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
                value["files"] = build::file_entries(&outcome.written);
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
                        "wrote {} ({} pages)",
                        crate::diag::display_path(&file.path),
                        file.pages
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
