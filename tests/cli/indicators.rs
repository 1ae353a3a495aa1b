//! Golden values computed by hand on the mini project (tests/fixtures/mini).

use crate::util::TestProject;

fn json(args: &[&str]) -> serde_json::Value {
    let p = TestProject::from_fixture("mini");
    let mut all = vec!["indicators", "--format", "json"];
    all.extend_from_slice(args);
    let r = p.run(&all);
    r.exit(0).no_panic();
    serde_json::from_str(&r.stdout).expect("JSON")
}

fn find<'a>(v: &'a serde_json::Value, ebene: &str, gebiet: &str) -> &'a serde_json::Value {
    v["kennzahlen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["ebene"] == ebene && k["gebiet"] == gebiet)
        .unwrap_or_else(|| panic!("{ebene} {gebiet} in {v:#}"))
}

#[test]
fn fk01_kita_over_previous_year_population() {
    let v = json(&["--indicator", "FK01", "--period", "01.03.2023"]);
    // Altstadt: Kita 1.3.2023 ages 0–2: 4 + 41 + 76 = 121;
    // population 31.12.2022 ages 0–2: (40+41) + (41+42) + (42+43) = 249 → 48.594… %
    let a = find(&v, "stadtteil", "01");
    assert_eq!(a["zaehler"], 121.0);
    assert_eq!(a["nenner"], 249.0);
    assert_eq!(
        a["wert"].as_f64().unwrap(),
        crate::util::share(121.0, 249.0)
    );
    // City from summed counts: (121 + 77 + 11) / (249 + 159 + 21) = 209 / 429, not the mean of the rates
    let c = find(&v, "stadt", "stadt");
    assert_eq!(c["zaehler"], 209.0);
    assert_eq!(c["nenner"], 429.0);
    assert_eq!(
        c["wert"].as_f64().unwrap(),
        crate::util::share(209.0, 429.0)
    );
    // Sozialraum S1 = Altstadt + Neustadt: (121 + 77) / (249 + 159)
    let s = find(&v, "sozialraum", "S1");
    assert_eq!(
        s["wert"].as_f64().unwrap(),
        crate::util::share(198.0, 408.0)
    );
}

#[test]
fn change_to_previous_year_and_rank() {
    let v = json(&["--indicator", "FK01", "--period", "2024"]);
    let a = find(&v, "stadtteil", "01");
    // 2024: Kita (83//20 + 85//2 + 87*9//10) = 4 + 42 + 78 = 124 over 31.12.2023: 249 + 6 = 255
    assert_eq!(a["zaehler"], 124.0);
    assert_eq!(a["nenner"], 255.0);
    // the difference of the published values: 48,6 − 48,6
    let expected =
        crate::util::round1(crate::util::share(124.0, 255.0) - crate::util::share(121.0, 249.0));
    assert_eq!(a["veraenderung"].as_f64().unwrap(), expected);
    assert!(a["rang"].as_u64().is_some());
}

#[test]
fn human_table_uses_german_numbers() {
    let p = TestProject::from_fixture("mini");
    let r = p.run(&[
        "indicators",
        "--indicator",
        "FK01",
        "--period",
        "01.03.2023",
        "--ebene",
        "stadt",
    ]);
    r.exit(0);
    assert!(r.stdout.contains("48,7\u{a0}%"), "{}", r.stdout);
}

