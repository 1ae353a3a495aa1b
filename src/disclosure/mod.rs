//! Disclosure control (Geheimhaltung) before anything is published.
//!
//! Every row of the indicator table publishes counts: its numerator and denominator (for
//! counts the value itself). Identical counts appear in several rows and outputs (the
//! population 0–2 is the denominator of FK01 and a group of KX01): each count is one
//! [`CellId`] with one status, so a suppression holds across all outputs of a run (linked
//! tables). The steps:
//!
//! 1. **Primary suppression**: person counts 1 … mindestfallzahl−1; the numerator of a share
//!    whose base is below mindestbasis; the numerator when base − numerator is such a small
//!    count (the complement would identify persons).
//! 2. **Secondary suppression** over the additive relations an outsider knows: Stadtteile →
//!    Sozialraum → Stadt, and groups → total (Schulformen → all transitions).
//! 3. **Attacker check** ([`attack`]): for every suppressed count, the bounds an outsider can
//!    derive by linear programming from all published counts; too narrow bounds lead to more
//!    suppression until every suppressed count is protected.
//!
//! Alternatively every person count is rounded to a multiple of `rundung_auf` (shares stay
//! computed from unrounded counts). `docs/disclosure.md` explains it for analysts.

mod attack;
mod simplex;

use crate::catalogue::{Catalogue, Einheit, Teil};
use crate::domain::Period;
use crate::indicators::{Ebene, Kennzahl, Tabelle, align, previous_year};
use crate::project::{Gebietsgliederung, Geheimhaltung, Verfahren};
use crate::schema::{self, FieldType};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Identity of a published count.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct CellId {
    /// What is counted: table, measure, filter, group.
    pub merkmal: Arc<str>,
    /// The period of the data (the denominator's own Stichtag).
    pub zeit: Period,
    /// Level.
    pub ebene: Ebene,
    /// Area key.
    pub gebiet: Arc<str>,
}

/// Why a count is not published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grund {
    /// A person count below the minimum (primary).
    Fallzahl,
    /// The numerator of a share whose base is below the minimum (primary).
    Basis,
    /// Base minus numerator is a small count (primary).
    Differenz,
    /// Suppressed so that a primary cell cannot be recalculated (secondary).
    Sekundaer,
}

impl Grund {
    /// German explanation for footnotes and the audit.
    pub fn label(self) -> &'static str {
        match self {
            Grund::Fallzahl => "Fallzahl unter der Mindestfallzahl",
            Grund::Basis => "Basis des Anteils unter der Mindestbasis",
            Grund::Differenz => "Differenz zur Basis unter der Mindestfallzahl",
            Grund::Sekundaer => "Sekundärsperrung gegen Rückrechnung",
        }
    }
}

/// A count with its value and status.
#[derive(Debug, Clone)]
struct Cell {
    id: CellId,
    value: f64,
    sensitive: bool,
    grund: Option<Grund>,
    /// Rows (index, as numerator?) that publish this count.
    rows: Vec<(usize, bool)>,
}

/// An additive relation Σ coef·x = rhs between counts.
#[derive(Debug, Clone)]
pub struct Relation {
    /// (cell index, coefficient)
    pub terms: Vec<(usize, f64)>,
    /// Right-hand side (the true residual; 0 for exact data).
    pub rhs: f64,
}

/// One row as published.
#[derive(Debug, Clone, Serialize)]
pub struct Veroeffentlicht {
    /// The row with every non-published number removed.
    #[serde(flatten)]
    pub kennzahl: Kennzahl,
    /// `.` if the value is suppressed, else none.
    pub gesperrt: Option<Grund>,
    /// Counts rounded (rounding method).
    pub gerundet: bool,
}

/// One suppressed count in the audit file.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEintrag {
    /// The count.
    #[serde(flatten)]
    pub zelle: CellId,
    /// Why.
    pub grund: Grund,
    /// Lower bound an outsider can derive from everything published (primary cells).
    pub schranke_unten: Option<f64>,
    /// Upper bound (`null` if unbounded or, for secondary cells, not computed).
    pub schranke_oben: Option<f64>,
    /// Instead of bounds: two values that both fit everything published (found by linear
    /// programs over the cells around it), so the outsider's interval is at least this wide.
    pub moegliche_werte: Option<[f64; 2]>,
    /// Indicators whose rows contain it.
    pub indikatoren: Vec<String>,
}

