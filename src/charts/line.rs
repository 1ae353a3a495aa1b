//! Trend lines over periods: markers on every value, the last value labelled, gaps left open.

use super::{Chart, FONT, GRID, PALETTE, TEXT, draw_err, format_tick, format_value, nice_max};
use crate::catalogue::Einheit;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A line chart: one or more series over the same periods.
#[derive(Debug, Clone)]
pub struct Linie {
    /// What is shown, for the alt text ("Betreuungsquote unter 3 Jahren").
    pub titel: String,
    /// Unit of the values.
    pub einheit: Einheit,
    /// Period labels on the x axis ("2024", "2023/24").
    pub labels: Vec<String>,
    /// Series: name and one value per label (`None`: no published value).
    pub reihen: Vec<(String, Vec<Option<f64>>)>,
    /// Canvas size in px (≈ pt in the PDF at 100 % width).
    pub groesse: (u32, u32),
}

/// Draws the line chart.
pub fn line(l: &Linie) -> anyhow::Result<Chart> {
    let mut svg = String::new();
    let n = l.labels.len().max(1);
    let max = l
        .reihen
        .iter()
        .flat_map(|(_, v)| v.iter().flatten())
        .fold(0f64, |a, &b| a.max(b));
    let top = if l.einheit == Einheit::Prozent && max > 80.0 {
        100.0
    } else {
        nice_max(max)
    };
    {
        let root = SVGBackend::with_string(&mut svg, l.groesse).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        // legend entries wrap onto further lines instead of running off the canvas
        let mut legend_pos = Vec::new();
        let (mut lx, mut ly) = (60, 0);
        for (name, _) in &l.reihen {
            let w = 40 + super::text_width(name, 13.0);
            if lx + w > l.groesse.0 as i32 && lx > 60 {
                lx = 60;
                ly += 20;
            }
            legend_pos.push((lx, ly));
            lx += w;
        }
        let legend_h = if l.reihen.len() > 1 {
            ly as u32 + 24
        } else {
            0
        };
        let (plot, legend) = root.split_vertically(l.groesse.1 - legend_h);
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(14)
            .margin_right(56)
            .margin_left(6)
            .x_label_area_size(26)
            .y_label_area_size(54)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..top)
            .map_err(draw_err)?;
        let labels = l.labels.clone();
        // Thin the x labels so they never overlap (about 44 px per label).
        let every = (n * 44).div_ceil(l.groesse.0 as usize - 110).max(1);
        let einheit = l.einheit;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(GRID)
            .x_labels(n)
            .y_labels(6)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() > 1e-6 || i < 0.0 {
                    return String::new();
                }
                let i = i as usize;
                if !(n - 1 - i.min(n - 1)).is_multiple_of(every) {
                    return String::new();
                }
                labels.get(i).cloned().unwrap_or_default()
            })
            .y_label_formatter(&|y| format_tick(*y, einheit, top))
            .label_style((FONT, 13).into_font().color(&TEXT))
            .draw()
            .map_err(draw_err)?;
        let mut end_labels: Vec<(i32, i32, usize, f64)> = Vec::new();
        for (k, (_, values)) in l.reihen.iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            let style = ShapeStyle {
                color: color.to_rgba(),
                filled: false,
                stroke_width: 2,
            };
            // segments between consecutive published values; a gap breaks the line
            let mut segment: Vec<(f64, f64)> = Vec::new();
            let mut segments = Vec::new();
            for (i, v) in values.iter().enumerate() {
                match v {
                    Some(v) => segment.push((i as f64, *v)),
                    None => segments.push(std::mem::take(&mut segment)),
                }
            }
            segments.push(segment);
            for s in segments.into_iter().filter(|s| !s.is_empty()) {
                if k == 0 {
                    chart
                        .draw_series(LineSeries::new(s.clone(), style))
                        .map_err(draw_err)?;
                } else {
                    chart
                        .draw_series(DashedLineSeries::new(s.clone(), 6, 4, style))
                        .map_err(draw_err)?;
                }
                chart
                    .draw_series(s.iter().map(|&(x, y)| {
                        if k == 0 {
                            Circle::new((x, y), 3, color.filled()).into_dyn()
                        } else {
                            TriangleMarker::new((x, y), 4, color.filled()).into_dyn()
                        }
                    }))
                    .map_err(draw_err)?;
            }
            if let Some((i, v)) = values
                .iter()
                .enumerate()
                .rev()
                .find_map(|(i, v)| v.map(|v| (i, v)))
            {
                let (px, py) = chart.backend_coord(&(i as f64, v));
                end_labels.push((py, px, k, v));
            }
        }
        // last values: one label per series, pushed apart so that none overlap, and kept
        // inside the plotting area (shifted up as a block if the lowest would leave it)
        end_labels.sort_by_key(|e| e.0);
        let (_, yr) = chart.plotting_area().get_pixel_range();
        let mut ys: Vec<i32> = Vec::with_capacity(end_labels.len());
        for (py, ..) in &end_labels {
            let y = if l.reihen.len() == 1 {
                py - 10
            } else {
                (*py).max(ys.last().map_or(i32::MIN, |p| p + 14))
            };
            ys.push(y);
        }
        if let Some(&last) = ys.last() {
            let over = last - (yr.end - 6);
            if over > 0 {
                for y in &mut ys {
                    *y -= over;
                }
                // the top may now be above the area: pin it and space the rest again
                let mut prev = i32::MIN;
                for y in &mut ys {
                    *y = (*y).max(yr.start + 6).max(prev.saturating_add(14));
                    prev = *y;
                }
            }
        }
        for ((_, px, k, v), y) in end_labels.into_iter().zip(ys) {
            plot.draw(&Text::new(
                format_value(v, l.einheit),
                (px + 7, y),
                TextStyle::from((FONT, 13).into_font().style(FontStyle::Bold))
                    .color(&PALETTE[k % PALETTE.len()])
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(draw_err)?;
        }
        if legend_h > 0 {
            for (k, (name, _)) in l.reihen.iter().enumerate() {
                let color = PALETTE[k % PALETTE.len()];
                let (x, y) = legend_pos[k];
                legend
                    .draw(&PathElement::new(
                        vec![(x, y + 11), (x + 22, y + 11)],
                        color.stroke_width(2),
                    ))
                    .map_err(draw_err)?;
                legend
                    .draw(&Text::new(
                        name.clone(),
                        (x + 28, y + 11),
                        TextStyle::from((FONT, 13).into_font())
                            .color(&TEXT)
                            .pos(Pos::new(HPos::Left, VPos::Center)),
                    ))
                    .map_err(draw_err)?;
            }
        }
        root.present().map_err(draw_err)?;
    }
    Ok(Chart {
        svg,
        alt: alt_text(l),
    })
}

