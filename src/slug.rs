//! Names made from text: note ids from file names, heading anchors.
//!
//! Three rules live here because links written for other tools must keep
//! working in folio: GitHub's heading slugs (what `[x](doc.md#anchor)` in a
//! GitHub repository means), folio's older ASCII slugs (what existing folio
//! projects wrote), and note ids made from file names as people name them.

use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// A note id from a file stem: Unicode letters, marks and digits kept and
/// lower-cased, every other run of characters one `-`, none at either end.
/// `Create a vault` → `create-a-vault`, `billing_policy` → `billing-policy`.
pub fn id(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars() {
        if is_word(c) {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

/// GitHub's heading anchor (the rule of `github-slugger`): lower-cased;
/// letters, marks, digits, `_` and `-` kept; each space becomes `-`;
/// everything else (punctuation, symbols, emoji) dropped.
/// `What's in a Foam?` → `whats-in-a-foam`, `Übergangsvorschrift` →
/// `übergangsvorschrift`, `始めに` → `始めに`.
pub fn github(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c == ' ' {
            out.push('-');
        } else if c == '-' || c == '_' || is_word(c) {
            out.push(c);
        }
    }
    out
}

/// folio's ASCII slug from before GitHub's rule: lower-cased, every run of
/// characters other than `a-z0-9` one `-`, none at either end. Kept so that
/// anchors written for older folio projects still resolve.
pub fn legacy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// Hands out GitHub-style unique slugs: the second `Notes` heading of a
/// page is `notes-1`, the third `notes-2`.
#[derive(Debug, Default)]
pub struct Slugger {
    seen: std::collections::HashMap<String, usize>,
}

impl Slugger {
    pub fn unique(&mut self, base: String) -> String {
        let mut candidate = base.clone();
        loop {
            match self.seen.get_mut(&candidate) {
                None => {
                    self.seen.insert(candidate.clone(), 0);
                    return candidate;
                }
                Some(_) => {
                    let count = self.seen.get_mut(&base).expect("base was seen first");
                    *count += 1;
                    candidate = format!("{base}-{count}");
                }
            }
        }
    }
}

/// A name folio.toml may give a pack: `[a-z0-9][a-z0-9-]*`, so that it is
/// a file name on every system.
pub fn is_valid_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Letters, marks and numbers of any script.
fn is_word(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    matches!(
        c.general_category_group(),
        GeneralCategoryGroup::Letter | GeneralCategoryGroup::Mark | GeneralCategoryGroup::Number
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_file_names() {
        for (name, expected) in [
            ("Create a vault", "create-a-vault"),
            ("billing_policy", "billing-policy"),
            ("governance-and-oversight", "governance-and-oversight"),
            ("2023 Japan Trip", "2023-japan-trip"),
            ("Übersicht", "übersicht"),
            ("  --Odd__Name!! ", "odd-name"),
            ("नमस्ते दुनिया", "नमस्ते-दुनिया"),
            ("始めに", "始めに"),
            ("!!!", ""),
        ] {
            assert_eq!(id(name), expected, "{name}");
        }
    }

    /// Headings and the anchors GitHub gives them (github-slugger's rule).
    #[test]
    fn github_slugs() {
        for (heading, anchor) in [
            ("What's in a Foam", "whats-in-a-foam"),
            ("Hello, World!", "hello-world"),
            ("Übergangsvorschrift", "übergangsvorschrift"),
            ("§ 3 Übergangsvorschrift", "-3-übergangsvorschrift"),
            ("オープンソースへの貢献", "オープンソースへの貢献"),
            ("Step 1: Install (optional)", "step-1-install-optional"),
            ("snake_case and kebab-case", "snake_case-and-kebab-case"),
            ("Two  spaces", "two--spaces"),
            ("Emoji 🎉 party", "emoji--party"),
            ("C++ & Rust", "c--rust"),
            ("  Trimmed  ", "trimmed"),
            ("Ελληνικά Κεφάλαια", "ελληνικά-κεφάλαια"),
            ("Q&A", "qa"),
            ("100%", "100"),
        ] {
            assert_eq!(github(heading), anchor, "{heading}");
        }
    }

    #[test]
    fn duplicate_headings_are_numbered_like_github() {
        let mut slugger = Slugger::default();
        let got: Vec<String> = ["Notes", "Notes", "Notes-1", "Notes"]
            .iter()
            .map(|h| slugger.unique(github(h)))
            .collect();
        assert_eq!(got, ["notes", "notes-1", "notes-1-1", "notes-2"]);
    }

    #[test]
    fn legacy_slugs_stay_ascii() {
        assert_eq!(legacy("What's in a Foam"), "what-s-in-a-foam");
        assert_eq!(legacy("Übergang"), "bergang");
        assert_eq!(legacy("Roles & Responsibilities"), "roles-responsibilities");
    }
}
