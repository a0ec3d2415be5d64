//! The command line: arguments, dispatch, and the one place that decides the
//! exit code.

mod build;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};

pub use build::{BuildOutcome, BuildSettings, build};

use crate::diag::Report;

/// Compile a folder of Markdown notes into print-ready PDF briefing books.
///
/// Run in a project folder (folio.toml, notes/, layouts/, fonts/), folio
/// writes one PDF per pack into output/. With no command it builds.
#[derive(Debug, Parser)]
#[command(name = "folio", version, propagate_version = true, max_term_width = 100)]
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
}

#[derive(Debug, Clone, Default, Args)]
pub struct BuildArgs {
    /// The project folder (holding folio.toml and notes/). Default: the current folder.
    #[arg(long, value_name = "DIR", global = true)]
    pub root: Option<PathBuf>,

    /// Where to write the PDFs. Default: <root>/output.
    #[arg(long, value_name = "DIR", global = true)]
    pub out: Option<PathBuf>,

    /// Documents to typeset at once. Default: one per core.
    #[arg(long, short = 'j', value_name = "N", global = true)]
    pub jobs: Option<usize>,

    /// Print only errors and warnings, no summary line.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
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
    let args = match cli.command {
        Some(Command::Build) | None => cli.build,
    };
    if let Some(jobs) = args.jobs {
        if jobs == 0 {
            eprintln!("error: --jobs must be at least 1");
            return ExitCode::from(exit::USAGE);
        }
        // The global pool is built once per process; a second call only
        // fails when something else already set it, which is harmless.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(jobs).build_global();
    }
    let settings = BuildSettings {
        root: args.root.unwrap_or_else(|| PathBuf::from(".")),
        out: args.out,
    };
    match build(&settings) {
        Ok(outcome) => {
            print_report(&outcome.report);
            if outcome.report.has_errors() {
                return ExitCode::from(if outcome.io_failed { exit::FAILURE } else { exit::INPUT_ERRORS });
            }
            if !args.quiet {
                eprintln!("{}", outcome.summary());
            }
            ExitCode::from(exit::SUCCESS)
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(exit::FAILURE)
        }
    }
}

/// Diagnostics go to stderr, in colour only on a terminal and never with NO_COLOR.
pub fn print_report(report: &Report) {
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut stderr = StandardStream::stderr(if colour { ColorChoice::Auto } else { ColorChoice::Never });
    let _ = report.emit(&mut stderr);
}
