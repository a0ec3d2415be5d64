//! Table-driven tests: one Markdown input per node kind and the exact Typst
//! markup it becomes. Each expectation was read and checked by hand.

use super::*;

/// Resolves every name to the id made from it and every anchor to its
/// GitHub slug, so that the tests here see the converter alone; cites from a
/// bibliography of `keys` (none: the project has no bibliography).
struct EveryName {
    keys: &'static [&'static str],
}

impl Resolve for EveryName {
    fn note(&self, name: &NoteName<'_>) -> Option<String> {
        let name = match *name {
            NoteName::Wiki { name, .. } => name,
            NoteName::Path { path, .. } => path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or(path),
        };
        let stem = name
            .strip_suffix(".md")
            .or(name.strip_suffix(".MD"))
            .unwrap_or(name);
        (stem != "missing").then(|| crate::slug::id(stem))
    }
    fn anchor(&self, _: &str, path: &[&str]) -> Option<String> {
        path.last().map(|p| crate::slug::github(p))
    }
    fn heading_text(&self, _: &str, slug: &str) -> Option<String> {
        Some(format!("Heading {slug}"))
    }
    fn embeddable(&self, _: &str) -> Option<Embeddable> {
        None
    }
    fn file(&self, _: &str, _: &str) -> Option<String> {
        None
    }
    fn suggest_note(&self, _: &str) -> Option<String> {
        None
    }
    fn suggest_anchor(&self, _: &str, _: &str) -> Option<String> {
        None
    }
    fn cites(&self) -> bool {
        !self.keys.is_empty()
    }
    fn citation_key(&self, key: &str) -> bool {
        self.keys.contains(&key)
    }
}

