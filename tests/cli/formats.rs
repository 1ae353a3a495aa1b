//! Real export layouts, read by configuration only: a GENESIS table CSV (Latin-1, header
//! block, stacked headers, footer), a GENESIS flat file, the Konstanz single-age file and a
//! Magdeburg KISS-MD table. The fixtures are modelled on the real files (numbers invented).

use crate::util::TestProject;

fn validate_json(fixture: &str) -> serde_json::Value {
    let p = TestProject::from_fixture(&format!("formats/{fixture}"));
    let r = p.run(&["validate", "--format", "json"]);
    r.no_panic();
    serde_json::from_str(&r.stdout).expect("JSON")
}

#[test]
fn genesis_table_csv() {
    let v = validate_json("genesis");
    assert_eq!(v["ok"], true, "{v:#}");
    let q = &v["quellen"][0];
    // 3 Kreise × 6 Abschlussarten × (insgesamt, weiblich); DG, Land and the dissolved Kreis skipped
    assert_eq!(q["zeilen"], 36);
    assert_eq!(q["uebersprungen"], 3);
    assert_eq!(
        q["zeitpunkte"],
        serde_json::json!(["2022/23"]),
        "2023 = end of school year 2022/23"
    );
}

#[test]
fn genesis_rounding_differences_need_the_rounding_note() {
    let p = TestProject::from_fixture("formats/genesis");
    let cfg = p
        .read("bildungsmonitor.toml")
        .replace("gerundet_auf = 3\n", "");
    p.write("bildungsmonitor.toml", cfg);
    p.run(&["validate"])
        .exit(1)
        .stderr_has("21111-02-06-4.csv:14:1: Fehler[V307] „anzahl“ insgesamt ist 1917, die Summe der Teile aber 1920");
}

#[test]
fn ffcsv_flat_file() {
    let v = validate_json("ffcsv");
    assert_eq!(v["ok"], true, "{v:#}");
    assert_eq!(v["quellen"][0]["zeilen"], 18);
    let warnings: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        warnings,
        vec!["V308"],
        "München is outside the Gebietsgliederung"
    );
}

#[test]
fn konstanz_single_ages() {
    let v = validate_json("konstanz");
    assert_eq!(v["ok"], true, "{v:#}");
    // 2 years × 8 ages × 2 sexes
    assert_eq!(v["quellen"][0]["zeilen"], 32);
}

/// Konstanz's own conventions as project indicators (docs/beispiel-konstanz.md): no
/// Tagespflege, Spielgruppen counted under 3, "3 bis Schuleintritt" = ages 3–5 plus half of 6.
#[test]
fn konstanz_betreuungsquoten_with_city_conventions() {
    let p = TestProject::from_fixture("formats/konstanz");
    let r = p.run(&[
        "indicators",
        "--format",
        "json",
        "--indicator",
        "KN01",
        "--indicator",
        "KN02",
        "--period",
        "2025-03-01",
    ]);
    r.exit(0).no_panic();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let value = |id: &str| {
        v["kennzahlen"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["indikator"] == id && k["ebene"] == "stadt")
            .unwrap()["wert"]
            .as_f64()
            .unwrap()
    };
    // (unter_3_kita 700 + gruppen 100) / (ages 0–2 on 31.12.2024: 612 + 616 + 620)
    assert_eq!(value("KN01"), crate::util::share(800.0, 1848.0));
    // ab_3_kita 1800 / (624 + 628 + 632 + ½ · 636 = 2202)
    assert_eq!(value("KN02"), crate::util::share(1800.0, 2202.0));
}

/// The worked example of docs/beispiel-regionalstatistik.md: share without
/// Hauptschulabschluss per Kreis, Land from the summed counts.
#[test]
fn regionalstatistik_share_without_hauptschulabschluss() {
    let p = TestProject::from_fixture("formats/genesis");
    let r = p.run(&["indicators", "--format", "json", "--indicator", "AS10"]);
    r.exit(0).no_panic();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let rows = v["kennzahlen"].as_array().unwrap();
    let get = |gebiet: &str| rows.iter().find(|k| k["gebiet"] == gebiet).unwrap();
    // Magdeburg 222 / 1 917 = 11,58 % (Regionalatlas: 11,6)
    assert_eq!(get("15003")["zaehler"], 222.0);
    assert_eq!(get("15003")["nenner"], 1917.0);
    assert_eq!(
        get("15003")["wert"].as_f64().unwrap(),
        crate::util::share(222.0, 1917.0)
    );
    // Halle (Saale) 324 / 2 202 = 14,71 % (Regionalatlas: 14,7)
    assert_eq!(
        get("15002")["wert"].as_f64().unwrap(),
        crate::util::share(324.0, 2202.0)
    );
}

#[test]
fn kissmd_table() {
    let v = validate_json("kissmd");
    assert_eq!(v["ok"], true, "{v:#}");
    // 2 years × 5 age rows × 3 (insgesamt, m, w); the "Einwohner insgesamt" rows are excluded
    assert_eq!(v["quellen"][0]["zeilen"], 30);
    assert_eq!(v["quellen"][0]["uebersprungen"], 2);
}

/// Writes the mini population as Parquet, optionally with one negative count.
pub(crate) fn population_parquet(p: &TestProject, negative_at: Option<usize>) {
    use polars::prelude::*;
    use polars_io::prelude::ParquetWriter;
    let text = p.read("bevoelkerung.csv");
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(';').collect())
        .collect();
    let col = |i: usize| rows.iter().map(|r| r[i].to_string()).collect::<Vec<_>>();
    let mut einwohner: Vec<i64> = rows.iter().map(|r| r[4].parse().unwrap()).collect();
    if let Some(i) = negative_at {
        einwohner[i] = -7;
    }
    let alter: Vec<i64> = rows.iter().map(|r| r[2].parse().unwrap()).collect();
    let mut df = df!(
        "zeit" => col(0),
        "gebiet" => col(1),
        "alter" => alter,
        "geschlecht" => col(3),
        "einwohner" => einwohner,
    )
    .unwrap();
    let f = std::fs::File::create(p.path().join("bevoelkerung.parquet")).unwrap();
    ParquetWriter::new(f).finish(&mut df).unwrap();
    let cfg = p.read("bildungsmonitor.toml").replace(
        "datei = \"bevoelkerung.csv\"",
        "datei = \"bevoelkerung.parquet\"\nformat = \"parquet\"",
    );
    p.write("bildungsmonitor.toml", cfg);
}

#[test]
fn parquet_source() {
    let p = TestProject::from_fixture("mini");
    population_parquet(&p, None);
    let r = p.run(&["validate", "--format", "json"]);
    r.exit(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let q = v["quellen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == "bevoelkerung")
        .unwrap()
        .clone();
    assert_eq!(q["zeilen"], 48);
}

#[test]
fn parquet_errors_name_row_and_column() {
    let p = TestProject::from_fixture("mini");
    population_parquet(&p, Some(2));
    // data row 3, column 5 (einwohner)
    p.run(&["validate"])
        .exit(1)
        .stderr_has("bevoelkerung.parquet:3:5: Fehler[V102]");
}
