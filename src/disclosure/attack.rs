//! The attacker check: for each suppressed count, the smallest and largest value an outsider
//! can derive from all published counts and the additive relations between them (the
//! linear-programming bounds of sdcTable's `attack()`), counts being non-negative.
//!
//! At federal scale a component (suppressed cells linked by relations) holds thousands of
//! Kreis and Gemeinde counts, tied together by the Land totals; two programs over all of it
//! per cell do not finish. Most cells are decided in their neighbourhood (see
//! [`Component::spielraum`]): every solution of a program with the cells further away fixed
//! at their true values fits everything published, and a program over the same relations
//! with all their cells free is at least as wide as the outsider's. Only cells neither of
//! them decides get the programs over the whole component. The decisions are the same as
//! with whole-component programs throughout; the audit says which kind of result a cell has.

use super::{Relation, find, simplex};
use microlp::{ComparisonOp, OptimizationDirection, Problem};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// What the attacker check found out about one suppressed count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Spielraum {
    /// Bounds an outsider can derive (lower, upper; `None` = unbounded): the exact ones from
    /// the whole component, or – only for a cell found exposed – wider ones from the
    /// relations around it, which already show it. When the upper bound alone shows the
    /// protection, the lower one is 0: valid, not the tightest.
    Schranken(f64, Option<f64>),
    /// Two values (smaller, larger) that both fit everything published, found by programs
    /// around the cell: the outsider's interval holds both, so it is at least this wide.
    Werte(f64, f64),
}

impl Spielraum {
    /// Width of the interval: at least this for `Werte`, exact or (for exposed cells from
    /// part of the relations) at most this for `Schranken` – on the right side of the
    /// decision either way.
    pub fn width(self) -> f64 {
        match self {
            Spielraum::Schranken(lo, hi) => hi.map_or(f64::INFINITY, |h| h - lo),
            Spielraum::Werte(a, b) => b - a,
        }
    }
}

