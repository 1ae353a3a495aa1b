//! Choropleth maps of the Stadtteile from the project's GeoJSON: classed legend (quantiles),
//! areas without a published value grey and hatched (not told by colour alone), and a
//! locator variant that highlights one area.

use super::{Chart, FONT, NO_VALUE, TEXT, draw_err, format_value};
use crate::catalogue::Einheit;
use anyhow::{Context, bail};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

/// ColorBrewer "Blues", 5 classes (sequential, colour-blind safe, prints in greyscale).
const BLUES: [RGBColor; 5] = [
    RGBColor(239, 243, 255),
    RGBColor(189, 215, 231),
    RGBColor(107, 174, 214),
    RGBColor(49, 130, 189),
    RGBColor(8, 81, 156),
];
const HIGHLIGHT: RGBColor = RGBColor(213, 94, 0);
const BORDER: RGBColor = RGBColor(90, 90, 90);

/// One area of the GeoJSON: key and outer rings (lon, lat).
#[derive(Debug, Clone)]
pub struct Flaeche {
    /// Value of the key property (Stadtteil nr).
    pub nr: String,
    /// Outer rings of its polygons.
    pub ringe: Vec<Vec<(f64, f64)>>,
}

/// The areas of a map as read once per run, shared by every map drawn from them (the
/// projection of a geometry is kept per geometry, see [`grundkarte`]).
pub type Geometrie = Arc<[Flaeche]>;