/// The context of note `n` in `dir`.
fn context(dir: &'static str, take_title: bool) -> NoteContext<'static> {
    NoteContext {
        previous_blocks: None,
        id: "n",
        dir,
        take_title,
        resolver: &EveryName { keys: &[] },
    }
}

fn typst(markdown: &str) -> String {
    convert(markdown, &context("notes", false)).typst
}

#[test]
fn inline_emphasis_strong_strike() {
    assert_eq!(
        typst("Hello *world* and **bold** and ~~gone~~."),
        "Hello #emph[world] and #strong[bold] and #strike[gone]\\.\n\n"
    );
}

#[test]
fn headings_shift_below_the_chapter() {
    assert_eq!(
        typst("# Top\n\n## Sub"),
        "#heading(level: 2)[Top]#label(\"folio:sec:n#top\")\n\n#heading(level: 3)[Sub]#label(\"folio:sec:n#sub\")\n\n"
    );
}

#[test]
fn inline_code() {
    assert_eq!(typst("`code #x`"), "#raw(\"code #x\");\n\n");
}

#[test]
fn fenced_code_with_language() {
    assert_eq!(
        typst("```rust\nfn main() {}\n```"),
        "#raw(block: true, lang: \"rust\", \"fn main() {}\")\n\n"
    );
}

#[test]
fn indented_code() {
    assert_eq!(typst("    indented"), "#raw(block: true, \"indented\")\n\n");
}

#[test]
fn block_quote() {
    assert_eq!(typst("> quoted"), "#quote(block: true)[quoted\n\n]\n\n");
}

#[test]
fn tight_bullet_list() {
    assert_eq!(
        typst("- a\n- b"),
        "#list(tight: true, [a\n\n], [b\n\n], )\n\n"
    );
}

#[test]
fn loose_ordered_list_with_start() {
    assert_eq!(
        typst("3. three\n4. four\n\n   para"),
        "#enum(start: 3, tight: false, [three\n\n], [four\n\npara\n\n], )\n\n"
    );
}

#[test]
fn task_list() {
    assert_eq!(
        typst("- [ ] open\n- [x] done"),
        "#list(tight: true, marker: none, [#folio-task(false)open\n\n], [#folio-task(true)done\n\n], )\n\n"
    );
}

#[test]
fn table_with_alignment() {
    assert_eq!(
        typst("| L | C | R |\n|:--|:-:|--:|\n| 1 | 2 | 3 |"),
        "#folio-table(5.1, table(columns: 3, align: (start, center, end,), table.header([L], [C], [R], ), [1], [2], [3], ))\n\n"
    );
}

#[test]
fn footnote_defined_once_used_twice() {
    assert_eq!(
        typst("Text[^a] and again[^a].\n\n[^a]: The *note*."),
        "Text#footnote[The #emph[note]\\.]#label(\"folio:fn:n:a\") and again#footnote(label(\"folio:fn:n:a\"));\\.\n\n"
    );
}

#[test]
fn external_links_only_for_safe_schemes() {
    assert_eq!(
        typst(
            "[site](https://example.com) and <https://auto.example> and [bad](javascript:alert(1))"
        ),
        "#link(\"https://example.com\")[site] and #link(\"https://auto.example\")[https\\:\\/\\/auto\\.example] and bad\n\n"
    );
}

#[test]
fn image_becomes_figure() {
    assert_eq!(
        typst("![A chart](images/chart.png)"),
        "#folio-figure(\"/notes/images/chart.png\", \"A chart\")\n\n\n"
    );
}

#[test]
fn thematic_break() {
    assert_eq!(typst("---"), "#folio-rule()\n\n");
}

#[test]
fn hard_and_soft_breaks() {
    assert_eq!(
        typst("line one  \nline two\nsoft"),
        "line one#linebreak()line two soft\n\n"
    );
}

#[test]
fn known_inline_html_becomes_markup() {
    assert_eq!(
        typst("<b>bold</b> H<sub>2</sub>O <kbd>Ctrl</kbd><!-- hidden -->"),
        "#strong[bold] H#sub[2]O #folio-kbd[Ctrl]\n\n"
    );
}

#[test]
fn unclosed_inline_html_closes_with_its_paragraph() {
    assert_eq!(typst("<sup>up\n\nnext"), "#super[up]\n\nnext\n\n");
}

#[test]
fn known_html_blocks_print_their_text() {
    assert_eq!(
        typst("<details><summary>More</summary>\n\nHidden *text*.\n\n</details>"),
        "\n\n#folio-html-block(\"details\")[#strong[More]\n\n\n\nHidden #emph[text]\\.\n\n]\n\n\n\n"
    );
}

#[test]
fn unknown_html_prints_literally_with_a_warning() {
    let converted = convert("<iframe src=\"x\"></iframe>\n", &context("notes", false));
    assert_eq!(
        converted.typst,
        "\\<iframe src\\=\\\"x\\\"\\>\\<\\/iframe\\>\n\n"
    );
    // One warning: the closing tag belongs to the same element.
    assert_eq!(converted.diagnostics.len(), 1);
    assert_eq!(converted.diagnostics[0].code, Some(Code::RawHtml));
}

#[test]
fn cross_references() {
    assert_eq!(
        typst(
            "[[other]] and [[other|Shown]] and [[other#part]] and [x](other.md#sec) and [y](#local)\n"
        ),
        "#folio-xref(\"other\", none, none); and #folio-xref(\"other\", none)[Shown] and #folio-xref(\"other\", \"part\")[Heading part] and #folio-xref(\"other\", \"sec\")[x] and #folio-xref(\"n\", \"local\")[y]\n\n"
    );
}

#[test]
fn title_is_taken_from_the_first_level_one_heading() {
    let converted = convert("Intro.\n\n# The Title\n\n# Part\n", &context("notes", true));
    assert_eq!(converted.title.as_deref(), Some("The Title"));
    assert_eq!(
        converted.typst,
        "Intro\\.\n\n#heading(level: 2)[Part]#label(\"folio:sec:n#part\")\n\n"
    );
}

#[test]
fn repeated_heading_slugs_get_numbers() {
    let converted = convert("# A b!\n\n# A b?\n\n# A-B\n", &context("notes", false));
    let slugs: Vec<&str> = converted.headings.iter().map(|h| h.slug.as_str()).collect();
    assert_eq!(slugs, ["a-b", "a-b-1", "a-b-2"]);
    let legacy: Vec<&str> = converted
        .headings
        .iter()
        .map(|h| h.legacy.as_str())
        .collect();
    assert_eq!(legacy, ["a-b", "a-b-2", "a-b-3"]);
}

#[test]
fn slugs_follow_the_spec() {
    assert_eq!(
        slug("  Civilian Oversight: Bodies & Roles  "),
        "civilian-oversight-bodies-roles"
    );
    assert_eq!(slug("Über 2009"), "ber-2009");
    assert_eq!(slug("!!!"), "");
}

#[test]
fn cross_references_and_images_are_collected_with_positions() {
    let body = "See [[beta#intro]].\n\n![Map](../img/map.png)\n";
    let converted = convert(body, &context("notes/sub", false));
    assert_eq!(
        converted.xrefs,
        [CrossRef {
            target: "beta".into(),
            anchor: Some("intro".into()),
            range: 4..18
        }]
    );
    assert_eq!(converted.images[0].path, "notes/img/map.png");
    assert_eq!(
        &body[converted.images[0].range.clone()],
        "![Map](../img/map.png)"
    );
}

#[test]
fn image_outside_the_project_is_an_error() {
    let converted = convert("![x](../../../etc/passwd)\n", &context("notes", false));
    assert!(converted.images.is_empty());
    assert_eq!(
        converted.diagnostics[0].message,
        "image `../../../etc/passwd` is outside the project folder"
    );
}

#[test]
fn source_map_points_back_into_the_body() {
    let body = "First.\n\nSecond *para*.\n";
    let converted = convert(body, &context("notes", false));
    let generated = converted.typst.find("#emph").unwrap();
    assert_eq!(
        converted.source_map.body_offset(generated),
        Some(body.find('*').unwrap())
    );
}

#[test]
fn links_to_md_files_in_any_case_name_the_note() {
    let converted = convert("[x](Beta.MD#intro)\n", &context("notes", false));
    assert_eq!(converted.xrefs[0].target, "beta");
}

#[test]
fn positions_count_lone_carriage_returns_as_line_ends() {
    let body = "one\rtwo\r[[beta]]\r";
    let converted = convert(body, &context("notes", false));
    assert_eq!(&body[converted.xrefs[0].range.clone()], "[[beta]]");
}

#[test]
fn callouts_become_panels_with_label_and_title() {
    assert_eq!(
        typst("> [!warning] Mind the gap\n> Text.\n"),
        "#folio-callout(\"warning\", \"Warning\")[Mind the gap][Text\\.\n\n]\n\n"
    );
    assert_eq!(
        typst("> [!faq]-\n> Folded.\n"),
        "#folio-callout(\"question\", \"Question\", none)[Folded\\.\n\n]\n\n"
    );
    assert_eq!(
        typst("> [!recipe] Soup\n> Hot.\n"),
        "#folio-callout(\"other\", \"Recipe\")[Soup][Hot\\.\n\n]\n\n"
    );
}

#[test]
fn comments_are_left_out_and_highlights_marked() {
    assert_eq!(
        typst("Keep %%not this%% and ==this==.\n\n%%\nBlock\n\ncomment\n%%\n\nEnd."),
        "Keep  and #highlight[this]\\.\n\nEnd\\.\n\n"
    );
}

#[test]
fn unresolved_links_print_their_text_marked() {
    let converted = convert(
        "[[missing]] and [[missing|shown]] and [x](missing.md)\n",
        &context("notes", false),
    );
    assert_eq!(
        converted.typst,
        "#folio-missing[missing] and #folio-missing[shown] and #folio-missing[x]\n\n"
    );
    assert!(converted.xrefs.is_empty());
    let codes: Vec<_> = converted.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Some(Code::UnresolvedLink); 3]);
    assert!(converted.diagnostics.iter().all(|d| !d.is_error()));
}

