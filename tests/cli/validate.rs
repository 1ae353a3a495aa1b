//! Broken inputs: each fixture replaces one file of the valid mini project and must yield
//! exactly the expected diagnostic at the expected place, the documented exit status, no
//! panic, and no file written.

use crate::util::{TestProject, fixture};

/// (fixture in tests/fixtures/broken, file it replaces, expected start of the diagnostic line)
pub(crate) const CASES: &[(&str, &str, &str)] = &[
    (
        "bevoelkerung_negative_count.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:3:19: Fehler[V102]",
    ),
    (
        "bevoelkerung_not_a_number.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:4:19: Fehler[V101]",
    ),
    (
        "bevoelkerung_fractional_count.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:5:19: Fehler[V104]",
    ),
    (
        "bevoelkerung_age_out_of_range.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:6:15: Fehler[V105]",
    ),
    (
        "bevoelkerung_unknown_code.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:7:17: Fehler[V106]",
    ),
    (
        "bevoelkerung_empty_key.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:8:15: Fehler[V107]",
    ),
    (
        "bevoelkerung_empty_count.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:9:19: Fehler[V108]",
    ),
    (
        "bevoelkerung_bad_date.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:10:1: Fehler[V201]",
    ),
    (
        "bevoelkerung_bare_year.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:11:1: Fehler[V203]",
    ),
    (
        "bevoelkerung_month_in_stichtag_source.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:12:1: Fehler[V204]",
    ),
    (
        "bevoelkerung_unknown_area.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:13:12: Fehler[V301]",
    ),
    (
        "bevoelkerung_area_outside_validity.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:50:12: Fehler[V302]",
    ),
    (
        "bevoelkerung_duplicate_key.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:50:1: Fehler[V303]",
    ),
    (
        "bevoelkerung_part_above_total.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:14:21: Fehler[V305]",
    ),
    (
        "bevoelkerung_unterminated_quote.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:15:12: Fehler[V004]",
    ),
    (
        "bevoelkerung_stray_quote.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:16:18: Fehler[V005]",
    ),
    (
        "bevoelkerung_text_after_quote.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:17:16: Fehler[V005]",
    ),
    (
        "bevoelkerung_ragged_row.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:18:23: Fehler[V006]",
    ),
    (
        "bevoelkerung_wrong_delimiter.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:1:1: Fehler[V007]",
    ),
    (
        "bevoelkerung_windows1252_in_utf8_source.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:5:18: Fehler[V002]",
    ),
    (
        "bevoelkerung_utf16.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv: Fehler[V002]",
    ),
    (
        "bevoelkerung_empty_file.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv: Fehler[V003]",
    ),
    (
        "bevoelkerung_header_only.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv: Fehler[V011]",
    ),
    (
        "bevoelkerung_missing_column.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:1:1: Fehler[V008]",
    ),
    (
        "bevoelkerung_part_rows_above_total.csv",
        "bevoelkerung.csv",
        "bevoelkerung.csv:50:1: Fehler[V307]",
    ),
    (
        "kita_above_population.csv",
        "kita.csv",
        "kita.csv:3:1: Warnung[V306]",
    ),
    (
        "kita_gap_in_series.csv",
        "kita.csv",
        "kita.csv: Warnung[V304]",
    ),
    (
        "kita_unknown_betreuungsart.csv",
        "kita.csv",
        "kita.csv:2:17: Fehler[V106]",
    ),
    (
        "schulen_bad_school_year.csv",
        "schulen.csv",
        "schulen.csv:2:1: Fehler[V202]",
    ),
    (
        "schulen_bare_year.csv",
        "schulen.csv",
        "schulen.csv:3:1: Fehler[V203]",
    ),
    (
        "schulen_unknown_schulform.csv",
        "schulen.csv",
        "schulen.csv:4:32: Fehler[V106]",
    ),
    (
        "schulen_school_in_two_areas.csv",
        "schulen.csv",
        "schulen.csv:14:1: Fehler[V310]",
    ),
    (
        "schulen_ambiguous_thousands.csv",
        "schulen.csv",
        "schulen.csv:5:47: Fehler[V103]",
    ),
    (
        "einrichtungen_cp1252_negative_count.csv",
        "einrichtungen.csv",
        "einrichtungen.csv:3:38: Fehler[V102]",
    ),
    (
        "einrichtungen_cp1252_ambiguous_number.csv",
        "einrichtungen.csv",
        "einrichtungen.csv:2:45: Fehler[V103]",
    ),
    (
        "einrichtungen_cp1252_not_a_number.csv",
        "einrichtungen.csv",
        "einrichtungen.csv:4:37: Fehler[V101]",
    ),
    (
        "einrichtungen_cp1252_unknown_area.csv",
        "einrichtungen.csv",
        "einrichtungen.csv:5:32: Fehler[V301]",
    ),
];

#[test]
fn mini_project_is_valid() {
    let p = TestProject::from_fixture("mini");
    p.run(&["validate"])
        .exit(0)
        .no_panic()
        .stderr_has("Keine Probleme gefunden.");
}