/// Spielraum (see there) of the `targets` among the suppressed cells in components with a
/// cell `changed` (by cell index) since the caller's last call: a component that gained no
/// suppressed cell is the same linear program as before, and the caller keeps its results.
pub fn bounds_incremental(
    values: &[f64],
    suppressed: &[usize],
    targets: &(dyn Fn(usize) -> bool + Sync),
    relations: &[Relation],
    changed: &[bool],
    protection: f64,
) -> BTreeMap<usize, Spielraum> {
    // Runs every round of the secondary suppression, over every suppressed cell of a block
    // (tens of thousands at federal scale, most of them in components that did not
    // change): positions and components in arrays, not maps.
    const NONE: usize = usize::MAX;
    let mut hidden: Vec<usize> = vec![NONE; values.len()];
    for (k, &i) in suppressed.iter().enumerate() {
        hidden[i] = k;
    }
    let pos = |i: usize| Some(hidden[i]).filter(|&k| k != NONE);
    // connected components of suppressed cells (union-find over relations)
    let mut parent: Vec<usize> = (0..suppressed.len()).collect();
    let relevant: Vec<&Relation> = relations
        .iter()
        .filter(|r| r.terms.iter().any(|(i, _)| pos(*i).is_some()))
        .collect();
    for rel in &relevant {
        let mut prev: Option<usize> = None;
        for k in rel.terms.iter().filter_map(|(i, _)| pos(*i)) {
            if let Some(p) = prev {
                let (a, b) = (find(&mut parent, p), find(&mut parent, k));
                parent[a] = b;
            }
            prev = Some(k);
        }
    }
    // members of each component, numbered in the order of their first member
    let mut of_root: Vec<usize> = vec![NONE; suppressed.len()];
    let mut roots: Vec<usize> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (k, &cell) in suppressed.iter().enumerate() {
        let root = find(&mut parent, k);
        if of_root[root] == NONE {
            of_root[root] = members.len();
            roots.push(root);
            members.push(Vec::new());
        }
        members[of_root[root]].push(cell);
    }
    // relations of each component (through their first hidden term)
    let mut rels_of: Vec<Vec<&Relation>> = vec![Vec::new(); members.len()];
    for rel in &relevant {
        if let Some(k) = rel.terms.iter().find_map(|(i, _)| pos(*i)) {
            let root = find(&mut parent, k);
            rels_of[of_root[root]].push(rel);
        }
    }
    // in the order of their roots
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_unstable_by_key(|&c| roots[c]);
    let work: Vec<(Vec<usize>, Vec<&Relation>)> = order
        .into_iter()
        .map(|c| {
            (
                std::mem::take(&mut members[c]),
                std::mem::take(&mut rels_of[c]),
            )
        })
        .collect();
    let mut out: BTreeMap<usize, Spielraum> = BTreeMap::new();
    let mut components: Vec<Component> = Vec::new();
    let mut tasks: Vec<(usize, usize)> = Vec::new();
    for (vars, rels) in &work {
        let goals = vars.iter().copied().filter(|&v| targets(v));
        if !vars.iter().any(|&v| changed[v]) {
            continue;
        }
        if let [rel] = rels.as_slice() {
            out.extend(goals.map(|t| (t, single_relation(values, rel, t, vars))));
        } else {
            let c = components.len();
            tasks.extend(goals.map(|t| (c, t)));
            components.push(Component::new(vars, rels));
        }
    }
    // Targets of one component share the solutions found for each other (see [`Seen`]), so
    // they run in order in parts of [`SHARED`]; the parts run in parallel (components differ a
    // lot in size). Fixed parts keep the results independent of the threads.
    let parts: Vec<&[(usize, usize)]> = tasks
        .chunk_by(|a, b| a.0 == b.0)
        .flat_map(|same| same.chunks(SHARED))
        .collect();
    let solved: Vec<Vec<(usize, Spielraum)>> = parts
        .par_iter()
        .map(|part| {
            let mut seen = Seen::default();
            part.iter()
                .map(|&(c, t)| (t, components[c].spielraum(values, t, protection, &mut seen)))
                .collect()
        })
        .collect();
    out.extend(solved.into_iter().flatten());
    out
}

/// How many targets of a component share their solutions: enough that most of a city's
/// components are one part, few enough that a federal component spreads over the cores.
const SHARED: usize = 64;

/// The smallest and largest value each cell has taken in the solutions found so far. Every
/// solution of a program with the far cells fixed at their true values, and of the whole
/// component, fits everything published: both values of a cell lie in the outsider's
/// interval. One program that pushes a cell to its limit moves the cells around it too, so
/// their protection often shows without a program of their own.
#[derive(Default)]
struct Seen(BTreeMap<usize, (f64, f64)>);

impl Seen {
    /// The range of `t` (its true value `v` is always a solution).
    fn of(&self, t: usize, v: f64) -> (f64, f64) {
        self.0
            .get(&t)
            .map_or((v, v), |&(lo, hi)| (lo.min(v), hi.max(v)))
    }

    fn record(&mut self, cell: usize, x: f64) {
        let e = self.0.entry(cell).or_insert((x, x));
        *e = (e.0.min(x), e.1.max(x));
    }
}

/// A connected set of suppressed cells and the relations between them.
struct Component<'r> {
    vars: &'r [usize],
    rels: &'r [&'r Relation],
    /// The relations (indices into `rels`) each variable appears in.
    rels_of: BTreeMap<usize, Vec<usize>>,
}

/// How many relation steps around a cell the first, local programs take in.
const NEIGHBOURHOODS: [usize; 2] = [1, 3];

/// A neighbourhood stops growing at this many cells: through a Land total three steps can
/// reach thousands of Kreis and Gemeinde counts, and programs that large cost as much as
/// the whole component (measured at 2,000 Gemeinden: 64, 100, 200 and 400 tried, 200 fastest).
const NEIGHBOURHOOD_CAP: usize = 200;

