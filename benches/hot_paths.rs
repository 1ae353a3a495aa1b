//! Micro-benchmarks of the hot paths, to compare before and after a change:
//! `cargo bench --bench hot_paths`. No timing assertions anywhere; whole-pipeline figures
//! come from `bildungsmonitor bench` (docs/performance.md).

use bildungsmonitor::charts::{self, Balken};
use bildungsmonitor::render::{Engine, PdfEinstellungen, Vorlagen};
use bildungsmonitor::report::{Kontext, Profilgebiet};
use std::path::PathBuf;
use std::sync::OnceLock;

fn main() {
    divan::main();
}

/// The sample city (40 Stadtteile, 10 years) written once into a temporary folder.
fn sample_project() -> &'static PathBuf {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let files = bildungsmonitor::sample::generate(bildungsmonitor::sample::Options {
            stadtteile: 40,
            sozialraeume: None,
            jahre: 10,
            seed: 2026,
        })
        .unwrap();
        for (name, bytes) in files {
            let p = dir.path().join("data-samples").join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        let config = dir.path().join("bildungsmonitor.toml");
        std::fs::write(
            &config,
            bildungsmonitor::sample::project_config("data-samples", "Benchstadt"),
        )
        .unwrap();
        (dir, config)
    })
    .1
}

/// Read and validate every source of the sample (CSV, Windows-1252, XLSX).
#[divan::bench(sample_count = 10)]
fn read_and_validate() {
    let (project, _) = bildungsmonitor::project::load(sample_project()).unwrap();
    let (data, diags) = bildungsmonitor::ingest::load(divan::black_box(&project));
    assert!(data.is_some() && !diags.has_errors());
}

/// One indicator over all years and areas (polars lazy).
#[divan::bench(sample_count = 10)]
fn indicator_fk01(bencher: divan::Bencher) {
    let (project, _) = bildungsmonitor::project::load(sample_project()).unwrap();
    let (data, _) = bildungsmonitor::ingest::load(&project);
    let data = data.unwrap();
    let auswahl = bildungsmonitor::indicators::Auswahl {
        indikatoren: vec!["FK01".into()],
    };
    bencher
        .bench_local(|| bildungsmonitor::indicators::compute(&project, &data, &auswahl).unwrap());
}

/// One sorted bar chart of 40 Stadtteile as SVG.
#[divan::bench]
fn bar_chart_40() -> charts::Chart {
    let eintraege = (0..40)
        .map(|i| {
            (
                format!("Stadtteil {i}"),
                (i % 7 != 3).then_some(30.0 + f64::from(i)),
                i == 5,
            )
        })
        .collect();
    charts::bars(&Balken {
        titel: "Betreuungsquote unter 3 Jahren".into(),
        periode: "01.03.2026".into(),
        einheit: bildungsmonitor::catalogue::Einheit::Prozent,
        eintraege,
        referenz: Some(("Stadt".into(), 51.0)),
        breite: 480,
    })
    .unwrap()
}

/// One Stadtteilprofil: data, charts, Typst layout and PDF/A + PDF/UA export.
#[divan::bench(sample_count = 10)]
fn one_profile_sheet(bencher: divan::Bencher) {
    let (project, _) = bildungsmonitor::project::load(sample_project()).unwrap();
    let (data, _) = bildungsmonitor::ingest::load(&project);
    let table = bildungsmonitor::indicators::compute(&project, &data.unwrap(), &Default::default())
        .unwrap();
    let ergebnis = bildungsmonitor::disclosure::protect(
        table,
        &project.katalog,
        &project.geheimhaltung,
        &project.gebiete,
    );
    let flaechen = charts::geometry(
        &std::fs::read(project.gebiete.geojson.as_ref().unwrap()).unwrap(),
        "nr",
    )
    .unwrap();
    let engine = Engine::new(&Vorlagen::eingebaut(), &[]).unwrap();
    let pdf = PdfEinstellungen::aus(project.stand);
    let ctx = Kontext::new(&project, &ergebnis, Some(&flaechen), None, None, &pdf);
    bencher.bench_local(|| {
        let d =
            bildungsmonitor::report::profil(&ctx, &Profilgebiet::Stadtteil("01".into())).unwrap();
        engine
            .render(&d.vorlage, &d.titel, &d.daten, &d.bilder, None, &pdf)
            .unwrap()
    });
}