/// The published table and the audit.
#[derive(Debug, Clone, Serialize)]
pub struct Ergebnis {
    /// Rows in the order of the indicator table.
    pub zeilen: Vec<Veroeffentlicht>,
    /// Every suppressed count and why.
    pub audit: Vec<AuditEintrag>,
    /// Method and thresholds, for the Methodik section.
    pub verfahren: Geheimhaltung,
    /// Footnotes: legend, method, and the computed table's own notes (rounded sources).
    pub hinweise: Vec<String>,
}

/// The legend used under every table.
pub const LEGENDE: &str = ". = Zahlenwert unbekannt oder geheimzuhalten (Geheimhaltung)";

/// Applies disclosure control to a computed table (its rows become the published rows).
pub fn protect(
    table: Tabelle,
    katalog: &Catalogue,
    settings: &Geheimhaltung,
    gebiete: &Gebietsgliederung,
) -> Ergebnis {
    let Tabelle {
        zeilen: rows,
        hinweise: table_hinweise,
    } = table;
    let mut cells: Vec<Cell> = Vec::new();
    let mut index: BTreeMap<CellId, usize> = BTreeMap::new();
    let mut merkmale = Merkmale::default();
    // (numerator cell, denominator cell) per row
    let mut row_cells: Vec<(Option<usize>, Option<usize>)> = Vec::with_capacity(rows.len());
    for (ri, r) in rows.iter().enumerate() {
        let Some(ind) = katalog.get(&r.indikator) else {
            row_cells.push((None, None));
            continue;
        };
        let def = &ind.def;
        let grouped_den = def
            .aufschluesselung
            .as_ref()
            .is_some_and(|a| a.nenner_aufgeschluesselt);
        let mut add = |teil: &Teil,
                       zeit: Period,
                       group: Option<&Arc<str>>,
                       value: Option<f64>,
                       is_num: bool|
         -> Option<usize> {
            let v = value?;
            let id = CellId {
                merkmal: merkmale.get(
                    teil,
                    group,
                    def.aufschluesselung.as_ref().map(|a| a.feld.as_str()),
                ),
                zeit,
                ebene: r.ebene,
                gebiet: r.gebiet.clone(),
            };
            let i = *index.entry(id.clone()).or_insert_with(|| {
                cells.push(Cell {
                    id,
                    value: v,
                    sensitive: is_person_count(teil),
                    grund: None,
                    rows: Vec::new(),
                });
                cells.len() - 1
            });
            cells[i].rows.push((ri, is_num));
            Some(i)
        };
        let num = add(&def.zaehler, r.zeit, r.gruppe.as_ref(), r.zaehler, true);
        let den = match &def.nenner {
            Some(n) if def.art != crate::catalogue::Art::Quotensumme => add(
                n,
                align(r.zeit, n.zeitbezug),
                if grouped_den { r.gruppe.as_ref() } else { None },
                r.nenner,
                false,
            ),
            _ => None,
        };
        row_cells.push((num, den));
    }

    let relations = relations(&cells, &index, katalog, &rows, gebiete, &mut merkmale);
    let min = f64::from(settings.mindestfallzahl);
    let rounding = settings.verfahren == Verfahren::Rundung;

    // 1. primary suppression
    for c in cells.iter_mut() {
        if !rounding && c.sensitive && c.value >= 1.0 && c.value < min {
            c.grund = Some(Grund::Fallzahl);
        }
    }
    for (ri, r) in rows.iter().enumerate() {
        let (Some(n), Some(d)) = row_cells[ri] else {
            continue;
        };
        let Some(ind) = katalog.get(&r.indikator) else {
            continue;
        };
        if ind.def.einheit != Einheit::Prozent {
            continue;
        }
        let base = f64::from(ind.def.mindestbasis.unwrap_or(settings.mindestbasis));
        let (nv, dv) = (cells[n].value, cells[d].value);
        if cells[n].grund.is_none() && dv < base {
            cells[n].grund = Some(Grund::Basis);
        } else if !rounding
            && cells[n].grund.is_none()
            && cells[n].sensitive
            && cells[d].sensitive
            && dv - nv >= 1.0
            && dv - nv < min
        {
            cells[n].grund = Some(Grund::Differenz);
        }
    }

    // 2. + 3. secondary suppression until the attacker check finds every cell protected, in
    // blocks of cells no relation links to another block: a block's rounds depend only on
    // its own cells and relations, so the blocks run in parallel with the same result
    let protection = (min - 1.0).max(1.0);
    let solved: Vec<(Block, BTreeMap<usize, attack::Spielraum>)> = {
        use rayon::prelude::*;
        Block::split(cells, relations)
            .into_par_iter()
            .map(|mut b| {
                let bounds = b.suppress(protection);
                (b, bounds)
            })
            .collect()
    };
    let (cells, bounds) = Block::join(solved);

    // the audit names the rows' indicators: made before the rows move into the published table
    let mut audit: Vec<AuditEintrag> = cells
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let grund = c.grund?;
            let (schranke_unten, schranke_oben, moegliche_werte) = match bounds.get(&i) {
                Some(attack::Spielraum::Schranken(lo, hi)) => (Some(*lo), *hi, None),
                Some(attack::Spielraum::Werte(a, b)) => (None, None, Some([*a, *b])),
                None => (None, None, None),
            };
            let indikatoren: BTreeSet<String> = c
                .rows
                .iter()
                .map(|(ri, _)| rows[*ri].indikator.to_string())
                .collect();
            Some(AuditEintrag {
                zelle: c.id.clone(),
                grund,
                schranke_unten,
                schranke_oben,
                moegliche_werte,
                indikatoren: indikatoren.into_iter().collect(),
            })
        })
        .collect();
    audit.sort_by(|a, b| a.zelle.cmp(&b.zelle));

    // 4. rows as published
    let suppressed = |c: Option<usize>| c.is_some_and(|i| cells[i].grund.is_some());
    let mut out: Vec<Veroeffentlicht> = Vec::with_capacity(rows.len());
    let r_to = f64::from(settings.rundung_auf);
    for (mut k, (n, d)) in rows.into_iter().zip(row_cells) {
        let unit = katalog.get(&k.indikator).map(|i| i.def.einheit);
        let value_hidden = suppressed(n) || (suppressed(d) && unit != Some(Einheit::Anzahl));
        let grund = n
            .and_then(|i| cells[i].grund)
            .or_else(|| d.and_then(|i| cells[i].grund));
        if suppressed(n) {
            k.zaehler = None;
        }
        if suppressed(d) {
            k.nenner = None;
        }
        let mut gerundet = false;
        if rounding {
            let round = |v: f64| (v / r_to).round() * r_to;
            if n.is_some_and(|i| cells[i].sensitive) {
                k.zaehler = k.zaehler.map(round);
                gerundet = true;
                if unit == Some(Einheit::Anzahl) {
                    // exact changes and deviations of rounded counts would undo the rounding
                    k.wert = k.wert.map(round);
                    k.veraenderung = None;
                    k.veraenderung_prozent = None;
                    k.abweichung_stadt = None;
                }
            }
            if d.is_some_and(|i| cells[i].sensitive) {
                k.nenner = k.nenner.map(round);
                gerundet = true;
            }
        }
        if value_hidden {
            k.wert = None;
            k.veraenderung = None;
            k.veraenderung_prozent = None;
            k.abweichung_stadt = None;
            k.rang = None;
        }
        out.push(Veroeffentlicht {
            kennzahl: k,
            gesperrt: if value_hidden { grund } else { None },
            gerundet,
        });
    }
    hide_derived(&mut out);

    let mut hinweise = vec![LEGENDE.to_string()];
    if rounding {
        hinweise.push(format!(
            "Alle Fallzahlen sind auf ein Vielfaches von {} gerundet; Summen sind aus ungerundeten Werten gerundet und können von der Summe der gerundeten Einzelwerte abweichen.",
            settings.rundung_auf
        ));
    } else {
        hinweise.push(format!(
            "Fallzahlen unter {} und Anteile mit einer Basis unter {} werden nicht veröffentlicht; weitere Werte sind gesperrt, damit gesperrte Werte nicht aus Summen zurückgerechnet werden können.",
            settings.mindestfallzahl, settings.mindestbasis
        ));
    }
    // the table's own footnotes (rounded sources) travel with the published numbers
    hinweise.extend(table_hinweise);
    Ergebnis {
        zeilen: out,
        audit,
        verfahren: *settings,
        hinweise,
    }
}

