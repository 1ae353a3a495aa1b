//! Synthetic Stadtteil polygons: concentric rings cut into sectors, with wavy shared
//! borders, so that the areas tile a plausible round city without gaps or overlaps.

use super::rng::Rng;
use std::f64::consts::TAU;

/// Points sampled on every ring border; sector borders snap to these angles. Rings with
/// more than [`MAX_CELLS_PER_STEPS`] cells get a multiple of it.
const BASE_STEPS: usize = 240;
const MAX_CELLS_PER_STEPS: usize = 120;
/// Centre of the synthetic city (near Magdeburg), lon/lat.
const CENTER: (f64, f64) = (11.62, 52.13);
/// Kilometres per degree of latitude, and of longitude at 52° N.
const KM_LAT: f64 = 111.2;
const KM_LON: f64 = 68.4;

/// The polygon of one cell, its ring and the angle of its middle.
pub struct Cell {
    /// Ring number (0 = centre).
    pub ring: usize,
    /// Angle of the cell's middle in degrees, counter-clockwise from east.
    pub angle: f64,
    /// Exterior ring in lon/lat, counter-clockwise, closed.
    pub polygon: Vec<(f64, f64)>,
}

/// How many cells each ring has for `n` cells in total (1, 7, 13, 19, …).
pub fn ring_sizes(n: usize) -> Vec<usize> {
    let mut sizes = vec![1];
    let mut k = 1;
    while sizes.iter().sum::<usize>() < n {
        let left = n - sizes.iter().sum::<usize>();
        sizes.push((6 * k + 1).min(left));
        k += 1;
    }
    sizes
}

/// Cells for `n` Stadtteile, ordered ring by ring and by angle within a ring.
pub fn cells(n: usize, seed: u64) -> Vec<Cell> {
    let sizes = ring_sizes(n);
    let widest = sizes.iter().copied().max().unwrap_or(1);
    let steps = BASE_STEPS * widest.div_ceil(MAX_CELLS_PER_STEPS);
    let rings = sizes.len();
    let mut rng = Rng::new(seed, "geo");
    // Smooth radial wobble per ring border: a few sine waves with random phases.
    let waves: Vec<[(f64, f64); 3]> = (0..=rings)
        .map(|_| {
            [
                (rng.range(0.0, TAU), rng.range(0.02, 0.05)),
                (rng.range(0.0, TAU), rng.range(0.01, 0.03)),
                (rng.range(0.0, TAU), rng.range(0.005, 0.015)),
            ]
        })
        .collect();
    let outer_km = 3.0 + 1.6 * rings as f64;
    let damp = (4.0 / rings as f64).min(1.0);
    let border_radius = |b: usize, step: usize| -> f64 {
        let base = if b == 0 {
            0.0
        } else {
            outer_km * (b as f64 / rings as f64).powf(0.8)
        };
        let a = TAU * step as f64 / steps as f64;
        let w = &waves[b];
        let wobble = (w[0].0 + 3.0 * a).sin() * w[0].1
            + (w[1].0 + 5.0 * a).sin() * w[1].1
            + (w[2].0 + 11.0 * a).sin() * w[2].1;
        // rings get thinner relative to their radius as they multiply: damp the wobble so
        // that neighbouring borders never cross (unchanged up to four rings)
        base * (1.0 + wobble * damp)
    };
    let point = |r_km: f64, a: f64| -> (f64, f64) {
        (
            round6(CENTER.0 + r_km * a.cos() / KM_LON),
            round6(CENTER.1 + r_km * a.sin() / KM_LAT),
        )
    };
    let angle_of = |step: usize| TAU * step as f64 / steps as f64;

    let mut out = Vec::new();
    // Centre cell: the whole first border.
    let mut centre: Vec<(f64, f64)> = (0..steps)
        .map(|s| point(border_radius(1, s), angle_of(s)))
        .collect();
    centre.push(centre[0]);
    out.push(Cell {
        ring: 0,
        angle: 0.0,
        polygon: centre,
    });
    for (ring, &count) in sizes.iter().enumerate().skip(1) {
        let offset = (ring * 17) % (steps / count.max(1));
        let edges: Vec<usize> = (0..=count)
            .map(|j| (offset + j * steps / count) % steps)
            .collect();
        for j in 0..count {
            let (a0, a1) = (edges[j], edges[j + 1]);
            let span = (a1 + steps - a0) % steps;
            let span = if span == 0 { steps } else { span };
            let mut poly = Vec::new();
            // inner border from a0 to a1 (counter-clockwise)
            for s in 0..=span {
                let step = (a0 + s) % steps;
                poly.push(point(border_radius(ring, step), angle_of(step)));
            }
            // spoke outwards at a1, through a shared kink
            poly.push(spoke_mid(ring, a1, steps, &border_radius, &point, seed));
            // outer border back from a1 to a0 (clockwise)
            for s in (0..=span).rev() {
                let step = (a0 + s) % steps;
                poly.push(point(border_radius(ring + 1, step), angle_of(step)));
            }
            poly.push(spoke_mid(ring, a0, steps, &border_radius, &point, seed));
            // Built inner-first, which runs clockwise; GeoJSON wants counter-clockwise.
            poly.reverse();
            poly.push(poly[0]);
            let mid = (a0 as f64 + span as f64 / 2.0) * 360.0 / steps as f64;
            out.push(Cell {
                ring,
                angle: mid % 360.0,
                polygon: poly,
            });
        }
    }
    out.truncate(n);
    out
}

