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

use crate::catalogue::{Catalogue, Einheit, Indicator, Teil};
use crate::domain::Period;
use crate::fxhash::{FxHashMap, FxHashSet};
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

/// A count with its value and status: a [`CellId`] with the merkmal as a number (millions
/// of cells share a few hundred merkmale).
#[derive(Debug, Clone)]
struct Cell {
    /// While the cells are collected the merkmal's id in [`Merkmale`], from then on its rank in
    /// text order: cells compare as their `CellId`s do.
    merkmal: u32,
    zeit: Period,
    ebene: Ebene,
    gebiet: Arc<str>,
    value: f64,
    sensitive: bool,
    grund: Option<Grund>,
}

impl Cell {
    /// The order of the published `CellId` (once `merkmal` is the rank).
    fn key(&self) -> (u32, Period, Ebene, &str) {
        (self.merkmal, self.zeit, self.ebene, &self.gebiet)
    }
}

/// Where each count is among the cells: merkmal id, period, level, area (see [`GebietNummern`]).
type CellIndex = FxHashMap<(u32, Period, Ebene, u32), u32>;

/// The area keys of the rows numbered, so that the cell index holds no text.
#[derive(Default)]
struct GebietNummern(FxHashMap<Arc<str>, u32>);

impl GebietNummern {
    fn id(&mut self, key: &Arc<str>) -> u32 {
        if let Some(&id) = self.0.get(key) {
            return id;
        }
        let id = self.0.len() as u32;
        self.0.insert(key.clone(), id);
        id
    }

    /// The number of a key seen before.
    fn get(&self, key: &str) -> Option<u32> {
        self.0.get(key).copied()
    }
}

/// The catalogue entry of each row: rows come in runs of one indicator, so the catalogue is
/// searched once per run.
fn definitions<'k>(rows: &[Kennzahl], katalog: &'k Catalogue) -> Vec<Option<&'k Indicator>> {
    let mut last: Option<(&str, Option<&Indicator>)> = None;
    rows.iter()
        .map(|r| match last {
            Some((id, ind)) if id == &*r.indikator => ind,
            _ => {
                let ind = katalog.get(&r.indikator);
                last = Some((&r.indikator, ind));
                ind
            }
        })
        .collect()
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