/// Cells linked by relations, and the relations between them, with indices local to the
/// block (ascending in the whole table's order, so every order the rounds depend on is the
/// same as over the whole table).
struct Block {
    /// Index in the whole table of each local cell.
    members: Vec<usize>,
    cells: Vec<Cell>,
    relations: Vec<Relation>,
}

/// The root of `x` in a union-find forest (`p[i]` = parent), shortening the path on the way.
fn find(p: &mut [usize], x: usize) -> usize {
    let mut r = x;
    while p[r] != r {
        r = p[r];
    }
    let mut y = x;
    while p[y] != r {
        let next = p[y];
        p[y] = r;
        y = next;
    }
    r
}

/// A block holds at least this many cells: the small ones (a count in one Stadtteil and its
/// totals) are grouped, so the per-round work is not paid per handful of cells.
const BLOCK_MIN: usize = 256;

/// Groups of cells closed under the relations (unions of connected components, each in
/// ascending order, in the order of their first cell).
fn blocks(n: usize, relations: &[Relation]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    for rel in relations {
        for w in rel.terms.windows(2) {
            let (a, b) = (find(&mut parent, w[0].0), find(&mut parent, w[1].0));
            parent[a] = b;
        }
    }
    let mut of_root: HashMap<usize, usize> = HashMap::new();
    let mut components: Vec<Vec<usize>> = Vec::new();
    for i in 0..n {
        let root = find(&mut parent, i);
        let c = *of_root.entry(root).or_insert_with(|| {
            components.push(Vec::new());
            components.len() - 1
        });
        components[c].push(i);
    }
    let mut out: Vec<Vec<usize>> = Vec::new();
    for c in components {
        match out.last_mut() {
            Some(last) if last.len() < BLOCK_MIN => last.extend(c),
            _ => out.push(c),
        }
    }
    for b in &mut out {
        b.sort_unstable();
    }
    out
}

