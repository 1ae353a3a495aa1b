//! Configuration errors are located in `bildungsmonitor.toml` and explained in German.

use crate::util::TestProject;

fn with_config(edit: impl FnOnce(String) -> String) -> TestProject {
    let p = TestProject::from_fixture("mini");
    let cfg = edit(p.read("bildungsmonitor.toml"));
    p.write("bildungsmonitor.toml", cfg);
    p
}

/// Replaces area keys (second column) of a `;` file of the sample: `(key, label)`.
fn relabel_areas(p: &TestProject, file: &str, labels: &[(&str, &str)]) {
    let text: String = p
        .read(file)
        .lines()
        .map(|l| {
            let mut cells: Vec<&str> = l.split(';').collect();
            if let Some((_, label)) = labels.iter().find(|(k, _)| cells.get(1) == Some(k)) {
                cells[1] = label;
            }
            format!("{}\n", cells.join(";"))
        })
        .collect();
    p.write(file, text);
}

/// Line (1-based) of the first line containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle in config")
        + 1
}

#[test]
fn unknown_key_with_suggestion() {
    let p = with_config(|c| {
        c.replace(
            "kommune = \"Teststadt\"",
            "kommune = \"Teststadt\"\nkomune_name = \"x\"",
        )
    });
    let line = line_of(&p.read("bildungsmonitor.toml"), "komune_name");
    p.run(&["validate"])
        .exit(1)
        .no_panic()
        .stderr_has(&format!(
            "bildungsmonitor.toml:{line}:1: Fehler[C003] unbekannter Schlüssel „komune_name“"
        ))
        .stderr_has("Erlaubt sind an dieser Stelle: kommune, stand");
}

#[test]
fn misspelt_key_gets_did_you_mean() {
    let p = with_config(|c| c.replace("tabelle = \"kita_kinder\"", "tabele = \"kita_kinder\""));
    p.run(&["validate"])
        .exit(1)
        .stderr_has("Fehler[C003] unbekannter Schlüssel „tabele“")
        .stderr_has("Meinten Sie „tabelle“?");
}

#[test]
fn wrong_type_is_located() {
    let p = with_config(|c| c.replace("stand = 2025-11-01", "stand = \"irgendwann\""));
    let line = line_of(&p.read("bildungsmonitor.toml"), "irgendwann");
    p.run(&["validate"]).exit(1).stderr_has(&format!(
        "bildungsmonitor.toml:{line}:9: Fehler[C004] falscher Typ"
    ));
}

#[test]
fn unknown_enum_value_lists_the_allowed() {
    let p = with_config(|c| c.replace("kodierung = \"windows-1252\"", "kodierung = \"ansi\""));
    p.run(&["validate"])
        .exit(1)
        .stderr_has("Fehler[C004] unbekannter Wert „ansi“")
        .stderr_has("windows-1252");
}

#[test]
fn missing_data_file_points_at_its_path() {
    let p = with_config(|c| c.replace("datei = \"kita.csv\"", "datei = \"kita_2025.csv\""));
    let line = line_of(&p.read("bildungsmonitor.toml"), "kita_2025.csv");
    p.run(&["validate"]).exit(1).stderr_has(&format!(
        "bildungsmonitor.toml:{line}:9: Fehler[C005] Datei „kita_2025.csv“ nicht gefunden"
    ));
}

#[test]
fn all_missing_files_at_once() {
    let p = TestProject::from_fixture("mini");
    std::fs::remove_file(p.path().join("kita.csv")).unwrap();
    std::fs::remove_file(p.path().join("schulen.csv")).unwrap();
    let run = p.run(&["validate"]);
    run.exit(1)
        .stderr_has("„kita.csv“ nicht gefunden")
        .stderr_has("„schulen.csv“ nicht gefunden")
        .stderr_has("2 Fehler");
}

