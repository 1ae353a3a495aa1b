//! Charts as SVG (plotters): trend lines, sorted bars with the city value as reference line,
//! stacked shares per group and choropleth maps of the Stadtteile. Every chart comes with
//! an alt text generated from its data, for PDF/UA.
//!
//! Text in the SVGs names the report font family exactly; Typst resolves it against the
//! fonts embedded in the PDF. One colour-blind-safe palette (Okabe–Ito) for categories and
//! a sequential blue scale (ColorBrewer „Blues“) for maps.

mod bars;
mod line;
mod map;

pub use bars::{Balken, StapelBalken, bars, stacked};
pub use line::{Linie, line};
pub use map::{Flaeche, Geometrie, Karte, Klassierung, geometry, map};

use plotters::style::RGBColor;

/// The font family written into every SVG (embedded in the PDF by the renderer).
pub const FONT: &str = "Source Sans 3";

/// Sets the project's font family (`[gestaltung] schrift`) in charts drawn with [`FONT`]; the
/// text widths stay those of Source Sans 3, close for other sans-serif faces.
pub fn use_font(svgs: &mut [Vec<u8>], family: &str) {
    if family == FONT {
        return;
    }
    let from = format!("font-family=\"{FONT}\"");
    let escaped = family
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    let to = format!("font-family=\"{escaped}\"");
    for svg in svgs {
        if let Ok(text) = std::str::from_utf8(svg)
            && text.contains(&from)
        {
            *svg = text.replace(&from, &to).into_bytes();
        }
    }
}

/// Okabe–Ito: distinguishable with every common colour-vision deficiency.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(120, 120, 120), // grey
];

/// Dark text (contrast > 12:1 on white).
pub const TEXT: RGBColor = RGBColor(33, 33, 33);
/// Grid and axes.
pub const GRID: RGBColor = RGBColor(210, 210, 210);
/// Areas without a published value.
pub const NO_VALUE: RGBColor = RGBColor(225, 225, 225);

/// A chart ready for the template: SVG text and its alt text.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The SVG document.
    pub svg: String,
    /// What the chart shows, its extremes and the city value.
    pub alt: String,
}

/// Maps a plotters drawing error into anyhow (its error type is generic over the backend).
fn draw_err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow::anyhow!("Diagramm konnte nicht gezeichnet werden: {e:?}")
}

/// Text width without font metrics: about 0.55 em per character of Source Sans 3.
/// Counted in characters, not bytes, so umlauts do not count double.
fn text_width(s: &str, size: f64) -> i32 {
    (s.chars().count() as f64 * size * 0.55).ceil() as i32
}

/// Formats a value in the unit of an indicator for axis labels and direct labels.
pub fn format_value(v: f64, einheit: crate::catalogue::Einheit) -> String {
    crate::format::value(v, einheit)
}

/// Axis tick label: whole numbers where the axis is wide enough, one decimal on short axes.
fn format_tick(v: f64, einheit: crate::catalogue::Einheit, top: f64) -> String {
    use crate::catalogue::Einheit;
    let digits = usize::from(top < 5.0);
    match einheit {
        Einheit::Prozent => crate::format::percent(v, digits),
        Einheit::Anzahl if top >= 5.0 => crate::format::integer(v.round() as i64),
        _ => {
            if (v - v.round()).abs() < 1e-9 {
                crate::format::integer(v.round() as i64)
            } else {
                crate::format::decimal(v, 1)
            }
        }
    }
}

/// A "nice" upper axis bound above `max` (1, 2, 2.5, 5 × 10^k).
fn nice_max(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let exp = max.log10().floor();
    let base = 10f64.powf(exp);
    for m in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if m * base >= max * 1.02 {
            return m * base;
        }
    }
    10.0 * base
}

/// A round tick step for an axis from 0 to `top`: about 4 to 6 ticks.
fn nice_step(top: f64) -> f64 {
    let raw = top / 5.0;
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let base = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * base >= raw * 0.99 {
            return m * base;
        }
    }
    10.0 * base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_bounds() {
        assert_eq!(nice_max(37.4), 40.0);
        assert_eq!(nice_max(98.0), 100.0);
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(1234.0), 1500.0);
        assert_eq!(nice_step(80.0), 20.0);
        assert_eq!(nice_step(100.0), 20.0);
        assert_eq!(nice_step(1500.0), 500.0);
    }

    #[test]
    fn widths_count_characters() {
        assert_eq!(text_width("Süd", 10.0), text_width("Sud", 10.0));
    }
}