impl<'r> Component<'r> {
    fn new(vars: &'r [usize], rels: &'r [&'r Relation]) -> Self {
        let mut rels_of: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (r, rel) in rels.iter().enumerate() {
            for &(i, _) in &rel.terms {
                if let Ok(k) = vars.binary_search(&i) {
                    let list = rels_of.entry(vars[k]).or_default();
                    if list.last() != Some(&r) {
                        list.push(r);
                    }
                }
            }
        }
        Component {
            vars,
            rels,
            rels_of,
        }
    }

    /// The suppressed cells in `rels`.
    fn cells_in(&self, rels: &[&Relation]) -> Vec<usize> {
        let mut cells: Vec<usize> = rels
            .iter()
            .flat_map(|r| r.terms.iter().map(|(i, _)| *i))
            .filter(|i| self.rels_of.contains_key(i))
            .collect();
        cells.sort_unstable();
        cells.dedup();
        cells
    }

    fn relations_of(&self, v: usize) -> &[usize] {
        self.rels_of.get(&v).map_or(&[], Vec::as_slice)
    }

    /// The cells within `steps` relations of `t` (at most about [`NEIGHBOURHOOD_CAP`]) and
    /// the relations touching them.
    fn around(&self, t: usize, steps: usize) -> (Vec<usize>, Vec<&'r Relation>) {
        let mut vars = std::collections::BTreeSet::from([t]);
        let mut frontier = vec![t];
        let mut rels = std::collections::BTreeSet::new();
        'grow: for _ in 0..steps {
            let mut next = Vec::new();
            for v in frontier {
                for &r in self.relations_of(v) {
                    if vars.len() >= NEIGHBOURHOOD_CAP {
                        break 'grow;
                    }
                    if rels.insert(r) {
                        for &(i, _) in &self.rels[r].terms {
                            if self.rels_of.contains_key(&i) && vars.insert(i) {
                                next.push(i);
                            }
                        }
                    }
                }
            }
            frontier = next;
        }
        // relations at the edge: their cells outside stay at their true values
        for v in &vars {
            rels.extend(self.relations_of(*v).iter().copied());
        }
        (
            vars.into_iter().collect(),
            rels.into_iter().map(|r| self.rels[r]).collect(),
        )
    }