#[test]
fn links_without_extension_to_no_note_stay_plain_text() {
    assert_eq!(typst("[site](/missing/)\n"), "site\n\n");
    assert_eq!(
        typst("[doc](other)\n"),
        "#folio-xref(\"other\", none)[doc]\n\n"
    );
    assert_eq!(typst("[file](report.pdf)\n"), "file\n\n");
}

#[test]
fn block_ids_are_labels_and_not_printed() {
    assert_eq!(
        typst("A claim. ^claim-1\n"),
        "#metadata(none)#label(\"folio:sec:n#^claim-1\")A claim\\.\n\n"
    );
}

#[test]
fn inline_tags_are_collected_and_printed() {
    let converted = convert(
        "About #policy and #ssr/oversight, not #1 or a#b.\n",
        &context("notes", false),
    );
    assert_eq!(converted.tags, ["policy", "ssr/oversight"]);
    assert!(converted.typst.contains("\\#policy"));
}

#[test]
fn template_tags_and_diagrams_warn_once_per_note() {
    let converted = convert(
        "{% include a.html %}\n\n{{ site.title }}\n\n```mermaid\ngraph\n```\n\n```mermaid\ngraph\n```\n",
        &context("notes", false),
    );
    let codes: Vec<_> = converted.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Some(Code::TemplateTag), Some(Code::Diagram)]);
    assert!(converted.typst.contains("\\{\\% include a\\.html \\%\\}"));
}

#[test]
fn unprintable_embeds_print_a_placeholder() {
    let converted = convert("![[Board.base]]\n", &context("notes", false));
    assert_eq!(converted.typst, "#folio-placeholder(\"Board.base\")\n\n\n");
    assert_eq!(converted.diagnostics[0].code, Some(Code::UnprintableEmbed));
}

/// One note `other` with two sections, embeddable.
struct OneOther;

