//! Exports: read back as data, byte-identical twice, no formula injection, no leaks.

use crate::util::TestProject;
use calamine::{Data, Reader, Xlsx};

#[test]
fn csv_export_for_german_excel() {
    let p = TestProject::from_fixture("mini");
    p.run(&["export", "--output", "out/kennzahlen.csv"])
        .exit(0)
        .stderr_has("veröffentlichte Werte");
    let bytes = std::fs::read(p.path().join("out/kennzahlen.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM for Excel");
    let text = String::from_utf8(bytes).unwrap();
    // FK01 city 1.3.2023: 209 / 429 = 48,7 %
    assert!(
        text.contains(
            "FK01;Betreuungsquote unter 3 Jahren;%;2023-03-01;Stadt;stadt;Teststadt;;48,7;209;429;"
        ),
        "{text}"
    );
    assert!(text.contains("Hinweis: . = Zahlenwert unbekannt oder geheimzuhalten"));
}

#[test]
fn xlsx_export_has_a_sheet_per_topic_and_numbers() {
    let p = TestProject::from_fixture("mini");
    p.run(&["export", "-o", "k.xlsx"]).exit(0);
    let mut wb: Xlsx<_> = calamine::open_workbook(p.path().join("k.xlsx")).unwrap();
    let names = wb.sheet_names();
    assert!(
        names.contains(&"Frühkindliche Bildung".to_string()),
        "{names:?}"
    );
    assert!(names.contains(&"Hinweise".to_string()));
    let r = wb.worksheet_range("Frühkindliche Bildung").unwrap();
    let header: Vec<String> = r
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header[0], "Kennzahl");
    let fk01_city = r
        .rows()
        .find(|row| {
            row[0] == Data::String("FK01".into())
                && row[3] == Data::String("01.03.2023".into())
                && row[4] == Data::String("Stadt".into())
        })
        .expect("FK01 city row");
    match &fk01_city[8] {
        Data::Float(v) => assert_eq!(*v, crate::util::share(209.0, 429.0)),
        other => panic!("value is a number cell: {other:?}"),
    }
}

#[test]
fn json_export_is_versioned() {
    let p = TestProject::from_fixture("mini");
    p.run(&["export", "-o", "k.json"]).exit(0);
    let v: serde_json::Value = serde_json::from_str(&p.read("k.json")).unwrap();
    assert_eq!(v["version"], 2);
    assert_eq!(v["kommune"], "Teststadt");
    assert!(v["kennzahlen"].as_array().unwrap().len() > 100);
    assert!(v["katalog"].as_array().unwrap().len() >= 30);
}

#[test]
fn exports_are_byte_identical_twice() {
    let p = TestProject::from_fixture("mini");
    for name in ["a.csv", "a.xlsx", "a.json"] {
        p.run(&["export", "-o", name]).exit(0);
        let first = std::fs::read(p.path().join(name)).unwrap();
        p.run(&["export", "-o", name]).exit(0);
        assert_eq!(first, std::fs::read(p.path().join(name)).unwrap(), "{name}");
    }
}

#[test]
fn names_that_look_like_formulas_stay_text() {
    let p = TestProject::from_fixture("mini");
    let g = p
        .read("gebiete.csv")
        .replace("02;Neustadt;", "02;=HYPERLINK(\"http://x\",\"y\");");
    p.write("gebiete.csv", g);
    p.run(&["export", "-o", "k.csv"]).exit(0);
    let csv = p.read("k.csv");
    assert!(
        csv.contains(";\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\";"),
        "{}",
        &csv[..400]
    );
    p.run(&["export", "-o", "k.xlsx"]).exit(0);
    let mut wb: Xlsx<_> = calamine::open_workbook(p.path().join("k.xlsx")).unwrap();
    let r = wb.worksheet_range("Frühkindliche Bildung").unwrap();
    let cell = r
        .rows()
        .find(|row| row[5] == Data::String("02".into()))
        .unwrap()[6]
        .clone();
    assert_eq!(cell, Data::String("'=HYPERLINK(\"http://x\",\"y\")".into()));
}

#[test]
fn exports_never_leak_small_counts() {
    let p = TestProject::from_fixture("geheim");
    p.run(&["export", "-o", "k.json"]).exit(0);
    let v: serde_json::Value = serde_json::from_str(&p.read("k.json")).unwrap();
    for k in v["kennzahlen"].as_array().unwrap() {
        for field in ["zaehler", "nenner"] {
            if let Some(x) = k[field].as_f64() {
                assert!(!(1.0..3.0).contains(&x), "published count {x} in {k}");
            }
        }
        if k["indikator"] == "KX01"
            && let Some(x) = k["wert"].as_f64()
        {
            assert!(!(1.0..3.0).contains(&x), "{k}");
        }
    }
    p.run(&["export", "-o", "k.csv"]).exit(0);
    let csv = p.read("k.csv");
    let line = csv
        .lines()
        .find(|l| l.contains(";Stadtteil;01;Nordstadt;3 bis unter 6;"))
        .unwrap();
    assert!(line.contains(";.;.;"), "suppressed as `.`: {line}");
}

