//! What the names in notes point at: notes by file name, path, alias or id;
//! headings and blocks by anchor; attachments by path or file name.
//!
//! Links are resolved the way the tools people write notes in resolve them:
//! Obsidian (case-insensitive names, the shortest path that is unique,
//! aliases, `#Heading` text) and GitHub (relative paths, URL-encoded names,
//! GitHub's heading slugs), with folio's own ids and ASCII slugs kept so
//! that older projects resolve as before. The index is built once from the
//! first pass over every note ([`crate::markup::Outline`]) and is what the
//! converter asks through [`crate::markup::Resolve`].

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use crate::markup::{Embeddable, NoteName, Outline, Resolve, normalize};
use crate::slug;

/// One note as the index knows it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub title: String,
    /// Project-relative path of the file, `/`-separated.
    pub rel_path: String,
    pub aliases: Vec<String>,
    pub outline: Outline,
    /// The body after the front matter, for embeds.
    pub body: Arc<str>,
    pub take_title: bool,
}

impl Entry {
    fn dir(&self) -> &str {
        folder_of(&self.rel_path)
    }
}

/// Every note and attachment of a project, by every name it answers to.
#[derive(Debug, Default)]
pub struct Index {
    entries: Vec<Entry>,
    by_id: HashMap<String, usize>,
    /// Lower-cased project-relative path → note.
    by_path: HashMap<String, usize>,
    /// Lower-cased path below `notes/`, without extension → note.
    by_name_path: Vec<(String, usize)>,
    /// Lower-cased alias → notes.
    by_alias: HashMap<String, Vec<usize>>,
    files: Files,
    /// Every key of every bibliography file of the project.
    citation_keys: std::collections::BTreeSet<String>,
    /// The project has bibliography files.
    cites: bool,
}

/// The project's other files (images and attachments), found once.
#[derive(Debug, Default)]
struct Files {
    /// Project-relative paths, `/`-separated.
    paths: std::collections::HashSet<String>,
    /// Lower-cased file name → paths.
    by_name: HashMap<String, Vec<String>>,
    /// Lower-cased path → path as on disk.
    by_lower: HashMap<String, String>,
}

/// Folders never searched for attachments: folio's output, build folders,
/// and hidden folders (`.git`, `.obsidian`).
const SKIPPED_FOLDERS: &[&str] = &["output", "target", "node_modules"];

/// At most this many files are indexed: a project folder that is really a
/// home directory must not stall a build.
const MAX_FILES: usize = 200_000;

impl Files {
    fn scan(root: &Path) -> Self {
        let mut files = Files::default();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut entries: Vec<_> = entries.flatten().collect();
            entries.sort_by_key(|e| e.file_name());
            for entry in entries {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                let path = entry.path();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() || (kind.is_symlink() && path.is_dir()) {
                    if !(dir == root && SKIPPED_FOLDERS.contains(&name.as_str())) {
                        stack.push(path);
                    }
                    continue;
                }
                if files.paths.len() >= MAX_FILES {
                    return files;
                }
                let Ok(rel) = path.strip_prefix(root) else {
                    continue;
                };
                let rel = rel.to_string_lossy().replace('\\', "/");
                files
                    .by_name
                    .entry(name.to_lowercase())
                    .or_default()
                    .push(rel.clone());
                files.by_lower.insert(rel.to_lowercase(), rel.clone());
                files.paths.insert(rel);
            }
        }
        files
    }
}

impl Index {
    /// Indexes `entries` (in file order) and the files under `root`.
    pub fn new(root: &Path, entries: Vec<Entry>) -> Self {
        let mut index = Index {
            files: Files::scan(root),
            ..Index::default()
        };
        for (i, entry) in entries.iter().enumerate() {
            index.by_id.insert(entry.id.clone(), i);
            index.by_path.insert(entry.rel_path.to_lowercase(), i);
            let below_notes = entry
                .rel_path
                .strip_prefix("notes/")
                .unwrap_or(&entry.rel_path);
            index
                .by_name_path
                .push((strip_markdown_extension(below_notes).to_lowercase(), i));
            for alias in &entry.aliases {
                index
                    .by_alias
                    .entry(alias.trim().to_lowercase())
                    .or_default()
                    .push(i);
            }
        }
        index.entries = entries;
        index
    }