#[test]
fn csv_output_has_decimal_comma() {
    let p = TestProject::from_fixture("mini");
    let r = p.run(&[
        "indicators",
        "--indicator",
        "FK01",
        "--period",
        "01.03.2023",
        "--ebene",
        "stadt",
        "--format",
        "csv",
    ]);
    r.exit(0);
    assert!(
        r.stdout.starts_with("indikator;zeit;ebene;"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("FK01;2023-03-01;Stadt;stadt;Teststadt;;48,7;209;429;"),
        "{}",
        r.stdout
    );
}

#[test]
fn unknown_indicator_is_a_usage_problem() {
    let p = TestProject::from_fixture("mini");
    p.run(&["indicators", "--indicator", "FK1"])
        .exit(2)
        .stderr_has("Meinten Sie „FK01“?");
}

#[test]
fn indicators_refuse_broken_data() {
    let p = TestProject::from_fixture("mini");
    p.write(
        "kita.csv",
        "zeit;gebiet;alter;betreuungsart;kinder\n01.03.2023;01;0;kita;-4\n",
    );
    p.run(&["indicators"])
        .exit(1)
        .stderr_has("kita.csv:2:22: Fehler[V102]");
}

#[test]
fn catalogue_is_documented_and_current() {
    let p = TestProject::from_fixture("mini");
    let r = p.run(&["catalogue", "--format", "markdown"]);
    r.exit(0);
    let doc = std::fs::read_to_string(crate::util::repo().join("docs/indicators.md")).unwrap();
    assert_eq!(
        doc, r.stdout,
        "docs/indicators.md is stale: run `bildungsmonitor catalogue --format markdown > docs/indicators.md`"
    );
    let n = r.stdout.matches("\n## ").count();
    assert!(n >= 30, "{n} indicators");
}

#[test]
fn school_and_kita_indicators_by_hand() {
    let v = json(&[
        "--indicator",
        "AS01",
        "--indicator",
        "AS02",
        "--indicator",
        "AS03",
        "--indicator",
        "FK09",
        "--ebene",
        "stadt",
    ]);
    let get = |ind: &str, zeit: &str, gruppe: Option<&str>| -> f64 {
        v["kennzahlen"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["indikator"] == ind && k["zeit"] == zeit && k["gruppe"].as_str() == gruppe)
            .unwrap_or_else(|| panic!("{ind} {zeit} {gruppe:?}"))["wert"]
            .as_f64()
            .unwrap()
    };
    // AS01 2022/23: Grundschule grades 1 and 2 with 51 + 52 pupils; Gymnasium 55 + 56
    assert_eq!(get("AS01", "2022/23", Some("grundschule")), 103.0);
    assert_eq!(get("AS01", "2022/23", Some("gymnasium")), 111.0);
    // AS02: 2022/23 = 100; 2023/24: (52 + 53 + 56 + 57) / 214 × 100
    assert_eq!(get("AS02", "2022/23", None), 100.0);
    assert_eq!(
        get("AS02", "2023/24", None),
        crate::util::share(218.0, 214.0)
    );
    // AS03 Förderquote 2022/23: SPF 1 + 2 (Grundschule) + 2 + 0 (Gymnasium) = 5 of 214
    assert_eq!(get("AS03", "2022/23", None), crate::util::share(5.0, 214.0));
    // FK09 Platzauslastung 1.3.2023: (110 + 58) / (120 + 60)
    assert_eq!(
        get("FK09", "2023-03-01", None),
        crate::util::share(168.0, 180.0)
    );
}

#[test]
fn monthly_period_compares_with_the_same_month_a_year_earlier() {
    let p = TestProject::from_fixture("mini");
    let cfg = p.read("bildungsmonitor.toml")
        + "\n[quellen.kita_monat]\ntabelle = \"kita_kinder\"\ndatei = \"kita_monat.csv\"\nzeit = { art = \"monat\" }\n";
    p.write("bildungsmonitor.toml", cfg);
    // Altstadt, ages 0–2: 100 children in 10/2024 and 110 in 10/2025; population 31.12.2023 = 255, 31.12.2024 = 261
    let mut csv = String::from("zeit;gebiet;alter;betreuungsart;kinder\n");
    for (month, n) in [("2024-10", [10, 40, 50]), ("2025-10", [10, 45, 55])] {
        for (age, k) in n.iter().enumerate() {
            csv.push_str(&format!("{month};01;{age};kita;{k}\n"));
        }
    }
    p.write("kita_monat.csv", csv);
    let r = p.run(&[
        "indicators",
        "--indicator",
        "FK01",
        "--period",
        "2025-10",
        "--format",
        "json",
        "--ebene",
        "stadtteil",
    ]);
    r.exit(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let k = &v["kennzahlen"][0];
    assert_eq!(k["zeit"], "2025-10");
    // 42,1 % now, 39,2 % a year before: the change as printed, 2,9
    let now = crate::util::share(110.0, 261.0);
    let before = crate::util::share(100.0, 255.0);
    assert_eq!((now, before), (42.1, 39.2));
    assert_eq!(k["wert"].as_f64().unwrap(), now, "{k}");
    assert_eq!(k["veraenderung"].as_f64().unwrap(), 2.9, "{k}");
}

/// The JSON text keeps its layout (keys in alphabetical order, `gesperrt` in every row): the
/// rows are written one by one, not built as one value first.
#[test]
fn json_layout_is_stable() {
    let p = TestProject::from_fixture("mini");
    let r = p.run(&["indicators", "--format", "json", "--indicator", "FK01"]);
    r.exit(0).no_panic();
    let (h, k, v) = (
        r.stdout.find("\n  \"hinweise\"").expect("hinweise"),
        r.stdout.find("\n  \"kennzahlen\"").expect("kennzahlen"),
        r.stdout.find("\n  \"version\": 1").expect("version"),
    );
    assert!(
        r.stdout.starts_with("{\n") && h < k && k < v,
        "{}",
        r.stdout
    );
    // the keys of the first row, as written (parsing would sort them anyway)
    let first = &r.stdout[k..];
    let first = &first[..first.find("\n    }").expect("end of the first row")];
    let keys: Vec<&str> = first
        .lines()
        .filter_map(|l| l.strip_prefix("      \"")?.split('"').next())
        .collect();
    assert!(
        keys.contains(&"gesperrt") && keys.contains(&"wert"),
        "{keys:?}"
    );
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    let rows: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    for row in rows["kennzahlen"].as_array().unwrap() {
        assert!(row["gesperrt"].is_boolean(), "{row}");
    }
}

/// A yearly Stichtag that moved (1.3. → 15.3.) keeps the change to the year before: it is
/// taken against the one Stichtag of that year, and said so in the report.
#[test]
fn a_moved_stichtag_keeps_the_change_to_the_previous_year() {
    let p = crate::util::TestProject::sample();
    let kita = p
        .read("data-samples/kita_kinder.csv")
        .replace("\n2025-03-01,", "\n2025-03-15,");
    p.write("data-samples/kita_kinder.csv", kita);
    let run = p.run(&[
        "indicators",
        "--indicator",
        "FK01",
        "--format",
        "json",
        "--ebene",
        "stadt",
    ]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let rows = v["kennzahlen"].as_array().unwrap();
    let at = |zeit: &str| {
        rows.iter()
            .find(|r| r["zeit"] == zeit && r["gruppe"].is_null())
            .unwrap_or_else(|| panic!("{zeit} missing"))
    };
    let (now, before) = (at("2026-03-01"), at("2025-03-15"));
    let change = now["veraenderung"]
        .as_f64()
        .expect("a change to 15.03.2025");
    let printed = now["wert"].as_f64().unwrap() - before["wert"].as_f64().unwrap();
    assert!((change - printed).abs() < 1e-9, "{change} vs {printed}");
    // and 15.03.2025 itself to 01.03.2024
    assert!(before["veraenderung"].is_number(), "{before}");
}

/// The sample's single-age population summed into the groups `group` names.
fn regroup(text: &str, group: impl Fn(u32) -> &'static str) -> String {
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert_eq!(
        header,
        "Stichtag;Stadtteil-Nr.;Altersjahr;Geschlecht;Einwohner mit Hauptwohnsitz;darunter nichtdeutsch"
    );
    let mut sums: Vec<(String, [u64; 2])> = Vec::new();
    for l in lines {
        let f: Vec<&str> = l.split(';').collect();
        let age: u32 = f[2].trim_end_matches(" und älter").parse().unwrap();
        let key = format!("{};{};{};{}", f[0], f[1], group(age), f[3]);
        let n = [f[4].parse::<u64>().unwrap(), f[5].parse::<u64>().unwrap()];
        match sums.iter_mut().find(|(k, _)| *k == key) {
            Some((_, s)) => (0..2).for_each(|i| s[i] += n[i]),
            None => sums.push((key, n)),
        }
    }
    let mut out = format!("{header}\n");
    for (k, [a, b]) in &sums {
        out.push_str(&format!("{k};{a};{b}\n"));
    }
    out
}

/// Population delivered in age groups: every indicator whose ages the groups fit gives the
/// same publication as single ages; groups that overlap and ranges that cut a group stop.
#[test]
fn age_groups_give_the_numbers_of_single_ages_where_they_fit() {
    let p = TestProject::sample();
    p.run(&["export", "--output", "einzel.json"]).exit(0);
    let single = p.read("data-samples/bevoelkerung.csv");
    let grouped = regroup(&single, |a| match a {
        0..=2 => "unter 3",
        3..=5 => "3 bis unter 6",
        6..=9 => "6 bis unter 10",
        10 => "10",
        11..=14 => "11 bis 14",
        15 => "15",
        16..=18 => "16 bis unter 19",
        19..=24 => "19 bis unter 25",
        25..=64 => "25 bis unter 65",
        _ => "65 und älter",
    });
    p.write("data-samples/bevoelkerung.csv", &grouped);
    p.run(&["validate"]).exit(0);
    p.run(&["export", "--output", "gruppen.json"]).exit(0);
    let rows = |file: &str| -> Vec<serde_json::Value> {
        let v: serde_json::Value = serde_json::from_str(&p.read(file)).unwrap();
        v["kennzahlen"]
            .as_array()
            .unwrap()
            .iter()
            // the Quotensumme needs single ages: without them it has no value
            .filter(|r| r["indikator"] != "AS11")
            .cloned()
            .collect()
    };
    let (einzel, gruppen) = (rows("einzel.json"), rows("gruppen.json"));
    assert!(einzel.len() > 20_000);
    assert_eq!(einzel.len(), gruppen.len());
    for (a, b) in einzel.iter().zip(&gruppen) {
        assert_eq!(a, b);
    }
    // a range that cuts a group (FK03 asks 6–10) stops with the group's text and place
    let cut = regroup(&single, |a| match a {
        0..=2 => "unter 3",
        3..=5 => "3 bis unter 6",
        6..=9 => "6 bis unter 10",
        10..=14 => "10 bis 14",
        15..=64 => "15 bis unter 65",
        _ => "65 und älter",
    });
    p.write("data-samples/bevoelkerung.csv", &cut);
    p.run(&["validate"])
        .exit(1)
        .stderr_has("Fehler[K002] Kennzahl FK03 (Betreuungsquote Schulkinder (Hort)) fragt Alter 6–10, die Quelle liefert die Altersgruppe „10 bis 14“ (Alter 10–14)");
    // groups that overlap count persons twice
    p.write(
        "data-samples/bevoelkerung.csv",
        format!("{grouped}31.12.2025;01;bis 17 Jahre;männlich;300;20\n"),
    );
    p.run(&["validate"])
        .exit(1)
        .stderr_has("Fehler[V311] Altersangaben überschneiden sich: „bis 17 Jahre“ (Alter 0–17) und „unter 3“ (Alter 0–2");
}

/// The sample's population with `staatsangehoerigkeit` as a field instead of a
/// `nichtdeutsch` column; `rows` makes the rows of one line's total and part.
fn by_nationality(text: &str, rows: impl Fn(u64, u64) -> Vec<(&'static str, u64)>) -> String {
    let mut out = String::from(
        "Stichtag;Stadtteil-Nr.;Altersjahr;Geschlecht;Staatsangehörigkeit;Einwohner mit Hauptwohnsitz\n",
    );
    for l in text.lines().skip(1) {
        let f: Vec<&str> = l.split(';').collect();
        let (e, n) = (f[4].parse().unwrap(), f[5].parse().unwrap());
        for (label, v) in rows(e, n) {
            out.push_str(&format!(
                "{};{};{};{};{label};{v}\n",
                f[0], f[1], f[2], f[3]
            ));
        }
    }
    out
}

/// Staatsangehörigkeit delivered as a field (rows deutsch and nichtdeutsch, or insgesamt and
/// nichtdeutsch) gives the publication of a `nichtdeutsch` column; a part alone stops.
#[test]
fn nationality_as_a_field_gives_the_numbers_of_a_part_column() {
    let p = TestProject::sample();
    p.run(&["export", "--output", "spalte.json"]).exit(0);
    let single = p.read("data-samples/bevoelkerung.csv");
    let cfg = p.read("bildungsmonitor.toml");
    let cfg = cfg.replace(
        "nichtdeutsch = \"darunter nichtdeutsch\"",
        "staatsangehoerigkeit = \"Staatsangehörigkeit\"",
    );
    assert!(cfg.contains("staatsangehoerigkeit = "));
    p.write("bildungsmonitor.toml", cfg.replace(
        "geschlecht = { \"männlich\" = \"m\", \"weiblich\" = \"w\" }",
        "geschlecht = { \"männlich\" = \"m\", \"weiblich\" = \"w\" }\nstaatsangehoerigkeit = { \"Ausländer\" = \"nichtdeutsch\", \"Insgesamt\" = \"insgesamt\" }",
    ));
    let rows = |file: &str| -> Vec<serde_json::Value> {
        let v: serde_json::Value = serde_json::from_str(&p.read(file)).unwrap();
        v["kennzahlen"].as_array().unwrap().clone()
    };
    let expected = rows("spalte.json");
    for (name, text) in [
        (
            "deutsch",
            by_nationality(&single, |e, n| {
                vec![("deutsch", e - n), ("nichtdeutsch", n)]
            }),
        ),
        (
            "insgesamt",
            by_nationality(&single, |e, n| vec![("Insgesamt", e), ("Ausländer", n)]),
        ),
    ] {
        p.write("data-samples/bevoelkerung.csv", &text);
        p.run(&["validate"]).exit(0);
        p.run(&["export", "--output", "merkmal.json"]).exit(0);
        let got = rows("merkmal.json");
        assert_eq!(got.len(), expected.len(), "{name}");
        for (a, b) in expected.iter().zip(&got) {
            assert_eq!(a, b, "{name}");
        }
    }
    p.write(
        "data-samples/bevoelkerung.csv",
        by_nationality(&single, |_, n| vec![("nichtdeutsch", n)]),
    );
    p.run(&["validate"]).exit(1).stderr_has(
        "Fehler[V312] „staatsangehoerigkeit“ = nichtdeutsch ohne Zeile für den Rest oder insgesamt",
    );
}
