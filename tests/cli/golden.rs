//! Every indicator of the built-in catalogue on a hand-made data set (tests/fixtures/golden):
//! two Stadtteile in two Sozialräume, one year. The expected values are computed by hand from
//! the CSV files; the arithmetic is shown next to each. Disclosure is switched off in that
//! project (Mindestfallzahl 1, Mindestbasis 1) so that every value is published.

use crate::util::TestProject;
use std::collections::BTreeMap;

type Key = (String, String, String, Option<String>);

fn values() -> BTreeMap<Key, f64> {
    let p = TestProject::from_fixture("golden");
    let r = p.run(&["indicators", "--format", "json"]);
    r.exit(0).no_panic();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    v["kennzahlen"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| {
            Some((
                (
                    k["indikator"].as_str()?.to_string(),
                    k["zeit"].as_str()?.to_string(),
                    k["gebiet"].as_str()?.to_string(),
                    k["gruppe"].as_str().map(str::to_string),
                ),
                k["wert"].as_f64()?,
            ))
        })
        .collect()
}

/// (indicator, period, [Nord, Süd, Stadt], group). The Sozialräume S1/S2 hold one Stadtteil
/// each and must equal Nord/Süd.
type Expected = (&'static str, &'static str, [f64; 3], Option<&'static str>);

fn pct(n: f64, d: f64) -> f64 {
    100.0 * n / d
}

#[rustfmt::skip]
fn expected() -> Vec<Expected> {
    vec![
        // Kontext, Bevölkerung 31.12.2024 (ages 1, 4, 7, 12, 16, 17, 20, 40, 70)
        ("KX01", "2024-12-31", [200.0, 100.0, 300.0], Some("0 bis unter 3")),
        ("KX01", "2024-12-31", [210.0, 110.0, 320.0], Some("3 bis unter 6")),
        ("KX01", "2024-12-31", [220.0, 120.0, 340.0], Some("6 bis unter 10")),
        ("KX01", "2024-12-31", [230.0, 130.0, 360.0], Some("10 bis unter 16")),
        // ages 16 + 17: Nord 240 + 250, Süd 140 + 150
        ("KX01", "2024-12-31", [490.0, 290.0, 780.0], Some("16 bis unter 19")),
        ("KX01", "2024-12-31", [300.0, 200.0, 500.0], Some("19 bis unter 25")),
        ("KX01", "2024-12-31", [1000.0, 600.0, 1600.0], Some("25 bis unter 65")),
        ("KX01", "2024-12-31", [800.0, 400.0, 1200.0], Some("65 und älter")),
        ("KX02", "2024-12-31", [60.0, 30.0, 90.0], None),
        // SGB II under 15 (31.12.2024) over population 0–14 of 31.12.2023 (each age 10 fewer):
        // Nord 190 + 200 + 210 + 220 = 820, Süd 90 + 100 + 110 + 120 = 420
        ("KX03", "2024-12-31", [pct(150.0, 820.0), pct(120.0, 420.0), pct(270.0, 1240.0)], None),
        // nichtdeutsch: Nord 20+21+22+23+24+25+30+100+40 = 305 of 3450; Süd 505 of 1950
        ("KX04", "2024-12-31", [pct(305.0, 3450.0), pct(505.0, 1950.0), pct(810.0, 5400.0)], None),
        // Migrationshintergrund: Süd 50+55+60+65+70+75+100+300+40 = 815
        ("KX05", "2024-12-31", [pct(610.0, 3450.0), pct(815.0, 1950.0), pct(1425.0, 5400.0)], None),
        // Kita 1.3.2025 over population 31.12.2024; Nord under 3: kita 80 + tagespflege 20
        ("FK01", "2025-03-01", [pct(100.0, 200.0), pct(40.0, 100.0), pct(140.0, 300.0)], None),
        ("FK02", "2025-03-01", [pct(190.0, 210.0), pct(100.0, 110.0), pct(290.0, 320.0)], None),
        ("FK03", "2025-03-01", [pct(150.0, 220.0), pct(60.0, 120.0), pct(210.0, 340.0)], None),
        // ganztags under 6: Nord 60 + 10 + 150 = 220 of the population 0–5 on 31.12.2024
        // (200 + 210 = 410, as FK10); FK15 over the children in care, 80 + 20 + 190 = 290
        ("FK04", "2025-03-01", [pct(220.0, 410.0), pct(110.0, 210.0), pct(330.0, 620.0)], None),
        ("FK15", "2025-03-01", [pct(220.0, 290.0), pct(110.0, 140.0), pct(330.0, 430.0)], None),
        // (Betreuungsstunden / 40) / (Personalstunden / 39): Nord 11200/40 = 280 over
        // 1092/39 = 28 → 10; Süd 5280/40 = 132 over 468/39 = 12 → 11; Stadt 412/40
        ("FK05", "2025-03-01", [10.0, 11.0, 10.3], None),
        ("FK06", "2025-03-01", [pct(30.0, 32.0), pct(12.0, 16.0), pct(42.0, 48.0)], None),
        ("FK07", "2025-03-01", [pct(30.0, 190.0), pct(35.0, 100.0), pct(65.0, 290.0)], None),
        ("FK08", "2025-03-01", [pct(52.0, 290.0), pct(57.0, 140.0), pct(109.0, 430.0)], None),
        ("FK09", "2025-03-01", [pct(290.0, 320.0), pct(150.0, 150.0), pct(440.0, 470.0)], None),
        // places over population 0–5 of 31.12.2024: Nord 200 + 210
        ("FK10", "2025-03-01", [pct(320.0, 410.0), pct(150.0, 210.0), pct(470.0, 620.0)], None),
        ("FK11", "2024/25", [pct(38.0, 190.0), pct(30.0, 100.0), pct(68.0, 290.0)], Some("sprache")),
        ("FK11", "2024/25", [pct(19.0, 190.0), pct(12.0, 100.0), pct(31.0, 290.0)], Some("motorik")),
        ("FK12", "2024/25", [5.0, 8.0, 6.0], None),
        // vorzeitig over all enrolments (eingeschult), not over the children of school age
        ("FK13", "2024/25", [pct(4.0, 160.0), pct(2.0, 80.0), pct(6.0, 240.0)], None),
        ("FK14", "2024/25", [pct(171.0, 190.0), 80.0, pct(251.0, 290.0)], None),
        // Schulen 2024/25
        ("AS01", "2024/25", [190.0, f64::NAN, 190.0], Some("grundschule")),
        ("AS01", "2024/25", [200.0, f64::NAN, 200.0], Some("gymnasium")),
        ("AS01", "2024/25", [f64::NAN, 30.0, 30.0], Some("foerderschule")),
        ("AS01", "2024/25", [f64::NAN, 110.0, 110.0], Some("sekundarschule")),
        // index on 2023/24 = 100: Nord 390 / 370, Süd 140 / 130, Stadt 530 / 500
        ("AS02", "2023/24", [100.0, 100.0, 100.0], None),
        ("AS02", "2024/25", [pct(390.0, 370.0), pct(140.0, 130.0), 106.0], None),
        // grades 1–10: Nord 4 + 3 + 1 = 8 of 100 + 90 + 120 = 310 (grade 11 excluded)
        ("AS03", "2024/25", [pct(8.0, 310.0), 25.0, pct(43.0, 450.0)], None),
        ("AS04", "2024/25", [0.0, pct(30.0, 140.0), pct(30.0, 450.0)], None),
        ("AS05", "2024/25", [pct(8.0, 310.0), pct(5.0, 140.0), pct(13.0, 450.0)], None),
        ("AS06", "2024/25", [100.0, pct(5.0, 35.0), pct(13.0, 43.0)], None),
        // grades 3–13 without Förderschule: Nord 2 + 0 + 3 = 5 of 90 + 120 + 80 = 290
        ("AS07", "2024/25", [pct(5.0, 290.0), pct(6.0, 110.0), pct(11.0, 400.0)], None),
        ("AS08", "2024/25", [pct(150.0, 390.0), pct(80.0, 140.0), pct(230.0, 530.0)], None),
        ("AS09", "2024/25", [pct(10.0, 160.0), 14.0, pct(24.0, 260.0)], Some("ohne_hsa")),
        ("AS09", "2024/25", [pct(20.0, 160.0), 25.0, pct(45.0, 260.0)], Some("hsa")),
        ("AS09", "2024/25", [pct(50.0, 160.0), 40.0, pct(90.0, 260.0)], Some("msa")),
        ("AS09", "2024/25", [50.0, 21.0, pct(101.0, 260.0)], Some("ahr")),
        ("AS10", "2024/25", [6.25, 14.0, pct(24.0, 260.0)], None),
        // Quotensumme over ages 16 and 17, population 31.12.2024:
        // Nord 6/240 + 4/250 = 0.041; Süd 7/140 + 7/150; Stadt 13/380 + 11/400
        ("AS11", "2024/25", [4.1, 100.0 * (7.0 / 140.0 + 7.0 / 150.0), 100.0 * (13.0 / 380.0 + 11.0 / 400.0)], None),
        ("AS12", "2024/25", [pct(29.0, 390.0), pct(27.0, 140.0), pct(56.0, 530.0)], None),
        ("AS13", "2024/25", [50.0, 21.0, pct(101.0, 260.0)], None),
        ("UE01", "2024/25", [60.0, 30.0, 50.0], Some("gymnasium")),
        ("UE01", "2024/25", [30.0, 60.0, 40.0], Some("sekundarschule")),
        ("UE01", "2024/25", [10.0, 10.0, 10.0], Some("igs")),
        ("UE01G", "2024/25", [60.0, 30.0, 50.0], None),
    ]
}

#[test]
fn every_catalogue_indicator_matches_hand_computation() {
    let got = values();
    let expected = expected();
    let mut problems = Vec::new();
    for (ind, zeit, vals, gruppe) in &expected {
        for (gebiete, v) in [
            (["01", "S1"], vals[0]),
            (["02", "S2"], vals[1]),
            (["stadt", "stadt"], vals[2]),
        ] {
            for gebiet in gebiete {
                let key = (
                    ind.to_string(),
                    zeit.to_string(),
                    gebiet.to_string(),
                    gruppe.map(str::to_string),
                );
                match got.get(&key) {
                    None if v.is_nan() => {}
                    // published at one decimal, rounded half up
                    Some(x) if !v.is_nan() && (x - crate::util::round1(v)).abs() < 1e-9 => {}
                    other => problems.push(format!("{key:?}: expected {v}, got {other:?}")),
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // every indicator of the built-in catalogue has a golden value
    let covered: std::collections::BTreeSet<&str> = expected.iter().map(|e| e.0).collect();
    let catalogue = bildungsmonitor::catalogue::Catalogue::builtin();
    let missing: Vec<&str> = catalogue.ids().filter(|id| !covered.contains(id)).collect();
    assert!(missing.is_empty(), "no golden value for {missing:?}");
}

/// The Quotensumme adds the shares of the numerator's ages (16 and 17 here): a secret
/// population count at age 70 makes the share of foreigners in Nord unknown, but not the
/// school leavers' Quotensumme.
#[test]
fn quotensumme_reads_only_the_numerators_ages() {
    let p = TestProject::from_fixture("golden");
    let bev = p.read("bevoelkerung.csv");
    assert!(bev.contains("31.12.2024;01;70;800;40;80"));
    p.write(
        "bevoelkerung.csv",
        bev.replace("31.12.2024;01;70;800;40;80", "31.12.2024;01;70;.;40;80"),
    );
    let r = p.run(&["indicators", "--format", "json"]);
    r.exit(0).no_panic();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let row = |ind: &str| {
        v["kennzahlen"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["indikator"] == ind && k["gebiet"] == "01" && k["zeit"] == "2024/25")
            .or_else(|| {
                v["kennzahlen"].as_array().unwrap().iter().find(|k| {
                    k["indikator"] == ind && k["gebiet"] == "01" && k["zeit"] == "2024-12-31"
                })
            })
            .unwrap_or_else(|| panic!("no row {ind} for Nord"))
            .clone()
    };
    let as11 = row("AS11");
    assert!(
        (as11["wert"].as_f64().unwrap() - 4.1).abs() < 1e-9,
        "{as11}"
    );
    let kx04 = row("KX04");
    assert!(kx04["wert"].is_null(), "{kx04}");
    assert_eq!(kx04["luecke"], "unvollstaendig", "{kx04}");
}

/// Leavers without ages (the sample's and many offices' tables) give no Quotensumme: the
/// rows say „keine Daten“ instead of publishing 0 %.
#[test]
fn quotensumme_without_ages_has_no_value() {
    let p = TestProject::from_fixture("golden");
    // the same leavers, summed over their ages
    let mut summed: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for l in p.read("abgaenger.csv").lines().skip(1) {
        let f: Vec<&str> = l.split(';').collect();
        let key = (f[0].to_string(), f[1].to_string(), f[2].to_string());
        *summed.entry(key).or_default() += f[4].parse::<u64>().expect("count");
    }
    let mut without_age = String::from("zeit;gebiet;abschlussart;anzahl\n");
    for ((zeit, gebiet, art), n) in &summed {
        without_age.push_str(&format!("{zeit};{gebiet};{art};{n}\n"));
    }
    p.write("abgaenger.csv", without_age);
    let r = p.run(&["indicators", "--format", "json"]);
    r.exit(0).no_panic();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let as11: Vec<&serde_json::Value> = v["kennzahlen"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["indikator"] == "AS11")
        .collect();
    assert_eq!(as11.len(), 5, "Nord, Süd, S1, S2, Stadt: {as11:?}");
    for k in as11 {
        assert!(k["wert"].is_null(), "{k}");
        assert_eq!(k["luecke"], "keine_daten", "{k}");
    }
    // the other leaver indicators do not need ages
    let as10 = v["kennzahlen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["indikator"] == "AS10" && k["gebiet"] == "01")
        .expect("AS10 Nord");
    // 6,25 % is published as 6,3 (half up)
    assert_eq!(as10["wert"].as_f64(), Some(6.3));
}
