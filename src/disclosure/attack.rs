//! The attacker check: for each suppressed count, the smallest and largest value an outsider
//! can derive from all published counts and the additive relations between them (the
//! linear-programming bounds of sdcTable's `attack()`), counts being non-negative.

use super::Relation;
use microlp::{ComparisonOp, OptimizationDirection, Problem};
use std::collections::BTreeMap;

/// Bounds (lower, upper; `None` = unbounded) of the `targets` among the suppressed cells;
/// components without a cell from `changed` keep their `previous` bounds:
/// a component that gained no suppressed cell is the same linear program as before.
pub fn bounds_incremental(
    values: &[f64],
    suppressed: &[usize],
    targets: &dyn Fn(usize) -> bool,
    relations: &[Relation],
    changed: &std::collections::BTreeSet<usize>,
    previous: &BTreeMap<usize, (f64, Option<f64>)>,
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
    let mut out = BTreeMap::new();
    for members in components.values() {
        let vars: Vec<usize> = members.iter().map(|&k| suppressed[k]).collect();
        if !vars.iter().any(|v| changed.contains(v)) {
            for v in vars.iter().filter(|&&v| targets(v)) {
                if let Some(b) = previous.get(v) {
                    out.insert(*v, *b);
                }
            }
            continue;
        }
        let rels: Vec<&&Relation> = relevant
            .iter()
            .filter(|r| r.terms.iter().any(|(i, _)| vars.contains(i)))
            .collect();
        for &target in vars.iter().filter(|&&v| targets(v)) {
            let lo = solve(
                values,
                &vars,
                &rels,
                target,
                OptimizationDirection::Minimize,
            )
            .unwrap_or(0.0);
            let hi = solve(
                values,
                &vars,
                &rels,
                target,
                OptimizationDirection::Maximize,
            );
            out.insert(target, (lo.max(0.0), hi));
        }
    }
    out
}

/// Optimum of `target` over the component; `None` if unbounded (or unsolvable).
fn solve(
    values: &[f64],
    vars: &[usize],
    rels: &[&&Relation],
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
        targets: &dyn Fn(usize) -> bool,
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
        )
    }

    fn rel(terms: &[(usize, f64)], values: &[f64]) -> Relation {
        let rhs = terms.iter().map(|(i, c)| c * values[*i]).sum();
        Relation {
            terms: terms.to_vec(),
            rhs,
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
