//! Disclosure control: small counts never appear, and no suppressed count can be worked
//! out from the published ones.

use crate::util::TestProject;
use bildungsmonitor::catalogue::Catalogue;
use bildungsmonitor::disclosure::protect;
use bildungsmonitor::domain::{Date, Period};
use bildungsmonitor::indicators::{Ebene, Kennzahl, Tabelle};
use bildungsmonitor::project::{
    Gebietsgliederung, Geheimhaltung, Sozialraum, Stadtteil, Verfahren,
};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn published(fixture: &str) -> (serde_json::Value, serde_json::Value) {
    let p = TestProject::from_fixture(fixture);
    let r = p.run(&["indicators", "--format", "json", "--audit", "audit.json"]);
    r.exit(0).no_panic();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let a: serde_json::Value = serde_json::from_str(&p.read("audit.json")).unwrap();
    (v, a)
}

fn row<'a>(
    v: &'a serde_json::Value,
    ind: &str,
    ebene: &str,
    gebiet: &str,
    gruppe: Option<&str>,
) -> &'a serde_json::Value {
    v["kennzahlen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| {
            k["indikator"] == ind
                && k["ebene"] == ebene
                && k["gebiet"] == gebiet
                && k["gruppe"].as_str() == gruppe
        })
        .unwrap_or_else(|| panic!("{ind} {ebene} {gebiet} {gruppe:?}"))
}

#[test]
fn count_of_two_next_to_published_totals_is_protected() {
    let (v, audit) = published("geheim");
    // Nordstadt has 2 children aged 3–5: suppressed …
    let n = row(&v, "KX01", "stadtteil", "01", Some("3 bis unter 6"));
    assert!(
        n["wert"].is_null() && n["zaehler"].is_null() && n["gesperrt"] == true,
        "{n}"
    );
    // … the Sozialraum and city totals stay published …
    assert_eq!(
        row(&v, "KX01", "sozialraum", "S1", Some("3 bis unter 6"))["wert"],
        43.0
    );
    assert_eq!(
        row(&v, "KX01", "stadt", "stadt", Some("3 bis unter 6"))["wert"],
        130.0
    );
    // … so a second Stadtteil of the Sozialraum must be hidden (43 − Südstadt would give 2).
    let s = row(&v, "KX01", "stadtteil", "02", Some("3 bis unter 6"));
    assert!(s["wert"].is_null(), "secondary suppression: {s}");
    let entry = audit["gesperrt"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["gebiet"] == "01"
                && e["grund"] == "fallzahl"
                && e["merkmal"].as_str().unwrap().ends_with("alter=3-5")
        })
        .expect("audit entry");
    // either bounds from the whole table or two values that both fit everything published
    let (lo, hi) = match entry["moegliche_werte"].as_array() {
        Some(w) => (w[0].as_f64().unwrap(), w[1].as_f64().unwrap()),
        None => (
            entry["schranke_unten"].as_f64().unwrap(),
            entry["schranke_oben"].as_f64().unwrap(),
        ),
    };
    assert!(
        hi - lo >= 2.0,
        "an outsider cannot narrow the 2: [{lo}, {hi}]"
    );
}

#[test]
fn share_with_numerator_two_is_suppressed() {
    let (v, _) = published("geheim");
    let w = row(&v, "KX04", "stadtteil", "03", None);
    assert!(
        w["wert"].is_null() && w["zaehler"].is_null(),
        "2 of 60 must not be published: {w}"
    );
    // Rand = Weststadt + Oststadt: Oststadt's share goes too, or 32 − x reveals the 2
    assert!(row(&v, "KX04", "stadtteil", "04", None)["zaehler"].is_null());
    assert!(row(&v, "KX04", "sozialraum", "S2", None)["wert"].is_number());
}

