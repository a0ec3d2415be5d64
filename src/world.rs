//! Typst's `World` for folio: generated sources from memory, files only from
//! inside the project, embedded fonts, no network, no clock.
//!
//! The expensive part (fonts, the standard library, converted note bodies,
//! files read from disk) lives in one [`Base`] shared by every document of a
//! run; a [`DocumentWorld`] adds only the document's own main file and data.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::book::ImageTarget;
pub use crate::fonts::Fonts;
use crate::values::Date;

/// Where folio's generated files live in Typst's view of the project. A
/// project folder of this name would be shadowed, never read.
pub const GENERATED_DIR: &str = "/__folio__";
pub const MAIN_PATH: &str = "/__folio__/main.typ";
pub const DATA_PATH: &str = "/__folio__/pack.json";
/// Where notes outside a document can be found. Kept apart from the pack
/// data so that filling in other packs' pages re-lays out only the places
/// that print them.
pub const ELSEWHERE_PATH: &str = "/__folio__/elsewhere.json";
/// The numbered copy being typeset (`null` for an unnumbered document).
/// Apart from the pack data so that the copies of a document share its
/// layout: only the places that print the copy are laid out again.
pub const COPY_PATH: &str = "/__folio__/copy.json";
/// `/__folio__/formats/<path>` holds the format (`png`, `jpg`, `svg` …) of
/// the image the document is served for the project file `<path>`, read
/// from its bytes, or nothing when Typst should decide. Typst goes by a
/// file's extension first, which a prepared image (a PNG re-encoded as
/// JPEG) or a misnamed file would contradict.
pub const FORMATS_DIR: &str = "/__folio__/formats";

/// Layouts compiled into the binary, by the path they are served under.
pub const BUILTIN_LAYOUTS: &[(&str, &str)] = &[
    ("briefing", include_str!("../layouts/briefing.typ")),
    ("prelude", include_str!("../layouts/prelude.typ")),
    ("theme", include_str!("../layouts/theme.typ")),
    ("handout", include_str!("../layouts/handout.typ")),
    ("workshop", include_str!("../layouts/workshop.typ")),
];

pub fn virtual_id(path: &str) -> FileId {
    RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("folio's own paths are valid"),
    )
    .intern()
}

pub fn note_path(id: &str) -> String {
    format!("{GENERATED_DIR}/notes/{id}.typ")
}

pub fn layout_path(name: &str) -> String {
    format!("/layouts/{name}.typ")
}

/// Everything shared by all documents of a run.
pub struct Base {
    root: PathBuf,
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Fonts,
    /// Converted note bodies and other generated sources, by file id.
    generated: HashMap<FileId, Source>,
    /// Images prepared for a target (scaled, converted), served instead of
    /// the project's file to documents of that target.
    images: HashMap<(ImageTarget, FileId), Bytes>,
    /// Files read from the project, kept so every document reads each once;
    /// their paths are what a build depends on (`folio watch` watches them).
    disk: Mutex<HashMap<FileId, FileResult<Bytes>>>,
    read: Mutex<std::collections::BTreeSet<PathBuf>>,
    sources: Mutex<HashMap<FileId, FileResult<Source>>>,
    /// How the build's layouts share Typst's memo cache.
    reuse: Reuse,
}

impl Base {
    pub fn new(root: &Path, fonts: Fonts) -> Self {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        Self {
            book: LazyHash::new(fonts.book()),
            library: LazyHash::new(Library::builder().build()),
            fonts,
            root,
            generated: HashMap::new(),
            images: HashMap::new(),
            disk: Mutex::new(HashMap::new()),
            read: Mutex::new(std::collections::BTreeSet::new()),
            sources: Mutex::new(HashMap::new()),
            reuse: Reuse::Build,
        }
    }

