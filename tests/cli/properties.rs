//! Properties of the indicator engine on the whole sample city: totals are sums of their
//! parts, shares lie in [0, 100] %, and results do not depend on the order of input rows.

use crate::util::TestProject;
use bildungsmonitor::indicators::{Auswahl, Ebene, Tabelle, compute};
use std::collections::BTreeMap;
use std::path::Path;

fn table(config: &Path) -> Tabelle {
    let (project, _) = bildungsmonitor::project::load(config).expect("config");
    let (data, diags) = bildungsmonitor::ingest::load(&project);
    assert!(!diags.has_errors());
    compute(&project, &data.expect("data"), &Auswahl::default()).expect("compute")
}

#[test]
fn totals_are_sums_shares_are_shares_and_order_does_not_matter() {
    let p = TestProject::sample();
    let t = table(&p.path().join("bildungsmonitor.toml"));
    assert!(t.zeilen.len() > 10_000);

    // 1. city and Sozialraum numerators are the sums of their Stadtteile
    let (project, _) =
        bildungsmonitor::project::load(&p.path().join("bildungsmonitor.toml")).unwrap();
    let sr_of: BTreeMap<&str, &str> = project
        .gebiete
        .stadtteile
        .iter()
        .map(|s| (s.nr.as_str(), s.sozialraum.as_str()))
        .collect();
    // (sum, a Stadtteil withheld by the source): a delivered city total holds those as well
    type Level = (String, String, Option<String>, String);
    let mut sums: BTreeMap<Level, (f64, bool)> = BTreeMap::new();
    for k in t.zeilen.iter().filter(|k| k.ebene == Ebene::Stadtteil) {
        let withheld = k.luecke == Some(bildungsmonitor::indicators::Luecke::Unvollstaendig);
        let Some(z) = k.zaehler.or(withheld.then_some(0.0)) else {
            continue;
        };
        for level in ["stadt".to_string(), sr_of[&*k.gebiet].to_string()] {
            let e = sums
                .entry((
                    k.indikator.to_string(),
                    k.zeit.key(),
                    k.gruppe.as_deref().map(str::to_string),
                    level,
                ))
                .or_default();
            e.0 += z;
            e.1 |= withheld;
        }
    }
    let mut checked = 0;
    for k in t
        .zeilen
        .iter()
        .filter(|k| k.ebene != Ebene::Stadtteil && k.luecke.is_none())
    {
        let key = (
            k.indikator.to_string(),
            k.zeit.key(),
            k.gruppe.as_deref().map(str::to_string),
            k.gebiet.to_string(),
        );
        match (k.zaehler, sums.get(&key)) {
            (Some(z), Some(&(s, false))) => {
                assert!((z - s).abs() < 1e-6, "{key:?}: {z} vs Σ {s}");
                checked += 1;
            }
            (Some(z), Some(&(s, true))) => assert!(z > s, "{key:?}: {z} vs Σ {s} and more"),
            _ => {}
        }
    }
    assert!(checked > 1000, "{checked}");

    // 2. shares of parts in their totals lie in [0, 100] %
    for k in &t.zeilen {
        let ind = project.katalog.get(&k.indikator).unwrap();
        let same_table = ind
            .def
            .nenner
            .as_ref()
            .is_some_and(|n| n.tabelle == ind.def.zaehler.tabelle);
        if ind.def.einheit == bildungsmonitor::catalogue::Einheit::Prozent
            && same_table
            && let Some(v) = k.wert
        {
            assert!(
                (0.0..=100.0).contains(&v),
                "{} {} {} {:?}: {v}",
                k.indikator,
                k.zeit,
                k.gebiet,
                k.gruppe
            );
        }
    }

    // 3. reversing the rows of every CSV source changes nothing
    let q = TestProject::sample();
    for name in [
        "bevoelkerung.csv",
        "kita_kinder.csv",
        "uebergaenge.csv",
        "schuleingang.csv",
    ] {
        let path = q.path().join("data-samples").join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        let header = lines.remove(0);
        lines.reverse();
        std::fs::write(&path, format!("{header}\n{}\n", lines.join("\n"))).unwrap();
    }
    let t2 = table(&q.path().join("bildungsmonitor.toml"));
    assert_eq!(t.zeilen.len(), t2.zeilen.len());
    for (a, b) in t.zeilen.iter().zip(&t2.zeilen) {
        assert_eq!(
            (&a.indikator, a.zeit, a.ebene, &a.gebiet, &a.gruppe),
            (&b.indikator, b.zeit, b.ebene, &b.gebiet, &b.gruppe)
        );
        assert_eq!(
            a.wert.map(f64::to_bits),
            b.wert.map(f64::to_bits),
            "{} {} {}",
            a.indikator,
            a.zeit,
            a.gebiet
        );
    }
}