#[test]
fn unknown_table_and_field() {
    let p = with_config(|c| {
        c.replace("tabelle = \"schulen\"", "tabelle = \"schule\"")
            .replace("plaetze = \"Plätze\"", "platze = \"Plätze\"")
    });
    p.run(&["validate"])
        .exit(1)
        .stderr_has("Fehler[C006] unbekannte Tabelle „schule“")
        .stderr_has("Meinten Sie „schulen“?")
        .stderr_has("Fehler[C006] „platze“ ist kein Feld der Tabelle „kita_einrichtungen“")
        .stderr_has("Meinten Sie „plaetze“?");
}

#[test]
fn period_kind_must_fit_the_table() {
    let p = with_config(|c| {
        c.replace(
            "datei = \"schulen.csv\"\nzeit = { art = \"schuljahr\" }",
            "datei = \"schulen.csv\"\nzeit = { art = \"monat\" }",
        )
    });
    p.run(&["validate"])
        .exit(1)
        .stderr_has("Fehler[C006] Zeitart „Monat“ passt nicht zur Tabelle „schulen“");
}

#[test]
fn toml_syntax_error_is_located() {
    let p = with_config(|c| c.replace("[gebiete]", "[gebiete"));
    let line = line_of(&p.read("bildungsmonitor.toml"), "[gebiete");
    p.run(&["validate"])
        .exit(1)
        .stderr_has(&format!("bildungsmonitor.toml:{line}:"))
        .stderr_has("Fehler[C002] TOML-Syntaxfehler");
}

#[test]
fn missing_config_file() {
    let p = TestProject::empty();
    p.run(&["validate"])
        .exit(1)
        .stderr_has("bildungsmonitor.toml: Fehler[C001] Konfigurationsdatei nicht gefunden")
        .stderr_has("bildungsmonitor init");
}

#[test]
fn config_option_and_env() {
    let p = TestProject::from_fixture("mini");
    std::fs::rename(
        p.path().join("bildungsmonitor.toml"),
        p.path().join("projekt.toml"),
    )
    .unwrap();
    p.run(&["validate", "--config", "projekt.toml"]).exit(0);
    p.run(&["--config", "projekt.toml", "validate"]).exit(0);
}

#[test]
fn duplicate_stadtteil_numbers() {
    let p = TestProject::from_fixture("mini");
    let g = p.read("gebiete.csv") + "02;Zweitstadt;S1;Mitte;;;\n";
    p.write("gebiete.csv", g);
    p.run(&["validate"])
        .exit(1)
        .stderr_has("Fehler[C007] Stadtteil-Nr. „02“ ist mehrfach vergeben");
}

#[test]
fn bad_validity_date_in_gebiete() {
    let p = TestProject::from_fixture("mini");
    let g = p.read("gebiete.csv").replace(
        "03;Hafen;S2;Nord;;;2023-12-31",
        "03;Hafen;S2;Nord;;;31.12.23",
    );
    p.write("gebiete.csv", g);
    p.run(&["validate"])
        .exit(1)
        .stderr_has("gebiete.csv:4:7: Fehler[C007] „31.12.23“ ist kein Datum");
}

#[test]
fn gebiete_file_in_windows_1252_names_line_and_column() {
    let p = TestProject::from_fixture("mini");
    // "Südstadt" saved as Windows-1252: the ü is byte 0xFC on line 3, column 5
    let mut g = p.read("gebiete.csv").into_bytes();
    g.extend_from_slice(b"04;S\xfcdstadt;S1;Mitte;;;\n");
    p.write("gebiete.csv", g);
    p.run(&["validate"])
        .exit(1)
        .no_panic()
        .stderr_has("gebiete.csv:5:5: Fehler[C007] Gebietsdatei ist nicht UTF-8")
        .stderr_has("CSV UTF-8");
}