    /// Every project file Typst asked for (layouts, images it loaded
    /// itself), as real paths; also those that did not exist.
    pub fn files_read(&self) -> std::collections::BTreeSet<PathBuf> {
        self.read.lock().expect("read set poisoned").clone()
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The fonts every document of the run can use.
    pub fn fonts(&self) -> &Fonts {
        &self.fonts
    }

    /// Serves `text` at the virtual `path` to every document. `before`, the
    /// same file's source in the previous build (`folio watch`), is edited
    /// into `text` rather than parsed anew: Typst numbers the spans of a
    /// fresh parse across the whole file, so with one word more in a note
    /// every element of that note would get a new location, every counter
    /// and page asked about it would differ from the previous layout, and
    /// each edit would cost one more layout iteration. An edited source
    /// keeps its spans outside the changed stretch.
    pub fn add_generated(&mut self, path: &str, text: String, before: Option<Source>) -> FileId {
        let id = virtual_id(path);
        let source = match before {
            Some(mut before) => {
                if before.text() != text {
                    before.replace(&text);
                }
                before
            }
            None => Source::new(id, text),
        };
        self.generated.insert(id, source);
        id
    }

    /// The generated sources, for the next build to continue from.
    pub fn generated_sources(&self) -> HashMap<FileId, Source> {
        self.generated.clone()
    }

    /// Serves `bytes` for the project file `path` to documents of `target`.
    pub fn add_image(&mut self, target: ImageTarget, path: &str, bytes: Vec<u8>) {
        self.images
            .insert((target, virtual_id(&format!("/{path}"))), Bytes::new(bytes));
    }

    pub fn generated(&self, id: FileId) -> Option<&Source> {
        self.generated.get(&id)
    }

    /// Whether the project has its own `layouts/<name>.typ`.
    pub fn project_layout(&self, name: &str) -> Option<PathBuf> {
        let path = self.root.join("layouts").join(format!("{name}.typ"));
        path.is_file().then_some(path)
    }

    /// The real path of a project file, refusing anything that resolves
    /// outside the project folder (`..` or a symlink pointing out).
    pub fn project_file(&self, id: FileId) -> FileResult<PathBuf> {
        if let VirtualRoot::Package(spec) = id.root() {
            return Err(FileError::Other(Some(
                format!("package {spec} is not available: folio never downloads anything").into(),
            )));
        }
        let path = id.vpath().realize(&self.root).map_err(FileError::Realize)?;
        let real = path
            .canonicalize()
            .map_err(|err| FileError::from_io(err, &path))?;
        if !real.starts_with(&self.root) {
            return Err(FileError::Other(Some(
                format!(
                    "{} leads outside the project folder",
                    id.vpath().get_with_slash()
                )
                .into(),
            )));
        }
        Ok(real)
    }

    fn read(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(source) = self.generated.get(&id) {
            return Ok(Bytes::from_string(source.clone()));
        }
        if let Some(text) = self.builtin_layout(id) {
            return Ok(Bytes::new(text.as_bytes()));
        }
        let mut cache = self.disk.lock().expect("file cache poisoned");
        cache
            .entry(id)
            .or_insert_with(|| {
                if let Ok(path) = id.vpath().realize(&self.root) {
                    self.read.lock().expect("read set poisoned").insert(path);
                }
                let path = self.project_file(id)?;
                let bytes = std::fs::read(&path).map_err(|err| FileError::from_io(err, &path))?;
                if path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("bib"))
                    && let Ok(text) = std::str::from_utf8(&bytes)
                    && let std::borrow::Cow::Owned(tied) = crate::cite::tie_spaces(text)
                {
                    return Ok(Bytes::from_string(tied));
                }
                Ok(Bytes::new(bytes))
            })
            .clone()
    }

    /// A built-in layout, for `/layouts/<name>.typ` when the project has none.
    fn builtin_layout(&self, id: FileId) -> Option<&'static str> {
        if !matches!(id.root(), VirtualRoot::Project) {
            return None;
        }
        let path = id.vpath().get_with_slash();
        let name = path.strip_prefix("/layouts/")?.strip_suffix(".typ")?;
        let text = BUILTIN_LAYOUTS.iter().find(|(n, _)| *n == name)?.1;
        self.project_layout(name).is_none().then_some(text)
    }

    pub fn set_reuse(&mut self, reuse: Reuse) {
        self.reuse = reuse;
    }

    pub fn rebuilds(&self) -> bool {
        matches!(self.reuse, Reuse::Rebuild(_))
    }

    /// How the layout of the document written at `output` starts; `alone`:
    /// no other document is laid out beside it.
    pub fn layout_start(&self, output: &str, alone: bool) -> crate::render::Start<'_> {
        match &self.reuse {
            Reuse::Build if alone => crate::render::Start::Alone,
            Reuse::Build => crate::render::Start::Shared,
            Reuse::Rebuild(previous) => crate::render::Start::Rebuild(previous.get(output)),
        }
    }

    /// Where a span points, as a path and a 1-based line (for the timings
    /// trace): the main file of a document is not in the base, so its spans
    /// give an empty path.
    pub fn span_place(&self, span: typst::syntax::Span) -> (String, u32) {
        let Some(id) = span.id() else {
            return (String::new(), 0);
        };
        let path = id.vpath().get_with_slash().to_string();
        let line = self.source(id).ok().and_then(|source| {
            let start = source.find(span)?.range().start;
            source_line(&source, start)
        });
        (path, line.unwrap_or(0))
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if let Some(source) = self.generated.get(&id) {
            return Ok(source.clone());
        }
        let mut cache = self.sources.lock().expect("source cache poisoned");
        if let Some(source) = cache.get(&id) {
            return source.clone();
        }
        let source = self.read(id).and_then(|bytes| {
            let text = std::str::from_utf8(&bytes).map_err(|_| FileError::InvalidUtf8)?;
            Ok(Source::new(id, text.to_string()))
        });
        cache.insert(id, source.clone());
        source
    }
}