impl Block {
    /// Moves the cells out of the table into blocks (see [`blocks`]) and hands each block
    /// its relations, in their order.
    fn split(cells: Vec<Cell>, relations: Vec<Relation>) -> Vec<Block> {
        let mut slots: Vec<Option<Cell>> = cells.into_iter().map(Some).collect();
        // block and local index of every cell
        let mut place: Vec<(usize, usize)> = vec![(0, 0); slots.len()];
        let mut out: Vec<Block> = blocks(slots.len(), &relations)
            .into_iter()
            .enumerate()
            .map(|(b, members)| {
                let cells = members
                    .iter()
                    .enumerate()
                    .map(|(k, &g)| {
                        place[g] = (b, k);
                        slots[g].take().expect("each cell in one block")
                    })
                    .collect();
                Block {
                    members,
                    cells,
                    relations: Vec::new(),
                }
            })
            .collect();
        for mut rel in relations {
            let Some(&(first, _)) = rel.terms.first() else {
                continue;
            };
            for t in &mut rel.terms {
                t.0 = place[t.0].1;
            }
            out[place[first].0].relations.push(rel);
        }
        out
    }

    /// The cells back in table order, with the attacker check's results under their table
    /// indices.
    fn join(
        solved: Vec<(Block, BTreeMap<usize, attack::Spielraum>)>,
    ) -> (Vec<Cell>, BTreeMap<usize, attack::Spielraum>) {
        let n = solved.iter().map(|(b, _)| b.members.len()).sum();
        let mut slots: Vec<Option<Cell>> = (0..n).map(|_| None).collect();
        let mut bounds = BTreeMap::new();
        for (b, local) in solved {
            bounds.extend(local.into_iter().map(|(k, s)| (b.members[k], s)));
            for (g, c) in b.members.into_iter().zip(b.cells) {
                slots[g] = Some(c);
            }
        }
        (slots.into_iter().flatten().collect(), bounds)
    }