    /// Adds the project's bibliographies (none: citations are text).
    pub fn with_bibliography(mut self, library: &crate::cite::Library) -> Self {
        self.cites = !library.is_empty();
        self.citation_keys
            .extend(library.keys().map(str::to_string));
        self
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    /// `[[name]]` as Obsidian resolves it: the path below `notes/` if it is
    /// whole, else the notes whose path ends with it (the one in the linking
    /// note's folder, else the shortest), else an alias, else an id.
    fn by_wiki_name(&self, from_dir: &str, name: &str) -> Option<usize> {
        let name = name.trim().trim_start_matches("./").trim_start_matches('/');
        let key = strip_markdown_extension(name).to_lowercase();
        if key.is_empty() {
            return None;
        }
        let suffix = format!("/{key}");
        let matches: Vec<usize> = self
            .by_name_path
            .iter()
            .filter(|(path, _)| *path == key || path.ends_with(&suffix))
            .map(|&(_, i)| i)
            .collect();
        if let Some(&exact) = matches
            .iter()
            .find(|&&i| self.by_name_path.iter().any(|(p, j)| *j == i && *p == key))
        {
            return Some(exact);
        }
        let best = matches
            .iter()
            .copied()
            .find(|&i| self.entries[i].dir() == from_dir)
            .or_else(|| {
                matches
                    .iter()
                    .copied()
                    .min_by_key(|&i| (self.entries[i].rel_path.len(), i))
            });
        if best.is_some() {
            return best;
        }
        if let Some(found) = self.by_alias.get(&key).and_then(|v| v.first()) {
            return Some(*found);
        }
        // A relative path written as a name: `[[../other/Note]]`.
        if key.contains('/')
            && let Some(path) = normalize(from_dir, name)
            && let Some(i) = self.by_markdown_path(&path)
        {
            return Some(i);
        }
        self.by_id
            .get(name)
            .or_else(|| self.by_id.get(&slug::id(name)))
            .copied()
    }

    /// A project-relative path to a Markdown file, with or without its
    /// extension, or to a folder holding a `README.md` or `index.md`.
    fn by_markdown_path(&self, path: &str) -> Option<usize> {
        let lower = path.trim_end_matches('/').to_lowercase();
        [
            lower.clone(),
            format!("{lower}.md"),
            format!("{lower}.markdown"),
            format!("{lower}/readme.md"),
            format!("{lower}/index.md"),
        ]
        .iter()
        .find_map(|candidate| self.by_path.get(candidate).copied())
    }

    /// Every name a note answers to, for "did you mean".
    fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().flat_map(|e| {
            let stem = e
                .rel_path
                .rsplit('/')
                .next()
                .map(strip_markdown_extension)
                .unwrap_or_default();
            std::iter::once(stem)
                .chain(std::iter::once(e.id.as_str()))
                .chain(e.aliases.iter().map(String::as_str))
        })
    }

    /// The heading of `entry` that `wanted` names, searching from `from`:
    /// its label slug or older ASCII slug first, then its text as GitHub or
    /// folio would slug it.
    fn heading_after(entry: &Entry, from: usize, wanted: &str) -> Option<usize> {
        let headings = &entry.outline.headings;
        let lower = wanted.to_lowercase();
        let exact = headings
            .iter()
            .enumerate()
            .skip(from)
            .find(|(_, h)| h.slug == wanted || h.slug == lower || h.legacy == lower);
        if let Some((i, _)) = exact {
            return Some(i);
        }
        let github = slug::github(wanted);
        let legacy = slug::legacy(wanted);
        headings
            .iter()
            .enumerate()
            .skip(from)
            .find(|(_, h)| {
                (!github.is_empty() && slug::github(&h.text) == github)
                    || (!legacy.is_empty() && slug::legacy(&h.text) == legacy)
            })
            .map(|(i, _)| i)
    }
}

impl Resolve for Index {
    fn note(&self, name: &NoteName<'_>) -> Option<String> {
        let found = match *name {
            NoteName::Wiki { from_dir, name } => self.by_wiki_name(from_dir, name),
            NoteName::Path { from_dir, path } => normalize(from_dir, path)
                .and_then(|p| self.by_markdown_path(&p))
                .or_else(|| {
                    // Obsidian writes Markdown links by shortest path too.
                    let file = path.trim_end_matches('/').rsplit('/').next()?;
                    self.by_wiki_name(from_dir, file)
                }),
        };
        found.map(|i| self.entries[i].id.clone())
    }

