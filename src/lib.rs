//! folio compiles a folder of Markdown notes into print-ready PDF books.
//!
//! [`Project`] is the front door: `Project::load(root)` then `check` or
//! `build`; the command line ([`cli`]), the tests and the fuzzer use it.
//! Behind it the pipeline runs one way, one stage per module, each handing
//! an owned value to the next:
//!
//! 1. [`config`] reads `folio.toml` into [`config::Config`];
//! 2. [`notes`] discovers the notes, gives them ids and reads their front
//!    matter and outline (first pass), indexes every name a link can use
//!    ([`names`]), then converts each body through comrak and [`markup`]
//!    into Typst with every reference resolved (second pass): a
//!    [`notes::Corpus`];
//! 3. [`links`] builds the cross-reference graph ([`links::Graph`]);
//! 4. [`book`] decides what each document contains and the data its layout
//!    receives ([`book::DocumentPlan`]); [`images`] and [`fonts`] check
//!    what the documents will print;
//! 5. [`render`] typesets the documents in parallel through Typst over the
//!    [`world`] folio gives it, and writes them through [`output`]
//!    (atomic writes, checksums), with [`preview`] for page images.
//!
//! Arrows only point down this list: a stage uses the stages above it and
//! the leaves [`diag`] (the one diagnostic type, with a [`diag::Code`]),
//! [`values`] (dates), [`slug`] (ids and anchors) and [`output`]; [`markup`]
//! asks for what links name through its own [`markup::Resolve`] trait,
//! which [`names`] implements, so it depends on no other stage.

pub mod book;
pub mod cite;
pub mod cli;
pub mod config;
pub mod diag;
pub mod edition;
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