impl Resolve for OneOther {
    fn note(&self, name: &NoteName<'_>) -> Option<String> {
        match *name {
            NoteName::Wiki { name, .. } if name.eq_ignore_ascii_case("other") => {
                Some("other".into())
            }
            NoteName::Wiki { name: "n", .. } => Some("n".into()),
            _ => None,
        }
    }
    fn anchor(&self, _: &str, path: &[&str]) -> Option<String> {
        let slug = crate::slug::github(path.last()?);
        ["first", "second"].contains(&slug.as_str()).then_some(slug)
    }
    fn heading_text(&self, _: &str, slug: &str) -> Option<String> {
        Some(slug.to_uppercase())
    }
    fn embeddable(&self, id: &str) -> Option<Embeddable> {
        Some(Embeddable {
            title: if id == "n" {
                "N".into()
            } else {
                "Other".into()
            },
            body: if id == "n" {
                "Self ![[n]]\n".into()
            } else {
                "# Other\n\n## First\n\nOne [[other#second]].\n\n## Second\n\nTwo ![[n]].\n".into()
            },
            dir: "notes".into(),
            take_title: true,
        })
    }
    fn file(&self, _: &str, _: &str) -> Option<String> {
        None
    }
    fn suggest_note(&self, _: &str) -> Option<String> {
        None
    }
    fn suggest_anchor(&self, _: &str, _: &str) -> Option<String> {
        None
    }
}

fn with_other(markdown: &str) -> Converted {
    let note = NoteContext {
        previous_blocks: None,
        id: "n",
        dir: "notes",
        take_title: false,
        resolver: &OneOther,
    };
    convert(markdown, &note)
}

#[test]
fn a_section_embed_inlines_that_section_once() {
    let converted = with_other("![[Other#First]]\n");
    assert_eq!(
        converted.typst,
        "#folio-embed(\"Other › First\")[#folio-embedded-heading(2)[First]\n\nOne #folio-xref(\"other\", \"second\")[SECOND]\\.\n\n]\n\n\n\n"
    );
    assert!(
        converted.diagnostics.is_empty(),
        "{:?}",
        converted.diagnostics
    );
    // The embedded note is referred to, at the embed.
    assert!(converted.xrefs.iter().all(|x| x.range == (0..16)));
}

#[test]
fn an_embed_that_would_recur_is_an_error_at_the_embed() {
    // `n` embeds `other#second`, which embeds `n`.
    let converted = with_other("Intro.\n\n![[Other#Second]]\n");
    let cycle: Vec<_> = converted
        .diagnostics
        .iter()
        .filter(|d| d.code == Some(Code::EmbedCycle))
        .collect();
    assert_eq!(cycle.len(), 1, "{:?}", converted.diagnostics);
    assert!(cycle[0].is_error());
    assert_eq!(cycle[0].range, Some(8..25));
    assert!(converted.typst.contains("Two "));
}

#[test]
fn links_to_template_tags_print_their_text() {
    assert_eq!(
        typst("See [the guide]({% page \"/guide/\" %}) and [**this**]({% page \"/x/\" %}).\n"),
        "See the guide and #strong[this]\\.\n\n"
    );
}

#[test]
fn a_citation_wrapped_over_lines_is_one_group() {
    let note = NoteContext {
        previous_blocks: None,
        id: "n",
        dir: "notes",
        take_title: false,
        resolver: &EveryName {
            keys: &["oecd2007"],
        },
    };
    let converted = convert("As argued [see @oecd2007,\np. 3] and @oecd2007.\n", &note);
    assert!(
        converted
            .typst
            .contains(r#"see #folio-cite("oecd2007", supplement: [p\. 3], form: "normal");"#),
        "{}",
        converted.typst
    );
    assert!(
        converted
            .typst
            .contains(r#"and #folio-cite("oecd2007", form: "prose");\."#),
        "{}",
        converted.typst
    );
    assert_eq!(converted.citations.len(), 2);
    assert!(converted.diagnostics.is_empty());
}

#[test]
fn blocks_ending_in_multibyte_characters_hash() {
    let body = "# Gesetz über die Akkreditierungsstelle\n\nÄ\n\n## Überschrift Ä\n\n| Ä | ö |\n|---|---|\n| ü | ß |\n\n```\nÄ\n```\n";
    let converted = convert(body, &context("notes", false));
    assert_eq!(converted.blocks.len(), 6, "{:?}", converted.blocks);
}

#[test]
fn without_a_bibliography_citations_are_text() {
    let converted = convert("Ask [@team] or @team.\n", &context("notes", false));
    assert!(
        !converted.typst.contains("folio-cite"),
        "{}",
        converted.typst
    );
    assert!(converted.diagnostics.is_empty());
    assert!(converted.citations.is_empty());
}
