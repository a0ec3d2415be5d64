//! Every script prints, or folio says exactly where it cannot.
//!
//! One note per writing system (Chinese, Japanese, Korean, Arabic, Hebrew,
//! Devanagari, Thai, Greek, Cyrillic, emoji). Built with folio's own fonts
//! only, the notes no font covers get exactly one located `missing-glyphs`
//! warning each, in human and JSON output, from `build` and from `check`,
//! and the notes folio does not warn about have no blank box in the PDF.
//! Built again with free fonts from Debian (fonts-noto-cjk, fonts-noto-core,
//! fonts-noto-color-emoji) copied into the project's `fonts/`, nothing is
//! reported, no glyph in the PDF is `.notdef` (Typst writes glyph 0 for a
//! character no font has) and the text layer holds every character.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{Matrix, folio, multiply, project, stderr};
use lopdf::content::Content;
use lopdf::{Document, Encoding, Object};

/// A note in one writing system: its file, language, title, text and code,
/// and the warning a build with folio's own fonts gives (message, and the
/// text that starts where it points).
struct Script {
    name: &'static str,
    lang: &'static str,
    title: &'static str,
    text: &'static str,
    code: &'static str,
    missing: Option<(&'static str, &'static str)>,
}

#[rustfmt::skip]
const SCRIPTS: &[Script] = &[
    Script { name: "zh", lang: "zh", title: "安全部门改革", text: "这是中文笔记。", code: "代码",
        missing: Some(("15 characters in Chinese (安, 全, 部, 门, 改, …) have no font", "安全")) },
    Script { name: "ja", lang: "ja", title: "はじめに", text: "ダッシュボードを開きます。", code: "コード",
        missing: Some(("18 characters in Japanese (は, じ, め, に, ダ, …) have no font", "はじめに")) },
    Script { name: "ko", lang: "ko", title: "한국어 노트", text: "안보 부문 개혁입니다.", code: "코드",
        missing: Some(("16 characters in Korean (한, 국, 어, 노, 트, …) have no font", "한국어")) },
    Script { name: "ar", lang: "ar", title: "ملاحظة عربية", text: "إصلاح قطاع الأمن.", code: "رمز",
        missing: None },
    Script { name: "he", lang: "he", title: "הערה בעברית", text: "רפורמה במגזר הביטחון.", code: "קוד",
        missing: None },
    Script { name: "hi", lang: "hi", title: "हिन्दी टिप्पणी", text: "सुरक्षा क्षेत्र सुधार।", code: "कोड",
        missing: None },
    Script { name: "th", lang: "th", title: "บันทึกภาษาไทย", text: "การปฏิรูปภาคความมั่นคง", code: "รหัส",
        missing: Some(("23 characters in Thai (บ, ◌ั, น, ท, ◌ึ, …) have no font", "บันทึก")) },
    Script { name: "el", lang: "el", title: "Σημείωση", text: "Μεταρρύθμιση του τομέα ασφαλείας.", code: "κώδικας",
        missing: None },
    Script { name: "ru", lang: "ru", title: "Заметка", text: "Реформа сектора безопасности.", code: "код",
        missing: None },
    Script { name: "emoji", lang: "en", title: "Emoji", text: "Status: 😢 🚧 🎉 done ✅", code: "🔑",
        missing: Some(("5 emoji (😢, 🚧, 🎉, ✅, 🔑) have no font", "😢")) },
];

fn note_path(script: &Script) -> String {
    format!("notes/{}.md", script.name)
}

fn note_text(script: &Script) -> String {
    format!(
        "---\ntitle: \"{}\"\nlang: {}\n---\n\n{}\n\n`{}`\n",
        script.title, script.lang, script.text, script.code
    )
}

/// A project holding the given notes, plus `extra` files.
fn scripts_project(scripts: &[&Script], extra: &[(&str, &str)]) -> tempfile::TempDir {
    let notes: Vec<(String, String)> = scripts
        .iter()
        .map(|s| (note_path(s), note_text(s)))
        .collect();
    let mut files: Vec<(&str, &str)> = notes
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    files.extend_from_slice(extra);
    project(&files)
}

