//! Citations and reference lists, read back from the PDFs of the fixture in
//! tests/fixtures/citations/: notes citing in every Pandoc form from a `.bib`
//! and a Hayagriva `.yaml` file (folio.toml) and a note's own `.bib` (front
//! matter), two packs with different bibliographies, and handouts.
//!
//! The fixture is built once in its default author-date style and once in a
//! numeric one (`ieee`); each test reads the PDFs it needs.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::{Pdf, folio, squash, stderr};

struct Built {
    dir: tempfile::TempDir,
    json: serde_json::Value,
}

impl Built {
    fn pdf(&self, name: &str) -> Pdf {
        Pdf::open(&self.dir.path().join("output").join(name))
    }
}

fn build(style: Option<&str>) -> Built {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::repo().join("tests/fixtures/citations"), dir.path());
    if let Some(style) = style {
        let config = dir.path().join("folio.toml");
        let text = std::fs::read_to_string(&config).unwrap().replace(
            "bibliography = [\"refs/works.bib\"",
            &format!("citation_style = \"{style}\"\nbibliography = [\"refs/works.bib\""),
        );
        std::fs::write(config, text).unwrap();
    }
    let output = folio(dir.path(), &["build", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json = serde_json::from_slice(&output.stdout).unwrap();
    Built { dir, json }
}

fn author_date() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| build(None))
}

fn numeric() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| build(Some("ieee")))
}

/// The squashed text of the chapter titled `title` (its first page).
fn chapter(pdf: &Pdf, title: &str) -> String {
    squash(&pdf.text(pdf.chapter_page(title)))
}

/// The entries of the References section, squashed, one per line of the
/// section as it starts: each entry begins with an author (or `[n]`).
fn references(pdf: &Pdf) -> String {
    let page = pdf.chapter_page("References");
    let text = pdf.text(page);
    let start = text.find("References").expect("References heading") + "References".len();
    squash(&text[start..])
}