/// Rows after which the computed table's unused memory is given back while it is emptied.
const GIVE_BACK: usize = 1 << 20;

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
    let mut index = CellIndex::default();
    let mut merkmale = Merkmale::default();
    let mut gebiet_ids = GebietNummern::default();
    let defs = definitions(&rows, katalog);
    // (numerator cell, denominator cell) per row
    let mut row_cells: Vec<(Option<u32>, Option<u32>)> = Vec::with_capacity(rows.len());
    for (r, ind) in rows.iter().zip(&defs) {
        let Some(ind) = ind else {
            row_cells.push((None, None));
            continue;
        };
        let gebiet = gebiet_ids.id(&r.gebiet);
        let def = &ind.def;
        let grouped_den = def
            .aufschluesselung
            .as_ref()
            .is_some_and(|a| a.nenner_aufgeschluesselt);
        let mut add = |teil: &Teil,
                       zeit: Period,
                       group: Option<&Arc<str>>,
                       value: Option<f64>|
         -> Option<u32> {
            let v = value?;
            let merkmal = merkmale.get(
                teil,
                group,
                def.aufschluesselung.as_ref().map(|a| a.feld.as_str()),
            );
            let i = *index
                .entry((merkmal, zeit, r.ebene, gebiet))
                .or_insert_with(|| {
                    cells.push(Cell {
                        merkmal,
                        zeit,
                        ebene: r.ebene,
                        gebiet: r.gebiet.clone(),
                        value: v,
                        sensitive: is_person_count(teil),
                        grund: None,
                    });
                    (cells.len() - 1) as u32
                });
            Some(i)
        };
        let num = add(&def.zaehler, r.zeit, r.gruppe.as_ref(), r.zaehler);
        let den = match &def.nenner {
            Some(n) if def.art != crate::catalogue::Art::Quotensumme => add(
                n,
                align(r.zeit, n.zeitbezug),
                if grouped_den { r.gruppe.as_ref() } else { None },
                r.nenner,
            ),
            _ => None,
        };
        row_cells.push((num, den));
    }

    let relations = relations(
        &cells,
        &index,
        &gebiet_ids,
        &defs,
        &rows,
        gebiete,
        &mut merkmale,
    );
    drop((index, gebiet_ids));
    // from here on cells compare in the order of their published `CellId`s
    let (ranks, names) = merkmale.in_text_order();
    for c in &mut cells {
        c.merkmal = ranks[c.merkmal as usize];
    }
    let cell_id = |c: &Cell| CellId {
        merkmal: names[c.merkmal as usize].clone(),
        zeit: c.zeit,
        ebene: c.ebene,
        gebiet: c.gebiet.clone(),
    };
    let min = f64::from(settings.mindestfallzahl);
    let rounding = settings.verfahren == Verfahren::Rundung;

    // 1. primary suppression
    for c in cells.iter_mut() {
        if !rounding && c.sensitive && c.value >= 1.0 && c.value < min {
            c.grund = Some(Grund::Fallzahl);
        }
    }
    for (&(n, d), ind) in row_cells.iter().zip(&defs) {
        let (Some(n), Some(d), Some(ind)) = (n, d, ind) else {
            continue;
        };
        let (n, d) = (n as usize, d as usize);
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
    let mut indikatoren: FxHashMap<u32, BTreeSet<&str>> = FxHashMap::default();
    for (r, cs) in rows.iter().zip(&row_cells) {
        for i in [cs.0, cs.1].into_iter().flatten() {
            if cells[i as usize].grund.is_some() {
                indikatoren.entry(i).or_default().insert(&r.indikator);
            }
        }
    }
    let mut audit: Vec<(usize, AuditEintrag)> = cells
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let grund = c.grund?;
            let (schranke_unten, schranke_oben, moegliche_werte) = match bounds.get(&i) {
                Some(attack::Spielraum::Schranken(lo, hi)) => (Some(*lo), *hi, None),
                Some(attack::Spielraum::Werte(a, b)) => (None, None, Some([*a, *b])),
                None => (None, None, None),
            };
            let indikatoren = indikatoren
                .remove(&(i as u32))
                .unwrap_or_default()
                .into_iter()
                .map(str::to_string)
                .collect();
            Some((
                i,
                AuditEintrag {
                    zelle: cell_id(c),
                    grund,
                    schranke_unten,
                    schranke_oben,
                    moegliche_werte,
                    indikatoren,
                },
            ))
        })
        .collect();
    audit.sort_by(|a, b| cells[a.0].key().cmp(&cells[b.0].key()));
    let audit: Vec<AuditEintrag> = audit.into_iter().map(|(_, e)| e).collect();

    // 4. rows as published. Taken from the end, the computed table gives its memory back
    // while the published one fills: both whole at once are gigabytes at federal scale.
    let suppressed = |c: Option<u32>| c.is_some_and(|i| cells[i as usize].grund.is_some());
    let mut rows = rows;
    let mut out: Vec<Veroeffentlicht> = Vec::with_capacity(rows.len());
    let r_to = f64::from(settings.rundung_auf);
    while let Some(mut k) = rows.pop() {
        let (n, d) = row_cells[rows.len()];
        let unit = defs[rows.len()].map(|i| i.def.einheit);
        if rows.len() % GIVE_BACK == 0 {
            rows.shrink_to_fit();
        }
        let value_hidden = suppressed(n) || (suppressed(d) && unit != Some(Einheit::Anzahl));
        let grund = n
            .and_then(|i| cells[i as usize].grund)
            .or_else(|| d.and_then(|i| cells[i as usize].grund));
        if suppressed(n) {
            k.zaehler = None;
        }
        if suppressed(d) {
            k.nenner = None;
        }
        let mut gerundet = false;
        if rounding {
            let round = |v: f64| (v / r_to).round() * r_to;
            if n.is_some_and(|i| cells[i as usize].sensitive) {
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
            if d.is_some_and(|i| cells[i as usize].sensitive) {
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
    out.reverse();
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
        // per cell: suppressed in the round before; suppressed in this round only; shown
        // protected
        let mut before = vec![false; cells.len()];
        let mut newly = vec![false; cells.len()];
        let mut protected = vec![false; cells.len()];
        let values: Vec<f64> = cells.iter().map(|c| c.value).collect();
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
            newly.fill(false);
            for &i in &suppressed {
                newly[i] = !before[i];
                before[i] = true;
            }
            // Only primary cells hold sensitive counts; secondary ones are checked through
            // them. A cell found protected stays protected: more suppression only removes
            // knowledge, so its bounds can only widen. Later rounds solve only for the
            // unprotected ones (the audit keeps the bounds of the round that showed the
            // protection).
            for (&i, s) in &bounds {
                protected[i] = s.width() + 1e-9 >= protection;
            }
            let primary =
                |i: usize| cells[i].grund.is_some_and(|g| g != Grund::Sekundaer) && !protected[i];
            let fresh = attack::bounds_incremental(
                &values,
                &suppressed,
                &primary,
                relations,
                &newly,
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

/// The [`merkmal`] of each part and group, made once and numbered: millions of rows share
/// a few hundred. Parts of different indicators that count the same get the same number.
#[derive(Default)]
struct Merkmale {
    of_part: FxHashMap<(usize, Option<Arc<str>>), u32>,
    of_name: FxHashMap<Arc<str>, u32>,
    names: Vec<Arc<str>>,
}

impl Merkmale {
    /// `teil` is one of the catalogue's (its address is the key: the catalogue outlives the
    /// run, and a part belongs to one definition, so `field` follows from it).
    fn get(&mut self, teil: &Teil, group: Option<&Arc<str>>, field: Option<&str>) -> u32 {
        let key = (std::ptr::from_ref(teil) as usize, group.cloned());
        if let Some(&id) = self.of_part.get(&key) {
            return id;
        }
        let name: Arc<str> = merkmal(teil, group.map(|g| &**g), field).into();
        let names = &mut self.names;
        let id = *self.of_name.entry(name.clone()).or_insert_with(|| {
            names.push(name);
            (names.len() - 1) as u32
        });
        self.of_part.insert(key, id);
        id
    }

    fn name(&self, id: u32) -> &Arc<str> {
        &self.names[id as usize]
    }

    /// The ids in text order of their names.
    fn sorted(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_by(|&a, &b| self.name(a).cmp(self.name(b)));
        order
    }

    /// The rank of each id in text order, and the names by rank.
    fn in_text_order(&self) -> (Vec<u32>, Vec<Arc<str>>) {
        let order = self.sorted();
        let mut ranks = vec![0; order.len()];
        for (rank, &id) in order.iter().enumerate() {
            ranks[id as usize] = rank as u32;
        }
        let names = order.iter().map(|&id| self.name(id).clone()).collect();
        (ranks, names)
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
    index: &CellIndex,
    gebiet_ids: &GebietNummern,
    defs: &[Option<&Indicator>],
    rows: &[Kennzahl],
    gebiete: &Gebietsgliederung,
    merkmale: &mut Merkmale,
) -> Vec<Relation> {
    let mut out = Vec::new();
    let mut add = |parent: u32, children: &[u32]| {
        if children.is_empty() {
            return;
        }
        let mut terms: Vec<(usize, f64)> = children.iter().map(|&c| (c as usize, 1.0)).collect();
        terms.push((parent as usize, -1.0));
        let rhs = children
            .iter()
            .map(|&c| cells[c as usize].value)
            .sum::<f64>()
            - cells[parent as usize].value;
        out.push(Relation { terms, rhs });
    };
    // the cells of each merkmal and period (the relations come in the text order of the
    // merkmale, then the periods: the order the secondary suppression sees them in)
    let mut by_key: FxHashMap<(u32, Period), Vec<u32>> = FxHashMap::default();
    for (i, c) in cells.iter().enumerate() {
        by_key
            .entry((c.merkmal, c.zeit))
            .or_default()
            .push(i as u32);
    }
    let (rank, _) = merkmale.in_text_order();
    let mut keys: Vec<(u32, Period)> = by_key.keys().copied().collect();
    keys.sort_unstable_by_key(|&(m, z)| (rank[m as usize], z));
    // hierarchy: Stadtteile → Sozialraum → Stadt
    let stadt: Arc<str> = "stadt".into();
    let sr_keys: Vec<Arc<str>> = gebiete
        .sozialraeume
        .iter()
        .map(|sr| sr.nr.as_str().into())
        .collect();
    for key @ (merkmal, zeit) in keys {
        let members = &by_key[&key];
        let find = |ebene: Ebene, gebiet: &str| {
            let gebiet = gebiet_ids.get(gebiet)?;
            index.get(&(merkmal, zeit, ebene, gebiet)).copied()
        };
        // Sozialraum sums hold even where the city total is not published (a gap elsewhere)
        let city = find(Ebene::Stadt, &stadt);
        // Stadtteile per Sozialraum in one pass (400 Kreise × 11,000 Gemeinden otherwise)
        let mut by_sr: HashMap<&str, Vec<u32>> = HashMap::new();
        for &m in members {
            let c = &cells[m as usize];
            if c.ebene == Ebene::Stadtteil
                && let Some(s) = gebiete.by_nr(&c.gebiet)
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
    let mut seen: FxHashSet<(u32, Period, Ebene, &str, &str)> = FxHashSet::default();
    // the group cells of a total's merkmal by (period, level, area), in the text order of
    // their merkmale
    type PartsByArea<'c> = FxHashMap<(Period, Ebene, &'c str), Vec<u32>>;
    let mut parts_of: FxHashMap<(u32, &str), PartsByArea> = FxHashMap::default();
    for (r, ind) in rows.iter().zip(defs) {
        let Some(ind) = ind else {
            continue;
        };
        let Some(a) = &ind.def.aufschluesselung else {
            continue;
        };
        let total_merkmal = merkmale.get(&ind.def.zaehler, None, None);
        if !seen.insert((total_merkmal, r.zeit, r.ebene, &r.gebiet, &r.indikator)) {
            continue;
        }
        let Some(&total) = gebiet_ids
            .get(&r.gebiet)
            .and_then(|g| index.get(&(total_merkmal, r.zeit, r.ebene, g)))
        else {
            continue;
        };
        let groups = parts_of
            .entry((total_merkmal, a.feld.as_str()))
            .or_insert_with(|| {
                let prefix = format!("{}|{}:", merkmale.name(total_merkmal), a.feld);
                let mut m: PartsByArea = FxHashMap::default();
                for id in merkmale.sorted() {
                    if !merkmale.name(id).starts_with(&prefix) {
                        continue;
                    }
                    for (&(_, zeit), members) in by_key.iter().filter(|(k, _)| k.0 == id) {
                        for &i in members {
                            let c = &cells[i as usize];
                            m.entry((zeit, c.ebene, &*c.gebiet)).or_default().push(i);
                        }
                    }
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
            let key = |i: usize| (cells[i].value == 0.0, cells[i].ebene, cells[i].value);
            key(a)
                .partial_cmp(&key(b))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(cells[a].key().cmp(&cells[b].key()))
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
    type Key<'k> = (&'k str, Period, Ebene, &'k str, Option<&'k str>);
    // (row, change hidden, deviation hidden): found with the rows borrowed, applied after
    let changes: Vec<(usize, bool, bool)> = {
        let hidden: FxHashSet<Key> = rows
            .iter()
            .filter(|r| r.gesperrt.is_some())
            .map(|r| {
                let k = &r.kennzahl;
                (
                    &*k.indikator,
                    k.zeit,
                    k.ebene,
                    &*k.gebiet,
                    k.gruppe.as_deref(),
                )
            })
            .collect();
        if hidden.is_empty() {
            return;
        }
        rows.iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let k = &r.kennzahl;
                let (ind, gruppe) = (&*k.indikator, k.gruppe.as_deref());
                let prev = previous_year(k.zeit)
                    .is_some_and(|p| hidden.contains(&(ind, p, k.ebene, &*k.gebiet, gruppe)));
                let city = hidden.contains(&(ind, k.zeit, Ebene::Stadt, "stadt", gruppe));
                (prev || city).then_some((i, prev, city))
            })
            .collect()
    };
    for (i, prev, city) in changes {
        let k = &mut rows[i].kennzahl;
        if prev {
            k.veraenderung = None;
            k.veraenderung_prozent = None;
        }
        if city {
            k.abweichung_stadt = None;
        }
    }
}
