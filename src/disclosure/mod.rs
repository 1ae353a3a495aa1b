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
mod merkmal;
mod simplex;

use crate::catalogue::{Aufschluesselung, Catalogue, Einheit, Indicator, Teil};
use crate::domain::Period;
use crate::fxhash::FxHashMap;
use crate::indicators::{Ebene, Kennzahl, Tabelle, align};
use crate::project::{Gebietsgliederung, Geheimhaltung, Verfahren};
use crate::schema::{self, FieldType};
use merkmal::Merkmal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Identity of a published count.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Not a count but the unknown gap of an inequality (numerator ≤ denominator): hidden
    /// from the start, never published, never audited.
    slack: bool,
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Veroeffentlicht {
    /// The row with every non-published number removed.
    #[serde(flatten)]
    pub kennzahl: Kennzahl,
    /// The value is suppressed (`.`). Why stays in the audit: a published reason would narrow
    /// the hidden value ("1 or 2", "the base minus 1 or 2").
    pub gesperrt: bool,
    /// Counts rounded (rounding method).
    pub gerundet: bool,
}

/// One suppressed count in the audit file.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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
            let merkmal = merkmale.get(teil, group, def.aufschluesselung.as_ref());
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
                        slack: false,
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

    let (mut relations, rests) = relations(
        &cells,
        &index,
        &gebiet_ids,
        &defs,
        &rows,
        gebiete,
        &mut merkmale,
    );
    remainders(&mut cells, &mut relations, rests, settings);
    let protection = (f64::from(settings.mindestfallzahl) - 1.0).max(1.0);
    inequalities(&mut cells, &mut relations, &row_cells, &defs, protection);
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
        if !rounding && c.sensitive && c.value > 0.0 && c.value < min {
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
        // a base of 0 has no share (shown as x), and nothing to protect
        if cells[n].grund.is_none() && dv > 0.0 && dv < base {
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
            let grund = c.grund.filter(|_| !c.slack)?;
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
    let index_hidden = index_base_hidden(&rows, &row_cells, &defs, &suppressed);
    let mut rows = rows;
    let mut out: Vec<Veroeffentlicht> = Vec::with_capacity(rows.len());
    let r_to = f64::from(settings.rundung_auf);
    while let Some(mut k) = rows.pop() {
        let i = rows.len();
        let (n, d) = row_cells[i];
        let def = defs[i].map(|x| &x.def);
        let unit = def.map(|x| x.einheit);
        if i % GIVE_BACK == 0 {
            rows.shrink_to_fit();
        }
        // a published base of 0 makes the share "x" (not computable), whatever else hides its
        // numerator: that numerator is 0, and "." would suggest something to protect
        let base_zero = unit != Some(Einheit::Anzahl)
            && d.is_some_and(|d| !suppressed(Some(d)) && cells[d as usize].value == 0.0);
        let value_hidden = !base_zero
            && (suppressed(n)
                || (suppressed(d) && unit != Some(Einheit::Anzahl))
                || index_hidden[i]);
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
                    k.wert = k.wert.map(round);
                }
            }
            if d.is_some_and(|i| cells[i as usize].sensitive) {
                k.nenner = k.nenner.map(round);
                gerundet = true;
            }
        }
        k.wert = if value_hidden {
            None
        } else {
            def.and_then(|def| published_value(&k, def))
        };
        // derived values are made again below, from published values only
        k.clear_derived();
        out.push(Veroeffentlicht {
            kennzahl: k,
            gesperrt: value_hidden,
            gerundet,
        });
    }
    out.reverse();
    derive_published(&mut out, katalog);

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
                    && suppress_partner(cells, relations, &relations_of, i)
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

/// The [`Merkmal`] of each part and group, made once and numbered: millions of rows share
/// a few hundred. Parts of different indicators that count the same get the same number.
#[derive(Default)]
struct Merkmale {
    of_part: FxHashMap<(usize, Option<Arc<str>>), u32>,
    of_name: FxHashMap<Arc<str>, u32>,
    names: Vec<Arc<str>>,
    defs: Vec<Merkmal>,
}