    /// Secondary suppression and attacker check in rounds until every suppressed cell is
    /// protected; the attacker check's result per suppressed cell (local indices).
    fn suppress(&mut self, protection: f64) -> BTreeMap<usize, attack::Spielraum> {
        let (cells, relations) = (&mut self.cells, &self.relations);
        // the relations of each cell, in relation order (a partner search per cell would
        // otherwise go through all relations: quadratic with hundreds of thousands of cells)
        let mut relations_of: Vec<Vec<usize>> = vec![Vec::new(); cells.len()];
        for (r, rel) in relations.iter().enumerate() {
            for &(c, _) in &rel.terms {
                if relations_of[c].last() != Some(&r) {
                    relations_of[c].push(r);
                }
            }
        }
        let mut bounds: BTreeMap<usize, attack::Spielraum> = BTreeMap::new();
        let mut before: BTreeSet<usize> = BTreeSet::new();
        // Every round that goes on suppresses at least one more count, so this ends; a fixed
        // number of rounds could stop with exposed counts (federal scale needs 32).
        loop {
            complete_relations(cells, relations);
            let suppressed: Vec<usize> = (0..cells.len())
                .filter(|&i| cells[i].grund.is_some())
                .collect();
            if suppressed.is_empty() {
                return bounds;
            }
            let changed: BTreeSet<usize> = suppressed
                .iter()
                .copied()
                .filter(|i| !before.contains(i))
                .collect();
            before = suppressed.iter().copied().collect();
            // Only primary cells hold sensitive counts; secondary ones are checked through
            // them. A cell found protected stays protected: more suppression only removes
            // knowledge, so its bounds can only widen. Later rounds solve only for the
            // unprotected ones (the audit keeps the bounds of the round that showed the
            // protection).
            let protected: BTreeSet<usize> = bounds
                .iter()
                .filter(|(_, s)| s.width() + 1e-9 >= protection)
                .map(|(i, _)| *i)
                .collect();
            let primary = |i: usize| {
                cells[i].grund.is_some_and(|g| g != Grund::Sekundaer) && !protected.contains(&i)
            };
            let values: Vec<f64> = cells.iter().map(|c| c.value).collect();
            let fresh = attack::bounds_incremental(
                &values,
                &suppressed,
                &primary,
                relations,
                &changed,
                &bounds,
                protection,
            );
            bounds.extend(fresh);
            let mut changed = false;
            for (&i, s) in &bounds {
                if s.width() + 1e-9 < protection
                    && suppress_partner(cells, relations, &relations_of[i])
                {
                    changed = true;
                }
            }
            if !changed {
                return bounds;
            }
        }
    }
}

/// The [`merkmal`] of each part and group, made once: millions of rows share a few hundred.
#[derive(Default)]
struct Merkmale(HashMap<(usize, Option<Arc<str>>), Arc<str>>);

impl Merkmale {
    /// `teil` is one of the catalogue's (its address is the key: the catalogue outlives the
    /// run, and a part belongs to one definition, so `field` follows from it).
    fn get(&mut self, teil: &Teil, group: Option<&Arc<str>>, field: Option<&str>) -> Arc<str> {
        self.0
            .entry((std::ptr::from_ref(teil) as usize, group.cloned()))
            .or_insert_with(|| merkmal(teil, group.map(|g| &**g), field).into())
            .clone()
    }
}

/// Describes what a count counts, independent of the indicator it appears in.
fn merkmal(teil: &Teil, group: Option<&str>, field: Option<&str>) -> String {
    let mut s = format!("{}.{}", teil.tabelle.id(), teil.wert);
    for (k, v) in &teil.filter {
        s.push_str(&format!("|{k}={}", v.join(",")));
    }
    if let (Some(g), Some(f)) = (group, field) {
        s.push_str(&format!("|{f}:{g}"));
    }
    for (a, w) in &teil.gewichte {
        s.push_str(&format!("|w{a}={w}"));
    }
    if teil.faktor != 1.0 {
        s.push_str(&format!("|f={}", teil.faktor));
    }
    s
}