/// 1-based line and character column of the first occurrence of `needle`.
fn place(text: &str, needle: &str) -> (u64, u64) {
    let at = text.find(needle).expect("needle in the note");
    let before = &text[..at];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count() as u64
        + 1;
    (line, column)
}

/// (file, line, column, message) of every `missing-glyphs` diagnostic.
fn missing_glyphs(json: &serde_json::Value) -> BTreeSet<(String, u64, u64, String)> {
    json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "missing-glyphs")
        .map(|d| {
            assert_eq!(d["severity"], "warning", "{d}");
            assert!(
                d["hints"][0].as_str().unwrap_or("").contains("fonts/"),
                "the hint says what to do: {d}"
            );
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn expected_missing() -> BTreeSet<(String, u64, u64, String)> {
    SCRIPTS
        .iter()
        .filter_map(|s| {
            let (message, needle) = s.missing?;
            let (line, column) = place(&note_text(s), needle);
            Some((note_path(s), line, column, message.to_string()))
        })
        .collect()
}

#[test]
fn without_extra_fonts_each_uncovered_note_gets_one_located_warning() {
    let all: Vec<&Script> = SCRIPTS.iter().collect();
    let dir = scripts_project(&all, &[]);
    let expected = expected_missing();
    assert_eq!(expected.len(), 5);
    for command in ["check", "build"] {
        let output = folio(dir.path(), &[command, "--format", "json"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(missing_glyphs(&json), expected, "{command}");

        let output = folio(dir.path(), &[command]);
        assert_eq!(output.status.code(), Some(0));
        let human = stderr(&output);
        for (file, line, column, message) in &expected {
            let at = human
                .find(&format!("warning: {message}\n"))
                .unwrap_or_else(|| panic!("{command}: no `{message}` in\n{human}"));
            assert!(
                human[at..].contains(&format!("┌─ {file}:{line}:{column}\n")),
                "{command}: `{message}` is not placed at {file}:{line}:{column}\n{human}"
            );
        }
        assert!(human.contains("hint: they print as blank boxes"), "{human}");
    }
    // The build succeeded and wrote the book.
    assert!(dir.path().join("output/briefing-book.pdf").exists());
}

#[test]
fn the_warning_is_an_error_under_deny_warnings() {
    let zh = &SCRIPTS[0];
    let dir = scripts_project(&[zh], &[]);
    let output = folio(
        dir.path(),
        &["check", "--deny-warnings", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let d = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "missing-glyphs")
        .expect("missing-glyphs");
    assert_eq!(d["severity"], "error");
}

#[test]
fn notes_folio_does_not_warn_about_print_without_a_box() {
    let covered: Vec<&Script> = SCRIPTS.iter().filter(|s| s.missing.is_none()).collect();
    let dir = scripts_project(&covered, &[]);
    let output = folio(dir.path(), &["build", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(missing_glyphs(&json).is_empty(), "{json}");
    let glyphs = read_glyphs(&dir.path().join("output/briefing-book.pdf"));
    assert!(glyphs.total > 100, "{} glyphs", glyphs.total);
    assert_eq!(
        glyphs.notdef, 0,
        "blank boxes in notes folio did not warn about"
    );
    // …while each note folio warns about does print boxes: the warning is
    // never a false alarm.
    for script in SCRIPTS.iter().filter(|s| s.missing.is_some()) {
        let dir = scripts_project(&[script], &[]);
        let output = folio(dir.path(), &["-q"]);
        assert!(output.status.success(), "{}", stderr(&output));
        let glyphs = read_glyphs(&dir.path().join("output/briefing-book.pdf"));
        assert!(glyphs.notdef > 0, "{}: no box, but a warning", script.name);
    }
}

/// The free fonts the test adds, from Debian's packages, where they are
/// installed (`.ci/run` installs them): (file name, package).
const FREE_FONTS: &[(&str, &str)] = &[
    ("NotoSansCJK-Regular.ttc", "fonts-noto-cjk"),
    ("NotoSansThai-Regular.ttf", "fonts-noto-core"),
    ("NotoColorEmoji.ttf", "fonts-noto-color-emoji"),
];

fn find_font(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("FOLIO_TEST_FONTS")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    dirs.extend(
        [
            "/usr/share/fonts/opentype/noto",
            "/usr/share/fonts/truetype/noto",
            "/usr/share/fonts/noto",
            "/usr/share/fonts/google-noto-cjk",
            "/usr/share/fonts/google-noto-emoji",
            "/usr/share/fonts/google-noto",
        ]
        .map(PathBuf::from),
    );
    dirs.into_iter()
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

#[test]
fn with_free_fonts_added_every_character_prints_and_is_in_the_text_layer() {
    let mut found = Vec::new();
    for (name, package) in FREE_FONTS {
        match find_font(name) {
            Some(path) => found.push(path),
            None => {
                eprintln!(
                    "SKIPPED: {name} is not installed (Debian package {package}; \
                     .ci/run installs it, or set FOLIO_TEST_FONTS to a folder holding it)"
                );
                return;
            }
        }
    }
    let all: Vec<&Script> = SCRIPTS.iter().collect();
    let config = "[book]\ntitle = \"Scripts\"\n\
                  fallback_fonts = [\"Noto Sans CJK JP\", \"Noto Sans Thai\", \"Noto Color Emoji\"]\n";
    let dir = scripts_project(&all, &[("folio.toml", config)]);
    std::fs::create_dir_all(dir.path().join("fonts")).unwrap();
    for path in &found {
        std::fs::copy(
            path,
            dir.path().join("fonts").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    for command in ["check", "build"] {
        let output = folio(dir.path(), &[command, "--format", "json"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert!(missing_glyphs(&json).is_empty(), "{command}: {json}");
    }
    let output = folio(dir.path(), &["fonts", "--missing"]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).is_empty());
    let glyphs = read_glyphs(&dir.path().join("output/briefing-book.pdf"));
    assert_eq!(glyphs.notdef, 0, "blank boxes with every font present");
    let text: BTreeSet<char> = glyphs.text.chars().collect();
    for script in SCRIPTS {
        let lost: String = [script.title, script.text, script.code]
            .concat()
            .chars()
            .filter(|c| !c.is_whitespace() && !text.contains(c))
            .collect();
        assert!(
            lost.is_empty(),
            "{}: not in the text layer: {lost}",
            script.name
        );
    }
    // The manifest names the font files the book embeds.
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("output/manifest.json")).unwrap(),
    )
    .unwrap();
    let files: BTreeSet<&str> = manifest["files"][0]["fonts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    for path in &found {
        let name = format!("fonts/{}", path.file_name().unwrap().to_string_lossy());
        assert!(files.contains(name.as_str()), "{name} not in {files:?}");
    }
}

/// What a PDF's content streams show: glyphs of composite (Type0) fonts —
/// how Typst writes text — counted, the `.notdef` ones (glyph 0) apart,
/// and the text they stand for (their ToUnicode maps, or the ActualText
/// of a marked span).
struct Glyphs {
    total: usize,
    notdef: usize,
    text: String,
    /// Each text object's page, position (x, y from the bottom left, in
    /// points) and text, in content-stream order.
    runs: Vec<Run>,
}

#[derive(Debug)]
struct Run {
    page: u32,
    x: f32,
    y: f32,
    text: String,
}

fn read_glyphs(path: &Path) -> Glyphs {
    let doc = Document::load(path).unwrap();
    let mut glyphs = Glyphs {
        total: 0,
        notdef: 0,
        text: String::new(),
        runs: Vec::new(),
    };
    for (number, page) in doc.get_pages() {
        let fonts = doc.get_page_fonts(page).unwrap();
        let content = doc.get_and_decode_page_content(page).unwrap();
        let (resources, _) = doc.get_page_resources(page).unwrap();
        let place = Place {
            page: number,
            ctm: [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
        };
        read_content(&doc, &content, &fonts, resources, place, &mut glyphs);
    }
    glyphs
}

/// Where a content stream draws: its page and the transformation in force.
#[derive(Clone, Copy)]
struct Place {
    page: u32,
    ctm: Matrix,
}

fn read_content(
    doc: &Document,
    content: &Content,
    fonts: &BTreeMap<Vec<u8>, &lopdf::Dictionary>,
    resources: Option<&lopdf::Dictionary>,
    place: Place,
    glyphs: &mut Glyphs,
) {
    let mut ctm = place.ctm;
    let mut saved: Vec<Matrix> = Vec::new();
    // lopdf reads a simple font's /Encoding before its /ToUnicode map;
    // Typst's Type3 fonts (colour emoji) need the map, so it is read alone.
    let fonts: Vec<(&[u8], bool, lopdf::Dictionary)> = fonts
        .iter()
        .map(|(name, font)| {
            let composite = font
                .get(b"Subtype")
                .and_then(Object::as_name)
                .is_ok_and(|s| s == b"Type0");
            let mut font = (*font).clone();
            if !composite && font.has(b"ToUnicode") {
                font.remove(b"Encoding");
            }
            (name.as_slice(), composite, font)
        })
        .collect();
    let encodings: BTreeMap<&[u8], (bool, Option<Encoding>)> = fonts
        .iter()
        .map(|(name, composite, font)| (*name, (*composite, font.get_font_encoding(doc).ok())))
        .collect();
    let mut font: Option<&[u8]> = None;
    // Marked-content depth, and the depth at which an ActualText span
    // began: inside it the span's text stands for the glyphs.
    let mut depth = 0usize;
    let mut actual: Option<usize> = None;
    for op in &content.operations {
        match op.operator.as_str() {
            "q" => saved.push(ctm),
            "Q" => ctm = saved.pop().unwrap_or(ctm),
            "cm" => {
                let n: Vec<f32> = op
                    .operands
                    .iter()
                    .filter_map(|o| o.as_float().ok())
                    .collect();
                if let [a, b, c, d, e, f] = n[..] {
                    ctm = multiply(&[a, b, c, d, e, f], &ctm);
                }
            }
            "BT" => glyphs.runs.push(Run {
                page: place.page,
                x: ctm[4],
                y: ctm[5],
                text: String::new(),
            }),
            "Tf" => font = op.operands.first().and_then(|o| o.as_name().ok()),
            "BMC" => depth += 1,
            "BDC" => {
                depth += 1;
                let properties = op.operands.get(1).and_then(|p| match p {
                    Object::Dictionary(d) => Some(d),
                    Object::Name(name) => resources
                        .and_then(|r| r.get(b"Properties").ok())
                        .and_then(|p| doc.dereference(p).ok()?.1.as_dict().ok())
                        .and_then(|p| doc.dereference(p.get(name).ok()?).ok()?.1.as_dict().ok()),
                    _ => None,
                });
                if let Some(text) = properties.and_then(|d| d.get(b"ActualText").ok())
                    && actual.is_none()
                {
                    glyphs
                        .text
                        .push_str(&lopdf::decode_text_string(text).unwrap_or_default());
                    actual = Some(depth);
                }
            }
            "EMC" => {
                if actual == Some(depth) {
                    actual = None;
                }
                depth = depth.saturating_sub(1);
            }
            "Tj" | "'" | "\"" | "TJ" => {
                let strings: Vec<&[u8]> = op
                    .operands
                    .iter()
                    .flat_map(|o| match o {
                        Object::Array(items) => items.iter().collect::<Vec<_>>(),
                        other => vec![other],
                    })
                    .filter_map(|o| o.as_str().ok())
                    .collect();
                let Some((composite, encoding)) = font.and_then(|f| encodings.get(f)) else {
                    continue;
                };
                for bytes in strings {
                    if *composite {
                        for code in bytes.chunks(2) {
                            glyphs.total += 1;
                            if code == [0, 0] {
                                glyphs.notdef += 1;
                            }
                        }
                    }
                    if let Some(encoding) = encoding {
                        let text = Document::decode_text(encoding, bytes).unwrap_or_default();
                        if let Some(run) = glyphs.runs.last_mut() {
                            run.text.push_str(&text);
                        }
                        if actual.is_none() {
                            glyphs.text.push_str(&text);
                        }
                    }
                }
            }
            "Do" => {
                // Text inside a form XObject, with the form's own fonts.
                let Some(name) = op.operands.first().and_then(|o| o.as_name().ok()) else {
                    continue;
                };
                let form = resources
                    .and_then(|r| r.get(b"XObject").ok())
                    .and_then(|x| doc.dereference(x).ok()?.1.as_dict().ok())
                    .and_then(|x| x.get(name).ok())
                    .and_then(|f| doc.dereference(f).ok()?.1.as_stream().ok());
                let Some(form) = form else { continue };
                let is_form = form
                    .dict
                    .get(b"Subtype")
                    .and_then(Object::as_name)
                    .is_ok_and(|s| s == b"Form");
                if !is_form {
                    continue;
                }
                let inner = form
                    .dict
                    .get(b"Resources")
                    .ok()
                    .and_then(|r| doc.dereference(r).ok()?.1.as_dict().ok());
                let inner_fonts: BTreeMap<Vec<u8>, &lopdf::Dictionary> = inner
                    .and_then(|r| r.get(b"Font").ok())
                    .and_then(|f| doc.dereference(f).ok()?.1.as_dict().ok())
                    .map(|f| {
                        f.iter()
                            .filter_map(|(k, v)| {
                                Some((k.clone(), doc.dereference(v).ok()?.1.as_dict().ok()?))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let data = form
                    .decompressed_content()
                    .unwrap_or_else(|_| form.content.clone());
                let matrix: Vec<f32> = form
                    .dict
                    .get(b"Matrix")
                    .and_then(Object::as_array)
                    .map(|m| m.iter().filter_map(|o| o.as_float().ok()).collect())
                    .unwrap_or_default();
                let form_ctm = match matrix[..] {
                    [a, b, c, d, e, f] => multiply(&[a, b, c, d, e, f], &ctm),
                    _ => ctm,
                };
                if let Ok(content) = Content::decode(&data) {
                    let inner_place = Place {
                        page: place.page,
                        ctm: form_ctm,
                    };
                    read_content(doc, &content, &inner_fonts, inner, inner_place, glyphs);
                }
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------
// A note's language: quotation marks, dashes and direction.

fn build_pdf(files: &[(&str, &str)]) -> (tempfile::TempDir, Glyphs) {
    let dir = project(files);
    let output = folio(dir.path(), &["-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let glyphs = read_glyphs(&dir.path().join("output/briefing-book.pdf"));
    (dir, glyphs)
}

/// Text without whitespace (U+202F, the narrow space French sets inside
/// « », included).
fn squashed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn quotes_dashes_and_ellipses_follow_the_language_and_spare_code() {
    let body = "He said \"ghost\" and 'hi' -- it's 1990's --- fine...\n\n\
                `\"code\" -- it's...`\n\n```\n\"block\" --- 'x'...\n```\n";
    let note = |lang: &str| format!("---\ntitle: T {lang}\nlang: {lang}\n---\n\n{body}");
    let (en, de, fr) = (note("en"), note("de"), note("fr"));
    let (_dir, glyphs) = build_pdf(&[
        ("notes/en.md", &en),
        ("notes/de.md", &de),
        ("notes/fr.md", &fr),
    ]);
    let text = squashed(&glyphs.text);
    for (lang, expected) in [
        ("en", "Hesaid“ghost”and‘hi’–it’s1990’s—fine…"),
        ("de", "Hesaid„ghost“and‚hi‘–it’s1990’s—fine…"),
        ("fr", "Hesaid«ghost»and“hi”–it’s1990’s—fine…"),
    ] {
        assert!(text.contains(expected), "{lang}: no {expected} in\n{text}");
    }
    // Code spans and code blocks print exactly as written, in every note.
    assert_eq!(text.matches("\"code\"--it's...").count(), 3, "{text}");
    assert_eq!(text.matches("\"block\"---'x'...").count(), 3, "{text}");
    // No straight quote is left in prose.
    let prose: String = text
        .replace("\"code\"--it's...", "")
        .replace("\"block\"---'x'...", "");
    assert!(!prose.contains(['"', '\'']), "{prose}");
}

#[test]
fn an_arabic_note_is_set_right_to_left() {
    // The first word (أولا) is at the right edge of the line, the Latin name
    // in the middle keeps its own order, the last word (ثالثا) is leftmost.
    let ar = "---\ntitle: ملاحظة\nlang: ar\n---\n\nأولا Geneva Centre ثالثا\n";
    let en = "---\ntitle: Note\n---\n\nأولا Geneva Centre ثالثا\n";
    let x_of = |glyphs: &Glyphs, needle: char| -> f32 {
        glyphs
            .runs
            .iter()
            .find(|r| r.text.contains(needle))
            .unwrap_or_else(|| panic!("no run holds {needle}: {:?}", glyphs.runs))
            .x
    };
    // A title of its own: the default, the temp folder's random name, may
    // hold a `G` and put it in the running head.
    let config = ("folio.toml", "[book]\ntitle = \"Scripts\"\n");
    let (_dir, glyphs) = build_pdf(&[config, ("notes/ar.md", ar)]);
    // The three words are on one line of one page, so x alone orders them.
    let place = |needle: char| {
        let run = glyphs
            .runs
            .iter()
            .find(|r| r.text.contains(needle))
            .unwrap();
        (run.page, run.y.round())
    };
    assert!(
        place('أ') == place('G') && place('G') == place('ث'),
        "one line: {:?}",
        glyphs.runs
    );
    let (first, name, last) = (x_of(&glyphs, 'أ'), x_of(&glyphs, 'G'), x_of(&glyphs, 'ث'));
    assert!(
        first > name && name > last,
        "right to left: {first} > {name} > {last}"
    );
    // The paragraph ends at the right margin, like the title above it.
    let title = x_of(&glyphs, 'م');
    let line_end = glyphs
        .runs
        .iter()
        .filter(|r| r.text.contains('أ'))
        .map(|r| r.x)
        .fold(f32::MIN, f32::max);
    assert!(
        title > 300.0 && line_end > 300.0,
        "title at {title}, first word at {line_end}"
    );
    // The same paragraph in an English note reads left to right.
    let (_dir, glyphs) = build_pdf(&[config, ("notes/en.md", en)]);
    let (first, name, last) = (x_of(&glyphs, 'أ'), x_of(&glyphs, 'G'), x_of(&glyphs, 'ث'));
    assert!(
        first < name && name < last,
        "left to right: {first} < {name} < {last}"
    );
}

#[test]
fn the_running_head_of_a_right_to_left_chapter_reads_from_the_right() {
    // Long enough that each chapter has a second page, whose head shows
    // the book title and the chapter's title.
    let words = |word: &str| vec![word; 900].join(" ");
    let ar = format!("---\ntitle: ملاحظة\nlang: ar\n---\n\n{}\n", words("كلمة"));
    let en = format!("---\ntitle: Zeta note\n---\n\n{}\n", words("word"));
    let config = "[book]\ntitle = \"Handbook\"\n";
    let (_dir, glyphs) = build_pdf(&[
        ("folio.toml", config),
        ("notes/ar.md", &ar),
        ("notes/en.md", &en),
    ]);
    // A page's head is its topmost line; find the page whose head names
    // the chapter, and the x of the book title and the chapter title there.
    let head = |title_char: char| {
        let pages: std::collections::BTreeSet<u32> = glyphs.runs.iter().map(|r| r.page).collect();
        pages
            .into_iter()
            .find_map(|page| {
                let on_page: Vec<&Run> = glyphs.runs.iter().filter(|r| r.page == page).collect();
                let top = on_page.iter().map(|r| r.y).fold(f32::MIN, f32::max);
                let head: Vec<&&Run> = on_page.iter().filter(|r| r.y > top - 1.0).collect();
                let book = head.iter().find(|r| r.text.contains("Handbook"))?.x;
                let chapter = head.iter().find(|r| r.text.contains(title_char))?.x;
                Some((book, chapter))
            })
            .unwrap_or_else(|| panic!("no page's head names the chapter with {title_char}"))
    };
    let (book, chapter) = head('ل');
    assert!(
        book > chapter,
        "Arabic: book title {book} right of chapter title {chapter}"
    );
    let (book, chapter) = head('Z');
    assert!(
        book < chapter,
        "English: book title {book} left of chapter title {chapter}"
    );
}