fn alt_text(l: &Linie) -> String {
    let mut parts = vec![format!(
        "Liniendiagramm: {} {} bis {}.",
        l.titel,
        l.labels.first().map_or("", String::as_str),
        l.labels.last().map_or("", String::as_str)
    )];
    for (name, values) in &l.reihen {
        let published: Vec<(usize, f64)> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i, v)))
            .collect();
        let (Some(first), Some(last)) = (published.first(), published.last()) else {
            parts.push(format!("{name}: keine veröffentlichten Werte."));
            continue;
        };
        let max = published
            .iter()
            .copied()
            .fold(first.to_owned(), |a, b| if b.1 > a.1 { b } else { a });
        let min = published
            .iter()
            .copied()
            .fold(first.to_owned(), |a, b| if b.1 < a.1 { b } else { a });
        parts.push(format!(
            "{name}: {} im Jahr {}, zuletzt {} im Jahr {}; höchster Wert {} ({}), niedrigster {} ({}).",
            format_value(first.1, l.einheit),
            l.labels[first.0],
            format_value(last.1, l.einheit),
            l.labels[last.0],
            format_value(max.1, l.einheit),
            l.labels[max.0],
            format_value(min.1, l.einheit),
            l.labels[min.0],
        ));
        let gaps = values.len() - published.len();
        if gaps > 0 {
            parts.push(format!("{gaps} Zeitpunkte ohne veröffentlichten Wert."));
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_chart_has_font_and_alt_text() {
        let c = line(&Linie {
            titel: "Betreuungsquote unter 3 Jahren".into(),
            einheit: Einheit::Prozent,
            labels: (2015..2025).map(|y| y.to_string()).collect(),
            reihen: vec![(
                "Stadt".into(),
                (0..10)
                    .map(|i| if i == 3 { None } else { Some(40.0 + i as f64) })
                    .collect(),
            )],
            groesse: (480, 220),
        })
        .unwrap();
        assert!(c.svg.contains(FONT), "{}", &c.svg[..200]);
        assert!(c.svg.contains("49,0\u{a0}%"));
        assert!(c.alt.contains("40,0\u{a0}%"), "{}", c.alt);
        assert!(
            c.alt.contains("höchster Wert 49,0\u{a0}% (2024)"),
            "{}",
            c.alt
        );
        assert!(c.alt.contains("1 Zeitpunkte"), "{}", c.alt);
        // the project's font reaches every text of the chart
        let mut svgs = vec![c.svg.clone().into_bytes()];
        super::super::use_font(&mut svgs, "Hausschrift \"Neu\"");
        let svg = String::from_utf8(svgs.remove(0)).unwrap();
        assert!(!svg.contains(FONT), "{svg}");
        assert!(
            svg.contains("font-family=\"Hausschrift &quot;Neu&quot;\""),
            "{svg}"
        );
    }
}