/// How the documents of a build share Typst's memo cache.
pub enum Reuse {
    /// A build: each layout starts from nothing, and a document laid out
    /// alone drops what its iterations stop using (see
    /// [`crate::render::Start`]).
    Build,
    /// `folio watch`: more builds follow. Each layout starts from what the
    /// previous build laid out at the same output path, and everything is
    /// kept for the next build.
    Rebuild(HashMap<String, PagedDocument>),
}

/// One document's view: the shared base plus its own main file and data.
pub struct DocumentWorld<'a> {
    base: &'a Base,
    images: ImageTarget,
    main: Source,
    /// The document's own generated files (pack data, elsewhere map).
    files: Vec<(FileId, Bytes)>,
    today: Datetime,
}

impl<'a> DocumentWorld<'a> {
    pub fn new(
        base: &'a Base,
        images: ImageTarget,
        main: String,
        data: String,
        elsewhere: String,
        copy: String,
        today: Date,
    ) -> Self {
        let main_id = virtual_id(MAIN_PATH);
        Self {
            base,
            images,
            main: Source::new(main_id, main),
            files: vec![
                (virtual_id(DATA_PATH), Bytes::from_string(data)),
                (virtual_id(ELSEWHERE_PATH), Bytes::from_string(elsewhere)),
                (virtual_id(COPY_PATH), Bytes::from_string(copy)),
            ],
            today: Datetime::from_ymd(today.year, today.month, today.day)
                .expect("dates are validated"),
        }
    }

    pub fn base(&self) -> &Base {
        self.base
    }

    /// A project file as this document sees it: prepared for its target if
    /// folio prepared it, else as it is on disk.
    fn image(&self, id: FileId) -> FileResult<Bytes> {
        match self.base.images.get(&(self.images, id)) {
            Some(bytes) => Ok(bytes.clone()),
            None => self.base.read(id),
        }
    }

    /// For `/__folio__/formats/<path>`, the project file `<path>`.
    fn format_of(&self, id: FileId) -> Option<FileId> {
        if !matches!(id.root(), VirtualRoot::Project) {
            return None;
        }
        let path = id.vpath().get_with_slash();
        let rest = path.strip_prefix(FORMATS_DIR)?;
        rest.starts_with('/').then(|| virtual_id(rest))
    }
}

impl World for DocumentWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.base.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.base.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            self.base.source(id)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.clone()));
        }
        if let Some((_, bytes)) = self.files.iter().find(|(file, _)| *file == id) {
            return Ok(bytes.clone());
        }
        if let Some(image) = self.format_of(id) {
            let format = self
                .image(image)
                .ok()
                .and_then(|bytes| crate::images::typst_format(&bytes))
                .unwrap_or("");
            return Ok(Bytes::from_string(format));
        }
        self.image(id)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.base.fonts.font(index)
    }

    /// The book's date, never the clock: output must not depend on when it is built.
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// Text of a file a Typst diagnostic points into, for showing it to the user.
pub fn source_text(world: &dyn World, id: FileId) -> Option<Arc<str>> {
    world.source(id).ok().map(|s| Arc::from(s.text()))
}

fn source_line(source: &Source, offset: usize) -> Option<u32> {
    source
        .lines()
        .byte_to_line(offset)
        .map(|line| line as u32 + 1)
}