#[test]
fn author_date_citations_print_in_every_form() {
    let pdf = author_date().pdf("policy.pdf");
    let text = chapter(&pdf, "Every Form");
    for expected in [
        "thereference(OECD2007).",
        "costsrose(DoeandRoe2020,p.33).",
        "oversightmatters(DoeandRoe2020;Smith2019).",
        "asarguedbeforesee(OECD2007,chap.2).",
        "theCouncilagreed(2014).",
        "Smith(2019)findsthesame,andDoeandRoe(2020,p.40)agrees.",
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
}

#[test]
fn numeric_citations_print_in_every_form() {
    let pdf = numeric().pdf("policy.pdf");
    let text = chapter(&pdf, "Every Form");
    for expected in [
        "thereference[1].",
        "costsrose[2,p.33].",
        "oversightmatters[2],[3].",
        "asarguedbeforesee[1,chap.2].",
        "theCouncilagreed[4].",
        "A.Smith[3]findsthesame,andJ.Q.DoeandR.Roe[2,p.40]agrees.",
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    let list = references(&pdf);
    assert!(list.starts_with("[1]OECD,OECDDACHandbook"), "{list}");
    assert!(list.contains("[4]UnitedNationsSecurityCouncil"), "{list}");
}

#[test]
fn the_references_list_exactly_the_works_the_pack_cites() {
    let pdf = author_date().pdf("policy.pdf");
    let list = references(&pdf);
    let entries = [
        // `Jane~Q.`: BibTeX's tie is a space.
        "Doe,JaneQ.,andRichardRoe.2020.“Costsof$5Reforms&theUNBudget.”Journalof#oversight_studies",
        "OECD.2007.OECDDACHandbookonSecuritySystemReform.",
        "Smith,Ann.2019.Oversight<in>Practice:#1@100%_done_[Draft].ExampleInstitute.",
        "UnitedNationsSecurityCouncil.2014.",
    ];
    let mut at = 0;
    for entry in entries {
        let found = list[at..]
            .find(entry)
            .unwrap_or_else(|| panic!("{entry} not (in order) in {list}"));
        at += found + 1;
    }
    // Not cited in this pack: an uncited work, and works only the field
    // note cites.
    for absent in ["Nobody", "FieldManual", "District"] {
        assert!(!list.contains(absent), "{absent} in {list}");
    }
    let outline: Vec<String> = pdf.outline().into_iter().map(|(_, t, _)| t).collect();
    let references_at = outline.iter().position(|t| t == "References");
    let appendix_at = outline.iter().position(|t| t == "Cross-reference appendix");
    assert!(
        references_at.is_some() && references_at < appendix_at,
        "{outline:?}"
    );
}

#[test]
fn citations_link_to_their_entries() {
    let pdf = author_date().pdf("policy.pdf");
    let references_page = pdf.chapter_page("References");
    let targets = pdf.internal_link_targets(pdf.chapter_page("Every Form"));
    // Eight citations of known works (two groups hold two each); the
    // unknown key prints without a link.
    assert_eq!(targets, vec![references_page; 8]);
    let second = pdf.internal_link_targets(pdf.chapter_page("Second Note"));
    assert_eq!(second, vec![references_page]);
}

#[test]
fn addresses_handles_and_unknown_keys_stay_literal() {
    let text = chapter(&author_date().pdf("policy.pdf"), "Every Form");
    assert!(
        text.contains("writetoinfo@example.orgorask@folio-teamor@nobodyontheforum."),
        "{text}"
    );
    assert!(
        text.contains("atypo@oecd2008(notfound)staysvisible."),
        "{text}"
    );
}

#[test]
fn each_pack_and_handout_cites_from_its_own_bibliography() {
    let built = author_date();
    // The field pack's own list lacks the handbook: "(not found)", and a
    // warning at the citation naming the pack.
    let field = chapter(&built.pdf("field.pdf"), "Field Notes");
    assert!(
        field.contains("(Field2018)andalocalsource(Local2022),andthehandbook@oecd2007(notfound)"),
        "{field}"
    );
    let handout = built.pdf("handouts/field-notes.pdf");
    let text = squash(&handout.all_text());
    assert!(text.contains("andthehandbook(OECD2007),"), "{text}");
    let list = &text[text.find("References").unwrap()..];
    for entry in ["Field,Frank.2018.", "Local,Lou.2022.", "OECD.2007."] {
        assert!(list.contains(entry), "{entry} not in {list}");
    }
    assert!(!list.contains("Smith"), "{list}");
    // A handout of a note that cites one work lists that one.
    let second = squash(&built.pdf("handouts/second.pdf").all_text());
    let list = &second[second.find("References").unwrap()..];
    assert!(list.contains("UnitedNationsSecurityCouncil.2014"), "{list}");
    assert!(!list.contains("OECD"), "{list}");
}

#[test]
fn citation_warnings_are_located() {
    let diagnostics: Vec<(String, String, u64, u64, String)> = author_date().json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "unresolved-citation")
        .map(|d| {
            (
                d["severity"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        (
            "warning",
            "notes/field/field-notes.md",
            8,
            19,
            "citation `@oecd2007` is not in the bibliography of pack `field`",
        ),
        (
            "warning",
            "notes/forms.md",
            20,
            18,
            "citation `@oecd2008` names no entry of a bibliography",
        ),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(s, f, l, c, m)| (s.to_string(), f.to_string(), *l, *c, m.to_string()))
        .collect();
    assert_eq!(diagnostics, expected);
}

#[test]
fn check_finds_citation_problems_without_typesetting() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::repo().join("tests/fixtures/citations"), dir.path());
    let output = folio(dir.path(), &["check", "--deny-warnings"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains("error: citation `@oecd2008` names no entry of a bibliography"),
        "{text}"
    );
    assert!(text.contains("notes/forms.md:20:18"), "{text}");
    assert!(text.contains("did you mean `@oecd2007`?"), "{text}");
    assert!(!Path::new(&dir.path().join("output")).exists());
}

/// A numeric CSL style of the project's own: brackets and numbers.
const HOUSE_CSL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info>
    <title>House numeric</title>
    <id>house-numeric</id>
    <category citation-format="numeric"/>
    <updated>2024-01-01T00:00:00+00:00</updated>
  </info>
  <citation>
    <layout prefix="[" suffix="]" delimiter=", ">
      <text variable="citation-number"/>
    </layout>
  </citation>
  <bibliography>
    <layout>
      <text variable="citation-number" prefix="(" suffix=") "/>
      <text variable="title"/>
    </layout>
  </bibliography>
</style>
"#;

#[test]
fn a_project_csl_style_is_used_and_its_citation_format_read() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::repo().join("tests/fixtures/citations"), dir.path());
    std::fs::create_dir_all(dir.path().join("styles")).unwrap();
    std::fs::write(dir.path().join("styles/house.csl"), HOUSE_CSL).unwrap();
    let config = dir.path().join("folio.toml");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "bibliography = [\"refs/works.bib\"",
        "citation_style = \"styles/house.csl\"\nbibliography = [\"refs/works.bib\"",
    );
    std::fs::write(config, text).unwrap();
    let output = folio(dir.path(), &["build"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let pdf = Pdf::open(&dir.path().join("output/policy.pdf"));
    let text = chapter(&pdf, "Every Form");
    // Numeric: `[-@key]` has no author to leave out, so it cites as usual.
    for expected in ["thereference[1].", "theCouncilagreed[4]."] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    assert!(
        references(&pdf).starts_with("(1)OECDDACHandbook"),
        "{}",
        references(&pdf)
    );
}
