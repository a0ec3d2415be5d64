//! folio compiles a folder of Markdown notes into print-ready PDF books.
//!
//! The pipeline runs one way, one stage per module, each handing an owned
//! value to the next:
//!
//! 1. [`config`] reads `folio.toml` into [`config::Config`];
//! 2. [`notes`] discovers and parses the notes (front matter, then the body
//!    through comrak and [`markup`] into Typst) into a [`notes::Corpus`];
//! 3. [`links`] resolves every cross-reference into a [`links::Graph`];
//! 4. [`book`] decides what each document contains and the data its layout
//!    receives ([`book::DocumentPlan`]);
//! 5. [`render`] typesets the documents in parallel through Typst, using the
//!    [`world`] folio gives it, and writes the PDFs atomically.
//!
//! Every problem with the user's input is a [`diag::Diagnostic`] with a file
//! and byte range; [`cli`] turns a run's [`diag::Report`] into output and an
//! exit code.

pub mod book;
pub mod cli;
pub mod config;
pub mod diag;
pub mod fonts;
pub mod images;
pub mod links;
pub mod markup;
pub mod names;
pub mod notes;
pub mod output;
pub mod preview;
pub mod project;
pub mod render;
pub mod slug;
pub mod values;
pub mod world;

pub use project::{BuildError, BuildOptions, Built, Checked, Project, SingleNoteError};