    fn anchor(&self, id: &str, path: &[&str]) -> Option<String> {
        let entry = self.get(id)?;
        if let [block] = path
            && let Some(block) = block.strip_prefix('^')
        {
            return entry
                .outline
                .blocks
                .iter()
                .any(|b| b == block)
                .then(|| format!("^{block}"));
        }
        if let [only] = path {
            // The heading that became the title stands for the chapter.
            if let Some(title) = &entry.outline.title {
                let names_title = slug::github(only) == slug::github(title)
                    && Self::heading_after(entry, 0, only).is_none();
                if names_title {
                    return Some(String::new());
                }
            }
        }
        let mut from = 0;
        let mut found = None;
        for part in path {
            let i = Self::heading_after(entry, from, part)?;
            found = Some(i);
            from = i + 1;
        }
        found.map(|i| entry.outline.headings[i].slug.clone())
    }

    fn heading_text(&self, id: &str, slug: &str) -> Option<String> {
        let entry = self.get(id)?;
        entry
            .outline
            .headings
            .iter()
            .find(|h| h.slug == slug)
            .map(|h| h.text.clone())
    }

    fn embeddable(&self, id: &str) -> Option<Embeddable> {
        let entry = self.get(id)?;
        Some(Embeddable {
            title: entry.title.clone(),
            body: entry.body.clone(),
            dir: entry.dir().to_string(),
            take_title: entry.take_title,
        })
    }

    fn file(&self, dir: &str, name: &str) -> Option<String> {
        let files = &self.files;
        if let Some(path) = normalize(dir, name) {
            if files.paths.contains(&path) {
                return Some(path);
            }
            if let Some(path) = files.by_lower.get(&path.to_lowercase()) {
                return Some(path.clone());
            }
        }
        // Obsidian's attachments: a file name unique in the project, or the
        // one nearest the note.
        let file_name = name.rsplit(['/', '\\']).next()?.to_lowercase();
        let candidates = files.by_name.get(&file_name)?;
        candidates
            .iter()
            .find(|p| p.rsplit_once('/').map_or("", |(d, _)| d) == dir)
            .or_else(|| candidates.iter().min_by_key(|p| (p.len(), p.as_str())))
            .cloned()
    }

    fn suggest_note(&self, name: &str) -> Option<String> {
        did_you_mean(name, self.names()).map(str::to_string)
    }

    fn suggest_anchor(&self, id: &str, anchor: &str) -> Option<String> {
        let entry = self.get(id)?;
        let slugs = entry.outline.headings.iter().map(|h| h.slug.as_str());
        did_you_mean(&slug::github(anchor), slugs).map(str::to_string)
    }

    fn cites(&self) -> bool {
        self.cites
    }

    fn citation_key(&self, key: &str) -> bool {
        self.citation_keys.contains(key)
    }

    fn suggest_citation_key(&self, key: &str) -> Option<String> {
        did_you_mean(key, self.citation_keys.iter().map(String::as_str)).map(str::to_string)
    }
}

/// The folder of a project-relative path (`notes/a/b.md` → `notes/a`),
/// which a note's relative links, images and bibliographies resolve from.
pub fn folder_of(rel_path: &str) -> &str {
    rel_path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn strip_markdown_extension(name: &str) -> &str {
    let lower = name.to_ascii_lowercase();
    for extension in [".md", ".markdown"] {
        if lower.ends_with(extension) {
            return &name[..name.len() - extension.len()];
        }
    }
    name
}

/// The known name closest to `wanted`, if any is close enough to be what
/// the author meant.
pub fn did_you_mean<'a>(wanted: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    let mut seen = BTreeMap::new();
    for candidate in known {
        let score =
            strsim::normalized_damerau_levenshtein(&wanted_lower, &candidate.to_lowercase());
        let contains = candidate.to_lowercase().contains(&wanted_lower) && wanted.len() >= 3;
        if score >= 0.6 || contains {
            seen.entry(candidate).or_insert(score);
        }
    }
    seen.into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(candidate, _)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let known = ["governance-and-oversight", "threat-assessments"];
        assert_eq!(
            did_you_mean("governance-and-oversigth", known.iter().copied()),
            Some("governance-and-oversight")
        );
        assert_eq!(
            did_you_mean("threat", known.iter().copied()),
            Some("threat-assessments")
        );
        assert_eq!(did_you_mean("budget", known.iter().copied()), None);
    }
}

#[cfg(test)]
mod resolving {
    use super::*;
    use crate::markup::outline;

