//! Disclosure judged from outside. The attacker here reads only what `export` publishes (every
//! column of the JSON: counts, values, changes, deviations, ranks, index values, the catalogue
//! printed with it) and the area structure, derives the relations an outsider knows from the
//! printed definitions – areas sum to their Sozialraum and city, groups and bands to their
//! total, age and Klassenstufe ranges to the ranges they are made of, Förderschule plus the
//! other Schulformen to all, a numerator is at most its denominator, a printed share, change
//! or index ties its counts – and solves two linear programs for every ".": the smallest and
//! the largest value that fits everything. The engine's own cell model and relations are not
//! used: this is the check that the one publication holds from outside.

use crate::util::{TestProject, repo};
use microlp::{ComparisonOp, OptimizationDirection, Problem};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A published count as the attacker names it: what is counted (table, measure and the
/// printed filter values), its period, level and area.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    measure: String,
    zeit: String,
    ebene: String,
    gebiet: String,
}

/// Σ coef·x (op) rhs over counts.
struct Constraint {
    terms: Vec<(Key, f64)>,
    op: ComparisonOp,
    rhs: f64,
}

fn year(zeit: &str) -> i32 {
    zeit[..4].parse().expect("year")
}

/// The period of a part: the catalogue's `zeitbezug` applied to the row's period.
fn align(zeit: &str, zeitbezug: &str) -> String {
    match zeitbezug {
        "vorjahr_31_12" if zeit.len() == 10 && zeit.ends_with("-12-31") => {
            format!("{}-12-31", year(zeit) - 1)
        }
        "vorjahr_31_12" => format!("{}-12-31", year(zeit) - 1),
        "jahr_31_12" => format!("{}-12-31", year(zeit)),
        _ => zeit.to_string(),
    }
}

/// The same period a year earlier, in the printed key form.
fn previous(zeit: &str) -> String {
    let y = year(zeit);
    match zeit.len() {
        4 => format!("{}", y - 1),
        7 if zeit.as_bytes()[4] == b'/' => format!("{}/{:02}", y - 1, y.rem_euclid(100)),
        _ => format!("{}{}", y - 1, &zeit[4..]),
    }
}

