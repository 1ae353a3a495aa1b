//! The attacker check: for each suppressed count, the smallest and largest value an outsider
//! can derive from all published counts and the additive relations between them (the
//! linear-programming bounds of sdcTable's `attack()`), counts being non-negative.

use super::Relation;
use microlp::{ComparisonOp, OptimizationDirection, Problem};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Bounds (lower, upper; `None` = unbounded) of the `targets` among the suppressed cells;
/// components without a cell from `changed` keep their `previous` bounds:
/// a component that gained no suppressed cell is the same linear program as before.
pub fn bounds_incremental(
    values: &[f64],
    suppressed: &[usize],
    targets: &(dyn Fn(usize) -> bool + Sync),
    relations: &[Relation],
    changed: &std::collections::BTreeSet<usize>,
    previous: &BTreeMap<usize, (f64, Option<f64>)>,
    protection: f64,
) -> BTreeMap<usize, (f64, Option<f64>)> {
    let hidden: BTreeMap<usize, usize> = suppressed
        .iter()
        .enumerate()
        .map(|(k, &i)| (i, k))
        .collect();
    // connected components of suppressed cells (union-find over relations)
    let mut parent: Vec<usize> = (0..suppressed.len()).collect();
    fn find(p: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while p[r] != r {
            r = p[r];
        }
        let mut y = x;
        while p[y] != r {
            let n = p[y];
            p[y] = r;
            y = n;
        }
        r
    }
    let relevant: Vec<&Relation> = relations
        .iter()
        .filter(|r| r.terms.iter().any(|(i, _)| hidden.contains_key(i)))
        .collect();
    for rel in &relevant {
        let ks: Vec<usize> = rel
            .terms
            .iter()
            .filter_map(|(i, _)| hidden.get(i).copied())
            .collect();
        for w in ks.windows(2) {
            let (a, b) = (find(&mut parent, w[0]), find(&mut parent, w[1]));
            parent[a] = b;
        }
    }
    let mut components: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for k in 0..suppressed.len() {
        let root = find(&mut parent, k);
        components.entry(root).or_default().push(k);
    }
    // relations of each component (through their first hidden term)
    let mut rels_of: BTreeMap<usize, Vec<&Relation>> = BTreeMap::new();
    for rel in &relevant {
        if let Some(k) = rel.terms.iter().find_map(|(i, _)| hidden.get(i)) {
            let root = find(&mut parent, *k);
            rels_of.entry(root).or_default().push(rel);
        }
    }
    let work: Vec<(Vec<usize>, Vec<&Relation>)> = components
        .iter()
        .map(|(root, members)| {
            (
                members.iter().map(|&k| suppressed[k]).collect(),
                rels_of.remove(root).unwrap_or_default(),
            )
        })
        .collect();
    // every target of a changed component is its own pair of linear programs: all of them
    // run in parallel (components differ a lot in size, so per-target is the better split)
    let mut out: BTreeMap<usize, (f64, Option<f64>)> = BTreeMap::new();
    let mut tasks: Vec<(usize, &[usize], &[&Relation])> = Vec::new();
    for (vars, rels) in &work {
        let goals = vars.iter().copied().filter(|&v| targets(v));
        if !vars.iter().any(|v| changed.contains(v)) {
            out.extend(goals.filter_map(|v| previous.get(&v).map(|b| (v, *b))));
        } else if let [rel] = rels.as_slice() {
            out.extend(goals.map(|t| (t, single_relation(values, rel, t, vars))));
        } else {
            tasks.extend(goals.map(|t| (t, vars.as_slice(), rels.as_slice())));
        }
    }
    let solved: Vec<(usize, (f64, Option<f64>))> = tasks
        .par_iter()
        .map(|&(target, vars, rels)| {
            // the maximum first: if it lies `protection` above the value, the cell is
            // protected whatever the minimum; 0 is then reported as (a valid) lower bound
            let hi = solve(values, vars, rels, target, OptimizationDirection::Maximize);
            if hi.is_none_or(|h| h + 1e-9 >= values[target] + protection) {
                return (target, (0.0, hi));
            }
            let lo =
                solve(values, vars, rels, target, OptimizationDirection::Minimize).unwrap_or(0.0);
            (target, (lo.max(0.0), hi))
        })
        .collect();
    out.extend(solved);
    out
}

/// Exact bounds when a component has one relation Σ c_i·x_i = r (x ≥ 0): divided by the
/// target's coefficient, x_t + Σ a_i·x_i = r. The maximum is r unless some a_i < 0 (then
/// unbounded); the minimum is 0 if some a_i > 0 can take the mass, else r.
fn single_relation(values: &[f64], rel: &Relation, t: usize, vars: &[usize]) -> (f64, Option<f64>) {
    let c_t = rel
        .terms
        .iter()
        .filter(|(i, _)| *i == t)
        .map(|(_, c)| *c)
        .sum::<f64>();
    if c_t == 0.0 {
        return (0.0, None);
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
    (lo.max(0.0), hi)
}

/// Optimum of `target` over the component; `None` if unbounded (or unsolvable).
fn solve(
    values: &[f64],
    vars: &[usize],
    rels: &[&Relation],
    target: usize,
    dir: OptimizationDirection,
) -> Option<f64> {
    let mut p = Problem::new(dir);
    let handles: BTreeMap<usize, microlp::Variable> = vars
        .iter()
        .map(|&v| {
            (
                v,
                p.add_var(if v == target { 1.0 } else { 0.0 }, (0.0, f64::INFINITY)),
            )
        })
        .collect();
    for rel in rels {
        let mut terms = Vec::new();
        let mut rhs = rel.rhs;
        for &(i, c) in &rel.terms {
            match handles.get(&i) {
                Some(h) => terms.push((*h, c)),
                None => rhs -= c * values[i],
            }
        }
        if !terms.is_empty() {
            p.add_constraint(terms, ComparisonOp::Eq, rhs);
        }
    }
    let sol = p.solve().ok()?.into_solution().ok()?;
    Some(sol.objective())
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
        let all = suppressed.iter().copied().collect();
        bounds_incremental(
            values,
            suppressed,
            targets,
            relations,
            &all,
            &BTreeMap::new(),
            f64::INFINITY,
        )
    }

    fn rel(terms: &[(usize, f64)], values: &[f64]) -> Relation {
        let rhs = terms.iter().map(|(i, c)| c * values[*i]).sum();
        Relation {
            terms: terms.to_vec(),
            rhs,
        }
    }

    /// The closed form for one-relation components gives exactly the LP bounds.
    #[test]
    fn single_relation_closed_form_equals_the_lp() {
        let mut seed = 7u64;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
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
                let closed = single_relation(&values, &r, t, &hidden);
                let rels = [&r];
                let lo = solve(&values, &hidden, &rels, t, OptimizationDirection::Minimize)
                    .unwrap_or(0.0)
                    .max(0.0);
                let hi = solve(&values, &hidden, &rels, t, OptimizationDirection::Maximize);
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
}
