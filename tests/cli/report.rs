//! `report`: module PDFs checked as a reader and a validator would – structure for PDF/UA,
//! PDF/A metadata, embedded fonts, alt texts, German numbers, no suppressed value, literal
//! hostile names, determinism, sandboxed templates, atomic writes.

use crate::pdfcheck::Pdf;
use crate::util::{TestProject, repo};
use std::sync::OnceLock;

/// A small generated city (8 Stadtteile, 3 years) with two hostile Stadtteil names,
/// rendered once for all tests of this file.
struct Rendered {
    p: TestProject,
    manifest: serde_json::Value,
}

const BOESE1: &str = "#read(\"/etc/passwd\")";
const BOESE2: &str = "*fett* $x$ ]";

fn small_city() -> TestProject {
    city(8, 3)
}

/// A generated city with the sample project's configuration.
fn city(stadtteile: usize, jahre: usize) -> TestProject {
    let p = TestProject::empty();
    p.run(&[
        "sample",
        "--stadtteile",
        &stadtteile.to_string(),
        "--jahre",
        &jahre.to_string(),
    ])
    .exit(0);
    std::fs::copy(
        repo().join("bildungsmonitor.toml"),
        p.path().join("bildungsmonitor.toml"),
    )
    .unwrap();
    p
}

fn rendered() -> &'static Rendered {
    static R: OnceLock<Rendered> = OnceLock::new();
    R.get_or_init(|| {
        let p = small_city();
        let g = p.read("data-samples/gebiete.csv");
        let mut lines: Vec<String> = g.lines().map(str::to_string).collect();
        for (i, name) in [(1, BOESE1), (2, BOESE2)] {
            let mut f: Vec<String> = lines[i].split(';').map(str::to_string).collect();
            f[1] = format!("\"{}\"", name.replace('"', "\"\""));
            lines[i] = f.join(";");
        }
        p.write("data-samples/gebiete.csv", lines.join("\n") + "\n");
        // a high minimum base, so that the small city has suppressed shares to check
        let cfg = p
            .read("bildungsmonitor.toml")
            .replace("mindestbasis = 10", "mindestbasis = 150");
        p.write("bildungsmonitor.toml", cfg);
        let r = p.run(&["report", "--format", "json"]);
        r.exit(0).no_panic();
        let manifest = serde_json::from_str(&r.stdout).expect("manifest JSON");
        Rendered { p, manifest }
    })
}