#[test]
fn broken_data_writes_no_export() {
    let p = TestProject::from_fixture("mini");
    p.write(
        "kita.csv",
        "zeit;gebiet;alter;betreuungsart;kinder\n01.03.2023;01;0;kita;-4\n",
    );
    let before = p.snapshot();
    p.run(&["export", "-o", "k.xlsx"])
        .exit(1)
        .stderr_has("Fehler[V102]");
    assert_eq!(p.snapshot(), before, "nothing written");
}

/// The whole sample city: every format from one run; no hidden position leaks a value, and
/// the three files hide the same positions.
#[test]
// Scans every published number of the full sample run (several seconds in debug builds).
fn sample_run_exports_leak_nothing() {
    let p = TestProject::empty();
    crate::util::copy_dir(
        &crate::util::repo().join("data-samples"),
        &p.path().join("data-samples"),
    );
    std::fs::copy(
        crate::util::repo().join("bildungsmonitor.toml"),
        p.path().join("bildungsmonitor.toml"),
    )
    .unwrap();
    p.run(&["export", "-o", "k.json", "-o", "k.csv", "-o", "k.xlsx"])
        .exit(0);
    let v: serde_json::Value = serde_json::from_str(&p.read("k.json")).unwrap();
    let rows = v["kennzahlen"].as_array().unwrap();
    let (project, _) =
        bildungsmonitor::project::load(&p.path().join("bildungsmonitor.toml")).unwrap();
    let sr_of: std::collections::BTreeMap<&str, &str> = project
        .gebiete
        .stadtteile
        .iter()
        .map(|s| (s.nr.as_str(), s.sozialraum.as_str()))
        .collect();

    // 1. no published person count between 1 and 2
    for k in rows {
        let ind = project
            .katalog
            .get(k["indikator"].as_str().unwrap())
            .unwrap();
        let person =
            |t: &bildungsmonitor::catalogue::Teil| t.faktor == 1.0 && t.gewichte.is_empty();
        if person(&ind.def.zaehler)
            && let Some(x) = k["zaehler"].as_f64()
        {
            assert!(!(0.5..2.5).contains(&x), "count {x} published: {k}");
        }
    }
    // 2. no small count can be recomputed: where a published total has exactly one hidden
    //    part among the rows of an indicator, total − published parts must not be 1 or 2
    type Key = (String, String, String, &'static str);
    let mut parts: std::collections::BTreeMap<(Key, String), (usize, f64)> = Default::default();
    let mut totals: std::collections::BTreeMap<(Key, String), Option<f64>> = Default::default();
    for k in rows {
        for field in ["zaehler", "nenner"] {
            if field == "nenner" && !k["gruppe"].is_null() {
                continue;
            }
            let key: Key = (
                k["indikator"].to_string(),
                k["zeit"].to_string(),
                k["gruppe"].to_string(),
                field,
            );
            let value = k[field].as_f64();
            let hidden = value.is_none() && k["gesperrt"] == true;
            let (level, parent) = match k["ebene"].as_str().unwrap() {
                "stadtteil" => ("part", sr_of[k["gebiet"].as_str().unwrap()].to_string()),
                "sozialraum" => {
                    totals.insert(
                        (key.clone(), k["gebiet"].as_str().unwrap().to_string()),
                        value,
                    );
                    ("part", "stadt".to_string())
                }
                _ => {
                    totals.insert((key.clone(), "stadt".into()), value);
                    ("total", String::new())
                }
            };
            if level == "part" {
                let e = parts.entry((key, parent)).or_default();
                e.0 += usize::from(hidden);
                e.1 += value.unwrap_or(0.0);
            }
        }
    }
    let mut checked = 0;
    for (k, (hidden, published_sum)) in &parts {
        if let Some(Some(total)) = totals.get(k) {
            checked += 1;
            if *hidden == 1 {
                let implied = total - published_sum;
                assert!(
                    !(0.5..2.5).contains(&implied),
                    "{k:?}: the hidden part is recomputable as {implied}"
                );
            }
        }
    }
    assert!(checked > 1000, "{checked}");
    // 3. the CSV and the XLSX hide exactly the rows the JSON hides (the same keys, not only as
    //    many)
    let key = |f: [&str; 5]| f.map(str::to_lowercase).join("|");
    let hidden_json: std::collections::BTreeSet<String> = rows
        .iter()
        .filter(|k| k["gesperrt"] == true)
        .map(|k| {
            let s = |f: &str| k[f].as_str().unwrap_or_default().to_string();
            key([
                &s("indikator"),
                &s("zeit"),
                &s("ebene"),
                &s("gebiet"),
                &s("gruppe"),
            ])
        })
        .collect();
    assert!(
        hidden_json.len() > 100,
        "the sample has small Stadtteile: {}",
        hidden_json.len()
    );
    let csv = p.read("k.csv");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let hidden_csv: std::collections::BTreeSet<String> = reader
        .records()
        .map(Result::unwrap)
        .filter(|f| f.get(8) == Some("."))
        .map(|f| key([&f[0], &f[3], &f[4], &f[5], &f[7]]))
        .collect();
    assert_eq!(hidden_json, hidden_csv);
    let mut wb: Xlsx<_> = calamine::open_workbook(p.path().join("k.xlsx")).unwrap();
    let mut hidden_xlsx = std::collections::BTreeSet::new();
    for name in wb.sheet_names() {
        if name == "Hinweise" {
            continue;
        }
        let r = wb.worksheet_range(&name).unwrap();
        for row in r.rows().skip(1) {
            let cell = |i: usize| row.get(i).map(|d| d.to_string()).unwrap_or_default();
            if cell(8) == "." {
                // the sheet shows German dates and months (01.03.2017, 11/2024), the JSON
                // ISO ones
                let t = cell(3);
                let dots: Vec<&str> = t.split('.').collect();
                let slashes: Vec<&str> = t.split('/').collect();
                let zeit = match (&dots[..], &slashes[..]) {
                    ([d, m, y], _) if y.len() == 4 => format!("{y}-{m}-{d}"),
                    (_, [m, y]) if y.len() == 4 => format!("{y}-{m}"),
                    _ => t.clone(),
                };
                hidden_xlsx.insert(key([&cell(0), &zeit, &cell(4), &cell(5), &cell(7)]));
            }
        }
    }
    assert_eq!(hidden_json, hidden_xlsx);
}

/// An area without a school (or a Kita) keeps its row, with "–" and the reason, in every
/// export: it does not vanish from the table.
#[test]
fn areas_without_data_keep_their_row_with_the_reason() {
    let p = TestProject::from_fixture("mini");
    p.run(&["export", "-o", "k.json", "-o", "k.csv"]).exit(0);
    let v: serde_json::Value = serde_json::from_str(&p.read("k.json")).unwrap();
    let rows = v["kennzahlen"].as_array().unwrap();
    // Stadtteil 03 has no school in the mini city and exists until the end of 2023
    let as03 = |gebiet: &str, zeit: &str| {
        rows.iter()
            .find(|r| r["indikator"] == "AS03" && r["gebiet"] == gebiet && r["zeit"] == zeit)
            .cloned()
    };
    let leer = as03("03", "2023/24").expect("a row for the Stadtteil without a school");
    assert!(
        leer["wert"].is_null() && leer["zaehler"].is_null(),
        "{leer}"
    );
    assert_eq!(leer["luecke"], "keine_daten");
    assert_eq!(leer["gesperrt"], false);
    assert!(
        as03("03", "2024/25").is_none(),
        "03 no longer exists in 2024/25"
    );
    let csv = p.read("k.csv");
    assert!(
        csv.lines().any(|l| l.starts_with("AS03;")
            && l.contains(";2023/24;Stadtteil;03;")
            && l.ends_with(";–")),
        "{csv}"
    );
    // the workbook shows the gap's sign, not the "." of a withheld value
    p.run(&["export", "-o", "k.xlsx"]).exit(0);
    let mut wb: Xlsx<_> = calamine::open_workbook(p.path().join("k.xlsx")).unwrap();
    let mut found = false;
    for name in wb.sheet_names() {
        let r = wb.worksheet_range(&name).unwrap();
        for row in r.rows() {
            let cell = |i: usize| row.get(i).map(|d| d.to_string()).unwrap_or_default();
            if cell(0) == "AS03" && cell(3) == "2023/24" && cell(5) == "03" {
                assert_eq!(cell(8), "–", "{row:?}");
                found = true;
            }
        }
    }
    assert!(found, "AS03 of Stadtteil 03 in the workbook");
}

/// Data warnings reach stderr with every output format (stdout stays the data), and the
/// machine output is unchanged by them.
#[test]
fn data_warnings_are_shown_with_json_and_csv_output() {
    let p = TestProject::from_fixture("mini");
    p.write(
        "kita.csv",
        std::fs::read(crate::util::fixture("broken/kita_gap_in_series.csv")).unwrap(),
    );
    for format in ["json", "csv"] {
        let r = p.run(&[
            "--no-cache",
            "indicators",
            "--indicator",
            "FK01",
            "--format",
            format,
        ]);
        r.exit(0).no_panic().stderr_has("Warnung[V304]");
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
            assert!(v["kennzahlen"].is_array());
        } else {
            assert!(
                r.stdout.starts_with("Kennzahl;") || r.stdout.contains(';'),
                "{}",
                r.stdout
            );
        }
    }
    // from the cache the warning is named by its count
    let r = p.run(&["indicators", "--indicator", "FK01", "--format", "json"]);
    r.exit(0);
    let again = p.run(&["indicators", "--indicator", "FK01", "--format", "json"]);
    again.exit(0).stderr_has("Warnung");
}
