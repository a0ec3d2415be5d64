//! Several documents from one corpus: packs, handouts, references to notes
//! in other packs, the manifest, --pack and --shard, reproducibility.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::{Pdf, folio, project, squash, stderr};

struct Built {
    dir: tempfile::TempDir,
    manifest: serde_json::Value,
}

/// The repository's sample with its full folio.toml, built once.
fn sample() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = common::sample_project();
        let output = folio(dir.path(), &["build"]);
        assert!(output.status.success(), "{}", stderr(&output));
        let manifest = read_manifest(&dir.path().join("output"));
        Built { dir, manifest }
    })
}

fn read_manifest(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap()
}

fn paths(manifest: &serde_json::Value) -> Vec<String> {
    manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_pack_and_handout_is_written_and_listed_in_order() {
    let built = sample();
    let mut expected = vec![
        "compendium.pdf",
        "workshop-governance.pdf",
        "workshop-stabilisation.pdf",
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    for id in [
        "security-sector-management",
        "governance-and-oversight",
        "national-security-policies",
        "threat-assessments",
        "defense-sector-reform",
        "ssr-in-stabilization",
        "ssr-best-practices",
        "ssr-challenges-us-policy",
    ] {
        expected.push(format!("handouts/{id}.pdf"));
    }
    assert_eq!(paths(&built.manifest), expected);
    assert_eq!(built.manifest["folio_version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn manifest_entries_match_the_files() {
    let built = sample();
    let out = built.dir.path().join("output");
    for file in built.manifest["files"].as_array().unwrap() {
        let path = out.join(file["path"].as_str().unwrap());
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(file["bytes"].as_u64().unwrap() as usize, bytes.len());
        assert_eq!(
            file["sha256"].as_str().unwrap(),
            folio::output::sha256_hex(&bytes)
        );
        assert_eq!(
            file["pages"].as_u64().unwrap() as usize,
            Pdf::open(&path).page_count()
        );
        let kind = if file["path"].as_str().unwrap().starts_with("handouts/") {
            "handout"
        } else {
            "pack"
        };
        assert_eq!(file["kind"], kind);
    }
    let workshop = &built.manifest["files"][1];
    assert_eq!(workshop["pack"], "workshop-governance");
    // Named notes first, in the order given, then the tagged ones.
    assert_eq!(
        workshop["notes"],
        serde_json::json!(["governance-and-oversight", "security-sector-management"])
    );
}

#[test]
fn a_reference_outside_the_pack_names_the_compendium_page() {
    let out = sample().dir.path().join("output");
    let compendium = Pdf::open(&out.join("compendium.pdf"));
    let workshop = Pdf::open(&out.join("workshop-governance.pdf"));
    let page = compendium.chapter_page("Defense Sector Reform");
    let text: String = (1..=workshop.page_count() as u32)
        .map(|p| squash(&workshop.text(p)))
        .collect();
    let expected = format!("DefenseSectorReform(notinthispack;seeCompendium,p.{page})");
    assert!(
        text.contains(&expected),
        "{expected} not in the workshop pack"
    );
    assert!(!text.contains("??"));
    // The cover names the pack.
    assert!(squash(&workshop.text(1)).contains("Workshop:GovernanceandOversight"));
}

#[test]
fn a_handout_is_one_note_with_where_to_find_its_related_notes() {
    let out = sample().dir.path().join("output");
    let compendium = Pdf::open(&out.join("compendium.pdf"));
    let handout = Pdf::open(&out.join("handouts/threat-assessments.pdf"));
    let text: String = (1..=handout.page_count() as u32)
        .map(|p| squash(&handout.text(p)))
        .collect();
    assert!(text.contains("ThreatAssessmentsandReviews"));
    assert!(text.contains("Relatednotes"));
    let page = compendium.chapter_page("National Security Policies and Strategies");
    assert!(text.contains(&format!("—inCompendium,p.{page}")), "{text}");
    assert!(handout.page_count() <= 3);
}

#[test]
fn pack_flag_builds_only_that_pack() {
    let dir = common::sample_project();
    let output = folio(dir.path(), &["--pack", "workshop-governance", "--quiet"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        paths(&read_manifest(&dir.path().join("output"))),
        ["workshop-governance.pdf"]
    );
    // The compendium is not built in this run, so the workshop only says
    // the note is elsewhere.
    let pdf = Pdf::open(&dir.path().join("output/workshop-governance.pdf"));
    let text: String = (1..=pdf.page_count() as u32)
        .map(|p| squash(&pdf.text(p)))
        .collect();
    assert!(text.contains("DefenseSectorReform(notinthispack)"));
}

#[test]
fn unknown_pack_flag_is_a_usage_error() {
    let dir = common::sample_project();
    let output = folio(dir.path(), &["--pack", "nope"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output)
            .contains("no pack is named `nope`; the packs are: compendium, workshop-governance")
    );
}

#[test]
fn shards_cover_every_document_exactly_once() {
    let full = paths(&sample().manifest);
    let mut union = Vec::new();
    for shard in ["1/3", "2/3", "3/3"] {
        let dir = common::sample_project();
        let output = folio(dir.path(), &["--shard", shard, "-q"]);
        assert!(output.status.success(), "{}", stderr(&output));
        union.extend(paths(&read_manifest(&dir.path().join("output"))));
    }
    union.sort();
    let mut expected = full.clone();
    expected.sort();
    assert_eq!(union, expected);
    let dir = common::sample_project();
    assert_eq!(
        folio(dir.path(), &["--shard", "4/3"]).status.code(),
        Some(2)
    );
}

#[test]
fn one_job_or_many_gives_the_same_bytes() {
    let dir = common::sample_project();
    let output = folio(dir.path(), &["--jobs", "1", "-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(read_manifest(&dir.path().join("output")), sample().manifest);
}

#[test]
fn plain_output_lists_files_in_order_then_a_summary() {
    let dir = common::sample_project();
    let output = folio(dir.path(), &[]);
    let text = stderr(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "wrote output/compendium.pdf (20 pages)"
            .replace("20", &sample().manifest["files"][0]["pages"].to_string())
    );
    assert!(lines.last().unwrap().starts_with("11 files, "), "{text}");
}

#[test]
fn a_one_page_document_is_one_page() {
    let dir = project(&[
        (
            "folio.toml",
            "[book]\ntitle = \"One\"\nlayout = \"handout\"\n",
        ),
        NOTE_A,
    ]);
    let output = folio(dir.path(), &[]);
    let text = stderr(&output);
    assert!(
        text.lines()
            .any(|l| l == "wrote output/briefing-book.pdf (1 page)"),
        "{text}"
    );
}

const NOTE_A: (&str, &str) = (
    "notes/alpha.md",
    "---\ntitle: Alpha\ntags: [x]\n---\n\nText.\n",
);

#[test]
fn pack_errors_point_into_folio_toml() {
    let cases = [
        (
            "[[pack]]\nname = \"one\"\nnotes = [\"alpha\", \"alpah\"]\n",
            "┌─ folio.toml:3:19",
            "pack `one` names an unknown note `alpah`",
        ),
        (
            "[[pack]]\nname = \"empty\"\ntags = [\"none\"]\n",
            "┌─ folio.toml:1:1",
            "pack `empty` contains no notes",
        ),
        (
            "[[pack]]\nname = \"a\"\nnotes = [\"*\"]\n\n[[pack]]\nname = \"a\"\nnotes = [\"*\"]\n",
            "┌─ folio.toml:6:8",
            "two packs are named `a`",
        ),
        (
            "[[pack]]\nname = \"Bad Name\"\n",
            "┌─ folio.toml:2:8",
            "`Bad Name` is not a valid pack name",
        ),
    ];
    for (config, location, message) in cases {
        let dir = project(&[NOTE_A, ("folio.toml", config)]);
        let output = folio(dir.path(), &[]);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{text}");
        assert!(
            text.contains(message) && text.contains(location),
            "{message} at {location}:\n{text}"
        );
    }
}

#[test]
fn each_pack_holds_exactly_its_notes_in_order() {
    let out = sample().dir.path().join("output");
    let chapters = |file: &str| -> Vec<String> {
        Pdf::open(&out.join(file))
            .outline()
            .into_iter()
            .filter(|(level, title, _)| {
                *level == 1 && !["Cross-reference appendix", "References"].contains(&title.as_str())
            })
            .map(|(_, title, _)| title.split_once(' ').unwrap().1.to_string())
            .collect()
    };
    // Named notes in the order given, then the notes tagged `oversight`.
    assert_eq!(
        chapters("workshop-governance.pdf"),
        [
            "Security Sector Governance and Oversight",
            "Management of the Security Sector"
        ]
    );
    // Named notes, then their related notes, in default order.
    let stabilisation = chapters("workshop-stabilisation.pdf");
    assert_eq!(
        &stabilisation[..2],
        ["SSR in Stabilization Environments", "Defense Sector Reform"]
    );
    assert_eq!(
        stabilisation.len(),
        sample().manifest["files"][2]["notes"]
            .as_array()
            .unwrap()
            .len()
    );
    assert_eq!(chapters("compendium.pdf").len(), 8);
}

#[test]
fn an_interrupted_build_leaves_every_earlier_pdf_whole() {
    let dir = common::sample_project();
    assert!(folio(dir.path(), &["-q"]).status.success());
    let out = dir.path().join("output");
    let before: Vec<(String, Vec<u8>)> = paths(&read_manifest(&out))
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(out.join(&p)).unwrap();
            (p, bytes)
        })
        .collect();
    // Change every note so every PDF would change, then kill the build part
    // way through, at several moments.
    for note in std::fs::read_dir(dir.path().join("notes"))
        .unwrap()
        .flatten()
    {
        let text = std::fs::read_to_string(note.path()).unwrap();
        std::fs::write(
            note.path(),
            text.replacen("\n---\n", "\n---\n\nA new first paragraph.\n", 1),
        )
        .unwrap();
    }
    // When, after the start of a build, each PDF is replaced: a complete
    // build that rewrites them all shows the window in which files are
    // written.
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
            // One document at a time: the PDFs are then written one after
            // another rather than at once, which widens the window a kill
            // can land in.
            .args(["-q", "--jobs", "1"])
            .current_dir(dir.path())
            .spawn()
            .unwrap()
    };
    let restore = || {
        for (path, old) in &before {
            std::fs::write(out.join(path), old).unwrap();
        }
    };
    let started = std::time::SystemTime::now();
    assert!(spawn().wait().unwrap().success());
    let written: Vec<std::time::Duration> = before
        .iter()
        .map(|(path, _)| {
            let modified = std::fs::metadata(out.join(path))
                .unwrap()
                .modified()
                .unwrap();
            modified.duration_since(started).unwrap_or_default()
        })
        .collect();
    let (first, last) = (
        *written.iter().min().unwrap(),
        *written.iter().max().unwrap(),
    );
    // Kill at a moment found by bisection, until one kill lands between two
    // writes: too early (nothing rewritten) moves it later, too late
    // (everything rewritten) earlier, so it finds the window under any load.
    let mut landed = None;
    let (mut early, mut late) = (std::time::Duration::ZERO, last * 2);
    for _ in 0..40 {
        restore();
        // Timing varies from run to run (other tests run beside this one):
        // when the bounds have closed in without a hit, search again.
        if late.saturating_sub(early) < std::time::Duration::from_millis(2) {
            (early, late) = (first / 2, last * 2);
        }
        let delay = (early + late) / 2;
        let mut child = spawn();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        let mut rewritten = 0;
        for (path, old) in &before {
            let now = std::fs::read(out.join(path)).unwrap();
            // Either the earlier file, untouched, or a complete new one.
            assert!(
                now.ends_with(b"%%EOF") || now.ends_with(b"%%EOF\n"),
                "{path} is whole after a kill at {delay:?}"
            );
            if now != *old {
                assert!(Pdf::open(&out.join(path)).page_count() > 0, "{path}");
                rewritten += 1;
            }
        }
        if rewritten == 0 {
            early = delay;
        } else if rewritten == before.len() {
            late = delay;
        } else {
            landed = Some(rewritten);
            break;
        }
    }
    assert!(
        landed.is_some(),
        "no kill landed between two writes (files written {first:?} to {last:?} after the start)"
    );
}

#[test]
fn emit_typst_writes_the_sources_typst_compiles() {
    let dir = common::sample_project();
    let emitted = tempfile::tempdir().unwrap();
    let output = folio(
        dir.path(),
        &[
            "--pack",
            "compendium",
            "-q",
            "--emit-typst",
            emitted.path().to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let root = emitted.path().join("compendium");
    let main = std::fs::read_to_string(root.join("__folio__/main.typ")).unwrap();
    assert!(main.contains("#import \"/layouts/briefing.typ\": book"));
    assert!(main.contains("include \"/__folio__/notes/threat-assessments.typ\""));
    let note =
        std::fs::read_to_string(root.join("__folio__/notes/threat-assessments.typ")).unwrap();
    assert!(note.starts_with("#import \"/layouts/prelude.typ\": *"));
    for file in [
        "__folio__/pack.json",
        "__folio__/elsewhere.json",
        "layouts/briefing.typ",
        "layouts/prelude.typ",
    ] {
        assert!(root.join(file).exists(), "{file}");
    }
}

#[test]
fn a_pack_cannot_take_the_handouts_folder_name() {
    let config = "[[pack]]\nname = \"handouts\"\nnotes = [\"*\"]\n\n[handouts]\nenabled = true\n";
    let dir = project(&[NOTE_A, ("folio.toml", config)]);
    let text = stderr(&folio(dir.path(), &[]));
    assert!(
        text.contains("a pack cannot be named `handouts` while handouts are enabled")
            && text.contains("folio.toml:2:8"),
        "{text}"
    );
}