/// What a part counts, as printed in the catalogue: `table.measure|field=v,v|…`.
fn measure(teil: &Value, group: Option<(&str, &str)>) -> String {
    let mut filter: BTreeMap<String, Vec<String>> = teil["filter"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let vs = v.as_array().unwrap().iter();
                    (
                        k.clone(),
                        vs.map(|x| x.as_str().unwrap().to_string()).collect(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some((field, value)) = group {
        filter.insert(field.to_string(), vec![value.to_string()]);
    }
    let mut s = format!(
        "{}.{}",
        teil["tabelle"].as_str().unwrap(),
        teil["wert"].as_str().unwrap()
    );
    for (f, mut vs) in filter {
        vs.sort();
        s.push_str(&format!("|{f}={}", vs.join(",")));
    }
    if teil["faktor"].as_f64() != Some(1.0)
        || teil["gewichte"].as_object().is_some_and(|g| !g.is_empty())
    {
        s.push_str(&format!("|{}|{}", teil["faktor"], teil["gewichte"]));
    }
    s
}

/// One row's counts: (key, printed value or None if hidden) for numerator and denominator.
struct RowParts {
    zaehler: Option<(Key, Option<f64>)>,
    nenner: Option<(Key, Option<f64>)>,
    /// Not suppressed, only not printed next to a withheld count: unknown here, but no
    /// secret where another row prints it.
    unprinted: bool,
}

fn parts(row: &Value, def: &Value) -> RowParts {
    let zeit = row["zeit"].as_str().unwrap();
    let group = def["aufschluesselung"].as_object().and_then(|a| {
        let g = row["gruppe"].as_str()?;
        let spec = a["gruppen"].get(g).and_then(Value::as_str).unwrap_or(g);
        Some((
            a["feld"].as_str().unwrap(),
            spec,
            a["nenner_aufgeschluesselt"] == true,
        ))
    });
    let key = |teil: &Value, grouped: bool| Key {
        measure: measure(teil, group.filter(|_| grouped).map(|(f, s, _)| (f, s))),
        zeit: align(zeit, teil["zeitbezug"].as_str().unwrap_or("gleich")),
        ebene: row["ebene"].as_str().unwrap().to_string(),
        gebiet: row["gebiet"].as_str().unwrap().to_string(),
    };
    let hidden = row["gesperrt"] == true || row["gesperrt"].is_string();
    // a count the source withheld (`...`) is as unknown to the attacker as a suppressed one,
    // and so is the denominator printed without it (it still adds up to the city)
    let withheld = row["luecke"] == "unvollstaendig";
    let number = |v: &Value| v.as_f64();
    let zaehler = (row["zaehler"].is_number() || hidden || withheld)
        .then(|| (key(&def["zaehler"], true), number(&row["zaehler"])));
    let nenner = (def["nenner"].is_object()
        && def["art"] != "quotensumme"
        && (row["nenner"].is_number() || hidden || withheld))
        .then(|| {
            let grouped = group.is_some_and(|g| g.2);
            (key(&def["nenner"], grouped), number(&row["nenner"]))
        });
    RowParts {
        zaehler,
        nenner,
        unprinted: withheld && !hidden,
    }
}

/// What an outsider knows: every count printed or hidden, and the constraints between them.
struct Knowledge {
    /// (numerator, denominator) of every share of counts of the same persons.
    pairs: BTreeSet<(Key, Key)>,
    known: BTreeMap<Key, f64>,
    /// How far a printed count may lie from the true one (rounding method: half the base).
    tolerance: f64,
    hidden: BTreeSet<Key>,
    constraints: Vec<Constraint>,
}

fn eq(terms: Vec<(Key, f64)>, rhs: f64) -> Constraint {
    Constraint {
        terms,
        op: ComparisonOp::Eq,
        rhs,
    }
}

fn knowledge(export: &Value, sozialraum_of: &BTreeMap<String, String>) -> Knowledge {
    // rounded counts: the truth lies within half the base; printed shares, changes and
    // indices then tie the rounded counts, which says nothing more about the true ones
    let tolerance = match export["geheimhaltung"]["verfahren"].as_str() {
        Some("rundung") => (export["geheimhaltung"]["rundung_auf"].as_f64().unwrap() / 2.0).floor(),
        _ => 0.0,
    };
    let exact = tolerance == 0.0;
    let defs: BTreeMap<&str, &Value> = export["katalog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["id"].as_str().unwrap(), d))
        .collect();
    let rows = export["kennzahlen"].as_array().unwrap();
    let mut known: BTreeMap<Key, f64> = BTreeMap::new();
    let mut hidden: BTreeSet<Key> = BTreeSet::new();
    let mut constraints = Vec::new();
    let mut pairs = BTreeSet::new();
    let mut unprinted: BTreeSet<Key> = BTreeSet::new();
    let mut note = |p: &Option<(Key, Option<f64>)>, only_unprinted: bool| {
        if let Some((k, v)) = p {
            match v {
                Some(v) => {
                    known.insert(k.clone(), *v);
                }
                None if only_unprinted => {
                    unprinted.insert(k.clone());
                }
                None => {
                    hidden.insert(k.clone());
                }
            }
        }
    };
    let mut row_parts = Vec::with_capacity(rows.len());
    for r in rows {
        let def = defs[r["indikator"].as_str().unwrap()];
        let p = parts(r, def);
        note(&p.zaehler, p.unprinted);
        note(&p.nenner, p.unprinted);
        row_parts.push(p);
    }
    hidden.extend(unprinted.into_iter().filter(|k| !known.contains_key(k)));
    // a printed share ties its counts (to the printed precision); a numerator is at most its
    // denominator where both count the same persons
    for (r, p) in rows.iter().zip(&row_parts) {
        let def = defs[r["indikator"].as_str().unwrap()];
        let (Some((z, _)), Some((n, _))) = (&p.zaehler, &p.nenner) else {
            continue;
        };
        if def["einheit"] == "prozent" {
            if def["zaehler"]["tabelle"] == def["nenner"]["tabelle"] {
                pairs.insert((z.clone(), n.clone()));
                constraints.push(Constraint {
                    terms: vec![(z.clone(), 1.0), (n.clone(), -1.0)],
                    op: ComparisonOp::Le,
                    rhs: 0.0,
                });
            }
            if let Some(w) = r["wert"].as_f64().filter(|_| exact) {
                for (bound, op) in [(w - 0.05, ComparisonOp::Ge), (w + 0.05, ComparisonOp::Le)] {
                    constraints.push(Constraint {
                        terms: vec![(z.clone(), 100.0), (n.clone(), -bound)],
                        op,
                        rhs: 0.0,
                    });
                }
            }
        }
    }
    // a printed change of a count ties this year's count to last year's
    let by_row: BTreeMap<(&str, &str, &str, &str, Option<&str>), usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let s = |f: &str| r[f].as_str().unwrap();
            (
                (
                    s("indikator"),
                    s("zeit"),
                    s("ebene"),
                    s("gebiet"),
                    r["gruppe"].as_str(),
                ),
                i,
            )
        })
        .collect();
    for (r, p) in rows.iter().zip(&row_parts) {
        let def = defs[r["indikator"].as_str().unwrap()];
        let (Some(d), Some((z, _)), true) = (r["veraenderung"].as_f64(), &p.zaehler, exact) else {
            continue;
        };
        if def["einheit"] != "anzahl" {
            continue;
        }
        let s = |f: &str| r[f].as_str().unwrap();
        let prev = previous(s("zeit"));
        let key = (
            s("indikator"),
            prev.as_str(),
            s("ebene"),
            s("gebiet"),
            r["gruppe"].as_str(),
        );
        if let Some(&j) = by_row.get(&key)
            && let Some((zp, _)) = &row_parts[j].zaehler
        {
            constraints.push(eq(vec![(z.clone(), 1.0), (zp.clone(), -1.0)], d));
        }
    }
    // a printed index ties the count to the series' base count
    let mut base: BTreeMap<(&str, &str, &str, Option<&str>), &Key> = BTreeMap::new();
    for (r, p) in rows.iter().zip(&row_parts) {
        let def = defs[r["indikator"].as_str().unwrap()];
        if def["einheit"] != "index" {
            continue;
        }
        let s = |f: &str| r[f].as_str().unwrap();
        let Some((z, _)) = &p.zaehler else { continue };
        let b = *base
            .entry((
                s("indikator"),
                s("ebene"),
                s("gebiet"),
                r["gruppe"].as_str(),
            ))
            .or_insert(z);
        if let Some(i) = r["wert"].as_f64().filter(|_| exact) {
            for (bound, op) in [(i - 0.05, ComparisonOp::Le), (i + 0.05, ComparisonOp::Ge)] {
                constraints.push(Constraint {
                    terms: vec![(b.clone(), bound), (z.clone(), -100.0)],
                    op,
                    rhs: 0.0,
                });
            }
        }
    }
    let all: BTreeSet<Key> = known.keys().chain(hidden.iter()).cloned().collect();
    hierarchy(&all, sozialraum_of, &mut constraints);
    breakdowns(rows, &row_parts, &defs, &all, &mut constraints);
    ranges(&all, &mut constraints);
    Knowledge {
        pairs,
        known,
        tolerance,
        hidden,
        constraints,
    }
}

/// Stadtteile → Sozialraum → city, per measure and period.
fn hierarchy(
    all: &BTreeSet<Key>,
    sozialraum_of: &BTreeMap<String, String>,
    out: &mut Vec<Constraint>,
) {
    let mut sums: BTreeMap<(String, String, String, String), Vec<Key>> = BTreeMap::new();
    for k in all {
        let parent = match k.ebene.as_str() {
            // without a middle level the Stadtteile add up to the city
            "stadtteil" => sozialraum_of.get(&k.gebiet).map(|s| match s.as_str() {
                "" => ("stadt", "stadt".to_string()),
                _ => ("sozialraum", s.clone()),
            }),
            // Sozialräume add up to their Bezirk (keyed "bezirk:<Sozialraum>") or the city
            "sozialraum" => Some(match sozialraum_of.get(&format!("bezirk:{}", k.gebiet)) {
                Some(b) => ("bezirk", b.clone()),
                None => ("stadt", "stadt".to_string()),
            }),
            "bezirk" => Some(("stadt", "stadt".to_string())),
            _ => None,
        };
        if let Some((e, g)) = parent {
            sums.entry((k.measure.clone(), k.zeit.clone(), e.to_string(), g))
                .or_default()
                .push(k.clone());
        }
    }
    for ((measure, zeit, ebene, gebiet), children) in sums {
        let parent = Key {
            measure,
            zeit,
            ebene,
            gebiet,
        };
        if all.contains(&parent) {
            let mut terms: Vec<(Key, f64)> = children.into_iter().map(|c| (c, 1.0)).collect();
            terms.push((parent, -1.0));
            out.push(eq(terms, 0.0));
        }
    }
}

/// Groups and bands of a breakdown sum to the total (the indicator's numerator without group).
fn breakdowns(
    rows: &[Value],
    row_parts: &[RowParts],
    defs: &BTreeMap<&str, &Value>,
    all: &BTreeSet<Key>,
    out: &mut Vec<Constraint>,
) {
    let mut groups: BTreeMap<Key, BTreeSet<Key>> = BTreeMap::new();
    for (r, p) in rows.iter().zip(row_parts) {
        let def = defs[r["indikator"].as_str().unwrap()];
        let (false, Some((z, _))) = (def["aufschluesselung"].is_null(), &p.zaehler) else {
            continue;
        };
        let total = Key {
            measure: measure(&def["zaehler"], None),
            ..z.clone()
        };
        if total != *z {
            groups.entry(total).or_default().insert(z.clone());
        }
    }
    for (total, parts) in groups {
        if all.contains(&total) {
            let mut terms: Vec<(Key, f64)> = parts.into_iter().map(|c| (c, 1.0)).collect();
            terms.push((total, -1.0));
            out.push(eq(terms, 0.0));
        }
    }
}

/// Ranges made of other ranges (ages 0–5 = 0–2 + 3–5) and Förderschule + the other
/// Schulformen = all, everything else equal.
fn ranges(all: &BTreeSet<Key>, out: &mut Vec<Constraint>) {
    let split = |m: &str, field: &str| -> Option<(String, String)> {
        let mut rest = Vec::new();
        let mut value = None;
        for part in m.split('|') {
            match part.strip_prefix(&format!("{field}=")) {
                Some(v) => value = Some(v.to_string()),
                None => rest.push(part),
            }
        }
        Some((rest.join("|"), value?))
    };
    // (field, the measure without it, period, level, area) → (the field's value, count)
    type Family = (String, String, String, String, String);
    let mut by_rest: BTreeMap<Family, Vec<(String, Key)>> = BTreeMap::new();
    for k in all {
        for field in ["alter", "klassenstufe", "schulform"] {
            let (rest, v) = split(&k.measure, field).unwrap_or((k.measure.clone(), "*".into()));
            by_rest
                .entry((
                    field.into(),
                    rest,
                    k.zeit.clone(),
                    k.ebene.clone(),
                    k.gebiet.clone(),
                ))
                .or_default()
                .push((v, k.clone()));
        }
    }
    let range = |v: &str| -> Option<(i64, i64)> {
        let (a, b) = v.split_once('-').unwrap_or((v, v));
        Some((a.parse().ok()?, b.parse().ok()?))
    };
    for ((field, ..), members) in by_rest {
        if field == "schulform" {
            let get = |v: &str| members.iter().find(|(x, _)| x == v).map(|(_, k)| k.clone());
            if let (Some(all), Some(f), Some(o)) =
                (get("*"), get("foerderschule"), get("!foerderschule"))
            {
                out.push(eq(vec![(f, 1.0), (o, 1.0), (all, -1.0)], 0.0));
            }
            continue;
        }
        for (v, whole) in &members {
            let Some((a, b)) = range(v) else { continue };
            // greedy tiling from a with the ranges inside [a, b]
            let mut at = a;
            let mut terms = vec![(whole.clone(), -1.0)];
            while at <= b {
                let Some((_, k, end)) = members
                    .iter()
                    .filter_map(|(x, k)| range(x).map(|(p, q)| (p, k, q)))
                    .filter(|&(p, _, q)| p == at && q <= b && (p, q) != (a, b))
                    .max_by_key(|&(_, _, q)| q)
                else {
                    break;
                };
                terms.push((k.clone(), 1.0));
                at = end + 1;
            }
            if at == b + 1 && terms.len() > 2 {
                out.push(eq(terms, 0.0));
            }
        }
    }
}

/// The interval an outsider can derive for each hidden count (min, max; max `None`:
/// unbounded), over the constraints that reach it.
fn intervals(k: &Knowledge, targets: &BTreeSet<Key>) -> BTreeMap<Key, (f64, Option<f64>)> {
    // constraints with hidden counts, grouped into linked components
    let hidden: Vec<&Key> = k.hidden.iter().collect();
    let index: BTreeMap<&Key, usize> = hidden.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let mut parent: Vec<usize> = (0..hidden.len()).collect();
    fn root(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let vars_of = |c: &Constraint| -> Vec<usize> {
        c.terms
            .iter()
            .filter_map(|(t, _)| index.get(t).copied())
            .collect()
    };
    for c in &k.constraints {
        let v = vars_of(c);
        for w in v.windows(2) {
            let (a, b) = (root(&mut parent, w[0]), root(&mut parent, w[1]));
            parent[a] = b;
        }
    }
    let mut by_root: BTreeMap<usize, Vec<&Constraint>> = BTreeMap::new();
    for c in &k.constraints {
        if let Some(&v) = vars_of(c).first() {
            let r = root(&mut parent, v);
            by_root.entry(r).or_default().push(c);
        }
    }
    let mut out = BTreeMap::new();
    for t in targets {
        let Some(&ti) = index.get(t) else { continue };
        let r = root(&mut parent, ti);
        let cons = by_root.get(&r).map_or(&[][..], Vec::as_slice);
        let lo = solve(k, &index, cons, ti, OptimizationDirection::Minimize).unwrap_or(0.0);
        let hi = solve(k, &index, cons, ti, OptimizationDirection::Maximize);
        out.insert(t.clone(), (lo, hi));
    }
    out
}

fn solve(
    k: &Knowledge,
    index: &BTreeMap<&Key, usize>,
    cons: &[&Constraint],
    target: usize,
    dir: OptimizationDirection,
) -> Option<f64> {
    let mut p = Problem::new(dir);
    let mut vars: BTreeMap<usize, microlp::Variable> = BTreeMap::new();
    vars.insert(target, p.add_var(1.0, (0.0, f64::INFINITY)));
    for c in cons {
        for (t, _) in &c.terms {
            if let Some(&i) = index.get(t) {
                vars.entry(i)
                    .or_insert_with(|| p.add_var(0.0, (0.0, f64::INFINITY)));
            }
        }
    }
    // a rounded count is a variable within its tolerance
    let mut boxed: BTreeMap<&Key, microlp::Variable> = BTreeMap::new();
    for c in cons {
        let mut rhs = c.rhs;
        let mut terms = Vec::new();
        for (t, coef) in &c.terms {
            let v = k.known.get(t).copied().unwrap_or(0.0);
            match index.get(t) {
                Some(i) => terms.push((vars[i], *coef)),
                None if k.tolerance > 0.0 => {
                    let x = *boxed.entry(t).or_insert_with(|| {
                        p.add_var(0.0, ((v - k.tolerance).max(0.0), v + k.tolerance))
                    });
                    terms.push((x, *coef));
                }
                None => rhs -= coef * v,
            }
        }
        p.add_constraint(terms, c.op, rhs);
    }
    match p.solve().map(|o| o.into_solution()) {
        Ok(Ok(s)) => Some(s.objective()),
        Err(microlp::Error::Unbounded) => None,
        Err(e) => panic!("the published numbers contradict each other: {e}"),
        Ok(Err(e)) => panic!("no solution: {e:?}"),
    }
}

/// The true counts, keyed as the attacker keys them: the same project published without any
/// protection (minimum count 1, minimum base 0), read from its export like the real one.
fn truth(p: &TestProject, export: &Value, true_files: &[(&str, &str)]) -> BTreeMap<Key, f64> {
    let mut cfg = p.read("bildungsmonitor.toml");
    for (file, true_file) in true_files {
        cfg = cfg.replace(file, true_file);
    }
    let mut offen = String::new();
    let mut skip = false;
    for line in cfg.lines() {
        if line.trim_start().starts_with('[') {
            skip = line.trim() == "[geheimhaltung]";
        }
        if !skip {
            offen.push_str(line);
            offen.push('\n');
        }
    }
    offen.push_str(
        "\n[geheimhaltung]\nverfahren = \"sperrung\"\nmindestfallzahl = 1\nmindestbasis = 0\n",
    );
    p.write("offen.toml", offen);
    p.run(&[
        "--no-cache",
        "--config",
        "offen.toml",
        "export",
        "--output",
        "offen.json",
    ])
    .exit(0);
    let offen: Value = serde_json::from_str(&p.read("offen.json")).unwrap();
    let defs: BTreeMap<&str, &Value> = export["katalog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["id"].as_str().unwrap(), d))
        .collect();
    let mut out = BTreeMap::new();
    for row in offen["kennzahlen"].as_array().unwrap() {
        assert_eq!(row["gesperrt"], false, "nothing is protected here: {row}");
        let p = parts(row, defs[row["indikator"].as_str().unwrap()]);
        for (key, v) in [p.zaehler, p.nenner].into_iter().flatten() {
            if let Some(v) = v {
                out.insert(key, v);
            }
        }
    }
    out
}

fn sozialraum_of(p: &TestProject) -> BTreeMap<String, String> {
    let (project, _) =
        bildungsmonitor::project::load(&p.path().join("bildungsmonitor.toml")).unwrap();
    let g = &project.gebiete;
    g.stadtteile
        .iter()
        .map(|s| (s.nr.clone(), s.sozialraum.clone()))
        .chain(
            g.bezirk_of
                .iter()
                .map(|(sr, b)| (format!("bezirk:{sr}"), b.clone())),
        )
        .collect()
}

/// Exports the project's whole publication, attacks it, and fails if a hidden small count is
/// narrowed below the protection width; the numbers of hidden and of attacked small counts.
#[track_caller]
fn export_and_attack(p: &TestProject) -> (Value, usize, usize) {
    p.run(&["export", "--output", "alles.json"]).exit(0);
    let export: Value = serde_json::from_str(&p.read("alles.json")).unwrap();
    let (narrow, hidden, small) = attack(p, &export);
    assert!(
        narrow.is_empty(),
        "{} hidden counts narrowed from outside, e.g. {:?}",
        narrow.len(),
        &narrow[..narrow.len().min(8)]
    );
    (export, hidden, small)
}

/// A hidden count an outsider narrows too far: the count, its true value, and the interval.
type Narrowed = (Key, f64, f64, Option<f64>);

/// Attacks one published export: the hidden small counts narrowed too far, the number of
/// hidden counts, and how many hidden small counts were attacked.
fn attack(p: &TestProject, export: &Value) -> (Vec<Narrowed>, usize, usize) {
    attack_knowing(p, export, &[])
}

/// [`attack`], with the true counts read from other files in place of some sources (the
/// values a source withheld, known to the test only).
fn attack_knowing(
    p: &TestProject,
    export: &Value,
    true_files: &[(&str, &str)],
) -> (Vec<Narrowed>, usize, usize) {
    let k = knowledge(export, &sozialraum_of(p));
    let leaked: Vec<&Key> = k
        .hidden
        .iter()
        .filter(|h| k.known.contains_key(*h))
        .collect();
    assert!(
        leaked.is_empty(),
        "one count printed and hidden at once: {:?}",
        &leaked[..leaked.len().min(5)]
    );
    let truth = truth(p, export, true_files);
    let min = export["geheimhaltung"]["mindestfallzahl"].as_f64().unwrap();
    // every hidden count below the threshold, and every hidden numerator whose complement
    // (denominator minus numerator: "98 of 100 in a Kita" reveals the 2 without) is
    let klein = |v: f64| v > 0.0 && v < min;
    let mut small: BTreeSet<Key> = k
        .hidden
        .iter()
        .filter(|h| truth.get(*h).is_some_and(|&v| klein(v)))
        .cloned()
        .collect();
    for (z, n) in &k.pairs {
        if k.hidden.contains(z)
            && let (Some(&tz), Some(&tn)) = (truth.get(z), truth.get(n))
            && klein(tn - tz)
        {
            small.insert(z.clone());
        }
    }
    let found = intervals(&k, &small);
    let narrow = found
        .into_iter()
        .filter(|(_, (lo, hi))| hi.is_some_and(|hi| hi - lo < min - 1.0 - 1e-6))
        .map(|(key, (lo, hi))| {
            let t = truth[&key];
            (key, t, lo, hi)
        })
        .collect();
    (narrow, k.hidden.len(), small.len())
}

#[test]
fn no_small_count_of_the_sample_can_be_narrowed_from_the_export() {
    let (_, hidden, small) = export_and_attack(&TestProject::sample());
    assert!(hidden > 1000, "the sample hides counts: {hidden}");
    assert!(small > 1000, "hidden counts of 1 or 2 attacked: {small}");
}

#[test]
fn no_small_count_of_a_fixture_can_be_narrowed_from_the_export() {
    for fixture in [
        "geheim",
        "mini",
        "golden",
        "formats/konstanz",
        "formats/genesis",
        "formats/ffcsv",
        "formats/kissmd",
    ] {
        let (_, _, small) = export_and_attack(&TestProject::from_fixture(fixture));
        // the golden and the format fixtures have no hidden count below the threshold
        assert!(
            small > 0 || !["geheim", "mini"].contains(&fixture),
            "{fixture}: no small count hidden"
        );
    }
}

#[test]
fn no_small_count_can_be_narrowed_without_a_middle_level() {
    let p = TestProject::sample();
    let gebiete: String = p
        .read("data-samples/gebiete.csv")
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(';').collect();
            format!("{};{};{}\n", f[0], f[1], f[4])
        })
        .collect();
    assert!(gebiete.starts_with("nr;name;ags\n"), "{gebiete}");
    p.write("data-samples/gebiete.csv", &gebiete);
    let (export, _, small) = export_and_attack(&p);
    assert!(small > 500, "hidden counts of 1 or 2 attacked: {small}");
    let ebenen: BTreeSet<&str> = export["kennzahlen"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["ebene"].as_str())
        .collect();
    assert_eq!(ebenen, BTreeSet::from(["stadt", "stadtteil"]));
    p.run(&["faktencheck", "--all-sozialraeume"])
        .exit(2)
        .stderr_has("keine mittlere Ebene");
}

#[test]
fn no_small_count_can_be_narrowed_with_a_third_level() {
    let p = TestProject::sample();
    let gebiete: String = p
        .read("data-samples/gebiete.csv")
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let f: Vec<&str> = l.split(';').collect();
            let bezirk = match (i, f[2]) {
                (0, _) => "bezirk;bezirk_name",
                (_, "SR1" | "SR2" | "SR3" | "SR4") => "N;Nord",
                _ => "S;Süd",
            };
            format!("{l};{bezirk}\n")
        })
        .collect();
    p.write("data-samples/gebiete.csv", &gebiete);
    let (export, _, small) = export_and_attack(&p);
    assert!(small > 500, "hidden counts of 1 or 2 attacked: {small}");
    let rows = export["kennzahlen"].as_array().unwrap();
    let ebenen: BTreeSet<&str> = rows.iter().filter_map(|w| w["ebene"].as_str()).collect();
    assert_eq!(
        ebenen,
        BTreeSet::from(["bezirk", "sozialraum", "stadt", "stadtteil"])
    );
    // a Bezirk counts what its Sozialräume count
    let value = |ebene: &str, gebiet: &str| {
        rows.iter()
            .find(|r| {
                r["indikator"] == "KX04"
                    && r["zeit"] == "2025-12-31"
                    && r["ebene"] == ebene
                    && r["gebiet"] == gebiet
            })
            .and_then(|r| r["nenner"].as_f64())
            .unwrap()
    };
    let nord: f64 = ["SR1", "SR2", "SR3", "SR4"]
        .iter()
        .map(|s| value("sozialraum", s))
        .sum();
    assert_eq!(value("bezirk", "N"), nord);
    // a Sozialraum in two Bezirke is refused
    p.write(
        "data-samples/gebiete.csv",
        gebiete.replacen("SR1;Zentrum;;;;N;Nord", "SR1;Zentrum;;;;S;Süd", 1),
    );
    p.run(&["validate"])
        .exit(1)
        .stderr_has("Fehler[C007] Sozialraum „SR1“ liegt in zwei Bezirken");
}