/// Reads Polygon and MultiPolygon features; `key` names the property with the area key.
pub fn geometry(bytes: &[u8], key: &str) -> anyhow::Result<Geometrie> {
    let json: serde_json::Value = serde_json::from_slice(bytes).context("GeoJSON nicht lesbar")?;
    let Some(features) = json.get("features").and_then(|f| f.as_array()) else {
        bail!("GeoJSON ohne „features“");
    };
    let ring = |r: &serde_json::Value| -> Vec<(f64, f64)> {
        r.as_array()
            .map(|pts| {
                pts.iter()
                    .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for f in features {
        let Some(nr) = f.get("properties").and_then(|p| p.get(key)) else {
            continue;
        };
        let nr = nr.as_str().map_or_else(|| nr.to_string(), str::to_string);
        let geom = f.get("geometry");
        let kind = geom.and_then(|g| g.get("type")).and_then(|t| t.as_str());
        let coords = geom.and_then(|g| g.get("coordinates"));
        let ringe: Vec<Vec<(f64, f64)>> = match (kind, coords.and_then(|c| c.as_array())) {
            (Some("Polygon"), Some(rings)) => rings.first().map(ring).into_iter().collect(),
            (Some("MultiPolygon"), Some(polys)) => polys
                .iter()
                .filter_map(|p| p.as_array()?.first().map(ring))
                .collect(),
            _ => Vec::new(),
        };
        let ringe: Vec<_> = ringe.into_iter().filter(|r| r.len() >= 3).collect();
        if !ringe.is_empty() {
            out.push(Flaeche { nr, ringe });
        }
    }
    if out.is_empty() {
        bail!("GeoJSON enthält keine Polygone mit der Eigenschaft „{key}“");
    }
    // a coordinate far outside every coordinate system (1e308) would squeeze the map into a
    // point: an empty map without a word
    if let Some((f, &(x, y))) = out.iter().find_map(|f| {
        f.ringe
            .iter()
            .flatten()
            .find(|(x, y)| !(x.abs() < 1e8 && y.abs() < 1e8))
            .map(|p| (f, p))
    }) {
        bail!(
            "Fläche „{}“ hat die Koordinate ({x}, {y}), die in keinem Koordinatensystem liegt",
            f.nr
        );
    }
    // large areas first, so enclaves are drawn on top of the area around them
    out.sort_by(|a, b| area(b).total_cmp(&area(a)).then(a.nr.cmp(&b.nr)));
    Ok(out.into())
}

fn area(f: &Flaeche) -> f64 {
    f.ringe
        .iter()
        .map(|r| {
            r.iter()
                .zip(r.iter().cycle().skip(1))
                .map(|(a, b)| a.0 * b.1 - b.0 * a.1)
                .sum::<f64>()
                .abs()
                / 2.0
        })
        .sum()
}

/// How values are put into classes.
#[derive(Debug, Clone, PartialEq)]
pub enum Klassierung {
    /// Equal-count classes (at most 5).
    Quantile,
    /// Fixed upper bounds of the lower classes.
    Grenzen(Vec<f64>),
}

/// A map.
#[derive(Debug, Clone)]
pub struct Karte<'a> {
    /// What is shown.
    pub titel: String,
    /// Period label.
    pub periode: String,
    /// Unit of the values.
    pub einheit: Einheit,
    /// The areas.
    pub flaechen: &'a Geometrie,
    /// Area names by key (for the alt text).
    pub namen: BTreeMap<String, String>,
    /// Values by key; `None` or absent: no published value.
    pub werte: BTreeMap<String, Option<f64>>,
    /// Areas drawn highlighted (Stadtteil- or Sozialraumprofil) – with no values, a locator map.
    pub hervorheben: Vec<String>,
    /// Class method.
    pub klassen: Klassierung,
    /// Canvas size in px.
    pub groesse: (u32, u32),
}

/// Draws the map with its legend on the right.
pub fn map(k: &Karte) -> anyhow::Result<Chart> {
    let locator = k.werte.is_empty();
    let values: Vec<f64> = k.werte.values().flatten().copied().collect();
    let breaks = class_breaks(&values, &k.klassen);
    let legend_w: i32 = if locator { 0 } else { 150 };
    let (w, h) = (k.groesse.0 as i32, k.groesse.1 as i32);
    let (mw, mh) = (w - legend_w - 8, h - 8);
    let grund = grundkarte(k.flaechen, (w, h, mw, mh));
    let mut svg = String::new();
    let mut fills: BTreeMap<(u8, u8, u8), String> = BTreeMap::new();
    // areas too thin for a border are painted as pixels: 11,000 Gemeinden on a 220 px map
    // become a few hundred runs of pixels instead of 11,000 outlines of 1–4 pixels; a
    // locator map starts from the grey pixels of every thin area, drawn once per run
    let mut raster = if locator {
        grund.grau.clone()
    } else {
        Raster::new(w, h)
    };
    let highlighted: std::collections::BTreeSet<&str> =
        k.hervorheben.iter().map(String::as_str).collect();
    {
        let root = SVGBackend::with_string(&mut svg, k.groesse).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        // the areas' fills, one SVG path per colour: 11,000 Gemeinden as 11,000 elements
        // would make every sheet slow to lay out and large. Added below the lines drawn here.
        for (f, ringe) in k.flaechen.iter().zip(&grund.ringe) {
            let value = k.werte.get(&f.nr).copied().flatten();
            // an area in `werte` without value is suppressed (hatched); one missing from
            // `werte` has no data at all (e.g. no school there) and stays plain
            let gesperrt = k.werte.get(&f.nr).is_some_and(Option::is_none);
            let highlighted = highlighted.contains(f.nr.as_str());
            let fill = if locator {
                if highlighted { HIGHLIGHT } else { NO_VALUE }
            } else if !k.werte.contains_key(&f.nr) {
                WHITE
            } else {
                value.map_or(NO_VALUE, |v| BLUES[class_of(v, &breaks)])
            };
            for (pts, thin) in ringe {
                if !locator && gesperrt && pts.len() >= 3 {
                    for seg in hatch(pts, 6) {
                        root.draw(&PathElement::new(seg.to_vec(), BORDER.stroke_width(1)))
                            .map_err(draw_err)?;
                    }
                }
                // borders of areas a few pixels wide would paint them over in white
                if *thin {
                    if !locator || highlighted {
                        raster.paint(pts, (fill.0, fill.1, fill.2), highlighted);
                    }
                    continue;
                }
                let d = fills.entry((fill.0, fill.1, fill.2)).or_default();
                for (i, (x, y)) in pts.iter().enumerate() {
                    let _ = write!(d, "{}{x} {y}", if i == 0 { 'M' } else { 'L' });
                }
                d.push('Z');
                let mut outline = pts.clone();
                outline.push(pts[0]);
                let border = if fill == WHITE { NO_VALUE } else { WHITE };
                root.draw(&PathElement::new(outline, border.stroke_width(1)))
                    .map_err(draw_err)?;
            }
        }
        // the outline of the highlighted areas last, so neighbours do not cover it; borders
        // between two highlighted areas are left out (a Sozialraum is outlined as one area)
        let rings: Vec<Vec<(i32, i32)>> = k
            .flaechen
            .iter()
            .zip(&grund.ringe)
            .filter(|(f, _)| highlighted.contains(f.nr.as_str()))
            .flat_map(|(_, ringe)| ringe.iter().map(|(pts, _)| pts.clone()))
            .collect();
        let (gw, gh) = extent(&rings.concat());
        let width = if gw.min(gh) < 30 { 2 } else { 3 };
        for line in outer_lines(&rings) {
            root.draw(&PathElement::new(line, TEXT.stroke_width(width)))
                .map_err(draw_err)?;
        }
        if !locator {
            let lx = w - legend_w + 6;
            let mut y = 10;
            let small = TextStyle::from((FONT, 12).into_font())
                .color(&TEXT)
                .pos(Pos::new(HPos::Left, VPos::Center));
            // a legend entry's text, right of its swatch at height `y`
            let entry = |text: &str, y: i32| {
                root.draw(&Text::new(text, (lx + 22, y + 6), small.clone()))
                    .map_err(draw_err)
            };
            for (i, label) in legend_labels(&breaks, &values, k.einheit) {
                root.draw(&Rectangle::new(
                    [(lx, y), (lx + 16, y + 12)],
                    BLUES[i].filled(),
                ))
                .map_err(draw_err)?;
                root.draw(&Rectangle::new(
                    [(lx, y), (lx + 16, y + 12)],
                    BORDER.stroke_width(1),
                ))
                .map_err(draw_err)?;
                entry(&label, y)?;
                y += 18;
            }
            if k.werte.len() > values.len() {
                let sq = [(lx, y), (lx + 16, y), (lx + 16, y + 12), (lx, y + 12)];
                root.draw(&Polygon::new(sq.to_vec(), NO_VALUE.filled()))
                    .map_err(draw_err)?;
                for seg in hatch(&sq, 6) {
                    root.draw(&PathElement::new(seg.to_vec(), BORDER.stroke_width(1)))
                        .map_err(draw_err)?;
                }
                entry(". gesperrt", y)?;
                y += 14;
                entry("(Geheimhaltung)", y)?;
                y += 18;
            }
            if k.flaechen.iter().any(|f| !k.werte.contains_key(&f.nr)) {
                root.draw(&Rectangle::new(
                    [(lx, y), (lx + 16, y + 12)],
                    BORDER.stroke_width(1),
                ))
                .map_err(draw_err)?;
                entry("– keine Daten", y)?;
            }
        }
        root.present().map_err(draw_err)?;
    }
    raster.runs_into(&mut fills);
    insert_fills(&mut svg, &fills)?;
    Ok(Chart {
        svg,
        alt: map_alt(k, &values, &breaks),
    })
}

/// Lower bounds of the upper classes (at most 4 → at most 5 classes). Quantile bounds are
/// values that occur, so no class is empty; a 0 that occurs is a class of its own (an
/// Exklusionsquote of 0 % must not share a class with 3 %), and equal values are one class.
fn class_breaks(values: &[f64], klassen: &Klassierung) -> Vec<f64> {
    match klassen {
        Klassierung::Grenzen(g) => g.iter().copied().take(4).collect(),
        Klassierung::Quantile => {
            let mut v = values.to_vec();
            v.sort_by(f64::total_cmp);
            v.dedup_by(|a, b| (*a - *b).abs() < 1e-9 && a.is_finite());
            let mut all = values.to_vec();
            all.sort_by(f64::total_cmp);
            if v.len() < 2 {
                return Vec::new();
            }
            let mut out = Vec::new();
            // a zero class, then quantiles of the positive values
            let rest: Vec<f64> = if v[0] == 0.0 {
                out.push(v[1]);
                all.into_iter().filter(|&x| x > 0.0).collect()
            } else {
                all
            };
            let distinct = if out.is_empty() { v.len() } else { v.len() - 1 };
            let classes = distinct.min(5 - out.len());
            let n = rest.len();
            for q in 1..classes {
                out.push(rest[q * n / classes]);
            }
            out.sort_by(f64::total_cmp);
            out.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
            // a bound at the lowest value would leave the class below it empty
            out.retain(|&b| b > v[0]);
            out
        }
    }
}

fn class_of(v: f64, breaks: &[f64]) -> usize {
    let c = breaks.iter().take_while(|&&b| v >= b).count();
    // spread the classes over the palette so few classes still span light to dark
    if breaks.is_empty() {
        return 2;
    }
    (c * (BLUES.len() - 1)) / breaks.len()
}

/// Legend entries: palette index and label, lowest class first.
fn legend_labels(breaks: &[f64], values: &[f64], einheit: Einheit) -> Vec<(usize, String)> {
    if values.is_empty() {
        return Vec::new();
    }
    let n = breaks.len();
    if n == 0 {
        let lo = values.iter().copied().fold(f64::MAX, f64::min);
        return vec![(class_of(lo, breaks), format_value(lo, einheit))];
    }
    let lowest = values.iter().copied().fold(f64::MAX, f64::min);
    (0..=n)
        .map(|c| {
            let color = (c * (BLUES.len() - 1)) / n;
            let label = if c == 0 && lowest == 0.0 {
                format_value(0.0, einheit)
            } else if c == 0 {
                format!("unter {}", format_value(breaks[0], einheit))
            } else if c == n {
                format!("{} und mehr", format_value(breaks[n - 1], einheit))
            } else {
                format!(
                    "{} bis unter {}",
                    format_value(breaks[c - 1], einheit),
                    format_value(breaks[c], einheit)
                )
            };
            (color, label)
        })
        .collect()
}

/// Diagonal hatch lines clipped to a polygon (scanline intersections).
/// Puts the fill paths right after the white background of plotters' SVG, under all lines.
/// Only numbers and colours go into the markup.
fn insert_fills(svg: &mut String, fills: &BTreeMap<(u8, u8, u8), String>) -> anyhow::Result<()> {
    let at = svg
        .find("<rect")
        .and_then(|i| svg[i..].find("/>\n").map(|j| i + j + 3))
        .context("SVG ohne Hintergrund")?;
    let mut paths = String::new();
    for ((r, g, b), d) in fills {
        let _ = writeln!(paths, "<path fill=\"#{r:02X}{g:02X}{b:02X}\" d=\"{d}\"/>");
    }
    svg.insert_str(at, &paths);
    Ok(())
}

/// The areas of a map projected to pixels, and the grey pixels of a locator map: the same
/// for every profile of a run, and at federal scale (11,000 Gemeinden) the larger part of
/// drawing a locator map.
struct Grundkarte {
    /// The geometry it was made from. Held here, so that while the entry is kept no later
    /// geometry (`report --watch` reads it again) can get its address: the same address is
    /// the same geometry. Comparing 11,000 areas in full cost 8 % of a federal profile.
    flaechen: Geometrie,
    /// Canvas and map size in pixels.
    groesse: (i32, i32, i32, i32),
    /// Per area its rings in pixels, each with whether it is too thin for a border.
    ringe: Vec<Vec<PixelRing>>,
    /// Every thin ring painted grey (not highlighted).
    grau: Raster,
}

/// A ring in pixels and whether it is too thin for a border.
type PixelRing = (Vec<(i32, i32)>, bool);

/// The projected map of `flaechen` on a canvas of `w`×`h` with the map area `mw`×`mh`,
/// made once per geometry and size (the last few are kept).
fn grundkarte(flaechen: &Geometrie, (w, h, mw, mh): (i32, i32, i32, i32)) -> Arc<Grundkarte> {
    static CACHE: Mutex<Vec<Arc<Grundkarte>>> = Mutex::new(Vec::new());
    let groesse = (w, h, mw, mh);
    if let Ok(cache) = CACHE.lock()
        && let Some(g) = cache
            .iter()
            .find(|g| g.groesse == groesse && Arc::ptr_eq(&g.flaechen, flaechen))
    {
        return Arc::clone(g);
    }
    // equirectangular projection around the mean latitude
    let (mut minx, mut maxx, mut miny, mut maxy) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for f in flaechen.iter() {
        for r in &f.ringe {
            for &(x, y) in r {
                minx = minx.min(x);
                maxx = maxx.max(x);
                miny = miny.min(y);
                maxy = maxy.max(y);
            }
        }
    }
    let cos = ((miny + maxy) / 2.0).to_radians().cos().max(0.05);
    let sx = (maxx - minx) * cos;
    let sy = maxy - miny;
    let s = (f64::from(mw) / sx.max(1e-12)).min(f64::from(mh) / sy.max(1e-12));
    let ox = 4.0 + (f64::from(mw) - sx * s) / 2.0;
    let oy = 4.0 + (f64::from(mh) - sy * s) / 2.0;
    let project = |(x, y): (f64, f64)| -> (i32, i32) {
        (
            (ox + (x - minx) * cos * s).round() as i32,
            (oy + (maxy - y) * s).round() as i32,
        )
    };
    let ringe: Vec<Vec<PixelRing>> = flaechen
        .iter()
        .map(|f| {
            f.ringe
                .iter()
                .map(|r| {
                    let pts = pixel_ring(r, project);
                    let thin = too_thin(&pts);
                    (pts, thin)
                })
                .collect()
        })
        .collect();
    let mut grau = Raster::new(w, h);
    for (pts, _) in ringe.iter().flatten().filter(|(_, thin)| *thin) {
        grau.paint(pts, (NO_VALUE.0, NO_VALUE.1, NO_VALUE.2), false);
    }
    let g = Arc::new(Grundkarte {
        flaechen: Arc::clone(flaechen),
        groesse,
        ringe,
        grau,
    });
    if let Ok(mut cache) = CACHE.lock() {
        cache.push(Arc::clone(&g));
        if cache.len() > 4 {
            cache.remove(0);
        }
    }
    g
}

/// Areas narrower or lower than this (pixels) get no border line.
const MIN_BORDER: i32 = 5;

/// The pixels of the areas too small for a vector outline, with the colour of the area that
/// painted them: the first one, except that a highlighted area always shows.
#[derive(Clone)]
struct Raster {
    w: i32,
    h: i32,
    /// Index into `colours` + 1 per pixel, 0 = not painted.
    owner: Vec<u8>,
    colours: Vec<(u8, u8, u8)>,
    /// Pixels painted by a highlighted area.
    kept: Vec<bool>,
}

impl Raster {
    fn new(w: i32, h: i32) -> Self {
        let n = (w.max(0) as usize) * (h.max(0) as usize);
        Raster {
            w,
            h,
            owner: vec![0; n],
            colours: Vec::new(),
            kept: vec![false; n],
        }
    }

    /// Paints the pixels whose centres lie inside the ring (even-odd); at least the pixel
    /// of its first point, so that no area disappears.
    fn paint(&mut self, pts: &[(i32, i32)], colour: (u8, u8, u8), highlighted: bool) {
        let c = match self.colours.iter().position(|&x| x == colour) {
            Some(i) => i,
            None => {
                self.colours.push(colour);
                self.colours.len() - 1
            }
        };
        // more colours than a u8 holds do not occur (palette of a few classes)
        let Ok(c) = u8::try_from(c + 1) else { return };
        let (x0, x1) = pts
            .iter()
            .fold((i32::MAX, i32::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
        let (y0, y1) = pts
            .iter()
            .fold((i32::MAX, i32::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
        let mut any = false;
        for y in y0.max(0)..y1.min(self.h) {
            for x in x0.max(0)..x1.min(self.w) {
                if inside(pts, f64::from(x) + 0.5, f64::from(y) + 0.5) {
                    self.set(x, y, c, highlighted);
                    any = true;
                }
            }
        }
        if !any {
            let (x, y) = pts[0];
            self.set(x.min(self.w - 1), y.min(self.h - 1), c, highlighted);
        }
    }

    fn set(&mut self, x: i32, y: i32, c: u8, highlighted: bool) {
        if x < 0 || y < 0 || x >= self.w || y >= self.h {
            return;
        }
        let i = (y * self.w + x) as usize;
        if self.owner[i] == 0 || (highlighted && !self.kept[i]) {
            self.owner[i] = c;
            self.kept[i] |= highlighted;
        }
    }

    /// Runs of equal colour per pixel row, as SVG path parts added to the colours' fills.
    fn runs_into(&self, fills: &mut BTreeMap<(u8, u8, u8), String>) {
        for y in 0..self.h {
            let row = &self.owner[(y * self.w) as usize..((y + 1) * self.w) as usize];
            let mut x = 0;
            while x < row.len() {
                let c = row[x];
                let start = x;
                while x < row.len() && row[x] == c {
                    x += 1;
                }
                if c > 0 {
                    let d = fills.entry(self.colours[usize::from(c - 1)]).or_default();
                    let n = x - start;
                    let _ = write!(d, "M{start} {y}h{n}v1h-{n}Z");
                }
            }
        }
    }
}

/// The edges of a closed ring, as pairs of points.
fn edges(pts: &[(i32, i32)]) -> impl Iterator<Item = ((f64, f64), (f64, f64))> + '_ {
    let p = |(x, y): (i32, i32)| (f64::from(x), f64::from(y));
    (0..pts.len()).map(move |i| (p(pts[i]), p(pts[(i + 1) % pts.len()])))
}

/// Even-odd test of a point against a closed ring.
fn inside(pts: &[(i32, i32)], px: f64, py: f64) -> bool {
    let mut inside = false;
    for ((ax, ay), (bx, by)) in edges(pts) {
        if (ay > py) != (by > py) && px < ax + (py - ay) * (bx - ax) / (by - ay) {
            inside = !inside;
        }
    }
    inside
}

/// A ring projected to output pixels, without repeated points: on a map of 11,000 Gemeinden
/// most rings shrink to a handful of pixels. Never empty for a non-empty ring.
fn pixel_ring(r: &[(f64, f64)], project: impl Fn((f64, f64)) -> (i32, i32)) -> Vec<(i32, i32)> {
    let mut pts: Vec<(i32, i32)> = r.iter().map(|&p| project(p)).collect();
    pts.dedup();
    while pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    pts
}

/// True for a ring narrower than [`MIN_BORDER`] pixels: its bounding box is, or its mean
/// width (twice the area over the perimeter) is below that of a square of that size – a
/// diagonal sliver has a large bounding box but is a pixel wide.
fn too_thin(pts: &[(i32, i32)]) -> bool {
    let (bw, bh) = extent(pts);
    if bw < MIN_BORDER || bh < MIN_BORDER {
        return true;
    }
    let (mut twice_area, mut perimeter) = (0.0, 0.0);
    for ((ax, ay), (bx, by)) in edges(pts) {
        twice_area += ax * by - bx * ay;
        perimeter += (bx - ax).hypot(by - ay);
    }
    // a MIN_BORDER square: 2·A / P = MIN_BORDER / 2
    2.0 * twice_area.abs() < f64::from(MIN_BORDER) * perimeter
}

/// Width and height of the bounding box of `pts`.
fn extent(pts: &[(i32, i32)]) -> (i32, i32) {
    let (mut x0, mut x1, mut y0, mut y1) = (i32::MAX, i32::MIN, i32::MAX, i32::MIN);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    (x1.saturating_sub(x0), y1.saturating_sub(y0))
}

/// The parts of the rings' edges that belong to one ring only – the outline of their union
/// when neighbours share their border points – as polylines.
fn outer_lines(rings: &[Vec<(i32, i32)>]) -> Vec<Vec<(i32, i32)>> {
    type Edge = ((i32, i32), (i32, i32));
    let key = |a: (i32, i32), b: (i32, i32)| -> Edge { if a <= b { (a, b) } else { (b, a) } };
    let mut count: std::collections::HashMap<Edge, u32> = std::collections::HashMap::new();
    let closed = |r: &Vec<(i32, i32)>| r.len() >= 2;
    for r in rings.iter().filter(|r| closed(r)) {
        for i in 0..r.len() {
            *count.entry(key(r[i], r[(i + 1) % r.len()])).or_default() += 1;
        }
    }
    let mut lines = Vec::new();
    for r in rings.iter().filter(|r| closed(r)) {
        let n = r.len();
        let outer = |i: usize| count[&key(r[i], r[(i + 1) % n])] == 1;
        // start after an inner edge, so a run is never cut at the ring's seam
        let start = (0..n).find(|&i| !outer(i)).map_or(0, |i| i + 1);
        let mut line: Vec<(i32, i32)> = Vec::new();
        for j in 0..n {
            let i = (start + j) % n;
            if outer(i) {
                if line.is_empty() {
                    line.push(r[i]);
                }
                line.push(r[(i + 1) % n]);
            } else if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines
}

fn hatch(pts: &[(i32, i32)], spacing: i32) -> Vec<[(i32, i32); 2]> {
    // lines x + y = c; parametrise along x
    let (mut cmin, mut cmax) = (i32::MAX, i32::MIN);
    for &(x, y) in pts {
        cmin = cmin.min(x + y);
        cmax = cmax.max(x + y);
    }
    let mut out = Vec::new();
    let mut c = cmin - cmin.rem_euclid(spacing) + spacing;
    while c < cmax {
        let mut xs: Vec<f64> = Vec::new();
        for (a, b) in pts.iter().zip(pts.iter().cycle().skip(1)) {
            let (fa, fb) = (f64::from(a.0 + a.1 - c), f64::from(b.0 + b.1 - c));
            if (fa < 0.0) != (fb < 0.0) {
                let t = fa / (fa - fb);
                xs.push(f64::from(a.0) + t * f64::from(b.0 - a.0));
            }
        }
        xs.sort_by(f64::total_cmp);
        for pair in xs.chunks(2) {
            if let [x1, x2] = pair {
                let (x1, x2) = (x1.round() as i32, x2.round() as i32);
                out.push([(x1, c - x1), (x2, c - x2)]);
            }
        }
        c += spacing;
    }
    out
}

fn map_alt(k: &Karte, values: &[f64], breaks: &[f64]) -> String {
    let name = |nr: &str| k.namen.get(nr).cloned().unwrap_or_else(|| nr.to_string());
    if k.werte.is_empty() {
        let names: Vec<String> = k.hervorheben.iter().map(|nr| name(nr)).collect();
        return format!(
            "Lagekarte: {} mit {} Gebieten; hervorgehoben {} {}.",
            k.titel,
            k.flaechen.len(),
            if names.len() == 1 { "ist" } else { "sind" },
            names.join(", ")
        );
    }
    let mut ranked: Vec<(&String, f64)> = k
        .werte
        .iter()
        .filter_map(|(nr, v)| v.map(|v| (nr, v)))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let list = |it: &mut dyn Iterator<Item = &(&String, f64)>| {
        it.map(|(nr, v)| format!("{} ({})", name(nr), format_value(*v, k.einheit)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut s = format!(
        "Karte: {} nach Gebieten, {}, in {} {}.",
        k.titel,
        k.periode,
        breaks.len() + 1,
        if breaks.is_empty() {
            "Klasse"
        } else {
            "Klassen"
        }
    );
    if ranked.len() == 1 {
        s.push_str(&format!(" Wert: {}.", list(&mut ranked.iter())));
    } else if !ranked.is_empty() {
        s.push_str(&format!(
            " Höchste Werte: {}. Niedrigste Werte: {}.",
            list(&mut ranked.iter().take(3)),
            list(&mut ranked.iter().rev().take(3))
        ));
    }
    let hidden = k.werte.len().saturating_sub(values.len());
    if hidden > 0 {
        s.push_str(&format!(
            " {hidden} {} mit gesperrtem Wert {} grau schraffiert.",
            if hidden == 1 { "Gebiet" } else { "Gebiete" },
            if hidden == 1 { "ist" } else { "sind" }
        ));
    }
    let ohne = k
        .flaechen
        .iter()
        .filter(|f| !k.werte.contains_key(&f.nr))
        .count();
    if ohne > 0 {
        s.push_str(&format!(
            " {ohne} {} ohne Daten.",
            if ohne == 1 { "Gebiet" } else { "Gebiete" }
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(nr: &str, x: f64) -> Flaeche {
        Flaeche {
            nr: nr.into(),
            ringe: vec![vec![
                (x, 52.0),
                (x + 0.01, 52.0),
                (x + 0.01, 52.01),
                (x, 52.01),
            ]],
        }
    }

    #[test]
    fn reads_polygons_and_multipolygons() {
        let g = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"nr":"01"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
          {"type":"Feature","properties":{"nr":2},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[2,0],[2,2],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}}]}"#;
        let f = geometry(g, "nr").unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].nr, "2", "largest first");
        assert_eq!(f[0].ringe.len(), 2);
        assert!(geometry(b"{}", "nr").is_err());
    }

    #[test]
    fn quantile_classes_and_legend() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        let b = class_breaks(&v, &Klassierung::Quantile);
        assert_eq!(b.len(), 4);
        assert_eq!(class_of(1.0, &b), 0);
        assert_eq!(class_of(10.0, &b), 4);
        let l = legend_labels(&b, &v, Einheit::Prozent);
        assert_eq!(l.len(), 5);
        assert!(l[0].1.starts_with("unter "), "{l:?}");
        assert_eq!(l[4].0, 4);
        assert!(l[4].1.ends_with("und mehr"), "{l:?}");
    }

    /// Every class holds a value, whatever the data: ties, zeros, one value, two values.
    #[test]
    fn no_class_is_empty_and_zero_is_its_own() {
        let cases: Vec<Vec<f64>> = vec![
            vec![0.0; 12],
            vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.2, 3.4, 0.0],
            vec![5.0, 5.0, 5.0, 7.1],
            vec![2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 9.9, 10.0, 10.0],
            vec![0.0, 0.0, 100.0],
            (0..40).map(|i| f64::from(i % 7) * 1.5).collect(),
            (1..=33).map(|i| f64::from(i) * 0.1).collect(),
        ];
        for v in cases {
            let b = class_breaks(&v, &Klassierung::Quantile);
            let classes = b.len() + 1;
            let mut used = vec![0; classes];
            for &x in &v {
                used[b.iter().take_while(|&&bound| x >= bound).count()] += 1;
            }
            assert!(
                used.iter().all(|&n| n > 0),
                "empty class: {v:?} → {b:?} {used:?}"
            );
            let labels = legend_labels(&b, &v, Einheit::Prozent);
            assert_eq!(labels.len(), classes, "{v:?}");
            assert!(
                labels.iter().all(|(_, l)| !l.contains("unter 0,0")),
                "{labels:?}"
            );
            if v.contains(&0.0) && v.iter().any(|&x| x > 0.0) {
                assert_eq!(
                    labels[0].1, "0,0\u{a0}%",
                    "zero is its own class: {labels:?}"
                );
                assert_eq!(used[0], v.iter().filter(|&&x| x == 0.0).count());
            }
        }
        // all equal: one class in the middle of the palette, not the darkest
        let b = class_breaks(&[0.0; 5], &Klassierung::Quantile);
        assert!(b.is_empty());
        assert_eq!(class_of(0.0, &b), 2);
    }

    #[test]
    fn map_hatches_areas_without_value() {
        let f: Geometrie = vec![square("01", 11.0), square("02", 11.01)].into();
        let c = map(&Karte {
            titel: "Quote".into(),
            periode: "2024".into(),
            einheit: Einheit::Prozent,
            flaechen: &f,
            namen: [
                ("01".into(), "Altstadt".into()),
                ("02".into(), "Buckau".into()),
            ]
            .into(),
            werte: [("01".into(), Some(40.0)), ("02".into(), None)].into(),
            hervorheben: Vec::new(),
            klassen: Klassierung::Quantile,
            groesse: (400, 240),
        })
        .unwrap();
        assert!(c.alt.contains("Altstadt (40,0\u{a0}%)"), "{}", c.alt);
        assert!(c.alt.contains("1 Gebiet mit gesperrtem Wert"), "{}", c.alt);
        assert!(c.svg.contains("gesperrt"));
        assert!(
            c.svg.contains("stroke=\"#FFFFFF\""),
            "large areas keep white borders"
        );
        assert!(!hatch(&[(0, 0), (20, 0), (20, 20), (0, 20)], 6).is_empty());
    }

    #[test]
    fn neighbours_are_outlined_as_one_area() {
        let a = vec![(0, 0), (10, 0), (10, 10), (0, 10)];
        let b = vec![(10, 0), (20, 0), (20, 10), (10, 10)];
        let lines = outer_lines(&[a.clone(), b]);
        let edges: usize = lines.iter().map(|l| l.len() - 1).sum();
        assert_eq!(edges, 6, "the shared edge is left out: {lines:?}");
        assert!(lines.iter().all(|l| {
            !l.windows(2)
                .any(|w| w == [(10, 0), (10, 10)] || w == [(10, 10), (10, 0)])
        }));
        // a single area: its whole ring, closed
        let one = outer_lines(&[a]);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].first(), one[0].last());
        assert_eq!(one[0].len(), 5);
    }

    #[test]
    fn the_projected_map_is_reused_only_for_the_same_geometry() {
        let lage = |f: &Geometrie, nr: &str| {
            map(&Karte {
                titel: "Lage".into(),
                periode: String::new(),
                einheit: Einheit::Anzahl,
                flaechen: f,
                namen: [(nr.to_string(), "X".to_string())].into(),
                werte: Default::default(),
                hervorheben: vec![nr.into()],
                klassen: Klassierung::Quantile,
                groesse: (220, 200),
            })
            .unwrap()
            .svg
        };
        let areas: Vec<Flaeche> = (0..300)
            .map(|i| square(&format!("{i:03}"), 11.0 + f64::from(i) * 0.001))
            .collect();
        let f: Geometrie = areas.clone().into();
        let first = lage(&f, "007");
        // the same geometry again (from the kept projection), and another highlight
        assert_eq!(lage(&f, "007"), first);
        assert_ne!(lage(&f, "200"), first);
        // a geometry read again with one area moved (as after an edit in `report --watch`),
        // the old one dropped first so that its memory is free
        drop(f);
        let mut moved = areas.clone();
        moved[7].ringe[0].iter_mut().for_each(|p| p.1 += 0.5);
        let moved: Geometrie = moved.into();
        assert_ne!(lage(&moved, "007"), first);
        let again: Geometrie = areas.into();
        assert_eq!(lage(&again, "007"), first);
    }

    #[test]
    fn thin_areas_are_found_by_their_mean_width() {
        let square = |n: i32| vec![(0, 0), (n, 0), (n, n), (0, n)];
        assert!(!too_thin(&square(5)), "a 5 px square keeps its border");
        assert!(too_thin(&square(4)));
        assert!(
            too_thin(&[(0, 0), (40, 0), (40, 4), (0, 4)]),
            "a 4 px strip"
        );
        // a diagonal sliver one pixel wide: large bounding box, tiny mean width
        assert!(too_thin(&[(0, 0), (1, 0), (21, 20), (20, 20)]));
        // a diagonal band wide enough for a border
        assert!(!too_thin(&[(0, 0), (10, 0), (30, 20), (20, 20)]));
    }

    #[test]
    fn small_areas_paint_their_pixels_and_highlights_win() {
        let grey = (1, 1, 1);
        let orange = (2, 2, 2);
        let mut r = Raster::new(20, 10);
        // a 3×3 square covers the 9 pixels whose centres lie inside
        r.paint(&[(2, 2), (5, 2), (5, 5), (2, 5)], grey, false);
        // a ring smaller than a pixel keeps one pixel
        r.paint(&[(9, 1)], grey, false);
        // a highlighted area over grey wins its pixels, a later grey one does not take them
        r.paint(&[(4, 4), (6, 4), (6, 6), (4, 6)], orange, true);
        r.paint(&[(4, 4), (7, 4), (7, 7), (4, 7)], grey, false);
        let mut fills = BTreeMap::new();
        r.runs_into(&mut fills);
        let count = |c| r.owner.iter().filter(|&&o| o == c).count();
        assert_eq!(count(2), 4, "the highlighted 2×2 pixels");
        // 9 + 1 + the uncovered part of the last square (9 − 4), minus the 1 pixel taken
        assert_eq!(count(1), 9 - 1 + 1 + 5);
        assert_eq!(fills[&orange], "M4 4h2v1h-2ZM4 5h2v1h-2Z");
        assert!(
            fills[&grey].contains("M2 2h3v1h-3ZM2 3h3v1h-3Z"),
            "{}",
            fills[&grey]
        );
        assert!(fills[&grey].contains("M9 1h1v1h-1Z"), "{}", fills[&grey]);
    }

    #[test]
    fn tiny_areas_shrink_to_pixels_without_borders() {
        let id = |(x, y): (f64, f64)| (x.round() as i32, y.round() as i32);
        let r = [(0.0, 0.0), (0.2, 0.1), (0.4, 0.0), (0.1, 0.3), (0.0, 0.0)];
        assert_eq!(pixel_ring(&r, id), vec![(0, 0)]);
        // 2,000 areas on a small locator map: every one is painted, none disappears
        // under white border lines
        let f: Geometrie = (0..2000)
            .map(|i| square(&format!("{i:04}"), 11.0 + f64::from(i % 50) * 0.01))
            .map(|mut s| {
                let row = s.nr.parse::<f64>().unwrap().div_euclid(50.0) * 0.01;
                for r in &mut s.ringe {
                    for p in r {
                        p.1 += row;
                    }
                }
                s
            })
            .collect();
        let c = map(&Karte {
            titel: "Lage".into(),
            periode: String::new(),
            einheit: Einheit::Anzahl,
            flaechen: &f,
            namen: [("0001".into(), "Eins".into())].into(),
            werte: Default::default(),
            hervorheben: vec!["0001".into(), "0002".into()],
            klassen: Klassierung::Quantile,
            groesse: (220, 200),
        })
        .unwrap();
        assert!(!c.svg.contains("stroke=\"#FFFFFF\""), "no white borders");
        let fills: Vec<&str> = c
            .svg
            .lines()
            .filter(|l| l.starts_with("<path fill"))
            .collect();
        assert_eq!(fills.len(), 2, "one path per colour (grey, highlight)");
        // painted as runs of pixels: at most a few per pixel row, not one per area
        let runs = fills.iter().map(|l| l.matches('Z').count()).sum::<usize>();
        assert!((1..=400).contains(&runs), "{runs} runs");
        assert!(
            fills
                .iter()
                .any(|l| l.contains("#D55E00") && l.contains('Z')),
            "the highlighted areas are painted"
        );
        let first_line = c.svg.find("<polyline").unwrap();
        assert!(
            c.svg.find("<path fill").unwrap() < first_line,
            "fills under the lines"
        );
        assert!(c.alt.contains("2000 Gebieten"), "{}", c.alt);
    }
}
