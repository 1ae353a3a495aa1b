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
    // 2 years × 7 ages × 2 sexes
    assert_eq!(v["quellen"][0]["zeilen"], 28);
}

#[test]
fn kissmd_table() {
    let v = validate_json("kissmd");
    assert_eq!(v["ok"], true, "{v:#}");
    // 2 years × 5 age rows × 3 (insgesamt, m, w); the "Einwohner insgesamt" rows are excluded
    assert_eq!(v["quellen"][0]["zeilen"], 30);
    assert_eq!(v["quellen"][0]["uebersprungen"], 2);
}
