//! A dense two-phase simplex for the attacker check's small programs: maximise or minimise
//! one count subject to the additive relations (Σ a·x = b) and x ≥ 0.
//!
//! A city's check solves thousands of programs of about 20 cells and 13 relations. `microlp`
//! (sparse LU factors, presolve) answers each in about 85 µs, most of it setting up; a dense
//! tableau of that size needs a few microseconds. Larger programs, and every answer this
//! solver is not sure of, go to `microlp` (see `attack::solve`). Every solution is checked
//! against the relations before it is used: a solution that fits them is a valid witness
//! whatever went wrong on the way.

/// The answer for one program.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// An optimal solution (one value per variable).
    Optimal(Vec<f64>),
    /// The objective grows without bound.
    Unbounded,
    /// No solution found: infeasible, too many steps, or numerically unsure. The caller asks
    /// another solver.
    Unsure,
}

/// Pivots below this magnitude count as zero: the coefficients are ±1 and the tableau
/// entries small sums of them.
const EPS: f64 = 1e-9;

/// Optimum of `x[target]` over `x ≥ 0` with `Σ a·x[j] = b` for every row (`(terms, b)`,
/// variables `0..n`). Bland's rule (smallest index enters, smallest basic index leaves on a
/// tie) keeps degenerate programs – most of them here: many counts are 0 – from cycling.
pub fn solve(
    n: usize,
    rows: &[(Vec<(usize, f64)>, f64)],
    target: usize,
    maximize: bool,
) -> Outcome {
    solve_within(n, rows, target, maximize, WORK_MAX)
}

/// [`solve`] with at most `work` multiply-adds of tableau arithmetic.
fn solve_within(
    n: usize,
    rows: &[(Vec<(usize, f64)>, f64)],
    target: usize,
    maximize: bool,
    work: u64,
) -> Outcome {
    let m = rows.len();
    let w = n + 1; // variables, then the right-hand side
    // tableau rows with non-negative right-hand sides; the basis starts with one
    // artificial variable per row (index n + i), which is never stored as a column: once
    // an artificial leaves it never comes back
    let mut t = vec![0.0; m * w];
    for (i, (terms, b)) in rows.iter().enumerate() {
        let s = if *b < 0.0 { -1.0 } else { 1.0 };
        for &(j, a) in terms {
            t[i * w + j] += s * a;
        }
        t[i * w + n] = s * b;
    }
    let mut basis: Vec<usize> = (n..n + m).collect();
    let mut live = vec![true; m];
    let scale = 1.0 + rows.iter().map(|(_, b)| b.abs()).fold(0.0, f64::max);
    // steps and arithmetic: Bland's rule is slow on rare programs, and a dense tableau of a
    // few thousand rows makes every step dear; past either limit microlp takes over
    let mut budget = Budget {
        steps: 50 * (n + m) + 100,
        work,
    };

    // phase 1: minimise the sum of the artificials; reduced costs = −(column sums)
    let mut obj = vec![0.0; w];
    for i in 0..m {
        for j in 0..w {
            obj[j] -= t[i * w + j];
        }
    }
    // phase 1 is bounded below by 0: an unbounded column would be a numerical artefact
    if iterate(&mut t, &mut obj, &mut basis, &live, n, &mut budget) != Steps::Optimal {
        return Outcome::Unsure;
    }
    let infeasibility: f64 = (0..m)
        .filter(|&i| basis[i] >= n)
        .map(|i| t[i * w + n].abs())
        .sum();
    if infeasibility > 1e-6 + 1e-9 * scale {
        return Outcome::Unsure;
    }
    // artificials still in the basis sit at 0: swap in any real column of their row, or
    // drop the row (it repeats others)
    for i in 0..m {
        if basis[i] < n {
            continue;
        }
        match (0..n).find(|&j| t[i * w + j].abs() > EPS) {
            Some(j) => {
                pivot(&mut t, &mut obj, &mut basis, w, i, j);
            }
            None => live[i] = false,
        }
    }

    // phase 2: minimise c·x with c = ∓e_target; reduced costs c_j − c_B·column j
    let c = if maximize { -1.0 } else { 1.0 };
    obj.iter_mut().for_each(|x| *x = 0.0);
    obj[target] = c;
    if let Some(i) = (0..m).find(|&i| live[i] && basis[i] == target) {
        for j in 0..w {
            obj[j] -= c * t[i * w + j];
        }
    }
    match iterate(&mut t, &mut obj, &mut basis, &live, n, &mut budget) {
        Steps::Optimal => {}
        Steps::Unbounded => return Outcome::Unbounded,
        Steps::Limit => return Outcome::Unsure,
    }
    let mut x = vec![0.0; n];
    for i in 0..m {
        if live[i] && basis[i] < n {
            x[basis[i]] = t[i * w + n].max(0.0);
        }
    }
    // the check that makes the answer safe to use: every relation holds to rounding error
    // (the values are counts, the coefficients ±1)
    let fits = rows.iter().all(|(terms, b)| {
        let (lhs, size) = terms.iter().fold((0.0, b.abs()), |(s, z), &(j, a)| {
            (s + a * x[j], z + (a * x[j]).abs())
        });
        (lhs - b).abs() <= 1e-6 + 1e-9 * size
    });
    if fits {
        Outcome::Optimal(x)
    } else {
        Outcome::Unsure
    }
}