#[test]
fn duplicates_in_sorted_and_unsorted_files() {
    // sorted rows are checked in one pass; a row repeated right after itself, three times,
    // must still be found (and each repetition named with the row before it)
    let p = TestProject::from_fixture("mini");
    let text = p.read("bevoelkerung.csv");
    let lines: Vec<&str> = text.lines().collect();
    let mut sorted = lines[..4].to_vec();
    sorted.extend([lines[3], lines[3]]);
    sorted.extend(&lines[4..]);
    p.write("bevoelkerung.csv", sorted.join("\n") + "\n");
    p.run(&["validate"])
        .exit(1)
        .stderr_has("bevoelkerung.csv:5:1: Fehler[V303]")
        .stderr_has("bevoelkerung.csv:6:1: Fehler[V303]")
        .stderr_has("steht schon in bevoelkerung.csv:4")
        .stderr_has("steht schon in bevoelkerung.csv:5");
    // the same rows in reverse order: no longer sorted, found by hashing
    let mut reversed = sorted[1..].to_vec();
    reversed.reverse();
    reversed.insert(0, lines[0]);
    p.write("bevoelkerung.csv", reversed.join("\n") + "\n");
    let r = p.run(&["validate"]);
    r.exit(1);
    assert_eq!(r.stderr.matches("Fehler[V303]").count(), 2, "{}", r.stderr);
    // sorted and without duplicates: valid
    p.write("bevoelkerung.csv", text);
    p.run(&["validate"]).exit(0);
}

