//! The sample city: `sample` reproduces `data-samples/` byte for byte, the repository's
//! `bildungsmonitor.toml` is the one `init` writes, and an initialised project validates.

use crate::util::{TestProject, repo};

#[test]
fn sample_reproduces_data_samples() {
    let p = TestProject::empty();
    p.run(&[
        "sample",
        "--stadtteile",
        "40",
        "--jahre",
        "10",
        "--out",
        "X",
    ])
    .exit(0)
    .no_panic();
    let committed = repo().join("data-samples");
    let mut names: Vec<_> = std::fs::read_dir(&committed)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    let mut generated: Vec<_> = std::fs::read_dir(p.path().join("X"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    generated.sort();
    assert_eq!(names, generated, "same files");
    for n in names {
        let a = std::fs::read(committed.join(&n)).unwrap();
        let b = std::fs::read(p.path().join("X").join(&n)).unwrap();
        assert!(
            a == b,
            "{n:?} differs from data-samples/ (run `bildungsmonitor sample` and commit)"
        );
    }
}

#[test]
fn repository_config_is_the_init_config() {
    let p = TestProject::empty();
    p.run(&["init", "neu"]).exit(0);
    let written = p
        .read("neu/bildungsmonitor.toml")
        .replace("\"daten/", "\"data-samples/");
    let committed = std::fs::read_to_string(repo().join("bildungsmonitor.toml")).unwrap();
    assert_eq!(
        written, committed,
        "bildungsmonitor.toml = what `init` writes (with data-samples/)"
    );
}

#[test]
fn init_creates_a_valid_project() {
    let p = TestProject::empty();
    p.run(&["init", "projekt", "--kommune", "Halle (Saale)"])
        .exit(0)
        .stderr_has("Projekt angelegt");
    let r = crate::util::run_in(&p.path().join("projekt"), &["validate"]);
    r.exit(0)
        .stderr_has("Halle (Saale)")
        .stderr_has("Keine Probleme gefunden.");
}

#[test]
fn init_refuses_a_non_empty_folder() {
    let p = TestProject::empty();
    p.write("projekt/notiz.txt", "wichtig");
    p.run(&["init", "projekt"])
        .exit(2)
        .stderr_has("ist nicht leer");
    assert_eq!(p.read("projekt/notiz.txt"), "wichtig");
}

/// A project made by `init` whose sample data (`daten/`) comes from `sample` with `args`.
fn project_with_sample(args: &[&str]) -> (TestProject, std::path::PathBuf) {
    let p = TestProject::empty();
    p.run(&["init", "p"]).exit(0);
    let dir = p.path().join("p");
    let mut all = vec!["sample", "--out", "daten"];
    all.extend_from_slice(args);
    crate::util::run_in(&dir, &all).exit(0);
    (p, dir)
}

#[test]
fn sample_scales_and_validates() {
    let (_p, dir) = project_with_sample(&["--stadtteile", "12", "--jahre", "3", "--seed", "7"]);
    crate::util::run_in(&dir, &["validate"])
        .exit(0)
        .stderr_has("12 Stadtteile");
}

#[test]
fn sample_groups_neighbours_into_the_given_number_of_sozialraeume() {
    let (_p, dir) =
        project_with_sample(&["--stadtteile", "60", "--sozialraeume", "6", "--jahre", "2"]);
    let gebiete = std::fs::read_to_string(dir.join("daten/gebiete.csv")).unwrap();
    let mut per_kreis = std::collections::BTreeMap::new();
    for line in gebiete.lines().skip(1) {
        let sr = line.split(';').nth(2).unwrap().to_string();
        *per_kreis.entry(sr).or_insert(0) += 1;
    }
    assert_eq!(per_kreis.len(), 6);
    assert!(per_kreis.values().all(|&n| n == 10), "{per_kreis:?}");
    crate::util::run_in(&dir, &["validate"])
        .exit(0)
        .stderr_has("60 Stadtteile, 6 Sozialräume");
}

#[test]
fn sample_data_has_small_counts_and_symbols() {
    let kontext = std::fs::read_to_string(repo().join("data-samples/kontext.csv")).unwrap();
    assert!(kontext.contains(";.;"), "BA-style `.` cells");
    let ein = std::fs::read(repo().join("data-samples/kita_einrichtungen.csv")).unwrap();
    assert!(
        std::str::from_utf8(&ein).is_err(),
        "Windows-1252, not UTF-8"
    );
    assert!(
        ein.windows(2).any(|w| w == b"\xe4t"),
        "an ä in Windows-1252 (Träger)"
    );
    let schulen = std::fs::read(repo().join("data-samples/schulen.csv")).unwrap();
    assert!(schulen.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    let bev = std::fs::read_to_string(repo().join("data-samples/bevoelkerung.csv")).unwrap();
    // Kreuzhorst (78) is tiny: single-digit counts of children
    let small = bev
        .lines()
        .filter(|l| {
            l.starts_with("31.12.2025;78;")
                && l.split(';')
                    .nth(2)
                    .and_then(|a| a.parse::<u32>().ok())
                    .is_some_and(|a| a < 6)
        })
        .filter_map(|l| l.split(';').nth(4)?.parse::<u32>().ok())
        .collect::<Vec<_>>();
    assert!(
        !small.is_empty() && small.iter().all(|&n| n <= 4),
        "tiny Stadtteil: {small:?}"
    );
}

#[test]
fn bench_measures_stages_and_reuses_its_data() {
    // The smallest honest run: generate the city, read it, compare with polars. Times are not
    // checked (no timing assertions), only that every stage is measured and reported.
    let p = TestProject::empty();
    let dir = p.path().join("bench");
    let dir_s = dir.to_str().unwrap();
    let args = [
        "--format", "json", "bench", "--scale", "city", "--bis", "einlesen", "--dir", dir_s,
    ];
    let first = p.run(&args);
    first.exit(0);
    let j: serde_json::Value = serde_json::from_str(&first.stdout).expect("json");
    assert_eq!(j["skala"], "city");
    assert_eq!(j["gebiete"], 40);
    let stufen: Vec<&str> = j["stufen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stufe"].as_str().unwrap())
        .collect();
    assert_eq!(stufen, ["Testdaten erzeugen (sample)", "Einlesen + Prüfen"]);
    let einlesen = &j["stufen"][1];
    assert!(
        einlesen["menge"].as_f64().unwrap() > 100_000.0,
        "{einlesen}"
    );
    assert!(einlesen["spitze_mb"].as_f64().unwrap() > 0.0);
    // CPU time of the stage (from /proc; reading 3 MB takes well over its 10 ms resolution)
    if cfg!(target_os = "linux") {
        assert!(
            einlesen["cpu_sekunden"].as_f64().unwrap() > 0.0,
            "{einlesen}"
        );
    }
    let v = &j["einlesen_vergleich"];
    assert_eq!(v["datei"], "bevoelkerung.csv");
    assert!(v["zeilen"].as_u64().unwrap() > 0 && v["verhaeltnis"].as_f64().unwrap() > 0.0);
    assert!(v["sekunden_alle_kerne"].as_f64().unwrap() > 0.0);
    assert!(v["verhaeltnis_gleiche_kerne"].as_f64().unwrap() > 0.0);
    assert!(dir.join("data-samples/bevoelkerung.csv").exists());

    // same scale again: the data is reused, not generated
    let second = p.run(&args);
    second.exit(0).stderr_has("wiederverwendet");
    let j2: serde_json::Value = serde_json::from_str(&second.stdout).expect("json");
    assert_eq!(j2["stufen"].as_array().unwrap().len(), 1);
    assert_eq!(j2["daten_hash"], j["daten_hash"]);
}