/// Person counts fall under the frequency rule; hours and weighted sums do not.
fn is_person_count(teil: &Teil) -> bool {
    let s = schema::schema(teil.tabelle);
    s.field(&teil.wert)
        .is_some_and(|f| f.ty == FieldType::Count)
        && teil.faktor == 1.0
        && teil.gewichte.is_empty()
}

/// The additive relations an outsider knows: hierarchy and group totals.
fn relations(
    cells: &[Cell],
    index: &BTreeMap<CellId, usize>,
    katalog: &Catalogue,
    rows: &[Kennzahl],
    gebiete: &Gebietsgliederung,
    merkmale: &mut Merkmale,
) -> Vec<Relation> {
    let mut out = Vec::new();
    let mut add = |parent: usize, children: &[usize]| {
        if children.is_empty() {
            return;
        }
        let mut terms: Vec<(usize, f64)> = children.iter().map(|&c| (c, 1.0)).collect();
        terms.push((parent, -1.0));
        let rhs = children.iter().map(|&c| cells[c].value).sum::<f64>() - cells[parent].value;
        out.push(Relation { terms, rhs });
    };
    // hierarchy: Stadtteile → Sozialraum → Stadt
    let mut by_key: BTreeMap<(&Arc<str>, Period), Vec<usize>> = BTreeMap::new();
    for (i, c) in cells.iter().enumerate() {
        by_key
            .entry((&c.id.merkmal, c.id.zeit))
            .or_default()
            .push(i);
    }
    let stadt: Arc<str> = "stadt".into();
    let sr_keys: Vec<Arc<str>> = gebiete
        .sozialraeume
        .iter()
        .map(|sr| sr.nr.as_str().into())
        .collect();
    for ((merkmal, zeit), members) in &by_key {
        let find = |ebene: Ebene, gebiet: &Arc<str>| {
            index
                .get(&CellId {
                    merkmal: Arc::clone(merkmal),
                    zeit: *zeit,
                    ebene,
                    gebiet: gebiet.clone(),
                })
                .copied()
        };
        // Sozialraum sums hold even where the city total is not published (a gap elsewhere)
        let city = find(Ebene::Stadt, &stadt);
        // Stadtteile per Sozialraum in one pass (400 Kreise × 11,000 Gemeinden otherwise)
        let mut by_sr: HashMap<&str, Vec<usize>> = HashMap::new();
        for &m in members {
            if cells[m].id.ebene == Ebene::Stadtteil
                && let Some(s) = gebiete.by_nr(&cells[m].id.gebiet)
            {
                by_sr.entry(s.sozialraum.as_str()).or_default().push(m);
            }
        }
        let mut srs = Vec::new();
        for (sr, key) in gebiete.sozialraeume.iter().zip(&sr_keys) {
            let Some(sr_cell) = find(Ebene::Sozialraum, key) else {
                continue;
            };
            srs.push(sr_cell);
            add(
                sr_cell,
                by_sr.get(sr.nr.as_str()).map_or(&[], Vec::as_slice),
            );
        }
        if let Some(city) = city {
            add(city, &srs);
        }
    }
    // groups → total, where the total is published somewhere (UE01: Schulformen → all; KX01 bands → population)
    let mut seen = BTreeSet::new();
    // group cells by (period, level, area), per group prefix, in one scan of the index each
    type PartsByArea<'c> = HashMap<(Period, Ebene, &'c str), Vec<usize>>;
    let mut parts_of: HashMap<String, PartsByArea> = HashMap::new();
    for r in rows {
        let Some(ind) = katalog.get(&r.indikator) else {
            continue;
        };
        let Some(a) = &ind.def.aufschluesselung else {
            continue;
        };
        let z = &ind.def.zaehler;
        let key = (
            merkmale.get(z, None, None),
            r.zeit,
            r.ebene,
            r.gebiet.clone(),
            r.indikator.clone(),
        );
        if !seen.insert(key.clone()) {
            continue;
        }
        let Some(&total) = index.get(&CellId {
            merkmal: key.0.clone(),
            zeit: r.zeit,
            ebene: r.ebene,
            gebiet: r.gebiet.clone(),
        }) else {
            continue;
        };
        let prefix = format!("{}|{}:", key.0, a.feld);
        let groups = parts_of.entry(prefix.clone()).or_insert_with(|| {
            let mut m: PartsByArea = HashMap::new();
            for (id, &i) in index
                .range(
                    CellId {
                        merkmal: prefix.as_str().into(),
                        zeit: Period::Kalenderjahr(i32::MIN),
                        ebene: Ebene::Stadtteil,
                        gebiet: "".into(),
                    }..,
                )
                .take_while(|(id, _)| id.merkmal.starts_with(&prefix))
            {
                m.entry((id.zeit, id.ebene, &*id.gebiet))
                    .or_default()
                    .push(i);
            }
            m
        });
        let parts = groups
            .get(&(r.zeit, r.ebene, &*r.gebiet))
            .map_or(&[][..], Vec::as_slice);
        add(total, parts);
    }
    out
}

