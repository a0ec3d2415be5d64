//! Pandoc's citation syntax in running text: `[@key]`, `[@key, p. 33]`,
//! `[@a; @b]`, `[see @key, chap. 2]`, `[-@key]`, and a narrative `@key`.
//!
//! comrak does not parse citations, so they arrive inside text nodes; this
//! scanner splits such a text into plain runs and citation groups. A
//! bracketed group is a citation whatever its keys (an unknown key is then
//! a located warning); a bare `@word` is one only when a bibliography has
//! the key, so e-mail addresses and `@handles` stay as they are.

use std::ops::Range;

/// One cited work inside a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub key: String,
    /// Text before the key (`see`), printed before the citation.
    pub prefix: String,
    /// Locator and suffix as written (`p. 33`, `chap. 2, for details`).
    pub supplement: String,
    /// `-@key`: the year only, without the author.
    pub suppress_author: bool,
    /// The key's byte range (with its `@`) in the scanned text.
    pub range: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'t> {
    Text(&'t str),
    /// `[…]` (`narrative` false) or `@key` / `@key [p. 3]` in running text.
    Group {
        items: Vec<Item>,
        narrative: bool,
    },
}

/// Splits `text` into text and citations; `is_key` says whether a
/// bibliography has a key (for the narrative form).
pub fn scan<'t>(text: &'t str, is_key: &dyn Fn(&str) -> bool) -> Vec<Piece<'t>> {
    let mut pieces = Vec::new();
    let mut plain_from = 0;
    let mut at = 0;
    let bytes = text.as_bytes();
    while at < text.len() {
        let found = match bytes[at] {
            b'[' => bracketed(text, at),
            b'@' if at == 0 || !is_word_char(text[..at].chars().next_back().unwrap_or(' ')) => {
                narrative(text, at, is_key)
            }
            _ => None,
        };
        match found {
            Some((end, piece)) => {
                if plain_from < at {
                    pieces.push(Piece::Text(&text[plain_from..at]));
                }
                pieces.push(piece);
                at = end;
                plain_from = end;
            }
            None => at += text[at..].chars().next().map_or(1, char::len_utf8),
        }
    }
    if plain_from < text.len() {
        pieces.push(Piece::Text(&text[plain_from..]));
    }
    pieces
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Characters a key may hold inside it (Pandoc: alphanumerics and
/// `_:.#$%&-+?<>~/`), though not at its end.
fn is_key_char(c: char) -> bool {
    is_word_char(c) || ":.#$%&-+?<>~/".contains(c)
}

/// A key starting at `start` (just after `@`): its end, and the key.
fn key_at(text: &str, start: usize) -> Option<(usize, String)> {
    let rest = &text[start..];
    if let Some(braced) = rest.strip_prefix('{') {
        let close = braced.find('}')?;
        let key = braced[..close].trim();
        return (!key.is_empty()).then(|| (start + 1 + close + 1, key.to_string()));
    }
    let first = rest.chars().next()?;
    if !is_word_char(first) {
        return None;
    }
    let mut end = rest
        .char_indices()
        .find(|&(_, c)| !is_key_char(c))
        .map_or(rest.len(), |(i, _)| i);
    while end > 0 && !rest[..end].ends_with(is_word_char) {
        end -= rest[..end].chars().next_back().map_or(1, char::len_utf8);
    }
    Some((start + end, rest[..end].to_string()))
}

/// `[…]` at `open` when every `;`-separated part names a key.
fn bracketed(text: &str, open: usize) -> Option<(usize, Piece<'_>)> {
    let close = open + text[open..].find(']')?;
    let inner = &text[open + 1..close];
    if !inner.contains('@') || inner.contains('[') {
        return None;
    }
    let mut items = Vec::new();
    let mut part_start = open + 1;
    for part in inner.split(';') {
        let item = item(text, part_start, part)?;
        items.push(item);
        part_start += part.len() + 1;
    }
    Some((
        close + 1,
        Piece::Group {
            items,
            narrative: false,
        },
    ))
}

/// One `prefix -@key, locator suffix` part of a group, `part` starting at
/// byte `base` of `text`.
fn item(text: &str, base: usize, part: &str) -> Option<Item> {
    let mut search = 0;
    let at = loop {
        let found = search + part[search..].find('@')?;
        let before = part[..found].chars().next_back();
        if before.is_none_or(|c| c.is_whitespace() || c == '-') {
            break found;
        }
        search = found + 1;
    };
    let (key_end, key) = key_at(text, base + at + 1)?;
    let suppress_author = part[..at].ends_with('-');
    let prefix = part[..at].trim_end_matches('-').trim();
    let rest = &text[key_end..base + part.len()];
    let supplement = rest.trim_start_matches([',', ' ']).trim();
    let supplement = supplement
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or(supplement);
    let start = base + at - usize::from(suppress_author);
    Some(Item {
        key,
        prefix: prefix.to_string(),
        supplement: supplement.to_string(),
        suppress_author,
        range: start..key_end,
    })
}

/// `@key` in running text (a key a bibliography has), with an optional
/// ` [locator]` right after it.
fn narrative<'t>(
    text: &'t str,
    at: usize,
    is_key: &dyn Fn(&str) -> bool,
) -> Option<(usize, Piece<'t>)> {
    let (end, key) = key_at(text, at + 1)?;
    if !is_key(&key) {
        return None;
    }
    let mut supplement = String::new();
    let mut finish = end;
    let after = &text[end..];
    let spaced = after.trim_start_matches(' ');
    if let Some(inner) = spaced.strip_prefix('[')
        && let Some(close) = inner.find(']')
        && !inner[..close].contains(['@', '['])
    {
        supplement = inner[..close].trim().to_string();
        finish = end + (after.len() - spaced.len()) + 1 + close + 1;
    }
    Some((
        finish,
        Piece::Group {
            items: vec![Item {
                key,
                prefix: String::new(),
                supplement,
                suppress_author: false,
                range: at..end,
            }],
            narrative: true,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(pieces: &[Piece]) -> Vec<String> {
        pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Group { items, .. } => Some(
                    items
                        .iter()
                        .map(|i| {
                            format!(
                                "{}{}|{}|{}",
                                if i.suppress_author { "-" } else { "" },
                                i.key,
                                i.prefix,
                                i.supplement
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" ; "),
                ),
                Piece::Text(_) => None,
            })
            .collect()
    }

    fn known(key: &str) -> bool {
        ["oecd2007", "unsc2151", "doe.2020"].contains(&key)
    }

    #[test]
    fn every_pandoc_form() {
        let text = "As [@oecd2007] and [@oecd2007, p. 33] say [@oecd2007; @unsc2151], \
                    [see @oecd2007, chap. 2] and [-@unsc2151]; @oecd2007 [p. 4] argues, \
                    as does @unsc2151.";
        assert_eq!(
            keys(&scan(text, &known)),
            [
                "oecd2007||",
                "oecd2007||p. 33",
                "oecd2007|| ; unsc2151||",
                "oecd2007|see|chap. 2",
                "-unsc2151||",
                "oecd2007||p. 4",
                "unsc2151||",
            ]
        );
        let pieces = scan(text, &known);
        let rebuilt: String = pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.to_string(),
                Piece::Group { .. } => "#".to_string(),
            })
            .collect();
        assert_eq!(rebuilt, "As # and # say #, # and #; # argues, as does #.");
    }

    #[test]
    fn addresses_handles_and_unknown_narrative_keys_stay_text() {
        let text = "Mail info@example.org or @not-a-key, see [the list] and a[@b].";
        let pieces = scan(text, &known);
        assert_eq!(keys(&pieces), ["b||"]);
        assert_eq!(
            pieces[0],
            Piece::Text("Mail info@example.org or @not-a-key, see [the list] and a")
        );
    }

    #[test]
    fn keys_end_before_trailing_punctuation() {
        let pieces = scan("Per @doe.2020. And [@{odd key}].", &known);
        assert_eq!(keys(&pieces), ["doe.2020||", "odd key||"]);
    }

    #[test]
    fn ranges_point_at_the_keys() {
        let text = "x [see -@unsc2151, p. 3]";
        let Piece::Group { items, .. } = &scan(text, &known)[1] else {
            panic!("no group")
        };
        assert_eq!(&text[items[0].range.clone()], "-@unsc2151");
    }
}
