//! Reading the HTML that Markdown notes carry, without running any of it.
//!
//! Notes written for GitHub or a static site use a few HTML tags for what
//! Markdown lacks (`<details>`, `<kbd>`, `<sup>`, `<aside>`). This module
//! splits such HTML into tags and text; the converter prints the text and
//! maps the tags it knows to Typst functions. Nothing here is ever passed
//! to Typst as code.

/// One piece of an HTML fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token<'a> {
    /// Text between tags, entities already decoded.
    Text(String),
    /// `<name attr="…">` (or `<name/>`); the name is lower-cased.
    Open {
        name: String,
        attrs: Vec<(String, String)>,
        raw: &'a str,
    },
    /// `</name>`.
    Close { name: String, raw: &'a str },
    /// `<!-- … -->`, `<!DOCTYPE>`, `<?…?>`: never shown.
    Comment,
}

/// Splits `html` into tokens. Anything that does not parse as a tag is text.
pub fn tokens(html: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    let bytes = html.as_bytes();
    let flush = |out: &mut Vec<Token<'_>>, from: usize, to: usize| {
        if from < to {
            out.push(Token::Text(decode_entities(&html[from..to])));
        }
    };
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        if let Some((token, len)) = tag_at(&html[i..]) {
            flush(&mut out, text_start, i);
            out.push(token);
            i += len;
            text_start = i;
        } else {
            i += 1;
        }
    }
    flush(&mut out, text_start, html.len());
    out
}

/// The text of an HTML fragment without its tags (`Set up <em>before</em>`
/// → `Set up before`); text without tags is returned as it is.
pub fn strip_tags(text: &str) -> String {
    if !text.contains('<') {
        return text.to_string();
    }
    tokens(text)
        .into_iter()
        .filter_map(|t| match t {
            Token::Text(text) => Some(text),
            _ => None,
        })
        .collect()
}

fn tag_at(s: &str) -> Option<(Token<'_>, usize)> {
    if let Some(rest) = s.strip_prefix("<!--") {
        let end = rest.find("-->").map_or(s.len(), |e| 4 + e + 3);
        return Some((Token::Comment, end));
    }
    if s.starts_with("<!") || s.starts_with("<?") {
        let end = s.find('>')? + 1;
        return Some((Token::Comment, end));
    }
    let (closing, name_start) = if s.starts_with("</") {
        (true, 2)
    } else {
        (false, 1)
    };
    let name_len = s[name_start..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(s.len() - name_start);
    if name_len == 0 || !s.as_bytes()[name_start].is_ascii_alphabetic() {
        return None;
    }
    let name = s[name_start..name_start + name_len].to_ascii_lowercase();
    // The tag ends at the first `>` outside quotes.
    let mut quote = None;
    let mut end = None;
    for (j, c) in s.char_indices().skip(name_start + name_len) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => {
                end = Some(j + 1);
                break;
            }
            (None, '<') => return None,
            _ => {}
        }
    }
    let end = end?;
    let raw = &s[..end];
    if closing {
        return Some((Token::Close { name, raw }, end));
    }
    let inner = s[name_start + name_len..end - 1].trim_end_matches('/');
    Some((
        Token::Open {
            name,
            attrs: attributes(inner),
            raw,
        },
        end,
    ))
}

fn attributes(s: &str) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_ascii_lowercase();
        rest = rest[name_end..].trim_start();
        let mut value = String::new();
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (v, remaining) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => match after[1..].find(q) {
                    Some(close) => (&after[1..1 + close], &after[close + 2..]),
                    None => (&after[1..], ""),
                },
                _ => {
                    let end = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            value = decode_entities(v);
            rest = remaining.trim_start();
        }
        if name.is_empty() {
            // A stray `=` or quote: skip a character so the loop ends.
            let skip = rest.chars().next().map_or(0, char::len_utf8);
            rest = rest[skip..].trim_start();
            continue;
        }
        attrs.push((name, value));
    }
    attrs
}

/// Decodes the named entities notes use and every numeric one; anything
/// else stays as written.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..].find(';').map(|e| e + 1).filter(|&e| e <= 12);
        let decoded = end.and_then(|end| entity(&rest[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| !c.is_control() || c.is_whitespace());
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "laquo" => '«',
        "raquo" => '»',
        "ldquo" => '“',
        "rdquo" => '”',
        "lsquo" => '‘',
        "rsquo" => '’',
        "middot" => '·',
        "bull" => '•',
        "rarr" => '→',
        "larr" => '←',
        "times" => '×',
        "sect" => '§',
        "deg" => '°',
        "euro" => '€',
        "shy" => '\u{ad}',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_tags_and_text() {
        let got =
            tokens("<details><summary>More &amp; less</summary>Body<br/></details><!-- x -->");
        let names: Vec<String> = got
            .iter()
            .map(|t| match t {
                Token::Text(t) => format!("text:{t}"),
                Token::Open { name, .. } => format!("<{name}>"),
                Token::Close { name, .. } => format!("</{name}>"),
                Token::Comment => "comment".into(),
            })
            .collect();
        assert_eq!(
            names,
            [
                "<details>",
                "<summary>",
                "text:More & less",
                "</summary>",
                "text:Body",
                "<br>",
                "</details>",
                "comment"
            ]
        );
    }

    #[test]
    fn attributes_with_quotes_and_entities() {
        let got = tokens(r#"<img src="/assets/a b.png" alt='Tom &quot;T&quot;' width=300>"#);
        let Token::Open { attrs, .. } = &got[0] else {
            panic!("{got:?}")
        };
        assert_eq!(
            attrs,
            &[
                ("src".to_string(), "/assets/a b.png".to_string()),
                ("alt".to_string(), "Tom \"T\"".to_string()),
                ("width".to_string(), "300".to_string())
            ]
        );
    }

    #[test]
    fn what_is_not_a_tag_is_text() {
        assert_eq!(
            tokens("a < b and 3<4 &unknown; &#65;"),
            [Token::Text("a < b and 3<4 &unknown; A".into())]
        );
    }
}
