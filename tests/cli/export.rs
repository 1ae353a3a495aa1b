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
        Data::Float(v) => assert!((v - 100.0 * 209.0 / 429.0).abs() < 1e-9),
        other => panic!("value is a number cell: {other:?}"),
    }
}

#[test]
fn json_export_is_versioned() {
    let p = TestProject::from_fixture("mini");
    p.run(&["export", "-o", "k.json"]).exit(0);
    let v: serde_json::Value = serde_json::from_str(&p.read("k.json")).unwrap();
    assert_eq!(v["version"], 1);
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