/// How a phase ended.
#[derive(Debug, PartialEq)]
enum Steps {
    Optimal,
    /// A column that improves the objective has no positive entry.
    Unbounded,
    /// The budget ran out.
    Limit,
}

/// Simplex steps on the reduced costs in `obj` until none is negative.
fn iterate(
    t: &mut [f64],
    obj: &mut [f64],
    basis: &mut [usize],
    live: &[bool],
    n: usize,
    budget: &mut Budget,
) -> Steps {
    let w = n + 1;
    while budget.steps > 0 && budget.work > 0 {
        let Some(j) = (0..n).find(|&j| obj[j] < -EPS) else {
            return Steps::Optimal;
        };
        let Some(i) = leaving(t, basis, live, w, j) else {
            return Steps::Unbounded;
        };
        let rows = pivot(t, obj, basis, w, i, j);
        budget.steps -= 1;
        budget.work = budget.work.saturating_sub((rows * w) as u64);
    }
    Steps::Limit
}

/// What one program may cost the dense solver.
struct Budget {
    steps: usize,
    /// Multiply-adds left (row updates × row length).
    work: u64,
}

/// About two seconds of tableau arithmetic: never reached at 40 to 11,000 areas, a bound
/// on the rare program that would need many steps over a large tableau.
const WORK_MAX: u64 = 1 << 32;

/// The row that leaves when column `j` enters: smallest ratio, ties to the smallest basic
/// index (Bland); `None` if no entry of the column is positive.
fn leaving(t: &[f64], basis: &[usize], live: &[bool], w: usize, j: usize) -> Option<usize> {
    let mut best: Option<(f64, usize, usize)> = None;
    for i in 0..basis.len() {
        let a = t[i * w + j];
        if !live[i] || a <= EPS {
            continue;
        }
        let ratio = t[i * w + w - 1].max(0.0) / a;
        let better = match best {
            None => true,
            Some((r, b, _)) => ratio < r - EPS || (ratio <= r + EPS && basis[i] < b),
        };
        if better {
            best = Some((ratio, basis[i], i));
        }
    }
    best.map(|(_, _, i)| i)
}

/// Pivots on row `p`, column `j`; returns how many rows it changed.
fn pivot(
    t: &mut [f64],
    obj: &mut [f64],
    basis: &mut [usize],
    w: usize,
    p: usize,
    j: usize,
) -> usize {
    let inv = 1.0 / t[p * w + j];
    let (before, rest) = t.split_at_mut(p * w);
    let (row, after) = rest.split_at_mut(w);
    row.iter_mut().for_each(|x| *x *= inv);
    row[j] = 1.0;
    let eliminate = |other: &mut [f64]| {
        let f = other[j];
        if f == 0.0 {
            return false;
        }
        for (o, r) in other.iter_mut().zip(row.iter()) {
            *o -= f * r;
        }
        other[j] = 0.0;
        true
    };
    let changed = before
        .chunks_exact_mut(w)
        .chain(after.chunks_exact_mut(w))
        .map(eliminate)
        .filter(|&c| c)
        .count();
    eliminate(obj);
    basis[p] = j;
    changed + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn optimum(rows: &[(Vec<(usize, f64)>, f64)], n: usize, t: usize, max: bool) -> Option<f64> {
        match solve(n, rows, t, max) {
            Outcome::Optimal(x) => Some(x[t]),
            Outcome::Unbounded => None,
            Outcome::Unsure => panic!("unsure"),
        }
    }

    #[test]
    fn one_relation() {
        // x0 + x1 + x2 = 12
        let rows = vec![(vec![(0, 1.0), (1, 1.0), (2, 1.0)], 12.0)];
        assert_eq!(optimum(&rows, 3, 0, true), Some(12.0));
        assert_eq!(optimum(&rows, 3, 0, false), Some(0.0));
        // x0 − x1 = 2: x0 unbounded above, at least 2
        let rows = vec![(vec![(0, 1.0), (1, -1.0)], 2.0)];
        assert_eq!(optimum(&rows, 2, 0, true), None);
        assert_eq!(optimum(&rows, 2, 0, false), Some(2.0));
    }

    #[test]
    fn out_of_budget_is_unsure() {
        let rows = vec![(vec![(0, 1.0), (1, 1.0), (2, 1.0)], 12.0)];
        assert_eq!(solve_within(3, &rows, 0, true, 1), Outcome::Unsure);
        assert!(matches!(
            solve_within(3, &rows, 0, true, 100),
            Outcome::Optimal(_)
        ));
    }

    #[test]
    fn redundant_and_infeasible_rows() {
        // the same relation twice, and a row of zeros
        let rows = vec![
            (vec![(0, 1.0), (1, 1.0)], 5.0),
            (vec![(0, 2.0), (1, 2.0)], 10.0),
            (vec![], 0.0),
        ];
        assert_eq!(optimum(&rows, 2, 1, true), Some(5.0));
        let rows = vec![(vec![(0, 1.0), (1, 1.0)], -1.0)];
        assert_eq!(solve(2, &rows, 0, true), Outcome::Unsure);
    }
}