    /// What an outsider can find out about `t`, first in growing neighbourhoods of `t`:
    /// 1. programs over the cells near `t`, every other cell fixed at its true value, have
    ///    fewer solutions than the whole component, but each of them is a solution of the
    ///    whole component too: two of them `protection` apart show `t` protected;
    /// 2. programs over the relations near `t` with all their cells free have more: if even
    ///    their bounds are too narrow, `t` is exposed.
    ///
    /// Only a cell neither shows gets the programs over the whole component (exact bounds).
    ///
    /// `known` holds solutions found for other cells of the component; they may already show
    /// `t` protected, and the solutions found here join them.
    fn spielraum(&self, values: &[f64], t: usize, protection: f64, known: &mut Seen) -> Spielraum {
        let v = values[t];
        let shown = |known: &Seen| {
            let (lo, hi) = known.of(t, v);
            (hi - lo + 1e-9 >= protection).then_some(Spielraum::Werte(lo, hi))
        };
        if let Some(s) = shown(known) {
            return s;
        }
        for (k, steps) in NEIGHBOURHOODS.into_iter().enumerate() {
            let (vars, rels) = self.around(t, steps);
            if vars.len() == self.vars.len() {
                break;
            }
            // Programs with the far cells fixed: each solution also fits the whole component.
            let protected_near = |known: &mut Seen| {
                for dir in [
                    OptimizationDirection::Maximize,
                    OptimizationDirection::Minimize,
                ] {
                    match solve(values, &vars, &rels, t, dir, Some(known)) {
                        // unbounded there, so unbounded in the whole component
                        Optimum::Unbounded => return Some(Spielraum::Schranken(0.0, None)),
                        Optimum::Finite(_) => {
                            if let Some(s) = shown(known) {
                                return Some(s);
                            }
                        }
                        Optimum::Failed => {}
                    }
                }
                None
            };
            // The same relations with every cell in them free: fewer constraints than the
            // whole component, so its bounds are at least as wide as the outsider's. If even
            // they are too narrow, the cell is exposed. (Their solutions need not fit what
            // is published: not recorded.)
            let exposed_near = || {
                let free = self.cells_in(&rels);
                let bound = |dir| match solve(values, &free, &rels, t, dir, None) {
                    Optimum::Finite(x) => Some(x),
                    _ => None,
                };
                let hi = bound(OptimizationDirection::Maximize)?;
                // the true value is a solution, so the minimum lies at or below it: with the
                // maximum this far above, the cell is not shown exposed here
                if hi - v >= protection {
                    return None;
                }
                let lo = bound(OptimizationDirection::Minimize)?;
                (hi - lo + 1e-9 < protection).then_some(Spielraum::Schranken(lo.max(0.0), Some(hi)))
            };
            // Next to the cell, most cells the shared solutions leave open are exposed
            // (city scale: 875 against 199 shown protected), so that proof comes first there;
            // further out it is the other way round.
            let found = if k == 0 {
                exposed_near().or_else(|| protected_near(known))
            } else {
                protected_near(known).or_else(exposed_near)
            };
            if let Some(s) = found {
                return s;
            }
        }
        // the maximum first: if it lies `protection` above the value, the cell is
        // protected whatever the minimum; 0 is then reported as (a valid) lower bound.
        // A program the solver cannot answer shows nothing: the cell counts as exposed
        // (width 0), so that it gets another partner.
        let exposed = Spielraum::Schranken(v, Some(v));
        let hi = match solve(
            values,
            self.vars,
            self.rels,
            t,
            OptimizationDirection::Maximize,
            Some(known),
        ) {
            Optimum::Unbounded => return Spielraum::Schranken(0.0, None),
            Optimum::Failed => return exposed,
            Optimum::Finite(h) if h + 1e-9 >= v + protection => {
                return Spielraum::Schranken(0.0, Some(h));
            }
            Optimum::Finite(h) => h,
        };
        match solve(
            values,
            self.vars,
            self.rels,
            t,
            OptimizationDirection::Minimize,
            Some(known),
        ) {
            Optimum::Finite(lo) => Spielraum::Schranken(lo.max(0.0), Some(hi)),
            // x ≥ 0: the minimum is never unbounded
            _ => exposed,
        }
    }
}

/// Exact bounds when a component has one relation Σ c_i·x_i = r (x ≥ 0): divided by the
/// target's coefficient, x_t + Σ a_i·x_i = r. The maximum is r unless some a_i < 0 (then
/// unbounded); the minimum is 0 if some a_i > 0 can take the mass, else r.
fn single_relation(values: &[f64], rel: &Relation, t: usize, vars: &[usize]) -> Spielraum {
    let c_t = rel
        .terms
        .iter()
        .filter(|(i, _)| *i == t)
        .map(|(_, c)| *c)
        .sum::<f64>();
    if c_t == 0.0 {
        return Spielraum::Schranken(0.0, None);
    }
    // r: the hidden part of the relation at the true values, per unit of x_t
    let r: f64 = rel
        .terms
        .iter()
        .filter(|(i, _)| vars.contains(i))
        .map(|(i, c)| c * values[*i])
        .sum::<f64>()
        / c_t;
    let others = rel
        .terms
        .iter()
        .filter(|(i, _)| *i != t && vars.contains(i))
        .map(|(_, c)| c / c_t);
    let (mut pos, mut neg) = (false, false);
    for a in others {
        pos |= a > 0.0;
        neg |= a < 0.0;
    }
    let hi = (!neg).then_some(r);
    let lo = if pos { 0.0 } else { r };
    Spielraum::Schranken(lo.max(0.0), hi)
}

/// The result of one linear program.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Optimum {
    Finite(f64),
    Unbounded,
    /// The solver gave no answer it could verify: nothing is shown by it.
    Failed,
}