    fn entry(rel_path: &str, aliases: &[&str], body: &str) -> Entry {
        let stem = rel_path.rsplit('/').next().unwrap().trim_end_matches(".md");
        Entry {
            id: slug::id(stem),
            title: stem.to_string(),
            rel_path: rel_path.to_string(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            outline: outline(body, true),
            body: body.into(),
            take_title: true,
        }
    }

    fn index() -> Index {
        Index::new(
            Path::new("/nonexistent"),
            vec![
                entry(
                    "notes/Create a vault.md",
                    &["New vault"],
                    "# Create a vault\n\n## What's in a Foam\n\n## Übergangsvorschrift\n\n## Notes\n\n## Notes\n\nA claim. ^c1\n",
                ),
                entry("notes/plugins/Graph view.md", &[], "Text."),
                entry("notes/core/Graph view.md", &[], "Text."),
                entry("notes/ja/始めに.md", &[], "## 概要\n"),
            ],
        )
    }

    fn wiki(index: &Index, from_dir: &str, name: &str) -> Option<String> {
        index.note(&NoteName::Wiki { from_dir, name })
    }

    #[test]
    fn names_resolve_like_obsidian() {
        let index = index();
        assert_eq!(
            wiki(&index, "notes", "Create a vault").as_deref(),
            Some("create-a-vault")
        );
        assert_eq!(
            wiki(&index, "notes", "create A VAULT").as_deref(),
            Some("create-a-vault")
        );
        assert_eq!(
            wiki(&index, "notes", "Create a vault.md").as_deref(),
            Some("create-a-vault")
        );
        assert_eq!(
            wiki(&index, "notes", "new vault").as_deref(),
            Some("create-a-vault")
        );
        assert_eq!(
            wiki(&index, "notes", "create-a-vault").as_deref(),
            Some("create-a-vault")
        );
        assert_eq!(wiki(&index, "notes", "始めに").as_deref(), Some("始めに"));
        assert_eq!(wiki(&index, "notes", "Nothing"), None);
    }

    #[test]
    fn an_ambiguous_name_prefers_the_linking_notes_folder() {
        let index = index();
        // Both notes are called `graph-view`; as ids they are qualified.
        assert_eq!(
            wiki(&index, "notes/core", "Graph view").as_deref(),
            Some("graph-view")
        );
        assert_eq!(
            index.get("graph-view").map(|e| e.rel_path.as_str()),
            Some("notes/core/Graph view.md")
        );
        assert_eq!(
            wiki(&index, "notes", "plugins/Graph view").as_deref(),
            Some("graph-view")
        );
    }

    #[test]
    fn paths_resolve_like_github() {
        let index = index();
        let path = |from_dir, path| index.note(&NoteName::Path { from_dir, path });
        assert_eq!(
            path("notes/ja", "../Create a vault.md").as_deref(),
            Some("create-a-vault")
        );
        assert_eq!(
            path("notes", "Create a vault").as_deref(),
            Some("create-a-vault")
        );
        assert_eq!(
            path("notes/x", "elsewhere/Create a vault.md").as_deref(),
            Some("create-a-vault")
        );
        assert_eq!(path("notes", "../../etc/passwd"), None);
    }

    #[test]
    fn anchors_by_github_slug_heading_text_and_old_slug() {
        let index = index();
        let anchor = |path: &[&str]| index.anchor("create-a-vault", path);
        assert_eq!(
            anchor(&["whats-in-a-foam"]).as_deref(),
            Some("whats-in-a-foam")
        );
        assert_eq!(
            anchor(&["What's in a Foam"]).as_deref(),
            Some("whats-in-a-foam")
        );
        assert_eq!(
            anchor(&["what-s-in-a-foam"]).as_deref(),
            Some("whats-in-a-foam")
        );
        assert_eq!(
            anchor(&["übergangsvorschrift"]).as_deref(),
            Some("übergangsvorschrift")
        );
        assert_eq!(anchor(&["notes-1"]).as_deref(), Some("notes-1"));
        assert_eq!(anchor(&["Notes", "Notes"]).as_deref(), Some("notes-1"));
        assert_eq!(anchor(&["^c1"]).as_deref(), Some("^c1"));
        assert_eq!(anchor(&["^c2"]), None);
        // The heading that became the title is the chapter itself.
        assert_eq!(anchor(&["Create a vault"]).as_deref(), Some(""));
        assert_eq!(anchor(&["Nope"]), None);
        assert_eq!(index.anchor("始めに", &["概要"]).as_deref(), Some("概要"));
    }
}