impl Merkmale {
    /// `teil` is one of the catalogue's (its address is the key: the catalogue outlives the
    /// run, and a part belongs to one definition, so `breakdown` follows from it).
    fn get(
        &mut self,
        teil: &Teil,
        group: Option<&Arc<str>>,
        breakdown: Option<&Aufschluesselung>,
    ) -> u32 {
        let key = (std::ptr::from_ref(teil) as usize, group.cloned());
        if let Some(&id) = self.of_part.get(&key) {
            return id;
        }
        let def = Merkmal::of(teil, breakdown.zip(group.map(|g| &**g)));
        let name: Arc<str> = def.text().into();
        let (names, defs) = (&mut self.names, &mut self.defs);
        let id = *self.of_name.entry(name.clone()).or_insert_with(|| {
            names.push(name);
            defs.push(def);
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

/// Person counts, weighted or not, fall under the frequency rule; hours do not.
fn is_person_count(teil: &Teil) -> bool {
    let s = schema::schema(teil.tabelle);
    // a weighted count of persons (children aged 6 counted half) is still one of persons:
    // 0,5 is one child
    s.field(&teil.wert)
        .is_some_and(|f| f.ty == FieldType::Count)
}

/// A city total that is more than the sum of its known parts (a delivered Gesamtstadt row
/// over source-suppressed Stadtteile, or with cases no Stadtteil holds).
struct Rest {
    city: u32,
    parts: Vec<u32>,
    value: f64,
    /// Some parts are unknown: the rest holds the values the source suppressed.
    suppressed_parts: bool,
}

/// The rest of each such city total becomes a hidden count in `city = parts + rest`: never
/// published, and protected like a small count when it holds source-suppressed values or
/// is small itself, so that no outsider subtracts the published parts from the total.
fn remainders(
    cells: &mut Vec<Cell>,
    relations: &mut Vec<Relation>,
    rests: Vec<Rest>,
    settings: &Geheimhaltung,
) {
    // no minimum (1) protects nothing, not even what the source withheld
    let protects = settings.verfahren == Verfahren::Sperrung && settings.mindestfallzahl > 1;
    for r in rests {
        let city = &cells[r.city as usize];
        let sensitive = city.sensitive;
        cells.push(Cell {
            value: r.value,
            sensitive,
            grund: Some(if sensitive && r.suppressed_parts && protects {
                Grund::Fallzahl
            } else {
                Grund::Sekundaer
            }),
            slack: true,
            ..city.clone()
        });
        let mut terms: Vec<(usize, f64)> = r.parts.iter().map(|&p| (p as usize, 1.0)).collect();
        terms.push((cells.len() - 1, 1.0));
        terms.push((r.city as usize, -1.0));
        relations.push(Relation { terms, rhs: 0.0 });
    }
}

/// The additive relations an outsider knows: hierarchy and group totals; and the city totals
/// whose known parts do not add up to them.
fn relations(
    cells: &[Cell],
    index: &CellIndex,
    gebiet_ids: &GebietNummern,
    defs: &[Option<&Indicator>],
    rows: &[Kennzahl],
    gebiete: &Gebietsgliederung,
    merkmale: &mut Merkmale,
) -> (Vec<Relation>, Vec<Rest>) {
    let mut out = Vec::new();
    let mut rests = Vec::new();
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
        // the city's parts: the Bezirke or Sozialräume, or the known parts of one without a
        // total (its Sozialräume, its Stadtteile)
        let mut parts = Vec::new();
        let mut unknown = false;
        let mut by_bezirk: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for (sr, key) in gebiete.sozialraeume.iter().zip(&sr_keys) {
            let stadtteile = by_sr.get(sr.nr.as_str()).map_or(&[][..], Vec::as_slice);
            let bezirk = gebiete.bezirk_of.get(&sr.nr).map_or("", String::as_str);
            let group = by_bezirk.entry(bezirk).or_default();
            let Some(sr_cell) = find(Ebene::Sozialraum, key) else {
                unknown = true;
                group.extend_from_slice(stadtteile);
                continue;
            };
            group.push(sr_cell);
            add(sr_cell, stadtteile);
        }
        for (bezirk, group) in by_bezirk {
            match find(Ebene::Bezirk, bezirk).filter(|_| !bezirk.is_empty()) {
                Some(cell) => {
                    add(cell, &group);
                    parts.push(cell);
                }
                None => {
                    unknown |= !bezirk.is_empty();
                    parts.extend(group);
                }
            }
        }
        // without a middle level the Stadtteile are the city's parts
        if gebiete.sozialraeume.is_empty() {
            parts.extend(by_sr.get("").into_iter().flatten());
        }
        if let Some(city) = city {
            let known: f64 = parts.iter().map(|&p| cells[p as usize].value).sum();
            let rest = cells[city as usize].value - known;
            if rest > 1e-6 {
                rests.push(Rest {
                    city,
                    parts,
                    value: rest,
                    suppressed_parts: unknown,
                });
            } else {
                add(city, &parts);
            }
        }
    }
    // Splits of a count into the counts of disjoint value sets: a breakdown into the groups
    // the data hold (UE01: Schulformen → all transitions; KX01: age bands → population;
    // a group without a row holds nothing, as an outsider would assume) and every
    // split the normalised merkmale show (KX01 bands → population, ages 0–5 = 0–2 + 3–5,
    // all Schulformen = Förderschule + the others), all parts required
    let mut splits: BTreeMap<(u32, bool), BTreeSet<u32>> = BTreeMap::new();
    for (r, ind) in rows.iter().zip(defs) {
        let (Some(ind), Some(g)) = (ind, &r.gruppe) else {
            continue;
        };
        let Some(a) = ind.def.aufschluesselung.as_ref() else {
            continue;
        };
        let total = merkmale.get(&ind.def.zaehler, None, None);
        let part = merkmale.get(&ind.def.zaehler, Some(g), Some(a));
        if part != total {
            splits.entry((total, false)).or_default().insert(part);
        }
    }
    // merkmale new to the run may have joined: ranks again
    let (rank, _) = merkmale.in_text_order();
    let mut derived: Vec<(u32, bool, Vec<u32>)> = splits
        .into_iter()
        .map(|((t, all), p)| (t, all, p.into_iter().collect()))
        .collect();
    for (whole, parts) in merkmal::partitions(&merkmale.defs) {
        derived.push((
            whole as u32,
            true,
            parts.into_iter().map(|p| p as u32).collect(),
        ));
    }
    derived.sort_by_key(|(t, all, p)| (rank[*t as usize], *all, p.clone()));
    derived.dedup_by(|x, y| x.0 == y.0 && x.2 == y.2);
    let mut periods: FxHashMap<u32, BTreeSet<Period>> = FxHashMap::default();
    for c in cells {
        periods.entry(c.merkmal).or_default().insert(c.zeit);
    }
    for (total, all_parts, parts) in &derived {
        for &zeit in periods.get(total).into_iter().flatten() {
            for &t in &by_key[&(*total, zeit)] {
                let c = &cells[t as usize];
                let Some(g) = gebiet_ids.get(&c.gebiet) else {
                    continue;
                };
                let found: Vec<u32> = parts
                    .iter()
                    .filter_map(|&p| index.get(&(p, zeit, c.ebene, g)).copied())
                    .collect();
                if !*all_parts || found.len() == parts.len() {
                    add(t, &found);
                }
            }
        }
    }
    (out, rests)
}

/// Only a gap this many times the protection width or smaller can narrow a hidden count: to
/// show a count protected, no other count has to move further than the width, and a wider
/// gap never closes on the way. (All pairs would double the time of the check at Land scale.)
const GAP_MARGIN: f64 = 4.0;

/// A share's numerator counts some of the persons its denominator counts (children in care
/// among all children, leavers with a certificate among all leavers): an outsider knows
/// numerator ≤ denominator. Each such pair with a small gap becomes `numerator + gap =
/// denominator` with the gap an unknown, non-negative slack cell, so the attacker check sees
/// the inequality.
fn inequalities(
    cells: &mut Vec<Cell>,
    relations: &mut Vec<Relation>,
    row_cells: &[(Option<u32>, Option<u32>)],
    defs: &[Option<&Indicator>],
    protection: f64,
) {
    let mut seen: FxHashMap<(u32, u32), ()> = FxHashMap::default();
    for (&(n, d), ind) in row_cells.iter().zip(defs) {
        let (Some(n), Some(d), Some(ind)) = (n, d, ind) else {
            continue;
        };
        let def = &ind.def;
        let same_persons = def.einheit == Einheit::Prozent
            && def.art == crate::catalogue::Art::Standard
            && def
                .nenner
                .as_ref()
                .is_some_and(|t| t.tabelle == def.zaehler.tabelle);
        let (cn, cd) = (&cells[n as usize], &cells[d as usize]);
        let gap = cd.value - cn.value;
        if n == d
            || !same_persons
            || !cn.sensitive
            || !cd.sensitive
            || gap < 0.0
            || gap >= GAP_MARGIN * protection
        {
            continue;
        }
        if seen.insert((n, d), ()).is_some() {
            continue;
        }
        let gap = Cell {
            value: cd.value - cn.value,
            sensitive: false,
            grund: Some(Grund::Sekundaer),
            slack: true,
            ..cn.clone()
        };
        cells.push(gap);
        relations.push(Relation {
            terms: vec![
                (n as usize, 1.0),
                (cells.len() - 1, 1.0),
                (d as usize, -1.0),
            ],
            rhs: 0.0,
        });
    }
}

/// Secondary suppression: no relation may contain exactly one suppressed count. Relations
/// with a slack are inequalities: no count is given back by them alone, the attacker check
/// judges them.
fn complete_relations(cells: &mut [Cell], relations: &[Relation]) {
    loop {
        let mut changed = false;
        for rel in relations {
            if rel.terms.iter().any(|(i, _)| cells[*i].slack) {
                continue;
            }
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

/// Suppresses one more count near a cell `i` whose interval is too narrow; false if none is
/// left. The relations of `i` come first, the one with the fewest suppressed counts (it pins
/// `i` down). When every count there is hidden already, the hidden counts together are still
/// pinned by relations one step further out (a published Sozialraum total over hidden
/// Stadtteile): those relations are searched next, breadth first, a few steps at most.
fn suppress_partner(
    cells: &mut [Cell],
    relations: &[Relation],
    relations_of: &[Vec<usize>],
    i: usize,
) -> bool {
    const STEPS: usize = 4;
    let mut seen_cells: BTreeSet<usize> = BTreeSet::from([i]);
    let mut seen_relations: BTreeSet<usize> = BTreeSet::new();
    let mut frontier = vec![i];
    for _ in 0..STEPS {
        let mut best: Option<(usize, usize)> = None;
        let mut next = Vec::new();
        for &c in &frontier {
            for &r in &relations_of[c] {
                if !seen_relations.insert(r) {
                    continue;
                }
                let rel = &relations[r];
                let hidden = rel
                    .terms
                    .iter()
                    .filter(|(x, _)| cells[*x].grund.is_some())
                    .count();
                if let Some(j) = pick_partner(rel, cells)
                    && best.is_none_or(|(h, _)| hidden < h)
                {
                    best = Some((hidden, j));
                }
                for &(x, _) in &rel.terms {
                    if cells[x].grund.is_some() && seen_cells.insert(x) {
                        next.push(x);
                    }
                }
            }
        }
        if let Some((_, j)) = best {
            cells[j].grund = Some(Grund::Sekundaer);
            return true;
        }
        if next.is_empty() {
            return false;
        }
        frontier = next;
    }
    false
}

/// For each row of an index: whether the series' base (its first value, = 100) is a
/// suppressed count. Every index of that series would give it back (25 · 100 / 1250 = 2).
fn index_base_hidden(
    rows: &[Kennzahl],
    row_cells: &[(Option<u32>, Option<u32>)],
    defs: &[Option<&Indicator>],
    suppressed: &dyn Fn(Option<u32>) -> bool,
) -> Vec<bool> {
    type Series<'r> = (
        &'r str,
        Ebene,
        &'r str,
        Option<&'r str>,
        crate::domain::PeriodKind,
    );
    // rows of one indicator are in time order, so a series meets its base first
    let mut base: FxHashMap<Series, bool> = FxHashMap::default();
    rows.iter()
        .zip(row_cells)
        .zip(defs)
        .map(|((r, &(n, _)), def)| {
            if def.is_none_or(|d| d.def.einheit != Einheit::Index) || r.wert.is_none() {
                return false;
            }
            let key = (
                &*r.indikator,
                r.ebene,
                &*r.gebiet,
                r.gruppe.as_deref(),
                r.zeit.kind(),
            );
            *base.entry(key).or_insert_with(|| suppressed(n))
        })
        .collect()
}

/// The value as published: a share exactly from its (published, possibly rounded) counts,
/// every value that is not a count at the printed precision of one decimal, rounded half up.
fn published_value(k: &Kennzahl, def: &crate::catalogue::Definition) -> Option<f64> {
    let v = k.wert?;
    let one_decimal = |x: f64| crate::format::round_half_up(x, 1);
    Some(match def.einheit {
        Einheit::Anzahl => v,
        Einheit::Prozent if def.art == crate::catalogue::Art::Standard => {
            match (k.zaehler, k.nenner) {
                (Some(n), Some(d)) if d > 0.0 => crate::format::share_tenths(n, d)
                    .map_or_else(|| one_decimal(100.0 * n / d), |t| t as f64 / 10.0),
                _ => one_decimal(v),
            }
        }
        _ => one_decimal(v),
    })
}

/// Change to the previous year, deviation from the city and rank, made from the published
/// values only: nothing derived can give back a suppressed value, ranks have no gaps where a
/// hidden value would stand, and every difference can be redone from the printed numbers.
fn derive_published(rows: &mut [Veroeffentlicht], katalog: &Catalogue) {
    let mut start = 0;
    while start < rows.len() {
        let id = rows[start].kennzahl.indikator.clone();
        let len = rows[start..]
            .iter()
            .take_while(|r| r.kennzahl.indikator == id)
            .count();
        let run = &mut rows[start..start + len];
        start += len;
        let Some(ind) = katalog.get(&id) else {
            continue;
        };
        let mut order: Vec<usize> = (0..run.len()).collect();
        order.sort_by(|&a, &b| {
            crate::indicators::row_key(&run[a].kennzahl)
                .cmp(&crate::indicators::row_key(&run[b].kennzahl))
        });
        let mut sorted: Vec<Kennzahl> = order.iter().map(|&i| run[i].kennzahl.clone()).collect();
        crate::indicators::derive(&mut sorted, ind.def.einheit);
        // differences of published values, at their precision (42,1 − 39,2 is 2,9, not
        // 2,8999999999999986); relative changes at one decimal
        let digits = if ind.def.einheit == Einheit::Anzahl {
            0
        } else {
            1
        };
        let exact = |d: Option<f64>| {
            d.map(|d| match digits {
                0 if d.fract() != 0.0 => crate::format::round_half_up(d, 1),
                _ => crate::format::round_half_up(d, digits),
            })
        };
        for (&i, k) in order.iter().zip(sorted) {
            let r = &mut run[i].kennzahl;
            r.veraenderung = exact(k.veraenderung);
            r.veraenderung_prozent = k
                .veraenderung_prozent
                .map(|d| crate::format::round_half_up(d, 1));
            r.abweichung_stadt = exact(k.abweichung_stadt);
            r.rang = k.rang;
        }
    }
}

/// Every Stadtteil valid at a period, and every Sozialraum, gets a row for each indicator,
/// period and group that has rows: "–", no data, so that an area without a school or a Kita
/// is shown with its reason instead of vanishing from tables and exports. The added rows carry
/// no count.
pub fn every_area(published: &mut Ergebnis, gebiete: &Gebietsgliederung) {
    use crate::indicators::{Luecke, row_key};
    let rows = std::mem::take(&mut published.zeilen);
    let mut out: Vec<Veroeffentlicht> = Vec::with_capacity(rows.len());
    let mut run: Vec<Veroeffentlicht> = Vec::new();
    let flush = |run: &mut Vec<Veroeffentlicht>, out: &mut Vec<Veroeffentlicht>| {
        if run.is_empty() {
            return;
        }
        let present: BTreeSet<(Period, Ebene, String, Option<String>)> = run
            .iter()
            .map(|v| {
                let k = &v.kennzahl;
                (
                    k.zeit,
                    k.ebene,
                    k.gebiet.to_string(),
                    k.gruppe.as_deref().map(str::to_string),
                )
            })
            .collect();
        let combos: BTreeSet<(Period, Option<Arc<str>>)> = run
            .iter()
            .map(|v| (v.kennzahl.zeit, v.kennzahl.gruppe.clone()))
            .collect();
        let template = run[0].kennzahl.clone();
        let mut added = Vec::new();
        for (zeit, gruppe) in &combos {
            let areas = gebiete
                .stadtteile
                .iter()
                .filter(|s| valid_at(s, *zeit))
                .map(|s| (Ebene::Stadtteil, &s.nr, &s.name))
                .chain(
                    gebiete
                        .sozialraeume
                        .iter()
                        .map(|s| (Ebene::Sozialraum, &s.nr, &s.name)),
                )
                .chain(
                    gebiete
                        .bezirke
                        .iter()
                        .map(|s| (Ebene::Bezirk, &s.nr, &s.name)),
                );
            for (ebene, nr, name) in areas {
                let key = (
                    *zeit,
                    ebene,
                    nr.clone(),
                    gruppe.as_deref().map(str::to_string),
                );
                if present.contains(&key) {
                    continue;
                }
                let mut k = template.clone();
                k.zeit = *zeit;
                k.ebene = ebene;
                k.gebiet = nr.as_str().into();
                k.name = name.as_str().into();
                k.gruppe = gruppe.clone();
                k.wert = None;
                k.zaehler = None;
                k.nenner = None;
                k.luecke = Some(Luecke::KeineDaten);
                k.clear_derived();
                added.push(Veroeffentlicht {
                    kennzahl: k,
                    gesperrt: false,
                    gerundet: false,
                });
            }
        }
        if !added.is_empty() {
            run.extend(added);
            run.sort_by(|a, b| row_key(&a.kennzahl).cmp(&row_key(&b.kennzahl)));
        }
        out.append(run);
    };
    for v in rows {
        if run
            .last()
            .is_some_and(|l| l.kennzahl.indikator != v.kennzahl.indikator)
        {
            flush(&mut run, &mut out);
        }
        run.push(v);
    }
    flush(&mut run, &mut out);
    published.zeilen = out;
}

/// Whether a Stadtteil exists at a period (its day, or the start of a school year).
fn valid_at(s: &crate::project::Stadtteil, zeit: Period) -> bool {
    let (from, to) = match zeit {
        Period::Stichtag(d) => (d, d),
        Period::Schuljahr(y) => (date(y, 8, 1), date(y + 1, 7, 31)),
        Period::Kalenderjahr(y) => (date(y, 1, 1), date(y, 12, 31)),
        Period::Monat { year, month } => (date(year, month, 1), date(year, month, 28)),
    };
    s.gueltig_ab.is_none_or(|a| a <= to) && s.gueltig_bis.is_none_or(|b| b >= from)
}

fn date(year: i32, month: u8, day: u8) -> crate::domain::Date {
    crate::domain::Date { year, month, day }
}
