//! Property tests: random bytes and mutated sample files fed to ingest never panic; every
//! run ends in diagnostics or in valid frames. `BM_FUZZ_CASES=100000 cargo test --release
//! --test cli fuzz` runs longer (see docs/development.md).

use crate::util::TestProject;
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("BM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(96)
}

/// Longest time one case may take (debug build, a busy CI machine): a reader whose time is
/// not linear in its input shows here long before a user's file takes minutes.
const CASE_SECONDS: u64 = 30;

/// Loads the project in `dir`; panics only if ingest panics or takes too long.
fn ingest(dir: &std::path::Path) -> (bool, usize) {
    let started = std::time::Instant::now();
    let r = ingest_untimed(dir);
    assert!(
        started.elapsed().as_secs() < CASE_SECONDS,
        "{:?}",
        started.elapsed()
    );
    r
}

fn ingest_untimed(dir: &std::path::Path) -> (bool, usize) {
    let (project, _) = bildungsmonitor::project::load(&dir.join("bildungsmonitor.toml"))
        .expect("mini config is valid");
    let (data, diags) = bildungsmonitor::ingest::load(&project);
    // Either a data set without errors, or errors and no data set.
    assert_eq!(data.is_some(), !diags.has_errors());
    if let Some(d) = &data {
        for df in d.tables.values() {
            assert!(df.height() > 0 || df.width() > 0);
        }
    }
    (data.is_some(), diags.len())
}

/// Applies byte edits (position, kind, byte) to a file.
fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(pos, kind, b) in edits {
        if bytes.is_empty() {
            bytes.push(b);
            continue;
        }
        let i = pos % bytes.len();
        match kind % 4 {
            0 => bytes[i] = b,
            1 => bytes.insert(i, b),
            2 => {
                bytes.remove(i);
            }
            _ => {
                // structural characters are the interesting ones
                let pick = [
                    b';', b'"', b'\n', b'\r', b',', b'.', b'-', b'x', b'0', 0xfc, 0xc3,
                ][b as usize % 11];
                bytes.insert(i, pick);
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let p = TestProject::from_fixture("mini");
        p.write("bevoelkerung.csv", &bytes);
        ingest(p.path());
    }

    #[test]
    fn mutated_csv_never_panics(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..12)) {
        let p = TestProject::from_fixture("mini");
        let original = std::fs::read(p.path().join("bevoelkerung.csv")).unwrap();
        p.write("bevoelkerung.csv", mutate(original, &edits));
        ingest(p.path());
    }

    #[test]
    fn mutated_windows_1252_never_panics(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..12)) {
        let p = TestProject::from_fixture("mini");
        let original = std::fs::read(p.path().join("einrichtungen.csv")).unwrap();
        p.write("einrichtungen.csv", mutate(original, &edits));
        ingest(p.path());
    }

    #[test]
    fn mutated_genesis_never_panics(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..12)) {
        let p = TestProject::from_fixture("formats/genesis");
        let original = std::fs::read(p.path().join("21111-02-06-4.csv")).unwrap();
        p.write("21111-02-06-4.csv", mutate(original, &edits));
        let (project, _) = bildungsmonitor::project::load(&p.path().join("bildungsmonitor.toml")).unwrap();
        let (data, diags) = bildungsmonitor::ingest::load(&project);
        prop_assert_eq!(data.is_some(), !diags.has_errors());
    }

    #[test]
    fn mutated_parquet_never_panics(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..12)) {
        let p = TestProject::from_fixture("mini");
        crate::formats::population_parquet(&p, None);
        let original = std::fs::read(p.path().join("bevoelkerung.parquet")).unwrap();
        p.write("bevoelkerung.parquet", mutate(original, &edits));
        ingest(p.path());
    }

    /// The sheet's XML mutated inside a valid workbook: the reader gets past the archive.
    #[test]
    fn mutated_xlsx_sheet_never_panics(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..12)) {
        let p = TestProject::from_fixture("mini");
        let cfg = p.read("bildungsmonitor.toml")
            + "\n[quellen.x]\ntabelle = \"uebergaenge\"\ndatei = \"x.xlsx\"\nformat = \"xlsx\"\nzeit = { art = \"schuljahr\" }\n";
        p.write("bildungsmonitor.toml", cfg);
        p.write("x.xlsx", crate::util::edit_zip_member(&workbook(), "xl/worksheets/sheet1.xml", |xml| mutate(xml, &edits)));
        ingest(p.path());
    }

    /// The project file and its GeoJSON, mutated: loading the project reports, never panics.
    #[test]
    fn mutated_toml_and_geojson_never_panic(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..12), which in any::<bool>()) {
        let p = TestProject::from_fixture("mini");
        let cfg = p.read("bildungsmonitor.toml").replace("datei = \"gebiete.csv\"", "datei = \"gebiete.csv\"\ngeojson = \"gebiete.geojson\"");
        let square = |nr: &str, x: f64| format!("{{\"type\":\"Feature\",\"properties\":{{\"nr\":\"{nr}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[{x},0.0],[{x},1.0],[{},1.0],[{x},0.0]]]}}}}", x + 1.0);
        let geojson = format!("{{\"type\":\"FeatureCollection\",\"features\":[{},{},{}]}}", square("01", 0.0), square("02", 1.0), square("03", 2.0));
        if which {
            p.write("bildungsmonitor.toml", mutate(cfg.into_bytes(), &edits));
            p.write("gebiete.geojson", geojson);
        } else {
            p.write("bildungsmonitor.toml", cfg);
            p.write("gebiete.geojson", mutate(geojson.into_bytes(), &edits));
        }
        let started = std::time::Instant::now();
        let _ = bildungsmonitor::project::load(&p.path().join("bildungsmonitor.toml"));
        prop_assert!(started.elapsed().as_secs() < CASE_SECONDS);
    }

    #[test]
    fn random_xlsx_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let p = TestProject::from_fixture("mini");
        let cfg = p.read("bildungsmonitor.toml")
            + "\n[quellen.x]\ntabelle = \"uebergaenge\"\ndatei = \"x.xlsx\"\nformat = \"xlsx\"\nzeit = { art = \"schuljahr\" }\n";
        p.write("bildungsmonitor.toml", cfg);
        // a zip header in front makes the reader get further
        let mut data = b"PK\x03\x04".to_vec();
        data.extend(bytes);
        p.write("x.xlsx", data);
        ingest(p.path());
    }
}

/// A small valid workbook for the `uebergaenge` source of the fuzz cases.
fn workbook() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let rows = [
        ["zeit", "gebiet", "schulform", "anzahl"],
        ["2023/24", "01", "gymnasium", "12"],
        ["2023/24", "02", "realschule", "7"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            match v.parse::<f64>() {
                Ok(n) if r > 0 && c == 3 => ws.write_number(r as u32, c as u16, n),
                _ => ws.write_string(r as u32, c as u16, *v),
            }
            .unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn valid_input_is_independent_of_row_order() {
    let p = TestProject::from_fixture("mini");
    let text = p.read("bevoelkerung.csv");
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    p.write(
        "bevoelkerung.csv",
        format!("{header}\n{}\n", lines.join("\n")),
    );
    assert_eq!(ingest(p.path()), (true, 0));
}
