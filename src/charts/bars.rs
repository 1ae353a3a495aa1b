//! Horizontal bars: all Stadtteile sorted by value with the city value as reference line,
//! and 100 % stacked bars of a breakdown (e.g. Übergänge by Schulform).
//!
//! Drawn in pixel coordinates on a plotters drawing area: horizontal bars keep 40 names
//! readable (rotated axis labels overlap in plotters).

use super::{
    Chart, FONT, GRID, NO_VALUE, PALETTE, TEXT, draw_err, format_tick, format_value, nice_max,
    text_width,
};
use crate::catalogue::Einheit;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A label cut to `max` characters with "…" (the alt text keeps the full name).
fn kuerzen(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// Sorted bars for one period.
#[derive(Debug, Clone)]
pub struct Balken {
    /// What is shown ("Betreuungsquote unter 3 Jahren").
    pub titel: String,
    /// Period label for the alt text.
    pub periode: String,
    /// Unit of the values.
    pub einheit: Einheit,
    /// Areas: name, value (`None`: suppressed or missing), highlighted.
    pub eintraege: Vec<(String, Option<f64>, bool)>,
    /// Reference line: label and value (the city value).
    pub referenz: Option<(String, f64)>,
    /// Canvas width in px.
    pub breite: u32,
}

const ROW: i32 = 15;

/// Draws the sorted bars (highest first; areas without value at the end, marked ".").
pub fn bars(b: &Balken) -> anyhow::Result<Chart> {
    let mut rows = b.eintraege.clone();
    rows.sort_by(|a, b| match (a.1, b.1) {
        (Some(x), Some(y)) => y.total_cmp(&x).then(a.0.cmp(&b.0)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.0.cmp(&b.0),
    });
    let max = rows
        .iter()
        .filter_map(|r| r.1)
        .chain(b.referenz.as_ref().map(|r| r.1))
        .fold(0f64, f64::max);
    let top = if b.einheit == Einheit::Prozent && max > 80.0 {
        100.0
    } else {
        nice_max(max)
    };
    let label_w = rows
        .iter()
        .map(|r| text_width(&r.0, 12.0))
        .max()
        .unwrap_or(40)
        .clamp(40, 170)
        + 8;
    let head = 24;
    let height = head + ROW * rows.len() as i32 + 28;
    let width = b.breite as i32;
    let (x0, x1) = (label_w, width - 58);
    let scale = |v: f64| x0 + ((v / top) * f64::from(x1 - x0)).round() as i32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (b.breite, height as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let small = TextStyle::from((FONT, 12).into_font()).color(&TEXT);
        // grid and tick labels at round steps
        let step = super::nice_step(top);
        let ticks = (top / step).round() as i32;
        for t in 0..=ticks {
            let v = step * f64::from(t);
            let x = scale(v);
            root.draw(&PathElement::new(
                vec![(x, head - 4), (x, head + ROW * rows.len() as i32)],
                GRID.stroke_width(1),
            ))
            .map_err(draw_err)?;
            root.draw(&Text::new(
                format_tick(v, b.einheit, top),
                (x, head + ROW * rows.len() as i32 + 6),
                small.clone().pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(draw_err)?;
        }
        // bars and names; the reference line goes over the bars (it is the comparison), the
        // value labels over the line on a white ground, so that the dashes never cross digits
        let mut labels: Vec<(String, (i32, i32))> = Vec::with_capacity(rows.len());
        for (i, (name, value, highlight)) in rows.iter().enumerate() {
            let y = head + ROW * i as i32;
            let weight = if *highlight {
                FontStyle::Bold
            } else {
                FontStyle::Normal
            };
            root.draw(&Text::new(
                kuerzen(name, 30),
                (x0 - 6, y + ROW / 2),
                TextStyle::from((FONT, 12).into_font().style(weight))
                    .color(&TEXT)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(draw_err)?;
            match value {
                Some(v) => {
                    let color = if *highlight { PALETTE[5] } else { PALETTE[0] };
                    root.draw(&Rectangle::new(
                        [(x0, y + 2), (scale(*v).max(x0 + 1), y + ROW - 2)],
                        color.filled(),
                    ))
                    .map_err(draw_err)?;
                    labels.push((
                        format_value(*v, b.einheit),
                        (scale(*v).max(x0 + 1) + 4, y + ROW / 2),
                    ));
                }
                None => {
                    root.draw(&Rectangle::new(
                        [(x0, y + 4), (x0 + 12, y + ROW - 4)],
                        NO_VALUE.filled(),
                    ))
                    .map_err(draw_err)?;
                    labels.push((".".to_string(), (x0 + 16, y + ROW / 2)));
                }
            }
        }
        if let Some((label, v)) = &b.referenz {
            let x = scale(*v);
            let bottom = head + ROW * rows.len() as i32;
            let mut y = head - 6;
            while y < bottom {
                root.draw(&PathElement::new(
                    vec![(x, y), (x, (y + 5).min(bottom))],
                    TEXT.stroke_width(2),
                ))
                .map_err(draw_err)?;
                y += 9;
            }
            let text = format!("{label}: {}", format_value(*v, b.einheit));
            let right = x + text_width(&text, 12.0) > width - 4;
            let anchor = if right { HPos::Right } else { HPos::Left };
            root.draw(&Text::new(
                text,
                (x + if right { -4 } else { 4 }, 8),
                TextStyle::from((FONT, 12).into_font().style(FontStyle::Bold))
                    .color(&TEXT)
                    .pos(Pos::new(anchor, VPos::Center)),
            ))
            .map_err(draw_err)?;
        }
        for (text, (x, y)) in labels {
            let w = text_width(&text, 12.0);
            root.draw(&Rectangle::new(
                // the whole row: the line pauses there instead of peeking between labels
                [(x - 2, y - ROW / 2), (x + w + 2, y - ROW / 2 + ROW)],
                WHITE.filled(),
            ))
            .map_err(draw_err)?;
            root.draw(&Text::new(
                text,
                (x, y),
                small.clone().pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(Chart {
        svg,
        alt: bars_alt(b, &rows),
    })
}

fn bars_alt(b: &Balken, sorted: &[(String, Option<f64>, bool)]) -> String {
    let shown: Vec<&(String, Option<f64>, bool)> =
        sorted.iter().filter(|r| r.1.is_some()).collect();
    let mut s = format!(
        "Balkendiagramm: {} nach Gebieten, {}, absteigend sortiert.",
        b.titel, b.periode
    );
    if let (Some(hi), Some(lo)) = (shown.first(), shown.last()) {
        s.push_str(&format!(
            " Höchster Wert {} in {}, niedrigster {} in {}.",
            format_value(hi.1.unwrap_or_default(), b.einheit),
            hi.0,
            format_value(lo.1.unwrap_or_default(), b.einheit),
            lo.0
        ));
    }
    if let Some((label, v)) = &b.referenz {
        let above = shown.iter().filter(|r| r.1.is_some_and(|x| x > *v)).count();
        s.push_str(&format!(
            " {label}: {}; {above} von {} Gebieten liegen darüber.",
            format_value(*v, b.einheit),
            shown.len()
        ));
    }
    let hidden = sorted.len() - shown.len();
    if hidden > 0 {
        s.push_str(&format!(
            " {hidden} {} ohne veröffentlichten Wert (Geheimhaltung oder fehlende Daten).",
            if hidden == 1 { "Gebiet" } else { "Gebiete" }
        ));
    }
    s
}

/// 100 % stacked bars: one bar per row, one segment per group.
#[derive(Debug, Clone)]
pub struct StapelBalken {
    /// What is shown ("Übergänge nach Schulform").
    pub titel: String,
    /// Period label.
    pub periode: String,
    /// Group names in stacking order.
    pub gruppen: Vec<String>,
    /// Rows: name and share per group in percent (`None`: not published).
    pub zeilen: Vec<(String, Vec<Option<f64>>)>,
    /// Canvas width in px.
    pub breite: u32,
}

/// Draws the stacked bars with a legend on top and values inside wide segments.
pub fn stacked(s: &StapelBalken) -> anyhow::Result<Chart> {
    let label_w = s
        .zeilen
        .iter()
        .map(|r| text_width(&r.0, 12.0))
        .max()
        .unwrap_or(40)
        .clamp(40, 170)
        + 8;
    let row = 20;
    // legend rows: wrap when the line is full
    let width = s.breite as i32;
    let mut legend = Vec::new();
    let (mut lx, mut ly) = (label_w, 4);
    // suppressed shares get their own legend entry, grey with "."
    let gesperrt = s.zeilen.iter().any(|(_, v)| v.iter().any(Option::is_none));
    let mut eintraege: Vec<String> = s.gruppen.clone();
    if gesperrt {
        eintraege.push(". gesperrt (Geheimhaltung)".into());
    }
    for g in &eintraege {
        let w = 20 + text_width(g, 12.0) + 14;
        if lx + w > width && lx > label_w {
            lx = label_w;
            ly += 18;
        }
        legend.push((lx, ly));
        lx += w;
    }
    let head = ly + 26;
    let height = head + row * s.zeilen.len() as i32 + 8;
    let (x0, x1) = (label_w, width - 8);
    let scale = |v: f64| x0 + ((v / 100.0) * f64::from(x1 - x0)).round() as i32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (s.breite, height as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let small = TextStyle::from((FONT, 12).into_font()).color(&TEXT);
        for (k, g) in eintraege.iter().enumerate() {
            let (x, y) = legend[k];
            let color = if k < s.gruppen.len() {
                PALETTE[k % PALETTE.len()]
            } else {
                NO_VALUE
            };
            root.draw(&Rectangle::new(
                [(x, y + 2), (x + 14, y + 14)],
                color.filled(),
            ))
            .map_err(draw_err)?;
            root.draw(&Text::new(
                g.clone(),
                (x + 18, y + 8),
                small.clone().pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(draw_err)?;
        }
        for (i, (name, shares)) in s.zeilen.iter().enumerate() {
            let y = head + row * i as i32;
            root.draw(&Text::new(
                kuerzen(name, 30),
                (x0 - 6, y + row / 2),
                small.clone().pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(draw_err)?;
            if shares.iter().all(Option::is_none) {
                root.draw(&Rectangle::new(
                    [(x0, y + 3), (x1, y + row - 3)],
                    NO_VALUE.filled(),
                ))
                .map_err(draw_err)?;
                root.draw(&Text::new(
                    ". (keine Anteile veröffentlicht)",
                    (x0 + 6, y + row / 2),
                    small.clone().pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(draw_err)?;
                continue;
            }
            // suppressed groups together as one grey segment at the end, marked "."
            let hidden = 100.0 - shares.iter().flatten().sum::<f64>();
            if shares.iter().any(Option::is_none) && hidden > 0.05 {
                let a = scale(100.0 - hidden);
                root.draw(&Rectangle::new(
                    [(a, y + 3), (x1, y + row - 3)],
                    NO_VALUE.filled(),
                ))
                .map_err(draw_err)?;
                root.draw(&Text::new(
                    ".",
                    ((a + x1) / 2, y + row / 2),
                    small.clone().pos(Pos::new(HPos::Center, VPos::Center)),
                ))
                .map_err(draw_err)?;
            }
            let mut acc = 0.0;
            for (k, v) in shares.iter().enumerate() {
                let Some(v) = *v else {
                    continue;
                };
                let (a, b) = (scale(acc), scale((acc + v).min(100.0)));
                acc += v;
                let color = PALETTE[k % PALETTE.len()];
                root.draw(&Rectangle::new(
                    [(a, y + 3), (b, y + row - 3)],
                    color.filled(),
                ))
                .map_err(draw_err)?;
                let label = crate::format::decimal(v, 0);
                if b - a >= text_width(&label, 11.0) + 6 {
                    // dark text on the light colours, white on the dark ones (contrast ≥ 4.5:1)
                    let fg = if matches!(k % PALETTE.len(), 1 | 4) {
                        TEXT
                    } else {
                        WHITE
                    };
                    root.draw(&Text::new(
                        label,
                        ((a + b) / 2, y + row / 2),
                        TextStyle::from((FONT, 11).into_font())
                            .color(&fg)
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    ))
                    .map_err(draw_err)?;
                }
            }
        }
        root.present().map_err(draw_err)?;
    }
    let mut alt = format!(
        "Gestapeltes Balkendiagramm: {}, {}, Anteile in Prozent je Gebiet.",
        s.titel, s.periode
    );
    for (name, shares) in &s.zeilen {
        let parts: Vec<String> = s
            .gruppen
            .iter()
            .zip(shares)
            .map(|(g, v)| match v {
                Some(v) => format!("{g} {}", crate::format::percent(*v, 1)),
                None => format!("{g} gesperrt"),
            })
            .collect();
        alt.push_str(&format!(" {name}: {}.", parts.join(", ")));
    }
    Ok(Chart { svg, alt })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bars of a share in 2024 with the city at 45 %.
    fn quote(eintraege: &[(&str, Option<f64>, bool)]) -> Chart {
        bars(&Balken {
            titel: "Quote".into(),
            periode: "2024".into(),
            einheit: Einheit::Prozent,
            eintraege: eintraege
                .iter()
                .map(|&(name, v, hl)| (name.to_string(), v, hl))
                .collect(),
            referenz: Some(("Stadt".into(), 45.0)),
            breite: 480,
        })
        .unwrap()
    }

    #[test]
    fn bars_sort_and_describe() {
        let c = quote(&[
            ("Altstadt", Some(30.0), false),
            ("Buckau", None, false),
            ("Cracau", Some(60.0), true),
        ]);
        assert!(
            c.alt.contains("Höchster Wert 60,0\u{a0}% in Cracau"),
            "{}",
            c.alt
        );
        assert!(
            c.alt.contains("niedrigster 30,0\u{a0}% in Altstadt"),
            "{}",
            c.alt
        );
        assert!(c.alt.contains("1 von 2 Gebieten"), "{}", c.alt);
        assert!(c.alt.contains("1 Gebiet ohne"), "{}", c.alt);
        assert!(c.svg.contains("Stadt: 45,0\u{a0}%"));
        let (a, b) = (
            c.svg.find("Cracau").unwrap(),
            c.svg.find("Altstadt").unwrap(),
        );
        assert!(a < b, "highest first");
    }

    /// The city line is drawn over the bars, every value label over the line on a white
    /// ground: a label next to the line stays readable.
    #[test]
    fn value_labels_lie_over_the_reference_line() {
        let c = quote(&[
            ("Altstadt", Some(44.0), false),
            ("Buckau", Some(70.0), false),
        ]);
        let svg = &c.svg;
        let last_dash = svg.rfind("stroke-width=\"2\"").unwrap();
        let label = svg.find("44,0\u{a0}%").unwrap();
        assert!(last_dash < label, "label before the line");
        let ground = svg[..label].rfind("<rect").unwrap();
        assert!(ground > last_dash, "no ground between line and label");
        assert!(
            svg[ground..label].contains("#FFFFFF"),
            "{}",
            &svg[ground..label]
        );
        // the bars lie under the line
        let RGBColor(r, g, b) = PALETTE[0];
        let bar = svg.find(&format!("#{r:02X}{g:02X}{b:02X}")).unwrap();
        assert!(bar < last_dash);
    }

    #[test]
    fn long_names_are_cut() {
        assert_eq!(kuerzen("Altstadt", 30), "Altstadt");
        let long = "Gewerbegebiet Nord am Industriehafen und Rothensee";
        assert_eq!(kuerzen(long, 30).chars().count(), 30);
        assert!(kuerzen(long, 30).ends_with('…'));
    }

    #[test]
    fn stacked_labels_segments() {
        let c = stacked(&StapelBalken {
            titel: "Übergänge".into(),
            periode: "2024/25".into(),
            gruppen: vec!["Gymnasium".into(), "Sekundarschule".into()],
            zeilen: vec![
                ("Stadt".into(), vec![Some(45.5), Some(54.5)]),
                ("SR 1".into(), vec![None, Some(100.0)]),
            ],
            breite: 480,
        })
        .unwrap();
        assert!(
            c.alt
                .contains("Stadt: Gymnasium 45,5\u{a0}%, Sekundarschule 54,5\u{a0}%")
        );
        assert!(
            c.alt
                .contains("SR 1: Gymnasium gesperrt, Sekundarschule 100,0\u{a0}%"),
            "{}",
            c.alt
        );
    }
}
