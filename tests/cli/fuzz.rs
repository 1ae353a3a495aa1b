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

/// Loads the project in `dir`; panics only if ingest panics.
fn ingest(dir: &std::path::Path) -> (bool, usize) {
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