/// With the rounding method every printed share is the share of the printed (rounded)
/// counts at the printed precision: nothing in any column carries the unrounded counts.
#[test]
fn rounded_publication_carries_nothing_but_rounded_counts() {
    let p = TestProject::sample();
    let cfg = p
        .read("bildungsmonitor.toml")
        .replace("verfahren = \"sperrung\"", "verfahren = \"rundung\"")
        .replace("rundung_auf = 3", "rundung_auf = 5");
    assert!(cfg.contains("rundung_auf = 5"));
    p.write("bildungsmonitor.toml", cfg);
    p.run(&["export", "--output", "alles.json", "--output", "alles.csv"])
        .exit(0);
    let export: Value = serde_json::from_str(&p.read("alles.json")).unwrap();
    let defs: BTreeMap<&str, &Value> = export["katalog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["id"].as_str().unwrap(), d))
        .collect();
    let mut shares = 0;
    for r in export["kennzahlen"].as_array().unwrap() {
        let def = defs[r["indikator"].as_str().unwrap()];
        for part in ["zaehler", "nenner"] {
            if let Some(v) = r[part].as_f64()
                && def[part]["tabelle"] != "kita_einrichtungen"
            {
                assert_eq!(v % 5.0, 0.0, "{part} not rounded: {r}");
            }
        }
        let (Some(w), Some(z), Some(n)) = (
            r["wert"].as_f64(),
            r["zaehler"].as_f64(),
            r["nenner"].as_f64(),
        ) else {
            continue;
        };
        if def["einheit"] == "prozent" && def["art"] == "standard" && n > 0.0 {
            // exact half-up in tenths from the printed counts
            let tenths = (2000.0 * z + n).div_euclid(2.0 * n);
            assert_eq!(w, tenths / 10.0, "share not from the printed counts: {r}");
            shares += 1;
        }
        // every non-count value at the printed precision
        assert_eq!(
            (w * 10.0).round() / 10.0,
            w,
            "more decimals than printed: {r}"
        );
    }
    assert!(shares > 1000, "{shares}");
}

/// What a selection shows is the full publication's row, cell for cell: a selection never
/// changes what is suppressed (two runs together would reveal what each hides).
#[test]
fn every_selection_is_a_view_of_the_full_export() {
    let p = TestProject::sample();
    p.run(&["export", "--output", "alles.json"]).exit(0);
    let full: Value = serde_json::from_str(&p.read("alles.json")).unwrap();
    let key = |r: &Value| {
        ["indikator", "zeit", "ebene", "gebiet", "gruppe"]
            .map(|f| r[f].to_string())
            .join("|")
    };
    let full: BTreeMap<String, Value> = full["kennzahlen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (key(r), r.clone()))
        .collect();
    let check = |rows: &[Value], what: &str| {
        assert!(!rows.is_empty(), "{what}: nothing selected");
        for r in rows {
            let f = full
                .get(&key(r))
                .unwrap_or_else(|| panic!("{what}: row not in the export: {r}"));
            let mut f = f.clone();
            // the indicator table has no column for the rounding method's flag
            if r.get("gerundet").is_none() {
                f.as_object_mut().unwrap().remove("gerundet");
            }
            assert_eq!(r, &f, "{what}: differs from the full export");
        }
    };
    for ind in ["AS05", "KX01", "UE01G", "FK01"] {
        p.run(&["export", "--indicator", ind, "--output", "teil.json"])
            .exit(0);
        let part: Value = serde_json::from_str(&p.read("teil.json")).unwrap();
        check(
            part["kennzahlen"].as_array().unwrap(),
            &format!("export --indicator {ind}"),
        );
    }
    for args in [
        &["--indicator", "UE01"][..],
        &["--indicator", "AS09", "--stadtteil", "02"],
        &["--period", "2020/21"],
        &["--ebene", "sozialraum", "--indicator", "KX01"],
    ] {
        let mut all = vec!["indicators", "--format", "json"];
        all.extend_from_slice(args);
        let r = p.run(&all);
        r.exit(0);
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        check(
            v["kennzahlen"].as_array().unwrap(),
            &format!("indicators {args:?}"),
        );
    }
}

/// The leaks found from outside before one publication, each with its numbers.
#[test]
fn one_count_has_one_status_in_every_indicator() {
    let p = TestProject::sample();
    p.run(&["export", "--output", "alles.json"]).exit(0);
    let export: Value = serde_json::from_str(&p.read("alles.json")).unwrap();
    let rows = export["kennzahlen"].as_array().unwrap();
    let find = |ind: &str, zeit: &str, gebiet: &str, gruppe: Option<&str>| {
        rows.iter()
            .find(|r| {
                r["indikator"] == ind
                    && r["zeit"] == zeit
                    && r["ebene"] == "stadtteil"
                    && r["gebiet"] == gebiet
                    && r["gruppe"].as_str() == gruppe
            })
            .unwrap_or_else(|| panic!("{ind} {zeit} {gebiet}"))
    };
    // the count of a filter and the count of the same group of a breakdown: one cell
    let mut compared = 0;
    for (ind, breakdown, gruppe) in [("UE01G", "UE01", "gymnasium"), ("AS13", "AS09", "ahr")] {
        for r in rows
            .iter()
            .filter(|r| r["indikator"] == ind && r["ebene"] == "stadtteil")
        {
            let (z, g) = (r["zeit"].as_str().unwrap(), r["gebiet"].as_str().unwrap());
            let other = find(breakdown, z, g, Some(gruppe));
            assert_eq!(
                r["gesperrt"], other["gesperrt"],
                "{ind} and {breakdown} {gruppe}: {r} {other}"
            );
            assert_eq!(
                r["zaehler"], other["zaehler"],
                "{ind} and {breakdown} {gruppe}"
            );
            compared += 1;
        }
    }
    assert!(compared > 100, "{compared}");
    // no reason is published: "." means one thing
    assert!(rows.iter().all(|r| r["gesperrt"].is_boolean()));
    // ranks only among published values, without gaps
    let mut groups: BTreeMap<(String, String, String), Vec<(f64, u64)>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r["ebene"] == "stadtteil") {
        match (r["wert"].as_f64(), r["rang"].as_u64()) {
            (Some(w), Some(rang)) => groups
                .entry((
                    r["indikator"].to_string(),
                    r["zeit"].to_string(),
                    r["gruppe"].to_string(),
                ))
                .or_default()
                .push((w, rang)),
            (None, Some(_)) => panic!("rank of a hidden value: {r}"),
            _ => {}
        }
    }
    for (k, vs) in groups {
        for &(w, rang) in &vs {
            let above = vs.iter().filter(|(x, _)| *x > w).count() as u64;
            assert_eq!(rang, above + 1, "{k:?}: rank {rang} of {w}");
        }
    }
}

/// The kept publication gives the same bytes as a fresh computation, and a changed input is
/// computed anew.
#[test]
fn cached_publication_is_the_same_and_follows_the_data() {
    let p = TestProject::from_fixture("mini");
    let export = |args: &[&str], out: &str| {
        let mut all = args.to_vec();
        all.extend(["export", "--output", out]);
        p.run(&all).exit(0);
        std::fs::read(p.path().join(out)).unwrap()
    };
    let fresh = export(&["--no-cache"], "a.json");
    assert!(
        !p.path().join(".bildungsmonitor-cache").exists(),
        "--no-cache keeps nothing"
    );
    let first = export(&[], "b.json");
    let kept: Vec<_> = std::fs::read_dir(p.path().join(".bildungsmonitor-cache"))
        .unwrap()
        .collect();
    assert_eq!(kept.len(), 1);
    let second = export(&[], "c.json");
    assert_eq!(fresh, first);
    assert_eq!(first, second, "from the cache");
    // a changed count changes the publication; the old entry goes
    let csv = p.read("bevoelkerung.csv");
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let last = lines.len() - 1;
    let mut cells: Vec<String> = lines[last].split(';').map(str::to_string).collect();
    let n = cells.len() - 1;
    let v: u64 = cells[n].parse().unwrap();
    cells[n] = (v + 7).to_string();
    lines[last] = cells.join(";");
    p.write("bevoelkerung.csv", lines.join("\n") + "\n");
    let third = export(&[], "d.json");
    assert_ne!(second, third, "the cache follows the data");
    assert_eq!(third, export(&["--no-cache"], "e.json"));
    let kept = std::fs::read_dir(p.path().join(".bildungsmonitor-cache"))
        .unwrap()
        .count();
    assert_eq!(kept, 1, "only the newest entry is kept");
    // a damaged entry is computed again
    for e in std::fs::read_dir(p.path().join(".bildungsmonitor-cache")).unwrap() {
        std::fs::write(e.unwrap().path(), b"{kaputt").unwrap();
    }
    assert_eq!(third, export(&[], "f.json"));
}

/// With the rounding method nothing is hidden but the shares of too small a base; an outsider
/// who knows every printed count only to within half the rounding base cannot pin those down.
#[test]
fn no_small_count_of_the_rounded_sample_can_be_narrowed_from_the_export() {
    let p = TestProject::sample();
    let cfg = p
        .read("bildungsmonitor.toml")
        .replace("verfahren = \"sperrung\"", "verfahren = \"rundung\"");
    p.write("bildungsmonitor.toml", cfg);
    let (export, hidden, small) = export_and_attack(&p);
    assert_eq!(export["geheimhaltung"]["verfahren"], "rundung");
    assert!(hidden > 100, "shares of small bases stay hidden: {hidden}");
    assert!(small > 100, "hidden counts of 1 or 2 attacked: {small}");
}

/// The same attack on a generated city of 200 Stadtteile.
#[test]
fn no_small_count_of_a_larger_city_can_be_narrowed_from_the_export() {
    let p = TestProject::empty();
    p.run(&[
        "sample",
        "--stadtteile",
        "200",
        "--jahre",
        "4",
        "--out",
        "data-samples",
    ])
    .exit(0);
    std::fs::copy(
        repo().join("bildungsmonitor.toml"),
        p.path().join("bildungsmonitor.toml"),
    )
    .unwrap();
    let (_, hidden, small) = export_and_attack(&p);
    assert!(small > 1000, "{small} of {hidden}");
}

/// An index (first year = 100) is published only where its base year's count is: 25 · 100 /
/// 1.250 gives back a hidden 2. A base of 0 is "x", never ".".
#[test]
fn an_index_needs_its_published_base_and_a_zero_base_is_x() {
    let p = TestProject::from_fixture("mini");
    let schulen = p
        .read("schulen.csv")
        .replace(
            "2022/23;202;Gymnasium Neustadt;gymnasium;02;5;55;2",
            "2022/23;202;Gymnasium Neustadt;gymnasium;02;5;1;0",
        )
        .replace(
            "2022/23;202;Gymnasium Neustadt;gymnasium;02;6;56;0",
            "2022/23;202;Gymnasium Neustadt;gymnasium;02;6;1;0",
        );
    p.write("schulen.csv", schulen);
    p.run(&["export", "--output", "k.json"]).exit(0);
    let v: Value = serde_json::from_str(&p.read("k.json")).unwrap();
    let rows = v["kennzahlen"].as_array().unwrap();
    let as02: Vec<&Value> = rows
        .iter()
        .filter(|r| r["indikator"] == "AS02" && r["gebiet"] == "02")
        .collect();
    assert_eq!(as02.len(), 3, "{as02:?}");
    for r in &as02 {
        assert!(
            r["wert"].is_null() && r["gesperrt"] == true,
            "index over a hidden base of 2: {r}"
        );
    }
    // a base of 0 has no share and nothing to protect
    let mut zero = 0;
    for r in rows.iter().filter(|r| r["nenner"] == 0.0) {
        assert_eq!(r["gesperrt"], false, "{r}");
        assert_eq!(r["luecke"], "nenner_null", "{r}");
        zero += 1;
    }
    let sample = TestProject::sample();
    sample.run(&["export", "--output", "k.json"]).exit(0);
    let v: Value = serde_json::from_str(&sample.read("k.json")).unwrap();
    for r in v["kennzahlen"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["nenner"] == 0.0)
    {
        assert_eq!(r["gesperrt"], false, "{r}");
        assert_eq!(r["luecke"], "nenner_null", "{r}");
        zero += 1;
    }
    assert!(zero > 100, "{zero}");
}

/// The city total of a delivery whose small Stadtteil values are withheld (`.` for 1 and 2,
/// as the BA delivers them) is published from its Gesamtstadt row; the withheld values are
/// then protected like small counts: total minus the published parts gives none of them back.
#[test]
fn withheld_parts_under_a_delivered_city_total_cannot_be_narrowed() {
    let p = TestProject::sample();
    // the true values of the withheld cells (1 or 2), known to the test only
    let mut truth = String::new();
    let mut delivered = String::new();
    let mut totals: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut withheld = 0;
    for (i, line) in p.read("data-samples/kontext.csv").lines().enumerate() {
        let f: Vec<&str> = line.split(';').collect();
        if i == 0 {
            truth.push_str(&format!("{line}\n"));
            delivered.push_str(&format!("{line}\n"));
            continue;
        }
        if f[1] == "Gesamtstadt" {
            continue;
        }
        let sgb2: u64 = match f[2] {
            "." => {
                withheld += 1;
                1 + (i as u64 % 2)
            }
            v => v.parse().unwrap(),
        };
        let t = totals.entry(f[0].to_string()).or_default();
        t.0 += sgb2;
        t.1 += f[3].parse::<u64>().unwrap();
        truth.push_str(&format!("{};{};{sgb2};{}\n", f[0], f[1], f[3]));
        delivered.push_str(&format!("{line}\n"));
    }
    for (zeit, (sgb2, geburten)) in &totals {
        let row = format!("{zeit};Gesamtstadt;{sgb2};{geburten}\n");
        truth.push_str(&row);
        delivered.push_str(&row);
    }
    assert!(withheld > 20, "{withheld}");
    p.write("data-samples/kontext.csv", delivered);
    p.write("data-samples/kontext_wahr.csv", truth);
    p.run(&["export", "--output", "alles.json"]).exit(0);
    let export: Value = serde_json::from_str(&p.read("alles.json")).unwrap();
    let rows = export["kennzahlen"].as_array().unwrap();
    let city = rows
        .iter()
        .find(|r| r["indikator"] == "KX03" && r["ebene"] == "stadt" && r["zeit"] == "2025-12-31")
        .unwrap();
    assert_eq!(
        city["zaehler"].as_f64(),
        Some(totals["31.12.2025"].0 as f64),
        "{city}"
    );
    assert!(city["wert"].is_number(), "{city}");
    let (narrow, _, small) = attack_knowing(&p, &export, &[("kontext.csv", "kontext_wahr.csv")]);
    assert!(
        narrow.is_empty(),
        "withheld values narrowed: {:?}",
        &narrow[..narrow.len().min(8)]
    );
    assert!(small >= withheld, "{small} small counts attacked");
}