/// Programs whose tableau (cells × relations) has at most this many entries (32 MB) go to
/// the dense simplex first (see [`super::simplex`]). Measured at 2,000 Gemeinden: with
/// 2¹⁶, 2¹⁸, 2²⁰ and 2²² entries `indicators` took 28.5, 23.0, 21.9 and 18.7 s, with
/// `microlp` alone 27–33 s; a bound keeps the memory per thread small.
const DENSE_MAX: usize = 1 << 22;

/// Optimum of `target` over `vars` (the other cells at their true values); the values of
/// `vars` in the optimal solution go into `record`.
fn solve(
    values: &[f64],
    vars: &[usize],
    rels: &[&Relation],
    target: usize,
    dir: OptimizationDirection,
    record: Option<&mut Seen>,
) -> Optimum {
    let column: BTreeMap<usize, usize> = vars.iter().enumerate().map(|(k, &v)| (v, k)).collect();
    let rows: Vec<(Vec<(usize, f64)>, f64)> = rels
        .iter()
        .filter_map(|rel| {
            let mut terms = Vec::new();
            let mut rhs = rel.rhs;
            for &(i, c) in &rel.terms {
                match column.get(&i) {
                    Some(&k) => terms.push((k, c)),
                    None => rhs -= c * values[i],
                }
            }
            (!terms.is_empty()).then_some((terms, rhs))
        })
        .collect();
    let Some(&t) = column.get(&target) else {
        return Optimum::Failed;
    };
    // the dense simplex answers the small programs; an unbounded or unsure answer is left
    // to microlp (unbounded means "protected": that needs the careful solver's word)
    let maximize = dir == OptimizationDirection::Maximize;
    let dense = (vars.len() * rows.len() <= DENSE_MAX)
        .then(|| simplex::solve(vars.len(), &rows, t, maximize))
        .and_then(|o| match o {
            simplex::Outcome::Optimal(x) => Some(x),
            _ => None,
        });
    let (optimum, x) = match dense {
        Some(x) => (Optimum::Finite(x[t]), Some(x)),
        None => by_microlp(vars.len(), rows, t, dir),
    };
    if let (Some(seen), Some(x)) = (record, x) {
        for (k, &v) in vars.iter().enumerate() {
            seen.record(v, x[k]);
        }
    }
    optimum
}