/// The kink in the middle of a spoke; depends only on ring and angle, so both
/// neighbours use the same point.
fn spoke_mid(
    ring: usize,
    step: usize,
    steps: usize,
    border_radius: &dyn Fn(usize, usize) -> f64,
    point: &dyn Fn(f64, f64) -> (f64, f64),
    seed: u64,
) -> (f64, f64) {
    let mut r = Rng::new(seed, &format!("spoke-{ring}-{step}"));
    let r_mid = (border_radius(ring, step) + border_radius(ring + 1, step)) / 2.0;
    let a = TAU * step as f64 / steps as f64 + r.range(-0.04, 0.04) / (ring as f64);
    point(r_mid, a)
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forty_cells_in_four_rings() {
        assert_eq!(ring_sizes(40), vec![1, 7, 13, 19]);
        let c = cells(40, 1);
        assert_eq!(c.len(), 40);
        assert!(
            c.iter()
                .all(|c| c.polygon.first() == c.polygon.last() && c.polygon.len() > 4)
        );
    }

    #[test]
    fn rings_wider_than_the_border_points_still_cut_into_narrow_cells() {
        // 5,000 cells: the outermost ring has 241 cells, more than 240 border points
        let c = cells(5_000, 1);
        assert_eq!(c.len(), 5_000);
        assert!(c.iter().any(|c| c.ring == 40));
        // neighbours follow each other by about 360°/241; a cell that lost its width would
        // wrap the whole ring and sit half a turn away
        let angles: Vec<f64> = c.iter().filter(|c| c.ring == 40).map(|c| c.angle).collect();
        assert_eq!(angles.len(), 241);
        for w in angles.windows(2) {
            let step = (w[1] - w[0]).rem_euclid(360.0);
            assert!(step < 3.0, "{w:?}");
        }
    }

    #[test]
    fn cells_are_counter_clockwise() {
        // 1,300 cells: the outer rings have more cells than the base number of border points
        for cell in cells(40, 1).into_iter().chain(cells(1_300, 1)) {
            let p = &cell.polygon;
            let area2: f64 = p
                .windows(2)
                .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
                .sum();
            assert!(area2 > 0.0, "ring {} angle {}", cell.ring, cell.angle);
        }
    }
}