/// Secondary suppression: no relation may contain exactly one suppressed count.
fn complete_relations(cells: &mut [Cell], relations: &[Relation]) {
    loop {
        let mut changed = false;
        for rel in relations {
            let hidden = rel
                .terms
                .iter()
                .filter(|(i, _)| cells[*i].grund.is_some())
                .count();
            if hidden == 1
                && pick_partner(rel, cells).is_some_and(|j| {
                    cells[j].grund = Some(Grund::Sekundaer);
                    true
                })
            {
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// The published count of a relation that is cheapest to suppress: smallest value, lowest level.
/// A 0 is taken only when nothing else is left: an outsider often knows a zero for certain
/// ("there is no Kita in that Stadtteil"), so a hidden 0 protects nothing.
fn pick_partner(rel: &Relation, cells: &[Cell]) -> Option<usize> {
    rel.terms
        .iter()
        .map(|(i, _)| *i)
        .filter(|&i| cells[i].grund.is_none())
        .min_by(|&a, &b| {
            let key = |i: usize| (cells[i].value == 0.0, cells[i].id.ebene, cells[i].value);
            key(a)
                .partial_cmp(&key(b))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(cells[a].id.cmp(&cells[b].id))
        })
}

/// Suppresses one more count in one of `of_i`, the relations of a cell `i`; false if none is left. The relation with
/// the fewest suppressed counts is the one that pins `i` down, so the partner comes from there.
fn suppress_partner(cells: &mut [Cell], relations: &[Relation], of_i: &[usize]) -> bool {
    let best = of_i
        .iter()
        .map(|&r| &relations[r])
        .filter_map(|rel| {
            let hidden = rel
                .terms
                .iter()
                .filter(|(c, _)| cells[*c].grund.is_some())
                .count();
            pick_partner(rel, cells).map(|j| (hidden, j))
        })
        .min_by_key(|(hidden, _)| *hidden);
    match best {
        Some((_, j)) => {
            cells[j].grund = Some(Grund::Sekundaer);
            true
        }
        None => false,
    }
}

/// Changes and deviations that would reveal a suppressed value are removed too.
fn hide_derived(rows: &mut [Veroeffentlicht]) {
    type Key = (Arc<str>, Period, Ebene, Arc<str>, Option<Arc<str>>);
    let stadt: Arc<str> = "stadt".into();
    let hidden: BTreeSet<Key> = rows
        .iter()
        .filter(|r| r.gesperrt.is_some())
        .map(|r| {
            (
                r.kennzahl.indikator.clone(),
                r.kennzahl.zeit,
                r.kennzahl.ebene,
                r.kennzahl.gebiet.clone(),
                r.kennzahl.gruppe.clone(),
            )
        })
        .collect();
    for r in rows.iter_mut() {
        let k = &mut r.kennzahl;
        let prev_hidden = previous_year(k.zeit).is_some_and(|p| {
            hidden.contains(&(
                k.indikator.clone(),
                p,
                k.ebene,
                k.gebiet.clone(),
                k.gruppe.clone(),
            ))
        });
        if prev_hidden {
            k.veraenderung = None;
            k.veraenderung_prozent = None;
        }
        if hidden.contains(&(
            k.indikator.clone(),
            k.zeit,
            Ebene::Stadt,
            stadt.clone(),
            k.gruppe.clone(),
        )) {
            k.abweichung_stadt = None;
        }
    }
}