/// `fuehrende_zahl = ["gebiet"]` reads "01 Altstadt" as Stadtteil 01; on a field it cannot
/// apply to it is an error, never silently ignored.
#[test]
fn leading_number_of_the_area_label() {
    let p = TestProject::sample();
    let args = [
        "indicators",
        "--indicator",
        "KX02",
        "--format",
        "csv",
        "--no-cache",
    ];
    let before = p.run(&args);
    before.exit(0);
    relabel_areas(
        &p,
        "data-samples/kontext.csv",
        &[("01", "01 Altstadt"), ("02", "02 - Werder")],
    );
    p.run(&["validate"]).exit(1).stderr_has("„01 Altstadt“");
    let cfg = p.read("bildungsmonitor.toml").replace(
        "datei = \"data-samples/kontext.csv\"\n",
        "datei = \"data-samples/kontext.csv\"\nfuehrende_zahl = [\"gebiet\"]\n",
    );
    p.write("bildungsmonitor.toml", &cfg);
    p.run(&["validate"]).exit(0);
    let after = p.run(&args);
    assert_eq!(after.exit(0).stdout, before.stdout);
    p.write(
        "bildungsmonitor.toml",
        cfg.replace(
            "fuehrende_zahl = [\"gebiet\"]",
            "fuehrende_zahl = [\"gebiet\", \"geburten\"]",
        ),
    );
    p.run(&["validate"])
        .exit(1)
        .stderr_has("„fuehrende_zahl“ gilt nur für ganzzahlige Felder wie „alter“ und für „gebiet“, nicht für „geburten“");
}

/// `--daten ORDNER` reads every source from another folder under its file name: the next
/// month's delivery without a copy of the project; a file missing there is named.
#[test]
fn another_data_folder_without_editing_the_project() {
    let p = TestProject::sample();
    let month = p.path().join("daten/2026-12");
    std::fs::create_dir_all(&month).unwrap();
    for e in std::fs::read_dir(p.path().join("data-samples")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), month.join(e.file_name())).unwrap();
    }
    let kontext = p
        .read("daten/2026-12/kontext.csv")
        .replace("31.12.2025;01;395;79", "31.12.2025;01;395;80");
    p.write("daten/2026-12/kontext.csv", kontext);
    let args = [
        "indicators",
        "--indicator",
        "KX02",
        "--stadtteil",
        "01",
        "--period",
        "2025",
        "--format",
        "csv",
    ];
    let before = p.run(&args);
    let city_row = |out: &str| {
        out.lines()
            .find(|l| l.contains(";Stadtteil;01;"))
            .unwrap()
            .to_string()
    };
    assert!(city_row(&before.exit(0).stdout).contains(";79;"));
    let mut with = args.to_vec();
    with.extend(["--daten", "daten/2026-12"]);
    let after = p.run(&with);
    assert!(
        city_row(&after.exit(0).stdout).contains(";80;"),
        "{}",
        after.stdout
    );
    std::fs::remove_file(month.join("schulen.csv")).unwrap();
    p.run(&["validate", "--daten", "daten/2026-12"])
        .exit(1)
        .stderr_has("daten/2026-12/schulen.csv: Fehler[C005] Datei der Quelle „schulen“ fehlt im Datenordner (--daten)");
}

/// `[werte]` maps values for every source: one area label mapping instead of one per source;
/// a source's own map still wins, and a map for a field no source has is an error.
#[test]
fn project_wide_value_maps() {
    let p = TestProject::sample();
    let args = [
        "indicators",
        "--indicator",
        "KX02",
        "--indicator",
        "UE01",
        "--stadtteil",
        "01",
        "--format",
        "csv",
        "--no-cache",
    ];
    let before = p.run(&args);
    before.exit(0);
    for f in ["data-samples/kontext.csv", "data-samples/uebergaenge.csv"] {
        relabel_areas(&p, f, &[("01", "Alt-Stadt")]);
    }
    p.run(&["validate"]).exit(1).stderr_has("„Alt-Stadt“");
    p.append(
        "bildungsmonitor.toml",
        "\n[werte]\ngebiet = { \"Alt-Stadt\" = \"01\" }\n",
    );
    p.run(&["validate"]).exit(0);
    assert_eq!(p.run(&args).exit(0).stdout, before.stdout);
    p.append("bildungsmonitor.toml", "farbe = { \"a\" = \"b\" }\n");
    p.run(&["validate"])
        .exit(1)
        .stderr_has("[werte] ordnet „farbe“ zu, aber keine Quelle hat dieses Feld");
}