#[test]
fn every_broken_fixture_is_reported_at_its_place() {
    let mut failures = Vec::new();
    for (name, target, expected) in CASES {
        let p = TestProject::from_fixture("mini");
        let bytes = std::fs::read(fixture(&format!("broken/{name}"))).expect("fixture");
        p.write(target, &bytes);
        let before = p.snapshot();
        let run = p.run(&["validate"]);
        let warning_only = expected.contains("Warnung[");
        let want_exit = if warning_only { 0 } else { 1 };
        if !run.stderr.lines().any(|l| l.starts_with(expected))
            || run.code != want_exit
            || run.stderr.contains("panicked")
        {
            failures.push(format!(
                "{name}: want `{expected}` and exit {want_exit}, got exit {}\n{}",
                run.code, run.stderr
            ));
        }
        if p.snapshot() != before {
            failures.push(format!("{name}: validate changed files in the project"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

#[test]
fn all_problems_are_reported_at_once() {
    let p = TestProject::from_fixture("mini");
    p.write(
        "bevoelkerung.csv",
        std::fs::read(fixture("broken/bevoelkerung_negative_count.csv")).unwrap(),
    );
    p.write(
        "schulen.csv",
        std::fs::read(fixture("broken/schulen_unknown_schulform.csv")).unwrap(),
    );
    let run = p.run(&["validate"]);
    run.exit(1)
        .stderr_has("bevoelkerung.csv:3:19: Fehler[V102]")
        .stderr_has("schulen.csv:4:32: Fehler[V106]")
        .stderr_has("2 Fehler in 2 Dateien.");
}

#[test]
fn hints_say_what_to_do() {
    let p = TestProject::from_fixture("mini");
    p.write(
        "schulen.csv",
        std::fs::read(fixture("broken/schulen_unknown_schulform.csv")).unwrap(),
    );
    p.run(&["validate"])
        .exit(1)
        .stderr_has("Meinten Sie „gymnasium“?")
        .stderr_has("[quellen.schulen.werte.schulform]");
    let p = TestProject::from_fixture("mini");
    p.write(
        "bevoelkerung.csv",
        std::fs::read(fixture(
            "broken/bevoelkerung_windows1252_in_utf8_source.csv",
        ))
        .unwrap(),
    );
    p.run(&["validate"])
        .exit(1)
        .stderr_has("kodierung = \"windows-1252\"")
        .stderr_has("„ü“");
}

/// A typo of a text the profile maps is matched against that text, and the example
/// mapping gives the code it stands for (not simply the first code).
#[test]
fn unknown_code_is_matched_against_mapped_texts() {
    let p = TestProject::from_fixture("mini");
    p.append(
        "bildungsmonitor.toml",
        "\n[quellen.bevoelkerung.werte]\ngeschlecht = { \"männlich\" = \"m\", \"weiblich\" = \"w\" }\n",
    );
    let csv = p.read("bevoelkerung.csv");
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    lines[1] = lines[1].replace(";m;", "; männlich ;");
    lines[2] = lines[2].replace(";w;", ";weiblch;");
    lines[3] = lines[3]
        .replacen(";m;", ";xyz;", 1)
        .replacen(";w;", ";xyz;", 1);
    p.write("bevoelkerung.csv", lines.join("\n") + "\n");
    p.run(&["validate"])
        .exit(1)
        .stderr_has("bevoelkerung.csv:3:17: Fehler[V106] „weiblch“")
        .stderr_has("Meinten Sie „weiblich“?")
        .stderr_has("z. B. \"weiblch\" = \"w\".")
        .stderr_has("bevoelkerung.csv:4:17: Fehler[V106] „xyz“")
        .stderr_has("z. B. \"xyz\" = \"…\" mit einem der erlaubten Werte")
        .stderr_has("2 Fehler in 1 Datei.");
}

#[test]
fn json_diagnostics_on_stdout() {
    let p = TestProject::from_fixture("mini");
    p.write(
        "bevoelkerung.csv",
        std::fs::read(fixture("broken/bevoelkerung_negative_count.csv")).unwrap(),
    );
    let run = p.run(&["validate", "--format", "json"]);
    run.exit(1);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    assert_eq!(v["ok"], false);
    assert_eq!(v["errors"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "V102");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["location"]["line"], 3);
    assert_eq!(d["location"]["column"], 19);
    assert!(
        run.stderr.is_empty(),
        "JSON mode keeps stderr quiet: {}",
        run.stderr
    );
}

#[test]
fn many_errors_are_capped_with_a_count() {
    let p = TestProject::from_fixture("mini");
    let mut text = String::from("zeit;gebiet;alter;geschlecht;einwohner;nichtdeutsch\n");
    for i in 0..60 {
        text.push_str(&format!("31.12.2022;01;{i};m;-1;0\n"));
    }
    p.write("bevoelkerung.csv", text);
    let run = p.run(&["validate"]);
    run.exit(1).stderr_has("insgesamt 60 Fälle von V102");
    assert_eq!(run.stderr.matches("Fehler[V102] negative").count(), 25);
    // the total counts every problem, not the ones shown
    run.stderr_has("\n60 Fehler in 1 Datei.");
    let json = p.run(&["validate", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let summary = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["message"].as_str().unwrap().starts_with("insgesamt 60"))
        .unwrap();
    assert_eq!(summary["weitere"], 35, "{summary}");
}

/// A period one source lacks and another source of the same table delivers is no gap.
#[test]
fn a_gap_filled_by_another_source_is_none() {
    let p = TestProject::sample();
    let kontext = p.read("data-samples/kontext.csv");
    let (y2020, rest): (Vec<&str>, Vec<&str>) = kontext
        .lines()
        .skip(1)
        .partition(|l| l.starts_with("31.12.2020;"));
    let head = "zeit;gebiet;sgb2_unter15;geburten\n";
    p.write(
        "data-samples/kontext.csv",
        format!("{head}{}\n", rest.join("\n")),
    );
    let run = p.run(&["validate"]);
    run.exit(0)
        .stderr_has("Warnung[V304] Lücke in der Zeitreihe: 31.12.2020 fehlt");
    p.write(
        "data-samples/kontext2020.csv",
        format!("{head}{}\n", y2020.join("\n")),
    );
    p.append(
        "bildungsmonitor.toml",
        "\n[quellen.kontext2020]\ntabelle = \"kontext\"\ndatei = \"data-samples/kontext2020.csv\"\nzeit = { art = \"stichtag\" }\n",
    );
    let run = p.run(&["validate"]);
    run.exit(0);
    assert!(!run.stderr.contains("V304"), "{}", run.stderr);
}

/// A line of 30 MB without a line end (one huge value) is one short error, not a copy of the
/// value on the terminal (the note gives time and memory for 200 MB).
#[test]
fn a_huge_value_in_a_line_without_end_is_refused_without_quoting() {
    let p = TestProject::from_fixture("mini");
    let mut text = String::from("zeit;gebiet;alter;geschlecht;einwohner;nichtdeutsch\n");
    text.push_str("31.12.2022;01;5;m;1;");
    text.push_str(&"7".repeat(30 << 20));
    p.write("bevoelkerung.csv", text);
    let run = p.run(&["validate"]);
    run.no_panic().exit(1).stderr_has(
        "bevoelkerung.csv:2:21: Fehler[V110] Wert für „nichtdeutsch“ ist 31.457.280 Zeichen lang",
    );
    assert!(run.stderr.len() < 10_000, "{} bytes", run.stderr.len());
}

#[test]
fn large_file_read_in_parallel_parts_reports_like_one_part() {
    // > 1 MB: read in parallel parts. The problems must carry the same lines and columns,
    // in the same order and with the same cap, as when the file is read in one piece.
    let p = TestProject::from_fixture("mini");
    let mut text = String::from("zeit;gebiet;alter;geschlecht;einwohner;nichtdeutsch\n");
    let mut line = 1;
    let mut bad = Vec::new();
    for year in 1950..2023 {
        for area in ["01", "02", "03"] {
            for age in 0..100 {
                for sex in ["m", "w"] {
                    line += 1;
                    let n = if line % 1500 == 0 {
                        bad.push(line);
                        "-1".to_string()
                    } else {
                        "40".to_string()
                    };
                    // padded with blanks to make the file large without more keys
                    text.push_str(&format!(
                        "31.12.{year};{area};{age};{sex};{n};{:>80}\n",
                        "4"
                    ));
                }
            }
        }
    }
    assert!(
        text.len() > 4 << 20,
        "the file must be large enough to be split"
    );
    p.write("bevoelkerung.csv", text);
    let one = p.run_env(&["validate"], &[("RAYON_NUM_THREADS", "1")]);
    let four = p.run_env(&["validate"], &[("RAYON_NUM_THREADS", "4")]);
    one.exit(1);
    four.exit(1);
    assert_eq!(one.stderr, four.stderr);
    assert!(bad.len() > 25);
    four.stderr_has(&format!("insgesamt {} Fälle von V102", bad.len()));
    // the first 25, with their real lines, column 5 (einwohner)
    for l in &bad[..25] {
        four.stderr_has(&format!("bevoelkerung.csv:{l}:"));
    }
    assert!(
        !four
            .stderr
            .contains(&format!("bevoelkerung.csv:{}:", bad[25]))
    );
}

#[test]
fn oversized_file_is_refused_before_reading() {
    let p = TestProject::from_fixture("mini");
    let f = std::fs::File::create(p.path().join("bevoelkerung.csv")).unwrap();
    // a sparse file: costs no disk space
    f.set_len((1 << 30) + 1).unwrap();
    p.run(&["validate"])
        .exit(1)
        .no_panic()
        .stderr_has("bevoelkerung.csv: Fehler[V001]");
}

mod xlsx {
    //! XLSX sources: the workbooks are generated here so that each holds one defect.
    use crate::util::TestProject;
    use rust_xlsxwriter::Workbook;

    const SOURCE: &str = r#"
[quellen.abgaenger]
tabelle = "abgaenger"
datei = "abgaenger.xlsx"
format = "xlsx"
blatt = "Abgänger"
start = "A3"
zeit = { art = "schuljahr" }

[quellen.abgaenger.spalten]
zeit = "Schuljahr"
gebiet = "Stadtteil"
schulform = "Schulform"
abschlussart = "Abschluss"
anzahl = "Anzahl"

[quellen.abgaenger.werte.abschlussart]
"ohne Hauptschulabschluss" = "ohne_hsa"
"Hauptschulabschluss" = "hsa"
"#;

    /// A workbook with a title in A1, the header in row 3 and `rows` below.
    fn workbook(sheet: &str, rows: &[(&str, &str, &str, &str, f64)]) -> Vec<u8> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(sheet).unwrap();
        ws.write_string(0, 0, "Abgänger nach Abschlussart").unwrap();
        for (c, h) in ["Schuljahr", "Stadtteil", "Schulform", "Abschluss", "Anzahl"]
            .iter()
            .enumerate()
        {
            ws.write_string(2, c as u16, *h).unwrap();
        }
        for (i, (sj, st, sf, ab, n)) in rows.iter().enumerate() {
            let r = 3 + i as u32;
            ws.write_string(r, 0, *sj).unwrap();
            ws.write_string(r, 1, *st).unwrap();
            ws.write_string(r, 2, *sf).unwrap();
            ws.write_string(r, 3, *ab).unwrap();
            ws.write_number(r, 4, *n).unwrap();
        }
        wb.save_to_buffer().unwrap()
    }

    /// The sheet „Abgänger“ with the header in row 3.
    fn abgaenger_sheet(wb: &mut Workbook) -> &mut rust_xlsxwriter::Worksheet {
        let ws = wb.add_worksheet();
        ws.set_name("Abgänger").unwrap();
        for (c, h) in ["Schuljahr", "Stadtteil", "Schulform", "Abschluss", "Anzahl"]
            .iter()
            .enumerate()
        {
            ws.write_string(2, c as u16, *h).unwrap();
        }
        ws
    }

    fn project(bytes: Vec<u8>) -> TestProject {
        let p = TestProject::from_fixture("mini");
        let cfg = p.read("bildungsmonitor.toml") + SOURCE;
        p.write("bildungsmonitor.toml", cfg);
        p.write("abgaenger.xlsx", bytes);
        p
    }

    const GOOD: [(&str, &str, &str, &str, f64); 2] = [
        (
            "2023/24",
            "01",
            "gymnasium",
            "ohne Hauptschulabschluss",
            3.0,
        ),
        ("2023/24", "01", "gymnasium", "Hauptschulabschluss", 7.0),
    ];

    #[test]
    fn valid_sheet_passes() {
        project(workbook("Abgänger", &GOOD))
            .run(&["validate"])
            .exit(0)
            .stderr_has("abgaenger");
    }

    #[test]
    fn negative_count_names_the_cell() {
        let rows = [
            GOOD[0],
            ("2023/24", "01", "gymnasium", "Hauptschulabschluss", -4.0),
        ];
        project(workbook("Abgänger", &rows))
            .run(&["validate"])
            .exit(1)
            .stderr_has("abgaenger.xlsx:Abgänger!E5: Fehler[V102]");
    }

    #[test]
    fn bad_school_year_names_the_cell() {
        let rows = [("2023-2025", "01", "gymnasium", "Hauptschulabschluss", 4.0)];
        project(workbook("Abgänger", &rows))
            .run(&["validate"])
            .exit(1)
            .stderr_has("abgaenger.xlsx:Abgänger!A4: Fehler[V202]");
    }

    #[test]
    fn unknown_code_names_the_cell() {
        let rows = [("2023/24", "01", "gymnasium", "Abitur", 4.0)];
        project(workbook("Abgänger", &rows))
            .run(&["validate"])
            .exit(1)
            .stderr_has("abgaenger.xlsx:Abgänger!D4: Fehler[V106]");
    }

    #[test]
    fn unknown_area_names_the_cell() {
        let rows = [("2023/24", "09", "gymnasium", "Hauptschulabschluss", 4.0)];
        project(workbook("Abgänger", &rows))
            .run(&["validate"])
            .exit(1)
            .stderr_has("abgaenger.xlsx:Abgänger!B4: Fehler[V301]");
    }

    #[test]
    fn missing_sheet_lists_the_sheets() {
        project(workbook("Tabelle1", &GOOD))
            .run(&["validate"])
            .exit(1)
            .stderr_has("abgaenger.xlsx: Fehler[V009] Blatt „Abgänger“ nicht gefunden")
            .stderr_has("Vorhandene Blätter: Tabelle1.");
    }

    #[test]
    fn csv_renamed_to_xlsx_is_refused() {
        project(b"Schuljahr;Stadtteil\n2023/24;01\n".to_vec())
            .run(&["validate"])
            .exit(1)
            .no_panic()
            .stderr_has("abgaenger.xlsx: Fehler[V009]");
    }

    /// One cell at XFD1048576 made the reader ask for a grid of 550 GB; cells are read one by
    /// one now, and the stray cell is no column.
    #[test]
    fn a_cell_at_the_last_row_and_column_costs_nothing() {
        let mut wb = Workbook::new();
        let ws = abgaenger_sheet(&mut wb);
        for (i, (sj, st, sf, ab, n)) in GOOD.iter().enumerate() {
            let r = 3 + i as u32;
            for (c, v) in [sj, st, sf, ab].iter().enumerate() {
                ws.write_string(r, c as u16, **v).unwrap();
            }
            ws.write_number(r, 4, *n).unwrap();
        }
        ws.write_string(1_048_575, 16_383, "x").unwrap();
        let started = std::time::Instant::now();
        project(wb.save_to_buffer().unwrap())
            .run(&["validate"])
            .no_panic()
            .exit(0);
        assert!(started.elapsed().as_secs() < 60);
    }

    /// A 20 MB shared string used by 200 cells is one string, not 200 copies, and is refused
    /// without being quoted.
    #[test]
    fn a_long_shared_string_in_many_cells_is_not_copied() {
        let mut long = String::with_capacity(20 << 20);
        let mut x: u32 = 12345;
        while long.len() < 20 << 20 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            long.push(if x >> 16 & 1 == 0 { 'a' } else { 'b' });
        }
        let mut wb = Workbook::new();
        let ws = abgaenger_sheet(&mut wb);
        for i in 0..200u32 {
            let r = 3 + i;
            ws.write_string(r, 0, "2023/24").unwrap();
            ws.write_string(r, 1, "01").unwrap();
            ws.write_string(r, 2, "PLATZHALTER").unwrap();
            ws.write_string(r, 3, "Hauptschulabschluss").unwrap();
            ws.write_number(r, 4, 1.0).unwrap();
        }
        // Excel writers stop at 32,767 characters; the hostile file is edited afterwards
        let bytes = crate::util::edit_zip_member(
            &wb.save_to_buffer().unwrap(),
            "xl/sharedStrings.xml",
            |xml| {
                String::from_utf8(xml)
                    .unwrap()
                    .replace("PLATZHALTER", &long)
                    .into_bytes()
            },
        );
        let run = project(bytes).run(&["validate"]);
        run.no_panic()
            .exit(1)
            .stderr_has("Abgänger!C4: Fehler[V110] Wert für „schulform“ ist 20.971.520 Zeichen lang (höchstens 10.000)")
            .stderr_has("\n200 Fehler in 1 Datei.");
        assert!(run.stderr.len() < 100_000, "{} bytes", run.stderr.len());
    }

    #[test]
    fn zip_bomb_is_refused_before_decompression() {
        use std::io::Write;
        // One member of 300 MiB of zeros: a few hundred KiB packed.
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
            let chunk = vec![0u8; 1 << 20];
            for _ in 0..300 {
                z.write_all(&chunk).unwrap();
            }
            z.finish().unwrap();
        }
        let bytes = buf.into_inner();
        assert!(bytes.len() < 2 << 20, "the bomb is small: {}", bytes.len());
        project(bytes)
            .run(&["validate"])
            .exit(1)
            .no_panic()
            .stderr_has("abgaenger.xlsx: Fehler[V010]");
    }
}

/// An indicator a report shows but the data cannot fill is named with its reason; one that
/// nothing shows is listed without a warning.
#[test]
fn validate_names_every_indicator_that_stays_empty() {
    let p = TestProject::from_fixture("mini");
    p.append(
        "bildungsmonitor.toml",
        r#"
[berichte.test]
titel = "Test"
indikatoren = ["FK01", "KX05", "ZZ01"]

[indikatoren.ZZ01]
titel = "Quote mit falschem Zeitbezug"
definition = "Kinder in der Kita am 1.3. je Einwohner am selben Tag."
thema = "kita"
einheit = "prozent"
richtung = "neutral"
zaehler = { tabelle = "kita_kinder", wert = "kinder" }
nenner = { tabelle = "bevoelkerung", wert = "einwohner" }
"#,
    );
    let r = p.run(&["validate"]);
    r.exit(0).no_panic();
    r.stderr_has("Warnung[K001] Kennzahl KX05 (Anteil mit Migrationshintergrund) bleibt leer: Zähler: die Kennzahl braucht das Feld „migrationshintergrund“ der Tabelle „bevoelkerung“, keine Quelle liefert es")
        .stderr_has("Kennzahl ZZ01 (Quote mit falschem Zeitbezug) bleibt leer: Zähler und Nenner treffen sich zeitlich nie: der Zähler braucht den Nenner zu 01.03.2023 bis 01.03.2025, geliefert ist er zu 31.12.2022 bis 31.12.2024")
        .stderr_has("zeitbezug");
    assert!(!r.stderr.contains("K001] Kennzahl FK01"), "{}", r.stderr);
    // not shown anywhere: named once, no warning
    assert!(!r.stderr.contains("K001] Kennzahl AS11"), "{}", r.stderr);
    r.stderr_has("Ohne Daten (in keinem Bericht, Faktencheck oder Profil verwendet):");
    let j = p.run(&["validate", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    let ids: Vec<&str> = v["leere_kennzahlen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"KX05") && ids.contains(&"ZZ01"), "{ids:?}");
    assert!(!ids.contains(&"FK01"), "{ids:?}");
}

/// Ids become file names and CSV cells: a path or a formula in one is refused up front.
#[test]
fn ids_that_could_escape_or_inject_are_refused() {
    let p = TestProject::from_fixture("mini");
    p.append(
        "bildungsmonitor.toml",
        r#"
[berichte."../../x"]
titel = "Ausbruch"
indikatoren = ["FK01"]

[indikatoren."X;=2+2"]
titel = "Formel"
definition = "Eine Kennung mit Formel."
thema = "kita"
einheit = "anzahl"
richtung = "neutral"
zaehler = { tabelle = "kita_kinder", wert = "kinder" }
"#,
    );
    let before = p.snapshot();
    let r = p.run(&["report", "--out", "out"]);
    r.exit(1)
        .no_panic()
        .stderr_has("unzulässige Kennung „../../x“ für Bericht oder Faktencheck")
        .stderr_has("unzulässige Kennung „X;=2+2“ für Kennzahl");
    assert_eq!(before, p.snapshot(), "nothing written");
}

/// A megabyte of bytes that are no UTF-8 is reported in one pass: ten located lines and
/// the total (this took minutes when each error decoded the file from its start).
#[test]
fn a_megabyte_of_invalid_utf8_is_reported_with_its_total() {
    let p = TestProject::from_fixture("mini");
    let mut bytes = b"zeit;gebiet;alter;geschlecht;einwohner;nichtdeutsch\n".to_vec();
    let mut x: u32 = 12345;
    while bytes.len() < 1_000_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let b = (x >> 16) as u8;
        bytes.push(if b.is_multiple_of(64) {
            b'\n'
        } else {
            b | 0x80
        });
    }
    p.write("bevoelkerung.csv", &bytes);
    let r = p.run(&["validate"]);
    r.exit(1)
        .no_panic()
        .stderr_has("Fehler[V002]")
        .stderr_has("ungültige Bytefolgen");
    let located = r.stderr.matches("bevoelkerung.csv:").count();
    assert!(located >= 10, "{}", r.stderr);
}

/// Every text column of both CSV writers is neutralised, the area key included.
#[test]
fn area_keys_that_look_like_formulas_stay_text_in_every_csv() {
    let p = TestProject::empty();
    p.write(
        "gebiete.csv",
        "nr;name;sozialraum;sozialraum_name\n=1+1;Eins;S1;Raum\n@2;Zwei;S1;Raum\n",
    );
    p.write(
        "bevoelkerung.csv",
        "zeit;gebiet;alter;einwohner;nichtdeutsch\n31.12.2024;=1+1;30;100;10\n31.12.2024;@2;30;200;20\n",
    );
    p.write(
        "bildungsmonitor.toml",
        "[projekt]\nkommune = \"Formelstadt\"\nstand = 2025-11-01\n\n[gebiete]\ndatei = \"gebiete.csv\"\n\n[quellen.bevoelkerung]\ntabelle = \"bevoelkerung\"\ndatei = \"bevoelkerung.csv\"\nzeit = { art = \"stichtag\" }\n",
    );
    let r = p.run(&["indicators", "--format", "csv", "--indicator", "KX04"]);
    r.exit(0);
    assert!(
        r.stdout.contains(";'=1+1;") && r.stdout.contains(";'@2;"),
        "{}",
        r.stdout
    );
    p.run(&["export", "--output", "k.csv"]).exit(0);
    let csv = p.read("k.csv");
    assert!(csv.contains(";'=1+1;") && !csv.contains(";=1+1;"), "{csv}");
}

/// What `report` would reject, `validate` reports first, at the data's place.
#[test]
fn data_that_would_break_reports_is_refused_by_validate() {
    // a control character in a Stadtteil name
    let p = TestProject::from_fixture("mini");
    let g = p
        .read("gebiete.csv")
        .replacen("Altstadt", "Alt\u{7}stadt", 1);
    p.write("gebiete.csv", g);
    p.run(&["validate"])
        .exit(1)
        .no_panic()
        .stderr_has("gebiete.csv:2:2: Fehler[C007] Steuerzeichen U+0007 in „name“ (Zeichen 4)");

    // an indicator twice in one module
    let p = TestProject::from_fixture("mini");
    p.append(
        "bildungsmonitor.toml",
        "\n[berichte.doppelt]\ntitel = \"Doppelt\"\nindikatoren = [\"FK01\", \"FK01\"]\n",
    );
    p.run(&["validate"])
        .exit(1)
        .stderr_has("Fehler[C004] Kennzahl „FK01“ steht zweimal in der Liste");

    // a coordinate outside every coordinate system
    let p = TestProject::from_fixture("mini");
    let square = |nr: &str, x: f64| {
        format!(
            r#"{{"type":"Feature","properties":{{"nr":"{nr}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},52],[{x},52.01],[11.01,52.01],[{x},52]]]}}}}"#
        )
    };
    p.write(
        "flaechen.geojson",
        format!(
            r#"{{"type":"FeatureCollection","features":[{},{},{}]}}"#,
            square("01", 11.0),
            square("02", 1e308),
            square("03", 11.0)
        ),
    );
    let cfg = p
        .read("bildungsmonitor.toml")
        .replace("[gebiete]\n", "[gebiete]\ngeojson = \"flaechen.geojson\"\n");
    p.write("bildungsmonitor.toml", cfg);
    p.run(&["validate"])
        .exit(1)
        .stderr_has("Fehler[C009]")
        .stderr_has("in keinem Koordinatensystem liegt");
}

/// `export` never overwrites the data it was made from.
#[test]
fn export_refuses_to_overwrite_an_input() {
    let p = TestProject::from_fixture("mini");
    let before = p.snapshot();
    p.run(&["export", "--output", "bevoelkerung.csv"])
        .exit(2)
        .no_panic()
        .stderr_has("bevoelkerung.csv ist eine Eingabe des Projekts und wird nicht überschrieben");
    assert_eq!(before, p.snapshot());
}

/// Two Stadtteile whose file names collide („7a Süd“, „7A Sued“) are refused; no profile is
/// lost silently and none is written.
#[test]
fn colliding_profile_names_are_refused_before_writing() {
    let p = TestProject::empty();
    p.write(
        "gebiete.csv",
        "nr;name;sozialraum;sozialraum_name\n7a;Süd;S1;Raum\n7A;Sued;S1;Raum\n08;Nord;S1;Raum\n",
    );
    p.write(
        "bevoelkerung.csv",
        "zeit;gebiet;alter;einwohner;nichtdeutsch\n31.12.2024;7a;30;100;10\n31.12.2024;7A;30;200;20\n31.12.2024;08;30;300;30\n",
    );
    p.write(
        "bildungsmonitor.toml",
        "[projekt]\nkommune = \"Kollisionsstadt\"\nstand = 2025-11-01\n\n[gebiete]\ndatei = \"gebiete.csv\"\n\n[quellen.bevoelkerung]\ntabelle = \"bevoelkerung\"\ndatei = \"bevoelkerung.csv\"\nzeit = { art = \"stichtag\" }\n\n[profil]\nindikatoren = [\"KX04\", \"KX01\"]\n",
    );
    let r = p.run(&["faktencheck", "--all-stadtteile"]);
    r.exit(2)
        .no_panic()
        .stderr_has("zwei Ausgaben hätten dieselbe Datei");
    let written = std::fs::read_dir(p.path().join("out"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(written, 0, "no profile written");
}

/// A Gesamtstadt row is the city's total: where every Stadtteil is known and the sum
/// differs, `validate` says so with both numbers; a key that is also a Stadtteil is refused.
#[test]
fn gesamtstadt_row_is_reconciled_with_its_parts() {
    let p = TestProject::sample();
    let kontext = p.read("data-samples/kontext.csv");
    let line = kontext
        .lines()
        .position(|l| l.starts_with("31.12.2024;Gesamtstadt;"))
        .unwrap();
    let row = kontext.lines().nth(line).unwrap();
    let geburten: i64 = row.split(';').nth(3).unwrap().parse().unwrap();
    p.write(
        "data-samples/kontext.csv",
        kontext.replace(
            row,
            &format!("31.12.2024;Gesamtstadt;6803;{}", geburten + 11),
        ),
    );
    let out = p.run(&["validate"]);
    out.exit(0).stderr_has(&format!(
        "data-samples/kontext.csv:{}:1: Warnung[V309] Gesamtstadt-Zeile: „geburten“ ist {}, die Summe der 40 Stadtteile aber {} (Differenz +11)",
        line + 1,
        fmt_int(geburten + 11),
        fmt_int(geburten)
    ));
    // the sgb2 column has withheld parts: nothing to reconcile there
    assert!(!out.stderr.contains("„sgb2_unter15“"), "{}", out.stderr);

    let cfg = p.read("bildungsmonitor.toml").replace(
        "ebene2 = \"Sozialraum\"\n",
        "ebene2 = \"Sozialraum\"\ngesamtstadt = [\"Gesamtstadt\", \"01\"]\n",
    );
    p.write("bildungsmonitor.toml", cfg);
    p.run(&["validate"])
        .exit(1)
        .stderr_has("„01“ in gebiete.gesamtstadt ist zugleich der Stadtteil 01 Altstadt");
}

/// A mistyped city row gets the configured key as suggestion; a row refused for an error is
/// not reported again as a difference of the city row.
#[test]
fn gesamtstadt_typo_is_suggested_and_errors_are_not_reconciled() {
    let p = TestProject::sample();
    let kontext = p
        .read("data-samples/kontext.csv")
        .replace("31.12.2020;Gesamtstadt;", "31.12.2020;Gesamtstad;")
        .replace("31.12.2016;04;375;", "31.12.2016;04;37x5;");
    p.write("data-samples/kontext.csv", kontext);
    let r = p.run(&["validate"]);
    r.exit(1)
        .stderr_has("„Gesamtstad“ steht nicht in der Gebietsgliederung")
        .stderr_has("Hinweis: Meinten Sie „Gesamtstadt“ (Zeile für die ganze Stadt)?")
        .stderr_has("Fehler[V101] „37x5“");
    assert!(!r.stderr.contains("V309"), "{}", r.stderr);
}

fn fmt_int(v: i64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A pupil file by Stadtteil and Schulform, without school numbers and Klassenstufen, is a
/// source: what needs the missing fields is named, everything else is computed.
#[test]
fn a_source_without_optional_fields_disables_only_what_needs_them() {
    let p = TestProject::from_fixture("mini");
    p.write(
        "schulen.csv",
        "zeit;gebiet;schulform;schueler;foerderbedarf\n\
         2022/23;01;grundschule;103;3\n\
         2022/23;02;gymnasium;111;2\n\
         2022/23;02;grundschule;98;1\n\
         2023/24;01;grundschule;101;3\n\
         2023/24;02;gymnasium;109;2\n\
         2023/24;02;grundschule;97;1\n",
    );
    p.append(
        "bildungsmonitor.toml",
        "\n[berichte.schule]\ntitel = \"Schule\"\nindikatoren = [\"AS01\", \"AS03\"]\n",
    );
    let r = p.run(&["validate"]);
    r.exit(0).no_panic();
    r.stderr_has("schulen: klassenstufe (AS03, AS04, AS05, AS06, AS07)")
        .stderr_has("Kennzahl AS03 (")
        .stderr_has(
            "braucht das Feld „klassenstufe“ der Tabelle „schulen“, keine Quelle liefert es",
        );
    let j = p.run(&["validate", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    let fehlend = v["fehlende_felder"].as_array().unwrap();
    assert!(
        fehlend
            .iter()
            .any(|f| f["quelle"] == "schulen" && f["feld"] == "klassenstufe"),
        "{fehlend:?}"
    );
    // Schulformen tell the rows apart: no duplicate key, and the counts add up
    let out = p.run(&[
        "indicators",
        "--indicator",
        "AS01",
        "--period",
        "2023/24",
        "--format",
        "json",
    ]);
    out.exit(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let stadt = v["kennzahlen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ebene"] == "stadt" && r["gruppe"] == "grundschule")
        .cloned()
        .unwrap();
    assert_eq!(stadt["wert"], 198.0, "{stadt}");
    // the same Schulform twice in one Stadtteil is still a duplicate
    p.append("schulen.csv", "2023/24;02;grundschule;5;0\n");
    p.run(&["validate"]).exit(1).stderr_has("Fehler[V303]");
}

/// A source needs a measure, and a part needs its total in the same row.
#[test]
fn a_source_needs_a_measure_and_a_part_its_total() {
    let p = TestProject::from_fixture("mini");
    p.write(
        "schulen.csv",
        "zeit;gebiet;schulform\n2022/23;01;grundschule\n",
    );
    p.run(&["validate"]).exit(1).stderr_has(
        "schulen.csv:1:1: Fehler[V008] keine Zählgröße der Tabelle „schulen“ hat eine Spalte",
    );
    p.write(
        "schulen.csv",
        "zeit;gebiet;schulform;Schüler;foerderbedarf\n2022/23;01;grundschule;3;1\n",
    );
    p.run(&["validate"])
        .exit(1)
        .stderr_has("„foerderbedarf“ ist ein Teil von „schueler“, aber „schueler“ hat keine Spalte")
        .stderr_has("Meinten Sie die Spalte „Schüler“?");
}

/// Ages overlap only among rows of the same coded fields: Kita children by single age next to
/// Hort children in one group is no double count; the same group twice within Hort is.
#[test]
fn age_groups_overlap_only_within_the_same_codes() {
    let p = TestProject::from_fixture("mini");
    let mut kita = p.read("kita.csv");
    kita.push_str("01.03.2023;01;6;kita;3\n01.03.2023;01;6 bis unter 11;hort;20\n");
    p.write("kita.csv", &kita);
    let r = p.run(&["validate"]);
    r.no_panic();
    assert!(!r.stderr.contains("V311"), "{}", r.stderr);
    p.append(
        "kita.csv",
        "01.03.2023;02;bis 10 Jahre;hort;25\n01.03.2023;02;6 bis unter 11;hort;20\n",
    );
    p.run(&["validate"])
        .exit(1)
        .stderr_has("Fehler[V311] Altersangaben überschneiden sich");
}
