//! `init --from ORDNER`: a project for deliveries the tool has never seen, which validates
//! and reports without a hand edit.

use crate::util::{TestProject, copy_dir, fixture, repo};

/// Fails naming the first line of `wanted` that the written project file lacks.
#[track_caller]
fn has_all(toml: &str, wanted: &[&str]) {
    for want in wanted {
        assert!(toml.contains(want), "missing {want:?} in\n{toml}");
    }
}

/// A folder `daten/` holding a copy of `src` in a fresh test project.
fn with_data(src: &std::path::Path) -> TestProject {
    let p = TestProject::empty();
    copy_dir(src, &p.path().join("daten"));
    p
}

/// The colleague's four CSVs (Stadtteil number and name, bare years, age groups and
/// Schulformen as text, no school numbers): profile, value maps and Gebietsdatei are
/// written; validate finds nothing and report writes every module.
#[test]
fn init_from_a_colleagues_csvs_validates_and_reports_without_an_edit() {
    let p = with_data(&fixture("kollegin"));
    let r = p.run(&["init", "projekt", "--from", "daten"]);
    r.exit(0).no_panic();
    let toml = p.read("projekt/bildungsmonitor.toml");
    has_all(
        &toml,
        &[
            "datei = \"../daten/einwohner.csv\"",
            "zeit = { art = \"stichtag\", nacktes_jahr = \"31.12.\" }",
            "alter = \"Altersgruppe\"",
            "kodierung = \"windows-1252\"",
            "fuehrende_zahl = [\"gebiet\"]",
            "betreuungsart = { \"Kindertageseinrichtung\" = \"kita\", \"Kindertagespflege\" = \"tagespflege\" }",
            "trennzeichen = \",\"",
            "foerderbedarf = \"darunter mit Förderbedarf\"",
            "schulform = \"aufnehmende Schulform\"",
            "# FRAGE:",
            "[berichte.fruehkindliche_bildung]",
            "indikatoren = [\"FK01\", \"FK02\"]",
        ],
    );
    let gebiete = p.read("projekt/gebiete.csv");
    assert!(gebiete.starts_with("nr;name\n01;Altstadt\n"), "{gebiete}");
    assert_eq!(gebiete.lines().count(), 13, "{gebiete}");
    let pr = |args: &[&str]| {
        let mut a = vec!["--config", "projekt/bildungsmonitor.toml"];
        a.extend_from_slice(args);
        p.run(&a)
    };
    let v = pr(&["validate"]);
    v.exit(0).no_panic();
    assert!(!v.stderr.contains("Warnung"), "{}", v.stderr);
    v.stderr_has("Keine Probleme gefunden");
    let rep = pr(&["report"]);
    rep.exit(0);
    for m in [
        "fruehkindliche_bildung",
        "allgemeinbildende_schulen",
        "uebergaenge",
    ] {
        assert!(
            p.path().join(format!("out/{m}.pdf")).is_file(),
            "{m}: {}",
            rep.stderr
        );
    }
    // the tiny Stadtteil's counts are protected like any other
    let out = pr(&[
        "indicators",
        "--indicator",
        "UE01G",
        "--stadtteil",
        "03",
        "--format",
        "json",
    ]);
    out.exit(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let hafen: Vec<&serde_json::Value> = v["kennzahlen"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ebene"] == "stadtteil")
        .collect();
    assert_eq!(hafen.len(), 3, "{}", out.stdout);
    assert!(
        hafen.iter().all(|r| r["gesperrt"] == true),
        "{}",
        out.stdout
    );
    // a second run does not overwrite the project
    p.run(&["init", "projekt", "--from", "daten"])
        .exit(2)
        .stderr_has("überschreibt keine Projektdatei");
}

/// The sample's deliveries give a project that validates without a problem.
#[test]
fn init_from_the_sample_data_validates() {
    let p = with_data(&repo().join("data-samples"));
    p.run(&["init", "projekt", "--from", "daten"]).exit(0);
    let toml = p.read("projekt/bildungsmonitor.toml");
    assert!(toml.contains("datei = \"../daten/gebiete.csv\""), "{toml}");
    assert!(
        toml.contains("geojson = \"../daten/stadtteile.geojson\""),
        "{toml}"
    );
    assert!(
        toml.contains("personalstunden = \"Wochenstunden päd. Personal\""),
        "{toml}"
    );
    assert!(!p.path().join("projekt/gebiete.csv").exists());
    let v = p.run(&["--config", "projekt/bildungsmonitor.toml", "validate"]);
    v.exit(0).stderr_has("Keine Probleme gefunden");
}

/// A GENESIS table (title lines, three stacked header rows, one column per Abschlussart and
/// Geschlecht, Bund and Land rows): unpivoted, the Kreise as Gebietsdatei, the Land as the
/// total, the rounding noticed.
#[test]
fn init_from_a_genesis_table_validates() {
    let p = TestProject::empty();
    std::fs::create_dir(p.path().join("daten")).unwrap();
    std::fs::copy(
        fixture("formats/genesis/21111-02-06-4.csv"),
        p.path().join("daten/21111-02-06-4.csv"),
    )
    .unwrap();
    p.run(&["init", "projekt", "--from", "daten"]).exit(0);
    let toml = p.read("projekt/bildungsmonitor.toml");
    has_all(
        &toml,
        &[
            "format = \"genesis\"",
            "ueberspringen = 6",
            "kopfzeilen = 3",
            "gerundet_auf = 3",
            "tabelle = \"abgaenger\"",
            "zeit = { art = \"schuljahr\", nacktes_jahr = \"ende\" }",
            "gesamtstadt = [\"15\"]",
            "ausschliessen = { \"#2\" = [\"DG\"] }",
            "| mit Mittlerem Abschluss | weiblich\" = { abschlussart = \"msa\", geschlecht = \"w\" }",
            "kommune = \"Sachsen-Anhalt\"",
        ],
    );
    assert!(p.read("projekt/gebiete.csv").contains("15003;Magdeburg\n"));
    let v = p.run(&["--config", "projekt/bildungsmonitor.toml", "validate"]);
    v.exit(0).no_panic();
    let out = p.run(&[
        "--config",
        "projekt/bildungsmonitor.toml",
        "indicators",
        "--indicator",
        "AS10",
        "--stadtteil",
        "15003",
        "--format",
        "json",
    ]);
    out.exit(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    // 222 of 1.917 leavers without a Hauptschulabschluss in Magdeburg (the file's numbers)
    assert_eq!(v["kennzahlen"][0]["zaehler"], 222.0, "{}", out.stdout);
    assert_eq!(v["kennzahlen"][0]["nenner"], 1917.0, "{}", out.stdout);
}

/// A folder with nothing readable stops with the reason and writes nothing.
#[test]
fn init_from_a_folder_without_deliveries_writes_nothing() {
    let p = TestProject::empty();
    p.write("daten/notiz.csv", "Das ist keine Tabelle\n");
    p.run(&["init", "projekt", "--from", "daten"])
        .exit(2)
        .stderr_has("keine Lieferung mit Gebietsnummern");
    assert!(!p.path().join("projekt/bildungsmonitor.toml").exists());
}

/// A city's indicator atlas as XLSX (a title row, the area number inside the label, numerator,
/// denominator and share per row): a start – areas, time and the count columns it can place,
/// the rest as questions – that validates.
#[test]
fn init_from_an_xlsx_indicator_export_is_a_start() {
    let p = TestProject::empty();
    std::fs::create_dir(p.path().join("daten")).unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write(0, 0, "Bildungsatlas: Kinder in Tagesbetreuung")
        .unwrap();
    for (c, h) in [
        "Stadtteil",
        "Jahr",
        "betreute Kinder",
        "Plätze",
        "Quote in %",
    ]
    .iter()
    .enumerate()
    {
        ws.write(2, c as u16, *h).unwrap();
    }
    let rows = [
        ("01 Altstadt", 2024, 310, 340, 91.2),
        ("02 Neustadt", 2024, 122, 150, 81.3),
        ("03 Hafen", 2024, 41, 60, 68.3),
        ("01 Altstadt", 2025, 305, 340, 89.7),
        ("02 Neustadt", 2025, 131, 150, 87.3),
        ("03 Hafen", 2025, 44, 60, 73.3),
    ];
    for (r, (gebiet, jahr, kinder, plaetze, quote)) in rows.iter().enumerate() {
        let r = r as u32 + 3;
        ws.write(r, 0, *gebiet).unwrap();
        ws.write(r, 1, *jahr).unwrap();
        ws.write(r, 2, *kinder).unwrap();
        ws.write(r, 3, *plaetze).unwrap();
        ws.write(r, 4, *quote).unwrap();
    }
    wb.save(p.path().join("daten/atlas.xlsx")).unwrap();
    p.run(&["init", "projekt", "--from", "daten"]).exit(0);
    let toml = p.read("projekt/bildungsmonitor.toml");
    has_all(
        &toml,
        &[
            "format = \"xlsx\"",
            "start = \"A3\"",
            "fuehrende_zahl = [\"gebiet\"]",
            "tabelle = \"kita_einrichtungen\"",
            "plaetze = \"Plätze\"",
            "kinder = \"betreute Kinder\"",
            "# FRAGE: Spalte „Quote in %“ wird nicht gelesen",
        ],
    );
    assert_eq!(
        p.read("projekt/gebiete.csv"),
        "nr;name\n01;Altstadt\n02;Neustadt\n03;Hafen\n"
    );
    p.run(&["--config", "projekt/bildungsmonitor.toml", "validate"])
        .exit(0);
}

/// A wide export under a one-row header (`ohne_hauptschulabschluss_weiblich`), areas by AGS
/// with names: unpivoted by the codes the headers name, a `darunter` column left as a question.
#[test]
fn init_from_a_flat_wide_export_unpivots_by_its_headers() {
    let p = TestProject::empty();
    p.write(
        "daten/absolvierende_kreise.csv",
        "jahr,ags,region,insgesamt,insgesamt_weiblich,ohne_hauptschulabschluss,ohne_hauptschulabschluss_weiblich,mit_allgemeiner_hochschulreife,mit_allgemeiner_hochschulreife_weiblich,dar_schulischer_teil_fhr\n\
         2023,15001,Dessau-Roßlau,609,303,90,33,165,93,24\n\
         2023,15002,Halle (Saale),2202,1065,324,129,774,417,78\n\
         2023,15003,Magdeburg,1917,903,222,81,714,366,75\n",
    );
    p.run(&["init", "projekt", "--from", "daten"]).exit(0);
    let toml = p.read("projekt/bildungsmonitor.toml");
    has_all(
        &toml,
        &[
            "tabelle = \"abgaenger\"",
            "\"ohne_hauptschulabschluss_weiblich\" = { geschlecht = \"w\", abschlussart = \"ohne_hsa\" }",
            "\"insgesamt\" = { geschlecht = \"insgesamt\", abschlussart = \"insgesamt\" }",
            "# FRAGE: Spalte „dar_schulischer_teil_fhr“ wird nicht gelesen",
        ],
    );
    assert!(
        p.read("projekt/gebiete.csv")
            .contains("15002;Halle (Saale)\n")
    );
    let cfg = ["--config", "projekt/bildungsmonitor.toml"];
    p.run(&[cfg[0], cfg[1], "validate"]).exit(0);
    let out = p.run(&[
        cfg[0],
        cfg[1],
        "indicators",
        "--indicator",
        "AS10",
        "--stadtteil",
        "15002",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["kennzahlen"][0]["zaehler"], 324.0, "{}", out.stdout);
    assert_eq!(v["kennzahlen"][0]["nenner"], 2202.0, "{}", out.stdout);
}

/// Whatever lies in the folder, `init --from` does not panic: empty, one-line, binary, damaged
/// Excel and title-only files are reported as not recognised.
#[test]
fn init_from_a_folder_of_broken_files_does_not_panic() {
    let p = TestProject::empty();
    p.write("daten/leer.csv", "");
    p.write("daten/eine_zeile.csv", "Stadtteil;Jahr;Anzahl");
    p.write("daten/nur_titel.csv", "Tabelle 1\n\n\n");
    p.write(
        "daten/binaer.csv",
        (0..=255u8).cycle().take(5000).collect::<Vec<u8>>(),
    );
    p.write("daten/kaputt.xlsx", b"PK\x03\x04 nicht wirklich eine Mappe");
    p.write(
        "daten/genesis_ohne_daten.csv",
        "GENESIS-Tabelle: 1\nTitel;;\n;;\n__________\n",
    );
    let r = p.run(&["init", "projekt", "--from", "daten"]);
    r.no_panic()
        .exit(2)
        .stderr_has("keine Lieferung mit Gebietsnummern");
    assert!(!p.path().join("projekt/bildungsmonitor.toml").exists());
}