/// Optimum of variable `t` over `n` variables ≥ 0 with the `rows` (Σ a·x = b), by microlp,
/// and the solution where there is one.
fn by_microlp(
    n: usize,
    rows: Vec<(Vec<(usize, f64)>, f64)>,
    t: usize,
    dir: OptimizationDirection,
) -> (Optimum, Option<Vec<f64>>) {
    let mut p = Problem::new(dir);
    let handles: Vec<microlp::Variable> = (0..n)
        .map(|k| p.add_var(if k == t { 1.0 } else { 0.0 }, (0.0, f64::INFINITY)))
        .collect();
    for (terms, rhs) in rows {
        p.add_constraint(
            terms
                .into_iter()
                .map(|(k, c)| (handles[k], c))
                .collect::<Vec<_>>(),
            ComparisonOp::Eq,
            rhs,
        );
    }
    match p.solve().map(|o| o.into_solution()) {
        Ok(Ok(sol)) => (
            Optimum::Finite(sol.objective()),
            Some(handles.iter().map(|h| sol[*h]).collect()),
        ),
        Err(microlp::Error::Unbounded) => (Optimum::Unbounded, None),
        _ => (Optimum::Failed, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(
        values: &[f64],
        suppressed: &[usize],
        targets: &(dyn Fn(usize) -> bool + Sync),
        relations: &[Relation],
    ) -> BTreeMap<usize, (f64, Option<f64>)> {
        let all = vec![true; values.len()];
        // an infinite protection: no cell is ever protected, so every one gets both bounds
        bounds_incremental(values, suppressed, targets, relations, &all, f64::INFINITY)
            .into_iter()
            .map(|(i, s)| match s {
                Spielraum::Schranken(lo, hi) => (i, (lo, hi)),
                Spielraum::Werte(..) => panic!("exact bounds expected: {s:?}"),
            })
            .collect()
    }

    fn rel(terms: &[(usize, f64)], values: &[f64]) -> Relation {
        let rhs = terms.iter().map(|(i, c)| c * values[*i]).sum();
        Relation {
            terms: terms.to_vec(),
            rhs,
        }
    }

    /// Reproducible pseudo-random numbers below `m` (a linear congruential generator).
    fn numbers(mut seed: u64) -> impl FnMut(u64) -> u64 {
        move |m| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        }
    }

    /// The closed form for one-relation components gives exactly the LP bounds.
    #[test]
    fn single_relation_closed_form_equals_the_lp() {
        let mut next = numbers(7);
        for _ in 0..300 {
            let n = 2 + next(5) as usize;
            let values: Vec<f64> = (0..n).map(|_| next(20) as f64).collect();
            let terms: Vec<(usize, f64)> = (0..n)
                .map(|i| (i, if next(4) == 0 { -1.0 } else { 1.0 }))
                .collect();
            let r = rel(&terms, &values);
            let hidden: Vec<usize> = (0..n).filter(|_| next(3) != 0).collect();
            if hidden.is_empty() {
                continue;
            }
            for &t in &hidden {
                let Spielraum::Schranken(lo_c, hi_c) = single_relation(&values, &r, t, &hidden)
                else {
                    unreachable!()
                };
                let closed = (lo_c, hi_c);
                let rels = [&r];
                let lo = match solve(
                    &values,
                    &hidden,
                    &rels,
                    t,
                    OptimizationDirection::Minimize,
                    None,
                ) {
                    Optimum::Finite(v) => v,
                    _ => 0.0,
                }
                .max(0.0);
                let hi = match solve(
                    &values,
                    &hidden,
                    &rels,
                    t,
                    OptimizationDirection::Maximize,
                    None,
                ) {
                    Optimum::Finite(v) => Some(v),
                    _ => None,
                };
                assert!(
                    (closed.0 - lo).abs() < 1e-6,
                    "{values:?} {terms:?} {hidden:?} {t}: {closed:?} vs {lo}"
                );
                match (closed.1, hi) {
                    (None, None) => {}
                    (Some(a), Some(b)) => assert!((a - b).abs() < 1e-6, "{a} vs {b}"),
                    other => panic!("{values:?} {terms:?} {hidden:?} {t}: {other:?}"),
                }
            }
        }
    }

    /// The results from neighbourhoods decide like programs over the whole component, and
    /// lie on the safe side of its exact bounds: random 6 × 6 tables with row, column and
    /// grand totals, random suppressions.
    #[test]
    fn neighbourhoods_decide_like_the_whole_component() {
        let mut next = numbers(11);
        let (n, protection) = (6, 2.0);
        let mut shown_protected = 0;
        for _ in 0..30 {
            let mut v: Vec<f64> = (0..n * n).map(|_| next(9) as f64).collect();
            let inner = v.clone();
            let row = |r: usize| (0..n).map(|c| inner[r * n + c]).sum::<f64>();
            let col = |c: usize| (0..n).map(|r| inner[r * n + c]).sum::<f64>();
            v.extend((0..n).map(row));
            v.extend((0..n).map(col));
            v.push(inner.iter().sum());
            let (rows_at, cols_at, grand) = (n * n, n * n + n, n * n + 2 * n);
            let mut rels = Vec::new();
            for k in 0..n {
                let mut r: Vec<(usize, f64)> = (0..n).map(|c| (k * n + c, 1.0)).collect();
                r.push((rows_at + k, -1.0));
                rels.push(rel(&r, &v));
                let mut c: Vec<(usize, f64)> = (0..n).map(|r| (r * n + k, 1.0)).collect();
                c.push((cols_at + k, -1.0));
                rels.push(rel(&c, &v));
            }
            let mut g: Vec<(usize, f64)> = (0..n).map(|k| (rows_at + k, 1.0)).collect();
            g.push((grand, -1.0));
            rels.push(rel(&g, &v));
            let hidden: Vec<usize> = (0..v.len())
                .filter(|&i| next(if i < n * n { 3 } else { 6 }) == 0)
                .collect();
            let near: Vec<&Relation> = rels
                .iter()
                .filter(|r| r.terms.iter().any(|(i, _)| hidden.contains(i)))
                .collect();
            let component = Component::new(&hidden, &near);
            let mut shared = Seen::default();
            for &t in &hidden {
                let exact = |dir| solve(&v, &hidden, &near, t, dir, None);
                let hi = match exact(OptimizationDirection::Maximize) {
                    Optimum::Finite(h) => Some(h),
                    other => {
                        assert_eq!(other, Optimum::Unbounded);
                        None
                    }
                };
                let Optimum::Finite(lo) = exact(OptimizationDirection::Minimize) else {
                    panic!("minimum of {t}")
                };
                let protected = hi.is_none_or(|h| h - lo + 1e-9 >= protection);
                let found = component.spielraum(&v, t, protection, &mut shared);
                assert_eq!(
                    found.width() + 1e-9 >= protection,
                    protected,
                    "{t}: {found:?}, exact [{lo}, {hi:?}]"
                );
                match found {
                    Spielraum::Werte(a, b) => {
                        shown_protected += 1;
                        assert!(a >= lo - 1e-6 && hi.is_none_or(|h| b <= h + 1e-6));
                    }
                    Spielraum::Schranken(l, Some(h)) if !protected => {
                        assert!(l <= lo + 1e-6 && hi.is_some_and(|x| h >= x - 1e-6));
                    }
                    _ => {}
                }
            }
        }
        assert!(shown_protected > 20, "{shown_protected}");
    }

    #[test]
    fn single_suppression_next_to_a_total_is_exact() {
        // Stadtteile 2, 10, 30 and their total 42; only the 2 is hidden.
        let v = [2.0, 10.0, 30.0, 42.0];
        let r = [rel(&[(0, 1.0), (1, 1.0), (2, 1.0), (3, -1.0)], &v)];
        let b = bounds(&v, &[0], &|_| true, &r);
        assert_eq!(b[&0], (2.0, Some(2.0)));
    }

    #[test]
    fn two_suppressions_in_a_row_give_an_interval() {
        let v = [2.0, 10.0, 30.0, 42.0];
        let r = [rel(&[(0, 1.0), (1, 1.0), (2, 1.0), (3, -1.0)], &v)];
        let b = bounds(&v, &[0, 1], &|_| true, &r);
        assert_eq!(b[&0], (0.0, Some(12.0)));
        assert_eq!(b[&1], (0.0, Some(12.0)));
    }

    #[test]
    fn sdctable_recomputable_four_by_four() {
        // sdcTable test-simpleheuristic: every row and column has two suppressions,
        // yet one cell is exactly recomputable. Cells 0..16 row-major, then row totals
        // 16..20, column totals 20..24, grand total 24.
        #[rustfmt::skip]
        let t = [
            [20.0, 17.0, 30.0, 47.0],
            [ 5.0,  8.0, 21.0, 11.0],
            [12.0,  9.0, 10.0, 15.0],
            [30.0, 22.0, 16.0, 12.0],
        ];
        let mut v: Vec<f64> = t.iter().flatten().copied().collect();
        for row in &t {
            v.push(row.iter().sum());
        }
        for c in 0..4 {
            v.push(t.iter().map(|r| r[c]).sum());
        }
        v.push(t.iter().flatten().sum());
        let mut rels = Vec::new();
        for r in 0..4 {
            let mut terms: Vec<(usize, f64)> = (0..4).map(|c| (r * 4 + c, 1.0)).collect();
            terms.push((16 + r, -1.0));
            rels.push(rel(&terms, &v));
        }
        for c in 0..4 {
            let mut terms: Vec<(usize, f64)> = (0..4).map(|r| (r * 4 + c, 1.0)).collect();
            terms.push((20 + c, -1.0));
            rels.push(rel(&terms, &v));
        }
        // suppressed: a 2×2 block (0,0),(0,1),(1,0),(1,1) … plus (2,2),(2,3),(3,2),(3,3) is safe;
        // a "staircase" pattern where cell (0,3) sits alone in its column pair is not:
        // (0,0),(0,3),(1,0),(1,1),(2,1),(2,2),(3,2),(3,3) — two per row and column.
        let pattern = [0usize, 3, 4, 5, 9, 10, 14, 15];
        let b = bounds(&v, &pattern, &|_| true, &rels);
        // The staircase is a single cycle: every cell still has an interval, so it is safe …
        assert!(
            b.values().all(|(lo, hi)| hi.is_some_and(|h| h > *lo)),
            "{b:?}"
        );
        // … but hiding (0,3) only together with (1,3)-free columns makes (0,3) exact:
        let exact = [0usize, 3, 4, 7, 8, 9];
        let b2 = bounds(&v, &exact, &|_| true, &rels);
        let narrow: Vec<_> = b2
            .iter()
            .filter(|(_, (lo, hi))| hi.is_some_and(|h| (h - lo).abs() < 1e-6))
            .collect();
        assert!(
            !narrow.is_empty(),
            "a pattern with a recomputable cell is detected: {b2:?}"
        );
    }

    /// The dense simplex finds the same optima as microlp on random tables with row and
    /// column totals, and its solutions are non-negative.
    #[test]
    fn dense_simplex_agrees_with_microlp() {
        let mut next = numbers(5);
        let mut checked = 0;
        for _ in 0..300 {
            let (r, c) = (2 + next(4) as usize, 2 + next(4) as usize);
            let inner: Vec<f64> = (0..r * c).map(|_| next(6) as f64).collect();
            // cells: inner, row totals, column totals; hidden ones are variables
            let mut v = inner.clone();
            v.extend((0..r).map(|i| (0..c).map(|k| inner[i * c + k]).sum::<f64>()));
            v.extend((0..c).map(|k| (0..r).map(|i| inner[i * c + k]).sum::<f64>()));
            let mut rels: Vec<Vec<(usize, f64)>> = Vec::new();
            for i in 0..r {
                let mut t: Vec<(usize, f64)> = (0..c).map(|k| (i * c + k, 1.0)).collect();
                t.push((r * c + i, -1.0));
                rels.push(t);
            }
            for k in 0..c {
                let mut t: Vec<(usize, f64)> = (0..r).map(|i| (i * c + k, 1.0)).collect();
                t.push((r * c + r + k, -1.0));
                rels.push(t);
            }
            let hidden: Vec<usize> = (0..v.len()).filter(|_| next(2) == 0).collect();
            let col = |i: usize| hidden.iter().position(|&h| h == i);
            let rows: Vec<(Vec<(usize, f64)>, f64)> = rels
                .iter()
                .map(|terms| {
                    let mut b = 0.0;
                    let mut t = Vec::new();
                    for &(i, a) in terms {
                        match col(i) {
                            Some(j) => t.push((j, a)),
                            None => b -= a * v[i],
                        }
                    }
                    (t, b)
                })
                .filter(|(t, _)| !t.is_empty())
                .collect();
            for target in 0..hidden.len() {
                for dir in [
                    OptimizationDirection::Maximize,
                    OptimizationDirection::Minimize,
                ] {
                    let maximize = dir == OptimizationDirection::Maximize;
                    let ours = simplex::solve(hidden.len(), &rows, target, maximize);
                    match (&ours, by_microlp(hidden.len(), rows.clone(), target, dir).0) {
                        (simplex::Outcome::Optimal(x), Optimum::Finite(o)) => {
                            assert!((x[target] - o).abs() < 1e-6, "{rows:?} {target} {dir:?}");
                            assert!(x.iter().all(|&y| y >= 0.0));
                            checked += 1;
                        }
                        (simplex::Outcome::Unbounded, Optimum::Unbounded) => {}
                        other => panic!("{rows:?} {target} {dir:?}: {other:?}"),
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked}");
    }
}