#[test]
// JSON values are grouped by their text form; comparing those texts is the point here.
#[allow(clippy::cmp_owned)]
fn no_published_total_has_exactly_one_hidden_part() {
    for fixture in ["geheim", "mini"] {
        let (v, _) = published(fixture);
        let rows = v["kennzahlen"].as_array().unwrap();
        let areas: BTreeMap<String, String> = match fixture {
            "geheim" => [("01", "S1"), ("02", "S1"), ("03", "S2"), ("04", "S2")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .into(),
            _ => [("01", "S1"), ("02", "S1"), ("03", "S2")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .into(),
        };
        // numerators per (indicator, period, group): Sozialraum published ⇒ not exactly one hidden Stadtteil
        let mut groups: BTreeMap<(String, String, String, String), Vec<bool>> = BTreeMap::new();
        for k in rows.iter().filter(|k| {
            k["ebene"] == "stadtteil" && !(k["zaehler"].is_null() && k["gesperrt"] == false)
        }) {
            let sr = areas[k["gebiet"].as_str().unwrap()].clone();
            let key = (
                k["indikator"].to_string(),
                k["zeit"].to_string(),
                k["gruppe"].to_string(),
                sr,
            );
            groups.entry(key).or_default().push(k["zaehler"].is_null());
        }
        for ((ind, zeit, gruppe, sr), hidden) in groups {
            let total = rows.iter().find(|k| {
                k["indikator"].to_string() == ind
                    && k["zeit"].to_string() == zeit
                    && k["gruppe"].to_string() == gruppe
                    && k["ebene"] == "sozialraum"
                    && k["gebiet"] == sr.as_str()
            });
            if total.is_some_and(|t| t["zaehler"].is_number()) {
                assert_ne!(
                    hidden.iter().filter(|h| **h).count(),
                    1,
                    "{fixture}: {ind} {zeit} {gruppe} {sr}: one hidden part next to a published total"
                );
            }
        }
    }
}

#[test]
fn rounding_method_rounds_every_count() {
    let p = TestProject::from_fixture("geheim");
    let cfg = p.read("bildungsmonitor.toml")
        + "\n[geheimhaltung]\nverfahren = \"rundung\"\nrundung_auf = 3\n";
    p.write("bildungsmonitor.toml", cfg);
    let r = p.run(&["indicators", "--format", "json", "--indicator", "KX01"]);
    r.exit(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    for k in v["kennzahlen"].as_array().unwrap() {
        if let Some(x) = k["wert"].as_f64() {
            assert_eq!(x % 3.0, 0.0, "{k}");
        }
    }
    // totals are rounded from the unrounded sum (43 → 42), not summed from rounded parts
    assert_eq!(
        row(&v, "KX01", "sozialraum", "S1", Some("3 bis unter 6"))["wert"],
        42.0
    );
}

// ---------------------------------------------------------------- brute-force oracle

fn gebiete(n_sr: usize, per_sr: usize) -> Gebietsgliederung {
    let mut stadtteile = Vec::new();
    for s in 0..n_sr {
        for t in 0..per_sr {
            stadtteile.push(Stadtteil {
                nr: format!("{s}{t}"),
                name: format!("T{s}{t}"),
                sozialraum: format!("S{s}"),
                bezirk: String::new(),
                ags: None,
                gueltig_ab: None,
                gueltig_bis: None,
            });
        }
    }
    Gebietsgliederung {
        index: Default::default(),
        stadtteile,
        sozialraeume: (0..n_sr)
            .map(|s| Sozialraum {
                nr: format!("S{s}"),
                name: format!("S{s}"),
            })
            .collect(),
        geojson: None,
        geojson_schluessel: "nr".into(),
        ebene1: "Stadtteil".into(),
        ebene2: "Sozialraum".into(),
        ebene3: "Stadtbezirk".into(),
        bezirke: Vec::new(),
        bezirk_of: Default::default(),
        gesamtstadt: Vec::new(),
    }
}

fn kennzahl(ebene: Ebene, gebiet: &str, v: f64) -> Kennzahl {
    Kennzahl {
        indikator: "KX02".into(),
        zeit: Period::Stichtag(Date::new(2024, 12, 31).unwrap()),
        ebene,
        gebiet: gebiet.into(),
        name: gebiet.into(),
        gruppe: None,
        wert: Some(v),
        zaehler: Some(v),
        nenner: None,
        luecke: None,
        veraenderung: None,
        veraenderung_prozent: None,
        abweichung_stadt: None,
        rang: None,
    }
}

/// All values the hidden leaves, Sozialräume and city can take, given what is published.
fn feasible_values(
    leaves: &[Vec<u32>],
    shown: &dyn Fn(Ebene, usize, usize) -> Option<u32>,
) -> Vec<Vec<Vec<u32>>> {
    let max: u32 = leaves.iter().flatten().sum::<u32>() + 2;
    let n_sr = leaves.len();
    let per = leaves[0].len();
    let mut out = Vec::new();
    let unknown: Vec<(usize, usize)> = (0..n_sr)
        .flat_map(|s| (0..per).map(move |t| (s, t)))
        .filter(|&(s, t)| shown(Ebene::Stadtteil, s, t).is_none())
        .collect();
    let mut assign = vec![0u32; unknown.len()];
    loop {
        let mut grid: Vec<Vec<u32>> = leaves
            .iter()
            .map(|r| r.iter().map(|_| 0).collect())
            .collect();
        for (s, row) in grid.iter_mut().enumerate() {
            for (t, cell) in row.iter_mut().enumerate() {
                *cell = shown(Ebene::Stadtteil, s, t).unwrap_or(0);
            }
        }
        for (k, &(s, t)) in unknown.iter().enumerate() {
            grid[s][t] = assign[k];
        }
        let ok = (0..n_sr).all(|s| {
            shown(Ebene::Sozialraum, s, 0).is_none_or(|v| v == grid[s].iter().sum::<u32>())
        }) && shown(Ebene::Stadt, 0, 0)
            .is_none_or(|v| v == grid.iter().flatten().sum::<u32>());
        if ok {
            out.push(grid);
        }
        // next assignment
        let mut i = 0;
        loop {
            if i == assign.len() {
                return out;
            }
            assign[i] += 1;
            if assign[i] <= max {
                break;
            }
            assign[i] = 0;
            i += 1;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_suppressed_count_can_be_narrowed_to_its_value(
        leaves in proptest::collection::vec(proptest::collection::vec(0u32..6, 2..=2), 2..=2),
    ) {
        let g = gebiete(leaves.len(), leaves[0].len());
        let mut rows = Vec::new();
        for (s, r) in leaves.iter().enumerate() {
            for (t, v) in r.iter().enumerate() {
                rows.push(kennzahl(Ebene::Stadtteil, &format!("{s}{t}"), f64::from(*v)));
            }
            rows.push(kennzahl(Ebene::Sozialraum, &format!("S{s}"), f64::from(r.iter().sum::<u32>())));
        }
        rows.push(kennzahl(Ebene::Stadt, "stadt", f64::from(leaves.iter().flatten().sum::<u32>())));
        let settings = Geheimhaltung { verfahren: Verfahren::Sperrung, mindestfallzahl: 3, mindestbasis: 10, rundung_auf: 3 };
        let out = protect(Tabelle { zeilen: rows, hinweise: vec![] }, &Catalogue::builtin(), &settings, &g);
        let value = |e: Ebene, gebiet: &str| out.zeilen.iter().find(|r| r.kennzahl.ebene == e && *r.kennzahl.gebiet == *gebiet).and_then(|r| r.kennzahl.wert).map(|v| v as u32);
        let shown = |e: Ebene, s: usize, t: usize| match e {
            Ebene::Stadtteil => value(e, &format!("{s}{t}")),
            Ebene::Sozialraum => value(e, &format!("S{s}")),
            Ebene::Bezirk | Ebene::Stadt => value(e, "stadt"),
        };
        // every published value is the true one
        for (s, r) in leaves.iter().enumerate() {
            for (t, v) in r.iter().enumerate() {
                if let Some(x) = shown(Ebene::Stadtteil, s, t) {
                    prop_assert_eq!(x, *v);
                    prop_assert!(x == 0 || x >= 3, "a count of {} was published", x);
                }
            }
        }
        let worlds = feasible_values(&leaves, &shown);
        for (s, r) in leaves.iter().enumerate() {
            for (t, v) in r.iter().enumerate() {
                if shown(Ebene::Stadtteil, s, t).is_none() {
                    let possible: std::collections::BTreeSet<u32> = worlds.iter().map(|w| w[s][t]).collect();
                    prop_assert!(possible.contains(v));
                    prop_assert!(possible.len() > 1, "cell ({},{}) = {} is recomputable from {:?}", s, t, v, leaves);
                }
            }
        }
    }
}

fn protect_grid(rows: Vec<Kennzahl>, g: &Gebietsgliederung) -> Vec<(Ebene, String, Option<f64>)> {
    let settings = Geheimhaltung {
        verfahren: Verfahren::Sperrung,
        mindestfallzahl: 3,
        mindestbasis: 10,
        rundung_auf: 3,
    };
    protect(
        Tabelle {
            zeilen: rows,
            hinweise: vec![],
        },
        &Catalogue::builtin(),
        &settings,
        g,
    )
    .zeilen
    .into_iter()
    .map(|r| {
        (
            r.kennzahl.ebene,
            r.kennzahl.gebiet.to_string(),
            r.kennzahl.wert,
        )
    })
    .collect()
}

/// Found by the sample-run scan: where the city total is missing (a gap in another
/// Stadtteil), the Sozialraum sums still hold and must still be protected.
#[test]
fn sozialraum_sums_are_protected_without_a_city_total() {
    let g = gebiete(2, 3);
    let mut rows = vec![
        kennzahl(Ebene::Stadtteil, "00", 2.0),
        kennzahl(Ebene::Stadtteil, "01", 40.0),
        kennzahl(Ebene::Stadtteil, "02", 55.0),
        kennzahl(Ebene::Sozialraum, "S0", 97.0),
    ];
    // no value for the city (the other Sozialraum has a gap)
    let mut city = kennzahl(Ebene::Stadt, "stadt", 0.0);
    city.wert = None;
    city.zaehler = None;
    rows.push(city);
    let out = protect_grid(rows, &g);
    let hidden: Vec<&str> = out
        .iter()
        .filter(|r| r.2.is_none() && r.0 != Ebene::Stadt)
        .map(|r| r.1.as_str())
        .collect();
    assert!(hidden.contains(&"00"), "{out:?}");
    assert!(
        hidden.len() >= 2,
        "the 2 is recomputable from the Sozialraum sum: {out:?}"
    );
}

/// A hidden 0 protects nothing (an outsider often knows it is 0): the partner of a small
/// count is a non-zero count whenever there is one.
#[test]
fn secondary_partner_is_not_a_zero() {
    let g = gebiete(1, 4);
    let rows = vec![
        kennzahl(Ebene::Stadtteil, "00", 1.0),
        kennzahl(Ebene::Stadtteil, "01", 0.0),
        kennzahl(Ebene::Stadtteil, "02", 30.0),
        kennzahl(Ebene::Stadtteil, "03", 45.0),
        kennzahl(Ebene::Sozialraum, "S0", 76.0),
        kennzahl(Ebene::Stadt, "stadt", 76.0),
    ];
    let out = protect_grid(rows, &g);
    let value = |nr: &str| out.iter().find(|r| r.1 == nr).unwrap().2;
    assert_eq!(value("00"), None);
    assert_eq!(value("01"), Some(0.0), "{out:?}");
    assert_eq!(value("02"), None, "smallest non-zero partner: {out:?}");
    assert_eq!(value("03"), Some(45.0));
}