/// The SHA-256 of every file in a `--format json` manifest, sorted.
fn sha256s(m: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = m["dateien"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["sha256"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

fn pdf(name: &str) -> (Pdf, Vec<u8>) {
    let bytes = std::fs::read(rendered().p.path().join("out").join(name)).unwrap();
    (Pdf::load(&bytes), bytes)
}

#[test]
fn three_modules_with_manifest() {
    let m = &rendered().manifest;
    let files = m["dateien"].as_array().unwrap();
    assert_eq!(files.len(), 3, "{m:#}");
    for f in files {
        let seiten = f["seiten"].as_u64().unwrap();
        assert!((8..=80).contains(&seiten), "{f}");
        assert_eq!(f["sha256"].as_str().unwrap().len(), 64);
        let bytes = std::fs::read(rendered().p.path().join(f["datei"].as_str().unwrap())).unwrap();
        assert_eq!(Pdf::load(&bytes).pages() as u64, seiten);
    }
    assert!(
        m["gesperrte_zahlen"].as_u64().unwrap() > 0,
        "small city: {m}"
    );
}

#[test]
fn pdf_ua_and_pdf_a_structure() {
    for name in [
        "fruehkindliche_bildung.pdf",
        "allgemeinbildende_schulen.pdf",
        "uebergaenge.pdf",
    ] {
        let (p, _) = pdf(name);
        assert_eq!(p.lang(), "de-DE", "{name}");
        assert!(p.has(b"StructTreeRoot"), "{name}");
        assert!(p.marked(), "{name}: MarkInfo/Marked");
        assert!(p.has(b"Outlines"), "{name}: bookmarks");
        let xmp = p.xmp();
        assert!(
            xmp.contains("<pdfaid:part>2</pdfaid:part>"),
            "{name}: {xmp}"
        );
        assert!(
            xmp.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
            "{name}"
        );
        assert!(xmp.contains("<pdfuaid:part>1</pdfuaid:part>"), "{name}");
        assert!(
            xmp.contains("Musterstadt"),
            "{name}: no configured title in XMP"
        );
        let (total, embedded) = p.fonts_embedded();
        assert!(
            total > 0 && total == embedded,
            "{name}: {embedded} of {total} fonts embedded"
        );
        // every figure has an alt text that is not its caption
        let figures = p.struct_elems(b"Figure");
        assert!(figures.len() >= 6, "{name}: {} figures", figures.len());
        let text = p.text();
        for f in figures {
            let alt = p.text_of(f, b"Alt").unwrap_or_default();
            assert!(alt.len() > 40, "{name}: alt text too short: {alt:?}");
            assert!(
                !alt.starts_with("Abbildung"),
                "{name}: alt is the caption: {alt}"
            );
            assert!(
                alt.contains(" % ") || alt.contains('%') || alt.chars().any(|c| c.is_ascii_digit()),
                "{name}: alt names no value: {alt}"
            );
        }
        assert!(
            !p.struct_elems(b"TH").is_empty(),
            "{name}: table header cells"
        );
        // the Stadtteil column names its rows: one row header per Stadtteil of a table
        let rows = p.header_cells_with_scope(b"Row");
        assert!(rows >= 40, "{name}: {rows} row header cells");
        assert!(!p.struct_elems(b"H1").is_empty() || !p.struct_elems(b"H2").is_empty());
        assert!(text.contains("Das Wichtigste in Kürze"), "{name}");
        assert!(
            text.contains("Glossar") && text.contains("Impressum"),
            "{name}"
        );
    }
}

#[test]
fn numbers_are_german_and_match_the_published_table() {
    let p = &rendered().p;
    // the city value of FK01 in the latest year, as `indicators` publishes it
    let r = p.run(&[
        "indicators",
        "--indicator",
        "FK01",
        "--ebene",
        "stadt",
        "--format",
        "json",
    ]);
    r.exit(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let latest = v["kennzahlen"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["zeit"].as_str().unwrap().len() == 10)
        .max_by_key(|k| k["zeit"].as_str().unwrap().to_string())
        .unwrap();
    let wert = latest["wert"].as_f64().unwrap();
    let german = format!("{:.1}", wert).replace('.', ",");
    let (pdf, _) = pdf("fruehkindliche_bildung.pdf");
    let text = pdf.text();
    assert!(
        text.contains(&german),
        "FK01 city value {german} not in the PDF text"
    );
    assert!(
        !text.contains(&format!("{wert:.1} %")),
        "decimal point instead of comma"
    );
}

#[test]
fn no_suppressed_value_is_printed() {
    let p = &rendered().p;
    let (pdf, _) = pdf("fruehkindliche_bildung.pdf");
    let text = pdf.text();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut checked_hidden = 0;
    for id in ["FK01", "FK02", "FK03", "FK04", "FK07"] {
        let r = p.run(&[
            "indicators",
            "--indicator",
            id,
            "--ebene",
            "stadtteil",
            "--format",
            "json",
        ]);
        r.exit(0);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let rows = v["kennzahlen"].as_array().unwrap();
        let latest = rows
            .iter()
            .map(|k| k["zeit"].as_str().unwrap())
            .filter(|z| z.len() == 10)
            .max()
            .unwrap()
            .to_string();
        let rows: Vec<&serde_json::Value> = rows
            .iter()
            .filter(|k| k["zeit"] == latest.as_str())
            .collect();
        let title = {
            let c = p.run(&["catalogue", "--format", "json"]);
            let c: serde_json::Value = serde_json::from_str(&c.stdout).unwrap();
            c["indikatoren"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["id"] == id)
                .unwrap()["titel"]
                .as_str()
                .unwrap()
                .to_string()
        };
        // the indicator's table: one cell per line from its header to its caption
        let caption = lines
            .iter()
            .position(|l| {
                l.starts_with("Tabelle") && l.contains(&format!("{title} nach Stadtteilen"))
            })
            .unwrap_or_else(|| panic!("no table for {id}"));
        // the first header after the previous table: a table running over pages repeats it
        let previous = lines[..caption]
            .iter()
            .rposition(|l| l.starts_with("Tabelle "))
            .map_or(0, |i| i + 1);
        let start = previous
            + lines[previous..caption]
                .windows(5)
                .position(|w| w == ["Stadtteil", "Wert", "Veränderung", "Zähler", "Nenner"])
                .expect("table header");
        let table = &lines[start..caption];
        for k in rows {
            let name = k["name"].as_str().unwrap();
            let at = table
                .iter()
                .position(|l| *l == name)
                .unwrap_or_else(|| panic!("{id}: {name} not in table"));
            let (wert, zaehler) = (table[at + 1], table[at + 3]);
            if k["gesperrt"] == true {
                checked_hidden += 1;
                assert_eq!(wert, ".", "{id} {name}: suppressed value printed as {wert}");
                assert_eq!(
                    zaehler, ".",
                    "{id} {name}: suppressed numerator printed as {zaehler}"
                );
            } else if let Some(w) = k["wert"].as_f64() {
                let expected = format!("{w:.1}").replace('.', ",");
                assert!(
                    wert.starts_with(&expected),
                    "{id} {name}: {wert} vs {expected}"
                );
            }
        }
    }
    assert!(checked_hidden > 0, "the small city has suppressed cells");
}

#[test]
fn hostile_names_print_literally() {
    let (pdf, _) = pdf("fruehkindliche_bildung.pdf");
    let text = pdf.text();
    assert!(text.contains("#read(\"/etc/passwd\")"), "name not literal");
    assert!(text.contains("*fett* $x$ ]"), "markup was interpreted");
    assert!(!text.contains("root:x:0:0"), "a file was read");
}

#[test]
fn same_input_same_bytes_and_draft_differs() {
    let r = rendered();
    let again = r.p.run(&["report", "--format", "json", "--out", "again"]);
    again.exit(0);
    let m2: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(sha256s(&r.manifest), sha256s(&m2));
    let draft = r.p.run(&[
        "report",
        "--module",
        "uebergaenge",
        "--draft",
        "--out",
        "draft",
        "--format",
        "json",
    ]);
    draft.exit(0);
    let bytes = std::fs::read(r.p.path().join("draft/uebergaenge.pdf")).unwrap();
    let pdf = Pdf::load(&bytes);
    let text = pdf.text();
    assert!(text.contains("ENTWURF"), "watermark");
    // drawn last on every page, above charts and tables, as an artifact
    for page in 1..=pdf.pages() as u32 {
        let drawn = pdf.page_text(page);
        assert!(
            drawn.trim_end().ends_with("ENTWURF"),
            "page {page}: the watermark is not drawn last: …{}",
            &drawn[drawn.len().saturating_sub(200)..]
        );
        assert!(
            pdf.last_text_is_artifact(page),
            "page {page}: watermark not an artifact"
        );
    }
    assert!(text.contains("Daten sha256:"), "build line");
    assert!(text.contains(env!("CARGO_PKG_VERSION")));
}

/// A tiny project for the template tests: the golden fixture with one module.
fn tiny() -> TestProject {
    let p = TestProject::from_fixture("golden");
    p.append(
        "bildungsmonitor.toml",
        "\n[berichte.kita]\ntitel = \"Kita\"\nindikatoren = [\"FK01\", \"FK02\"]\n",
    );
    p
}

fn with_templates(p: &TestProject, files: &[(&str, &str)]) {
    let mut cfg = p.read("bildungsmonitor.toml");
    cfg = cfg.replace(
        "stand = 2025-11-01",
        "stand = 2025-11-01\nvorlagen = \"vorlagen\"",
    );
    p.write("bildungsmonitor.toml", cfg);
    std::fs::create_dir_all(p.path().join("vorlagen")).unwrap();
    for (name, text) in files {
        p.write(&format!("vorlagen/{name}"), text);
    }
}

#[test]
fn tiny_project_renders_without_map() {
    let p = tiny();
    let r = p.run(&["report"]);
    r.exit(0).no_panic();
    let pdf = Pdf::load(&std::fs::read(p.path().join("out/kita.pdf")).unwrap());
    let text = pdf.text();
    // FK01 Nord: 100 of 200 children → 50,0 %
    assert!(text.contains("50,0"), "{text}");
    assert!(text.contains("Goldstadt"));
}

#[test]
fn symlink_in_template_folder_is_refused() {
    let p = tiny();
    with_templates(&p, &[]);
    std::os::unix::fs::symlink("/etc/hostname", p.path().join("vorlagen/geheim.txt")).unwrap();
    let r = p.run(&["report"]);
    r.exit(1).no_panic().stderr_has("symbolische Verknüpfung");
    assert!(!p.path().join("out").exists());
}

/// A hard link is a file of the folder by its path, but its content lives elsewhere too.
#[test]
fn hard_link_in_template_folder_is_refused() {
    let p = tiny();
    with_templates(&p, &[]);
    p.write("aussen.txt", "geheim");
    std::fs::hard_link(
        p.path().join("aussen.txt"),
        p.path().join("vorlagen/geheim.txt"),
    )
    .unwrap();
    let r = p.run(&["report"]);
    r.exit(1)
        .no_panic()
        .stderr_has("harte Verknüpfung im Vorlagenordner");
    assert!(!p.path().join("out").exists());
}

#[test]
fn broken_template_reports_file_line_column() {
    let p = tiny();
    with_templates(
        &p,
        &[(
            "modul.typ",
            "#let daten = json(sys.inputs.daten)\n\n= Titel\n#daten.meta.gibtsnicht\n",
        )],
    );
    let r = p.run(&["report"]);
    r.exit(1).no_panic();
    assert!(
        r.stderr.contains("modul.typ:4:"),
        "no file:line:column in: {}",
        r.stderr
    );
    assert!(!p.path().join("out/kita.pdf").exists());
}

/// The lint is a courtesy: a template that reaches the clock past it gets the publication
/// date (Stand), so the PDF is the same on every run by construction.
#[test]
fn the_clock_past_the_lint_is_the_stand_date() {
    let p = tiny();
    with_templates(
        &p,
        &[(
            "modul.typ",
            "#set document(title: [Test])\n#set text(lang: \"de\")\n#let d = datetime\n#let heute = d.today()\nHeute ist #heute.display(\"[day].[month].[year]\").\n",
        )],
    );
    p.run(&["report"]).exit(0).no_panic();
    let first = std::fs::read(p.path().join("out/kita.pdf")).unwrap();
    let text = Pdf::load(&first).text();
    assert!(text.contains("Heute ist 01.11.2025."), "{text}");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    p.run(&["report"]).exit(0);
    assert_eq!(std::fs::read(p.path().join("out/kita.pdf")).unwrap(), first);
}

#[test]
fn templates_must_not_read_the_clock_or_eval() {
    let p = tiny();
    with_templates(&p, &[("modul.typ", "#datetime.today()\n")]);
    p.run(&["report"]).exit(1).stderr_has("datetime.today");
    let p = tiny();
    with_templates(&p, &[("modul.typ", "#eval(\"1+1\")\n")]);
    p.run(&["report"]).exit(1).stderr_has("eval");
}

#[test]
fn failing_module_leaves_no_pdf_and_keeps_older_files() {
    let p = tiny();
    p.append(
        "bildungsmonitor.toml",
        "\n[berichte.kaputt]\ntitel = \"Kaputt\"\nindikatoren = [\"FK03\"]\nvorlage = \"kaputt.typ\"\n",
    );
    with_templates(
        &p,
        &[(
            "kaputt.typ",
            "#assert(false, message: \"Abbruch mitten im Satz\")\n",
        )],
    );
    p.write("out/kita.pdf", "ältere Datei");
    let r = p.run(&["report"]);
    r.exit(1).no_panic().stderr_has("Abbruch mitten im Satz");
    assert_eq!(p.read("out/kita.pdf"), "ältere Datei");
    assert!(!p.path().join("out/kaputt.pdf").exists());
    let leftovers: Vec<_> = std::fs::read_dir(p.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "temporary files left: {leftovers:?}");
}

#[test]
fn unknown_module_names_the_configured_ones() {
    let p = tiny();
    p.run(&["report", "--module", "kitta"])
        .exit(2)
        .stderr_has("Meinten Sie „kita“?");
}

#[test]
fn builtin_templates_are_deterministic_and_safe() {
    for entry in std::fs::read_dir(repo().join("report-templates")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "typ") {
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap();
                for bad in ["datetime.today", "eval(", "read("] {
                    assert!(!code.contains(bad), "{}:{}: {bad}", path.display(), i + 1);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// faktencheck: topic sheets and profiles in batch
// ---------------------------------------------------------------------------------------------

/// The Stadtteil numbers of a generated city, in order.
fn nummern(p: &TestProject) -> Vec<String> {
    p.read("data-samples/gebiete.csv")
        .lines()
        .skip(1)
        .map(|l| l.split(';').next().unwrap().to_string())
        .collect()
}

#[test]
fn profiles_in_parallel_name_only_their_own_stadtteil() {
    let p = small_city();
    let nr = nummern(&p);
    let r = p.run(&[
        "faktencheck",
        "--stadtteil",
        &nr[0],
        "--stadtteil",
        &nr[1],
        "--format",
        "json",
    ]);
    r.exit(0).no_panic();
    let m: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let files: Vec<String> = m["dateien"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["datei"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(files.len(), 2, "{m}");
    let gebiete = p.read("data-samples/gebiete.csv");
    let names: Vec<(String, String)> = gebiete
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(';').collect();
            (f[0].to_string(), f[1].to_string())
        })
        .collect();
    for (nr, own) in names.iter().take(2) {
        let file = files
            .iter()
            .find(|f| f.contains(&format!("-stadtteil-{nr}-")))
            .unwrap_or_else(|| panic!("no file for {nr}: {files:?}"));
        assert!(file.starts_with("out/faktencheck-20"), "{file}");
        let pdf = Pdf::load(&std::fs::read(p.path().join(file)).unwrap());
        assert!(
            (1..=2).contains(&pdf.pages()),
            "{file}: {} pages",
            pdf.pages()
        );
        let text = pdf.text();
        assert!(text.contains(&format!("Stadtteilprofil {own}")), "{file}");
        for (_, other) in names.iter().filter(|(_, n)| n != own) {
            assert!(!text.contains(other.as_str()), "{file} names {other}");
        }
        // alt texts too
        for f in pdf.struct_elems(b"Figure") {
            let alt = pdf.text_of(f, b"Alt").unwrap_or_default();
            for (_, other) in names.iter().filter(|(_, n)| n != own) {
                assert!(
                    !alt.contains(other.as_str()),
                    "{file}: alt names {other}: {alt}"
                );
            }
        }
    }
    // the same batch again: identical bytes
    let again = p.run(&[
        "faktencheck",
        "--stadtteil",
        &nr[0],
        "--stadtteil",
        &nr[1],
        "--format",
        "json",
        "--out",
        "again",
    ]);
    let m2: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(sha256s(&m), sha256s(&m2));
}

#[test]
fn topic_sheet_has_figures_statements_and_own_text() {
    let p = small_city();
    p.run(&["faktencheck", "--topic", "kita"])
        .exit(0)
        .no_panic();
    let out: Vec<_> = std::fs::read_dir(p.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(
        out[0].starts_with("faktencheck-") && out[0].ends_with("-kita.pdf"),
        "{out:?}"
    );
    let bytes = std::fs::read(p.path().join("out").join(&out[0])).unwrap();
    let pdf = Pdf::load(&bytes);
    assert!((1..=2).contains(&pdf.pages()));
    let text = pdf.text();
    assert!(text.contains("Kita-Betreuung"));
    assert!(text.contains("Auf einen Blick"));
    assert!(text.contains("Einordnung"), "the analyst's text");
    assert!(text.contains("Wohnort"), "bold part of the analyst's text");
    assert!(pdf.xmp().contains("<pdfuaid:part>1</pdfuaid:part>"));
    assert!(pdf.struct_elems(b"Figure").len() >= 2, "chart and map");
}

#[test]
fn failure_in_sheet_three_of_five_leaves_no_new_file() {
    let p = small_city();
    // sheet 3 of 5 (the third Stadtteil) gets a name the template cannot set: an own profile
    // template that fails for exactly that name
    let g = p.read("data-samples/gebiete.csv");
    let third = g
        .lines()
        .nth(3)
        .unwrap()
        .split(';')
        .nth(1)
        .unwrap()
        .to_string();
    let mut cfg = p.read("bildungsmonitor.toml");
    cfg = cfg.replace(
        "stand = 2026-11-01",
        "stand = 2026-11-01\nvorlagen = \"vorlagen\"",
    );
    p.write("bildungsmonitor.toml", cfg);
    let original = std::fs::read_to_string(repo().join("report-templates/profil.typ")).unwrap();
    p.write(
        "vorlagen/profil.typ",
        format!(
            "{original}\n#assert(daten.gebiet != \"{}\", message: \"Abbruch bei Blatt 3\")\n",
            third.replace('"', "\\\"")
        ),
    );
    p.write("out/faktencheck-alt.pdf", "vorher");
    let before = p.snapshot();
    let nr = nummern(&p);
    let mut args = vec!["faktencheck"];
    for n in nr.iter().take(5) {
        args.extend(["--stadtteil", n.as_str()]);
    }
    let r = p.run(&args);
    r.exit(1).no_panic().stderr_has("Abbruch bei Blatt 3");
    assert_eq!(before, p.snapshot(), "a file was written or changed");
}

/// A batch holds its files until the end, but not their descriptors: 30 profiles with only
/// 24 open files allowed (a Land's 2,000 Gemeinden against the usual limit of 1,024).
#[cfg(unix)]
#[test]
fn batch_of_profiles_needs_few_open_files() {
    let p = city(30, 2);
    let out = std::process::Command::new("sh")
        .args(["-c", "ulimit -n 24 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_bildungsmonitor"))
        .args(["faktencheck", "--all-stadtteile", "-q"])
        .current_dir(p.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdfs = std::fs::read_dir(p.path().join("out"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "pdf")
        })
        .count();
    assert_eq!(pdfs, 30);
}

#[test]
fn faktencheck_needs_a_selection_and_known_names() {
    let p = tiny();
    p.run(&["faktencheck"]).exit(2);
    p.run(&["faktencheck", "--stadtteil", "99"])
        .exit(2)
        .stderr_has("nicht konfiguriert");
    p.run(&["faktencheck", "--topic", "kita"])
        .exit(2)
        .stderr_has("keine Faktenchecks konfiguriert");
}

#[test]
fn selection_is_checked_before_the_data() {
    // a wrong module or Stadtteil is reported at once, not after reading (here: broken) data
    let p = tiny();
    p.append("bevoelkerung.csv", "31.12.2024;01;2;-5;0;0\n");
    p.run(&["validate"]).exit(1).stderr_has("negative Anzahl");
    p.run(&["faktencheck", "--stadtteil", "99"])
        .exit(2)
        .no_panic()
        .stderr_has("nicht konfiguriert");
    p.run(&["faktencheck", "--sozialraum", "S9"])
        .exit(2)
        .stderr_has("Meinten Sie „S1“?");
    p.run(&["report", "--module", "kitta"])
        .exit(2)
        .stderr_has("Meinten Sie „kita“?");
    assert!(!p.path().join("out").exists(), "nothing may be written");
    // with a known selection the data problem is what stops the run
    p.run(&["report", "--module", "kita"])
        .exit(1)
        .stderr_has("negative Anzahl");
}

#[test]
fn tiny_stadtteil_sheet_shows_dots_but_not_the_reason() {
    let p = small_city();
    // a high minimum base makes Stadtteil 01's shares unpublishable
    let cfg = p
        .read("bildungsmonitor.toml")
        .replace("mindestbasis = 10", "mindestbasis = 100000");
    p.write("bildungsmonitor.toml", cfg);
    let nr = nummern(&p);
    p.run(&["faktencheck", "--stadtteil", &nr[0]]).exit(0);
    let file = std::fs::read_dir(p.path().join("out"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = Pdf::load(&std::fs::read(file).unwrap()).text();
    assert!(text.contains("gesperrt"), "{text}");
    // a published reason would narrow the hidden value ("1 or 2", "the base minus 1 or 2")
    assert!(!text.contains("Mindestbasis"), "no reason: {text}");
    assert!(!text.contains("Mindestfallzahl"), "no reason: {text}");
}

#[test]
fn watch_renders_again_after_a_change() {
    use std::time::{Duration, Instant};
    let p = tiny();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bildungsmonitor"))
        .args(["report", "--watch", "-q"])
        .current_dir(p.path())
        .env_remove("RUST_BACKTRACE")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pdf = p.path().join("out/kita.pdf");
    let wait_for = |cond: &dyn Fn() -> bool| {
        let t0 = Instant::now();
        while !cond() && t0.elapsed() < Duration::from_secs(120) {
            std::thread::sleep(Duration::from_millis(100));
        }
        cond()
    };
    let ok = wait_for(&|| pdf.exists());
    let first = std::fs::read(&pdf).unwrap_or_default();
    let cfg = p
        .read("bildungsmonitor.toml")
        .replace("Goldstadt", "Goldhausen");
    p.write("bildungsmonitor.toml", cfg);
    let changed =
        ok && wait_for(&|| std::fs::read(&pdf).is_ok_and(|b| b != first && !b.is_empty()));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(ok, "first render did not appear");
    assert!(changed, "no new render after the change");
    let text = Pdf::load(&std::fs::read(&pdf).unwrap()).text();
    assert!(text.contains("Goldhausen"));
}

#[test]
fn corporate_design_logo_colour_and_bad_colour() {
    let p = tiny();
    let cfg = p.read("bildungsmonitor.toml").replace(
        "stand = 2025-11-01",
        "stand = 2025-11-01\nlogo = \"logo.svg\"",
    );
    p.write(
        "bildungsmonitor.toml",
        format!("{cfg}\n[gestaltung]\nfarbe = \"#8b0000\"\n"),
    );
    p.write(
        "logo.svg",
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40"><rect width="80" height="40" fill="#8b0000"/></svg>"##,
    );
    p.run(&["report"]).exit(0).no_panic();
    let pdf = Pdf::load(&std::fs::read(p.path().join("out/kita.pdf")).unwrap());
    let alts: Vec<String> = pdf
        .struct_elems(b"Figure")
        .into_iter()
        .filter_map(|f| pdf.text_of(f, b"Alt"))
        .collect();
    assert!(alts.iter().any(|a| a == "Logo: Goldstadt"), "{alts:?}");
    // a colour that is not #rrggbb is a located configuration error
    let cfg = p
        .read("bildungsmonitor.toml")
        .replace("#8b0000", "dunkelrot");
    p.write("bildungsmonitor.toml", cfg);
    p.run(&["report"])
        .exit(1)
        .stderr_has("bildungsmonitor.toml:")
        .stderr_has("keine Farbe");
}

#[test]
fn period_selects_an_earlier_year_and_bad_periods_are_refused() {
    let p = small_city();
    p.run(&["report", "--module", "uebergaenge", "--period", "2024"])
        .exit(0)
        .no_panic();
    let text = Pdf::load(&std::fs::read(p.path().join("out/uebergaenge.pdf")).unwrap()).text();
    assert!(text.contains("(2024/25)"), "values of 2024/25 expected");
    assert!(!text.contains("(2025/26)"), "a later school year was shown");
    p.run(&["report", "--period", "im Herbst"])
        .exit(2)
        .stderr_has("nicht lesbar");
}

#[test]
fn an_initialised_project_renders_reports_and_sheets() {
    let p = TestProject::empty();
    p.run(&["init", "neu"]).exit(0);
    let dir = p.path().join("neu");
    crate::util::run_in(&dir, &["report", "--module", "uebergaenge"])
        .exit(0)
        .no_panic();
    crate::util::run_in(&dir, &["faktencheck", "--topic", "kita"])
        .exit(0)
        .no_panic();
    assert!(dir.join("out/uebergaenge.pdf").is_file());
}

/// Indicators counted where the school stands describe schools, not the children of a
/// Stadtteil: no rank, no map, no "deutlich über", no spread between Stadtteile, no place in a
/// profile's "Auf einen Blick" or its comparisons – in any output.
#[test]
fn schulort_indicators_are_never_ranked_or_mapped_by_stadtteil() {
    let r = rendered();
    let (schulen, _) = pdf("allgemeinbildende_schulen.pdf");
    let text = schulen.text();
    // every indicator of this module is counted at the school
    for never in [
        "Zwischen den Stadtteilen reicht",
        "Deutlich über",
        "Deutlich unter",
        "Karte:",
    ] {
        assert!(!text.contains(never), "„{never}“ in the schools module");
    }
    assert!(
        text.contains("an den Schulen im Stadtteil, nach Schulstandort"),
        "{text}"
    );
    assert!(text.contains("beschreiben die Schulen, die dort stehen (Schulort)"));
    // a Wohnort module still compares its Stadtteile
    let (kita, _) = pdf("fruehkindliche_bildung.pdf");
    assert!(kita.text().contains("Zwischen den Stadtteilen reicht"));

    // exports: no rank for any Schulort indicator, ranks for the Wohnort ones
    r.p.run(&["export", "--output", "schulort.json"]).exit(0);
    let v: serde_json::Value = serde_json::from_str(&r.p.read("schulort.json")).unwrap();
    let rows = v["kennzahlen"].as_array().unwrap();
    let ranked = |id: &str| {
        rows.iter()
            .filter(|k| k["indikator"] == id && k["rang"].is_number())
            .count()
    };
    for id in ["AS01", "AS03", "AS04", "AS05", "AS09", "AS10", "AS13"] {
        assert_eq!(ranked(id), 0, "{id} is counted by Schulort");
    }
    assert!(ranked("FK01") > 0);

    // profiles: the Schulort lines are labelled and take no part in the comparisons
    let nr = nummern(&r.p);
    r.p.run(&["faktencheck", "--stadtteil", &nr[0], "--out", "profil"])
        .exit(0);
    let file = std::fs::read_dir(r.p.path().join("profil"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = Pdf::load(&std::fs::read(file).unwrap()).text();
    assert!(
        text.contains("an den Schulen im Gebiet (Schulort)"),
        "{text}"
    );
    for titel in ["Förderquote: in", "Abgänger ohne Hauptschulabschluss: in"] {
        assert!(
            !text.contains(titel),
            "comparison of a Schulort value: {titel}"
        );
    }
}

/// A printed number: `48,1 %`, `1.234`, `−0,5`.
fn zahl(s: &str) -> Option<f64> {
    let t: String = s
        .trim()
        .trim_end_matches('%')
        .trim()
        .replace('\u{2212}', "-")
        .replace('.', "")
        .replace(',', ".");
    t.parse().ok()
}

/// The text between `start` and the next `end` after each occurrence of `start`.
fn zwischen<'a>(text: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    text.match_indices(start)
        .filter_map(|(i, _)| {
            let rest = &text[i + start.len()..];
            rest.find(end).map(|j| &rest[..j])
        })
        .collect()
}

/// Every sentence whose arithmetic a reader can redo from its printed numbers comes out as
/// printed: trends (from – to – by), profile comparisons (value – city – difference) and the
/// areas "deutlich über/unter" the city value (more than the printed threshold).
#[test]
fn printed_differences_can_be_redone_from_printed_numbers() {
    let r = rendered();
    r.p.run(&["faktencheck", "--all-stadtteile", "--out", "arithmetik"])
        .exit(0);
    let mut texts = Vec::new();
    for dir in ["out", "arithmetik"] {
        for e in std::fs::read_dir(r.p.path().join(dir)).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_some_and(|x| x == "pdf") {
                let t = Pdf::load(&std::fs::read(&path).unwrap()).text();
                texts.push(
                    t.replace(['\n', '\u{a0}'], " ")
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
        }
    }
    let (mut trends, mut vergleiche, mut deutlich) = (0, 0, 0);
    for t in &texts {
        // "ist der Wert von 12,2 % auf 11,4 % um 0,8 Prozentpunkte gesunken."
        for s in zwischen(t, "ist der Wert von ", ".") {
            let Some((von, rest)) = s.split_once(" auf ") else {
                continue;
            };
            let (Some(a), Some(um)) = (zahl(von), rest.split_once(" um ")) else {
                continue;
            };
            let Some(b) = zahl(um.0) else { continue };
            let Some(d) = zahl(um.1.split(' ').next().unwrap_or("")) else {
                continue;
            };
            let steigt = um.1.ends_with("gestiegen");
            assert!(
                ((b - a).abs() - d).abs() < 1e-9,
                "„{s}“: {b} − {a} is not {d}"
            );
            assert_eq!(steigt, b > a, "„{s}“");
            trends += 1;
        }
        // "…: in Altstadt 55,4 % (2026), 0,3 Prozentpunkte über dem Wert von Musterstadt (55,1 %)."
        for richtung in ["über", "unter"] {
            let marke = format!(" Prozentpunkte {richtung} dem Wert von ");
            for (i, _) in t.match_indices(&marke) {
                let Some(start) = t[..i].rfind(": in ") else {
                    continue;
                };
                let Some((vorne, diff)) = t[start + 5..i].rsplit_once(", ") else {
                    continue;
                };
                let wert = vorne.split(" (").next().unwrap_or("");
                let wert = wert
                    .trim_end_matches(" %")
                    .rsplit(' ')
                    .next()
                    .and_then(zahl);
                let rest = &t[i + marke.len()..];
                let stadt = rest
                    .split_once(" (")
                    .and_then(|(_, w)| w.split(')').next())
                    .and_then(zahl);
                let (Some(wert), Some(d), Some(stadt)) = (wert, zahl(diff), stadt) else {
                    continue;
                };
                let signed = if richtung == "über" { d } else { -d };
                assert!(
                    (wert - stadt - signed).abs() < 1e-9,
                    "„{}“: {wert} − {stadt} is not {signed}",
                    &t[start..i + marke.len() + 30]
                );
                vergleiche += 1;
            }
        }
        // "Deutlich über dem Stadtwert von 55,1 % (um mehr als 5,0 Prozentpunkte) liegt Nordwest (62,8 %)."
        for s in zwischen(t, "Deutlich über dem Stadtwert von ", ".") {
            let Some((stadt, rest)) = s.split_once(" (um mehr als ") else {
                continue;
            };
            let (Some(stadt), Some(schwelle)) =
                (zahl(stadt), rest.split(' ').next().and_then(zahl))
            else {
                continue;
            };
            for w in rest
                .split(" (")
                .skip(1)
                .filter_map(|x| zahl(x.split(')').next().unwrap_or("")))
            {
                assert!(
                    w - stadt > schwelle,
                    "„{s}“: {w} is not more than {schwelle} above {stadt}"
                );
                deutlich += 1;
            }
        }
    }
    assert!(
        trends > 5 && deutlich > 0,
        "trends {trends}, vergleiche {vergleiche}, deutlich {deutlich}"
    );
}

/// Ctrl+C in the middle of a batch of sheets: the process ends with 130 and leaves neither a
/// sheet nor a temporary file.
#[cfg(unix)]
#[test]
fn ctrl_c_during_a_batch_leaves_nothing() {
    let p = TestProject::sample();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bildungsmonitor"))
        .current_dir(p.path())
        .args(["faktencheck", "--all-stadtteile", "--no-cache"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let out = p.path().join("out");
    let staged = || {
        std::fs::read_dir(&out).map_or(0, |d| {
            d.filter(|e| {
                e.as_ref().is_ok_and(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .starts_with(".bildungsmonitor-")
                })
            })
            .count()
        })
    };
    let started = std::time::Instant::now();
    while staged() == 0 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the batch ended before a file was staged"
        );
        assert!(started.elapsed().as_secs() < 300);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // the shell's own `kill`: no procps needed
    std::process::Command::new("sh")
        .args(["-c", &format!("kill -INT {}", child.id())])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let left: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A Stadtteil name of 300 characters gives a file name the file system takes (it once ended
/// a batch half-way with "File name too long").
#[test]
fn a_very_long_name_gives_a_short_file_name() {
    let p = TestProject::sample();
    let gebiete = p.read("data-samples/gebiete.csv");
    let long = "Sehr langer Stadtteilname ".repeat(12);
    p.write(
        "data-samples/gebiete.csv",
        gebiete.replacen(";Altstadt;", &format!(";{long};"), 1),
    );
    p.run(&["faktencheck", "--stadtteil", "01", "--stadtteil", "02"])
        .exit(0)
        .no_panic();
    let names: Vec<String> = std::fs::read_dir(p.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| n.len() < 140), "{names:?}");
}

/// `--period 01.03.2025` names the sheet for 2025 (the first four characters are "01.0").
#[test]
fn a_stichtag_period_names_its_year() {
    let p = TestProject::sample();
    p.run(&["faktencheck", "--stadtteil", "01", "--period", "01.03.2025"])
        .exit(0);
    let names: Vec<String> = std::fs::read_dir(p.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["faktencheck-2025-stadtteil-01-altstadt.pdf"]);
}

/// The generated statements, read as a reader reads them: every area named (no "weitere
/// Gebiete"), no change under half a point judged as favourable or not, groups named.
#[test]
fn statements_name_every_area_and_judge_only_real_changes() {
    let p = TestProject::sample();
    p.run(&["report"]).exit(0);
    let mut all = String::new();
    for m in [
        "fruehkindliche_bildung",
        "allgemeinbildende_schulen",
        "uebergaenge",
    ] {
        let bytes = std::fs::read(p.path().join(format!("out/{m}.pdf"))).unwrap();
        all.push_str(&Pdf::load(&bytes).text().replace('\n', " "));
    }
    assert!(!all.contains("weiteren Gebiet") && !all.contains("weitere Gebiete"));
    // "0,4 Prozentpunkte mehr als ein Jahr zuvor – eine günstige Entwicklung" may not occur
    let mut judged = 0;
    for (i, _) in all.match_indices(" Prozentpunkte ") {
        let before = &all[..i];
        let number: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .collect::<String>()
            .chars()
            .rev()
            .collect();
        let after: String = all[i..].chars().take(80).collect();
        if after.contains("als ein Jahr zuvor – eine") {
            judged += 1;
            let v: f64 = number.replace(',', ".").parse().unwrap();
            assert!(v >= 0.5, "a change of {number} points is judged: …{after}");
        }
    }
    assert!(judged > 3, "judged changes: {judged}");
    assert!(
        all.contains("nahezu unverändert"),
        "small changes are called so"
    );
    // a broken-down indicator names its group in the statement
    assert!(
        all.contains("Befundquoten der Schuleingangsuntersuchung (Sprache):"),
        "group named"
    );
}
