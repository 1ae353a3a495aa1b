//! The one publication of a data state, kept between runs.
//!
//! Disclosure control runs over the whole catalogue, whatever a command selects, so every
//! command would read, validate, compute and protect everything again. The protected table is
//! kept in the project's cache folder under a key made of everything that determines it: the
//! program (version, size and time of the executable), the project file, the area structure,
//! the catalogue, the disclosure settings and every byte of every source file. A changed input
//! gives a new key, and the old entry is removed; an unreadable or foreign entry is computed
//! again. Entries are written atomically, so concurrent runs never read half an entry.

use crate::disclosure::Ergebnis;
use crate::project::Project;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// The cache folder inside the project folder.
pub const ORDNER: &str = ".bildungsmonitor-cache";

/// Tables above this many rows are not kept (a JSON entry of the national table would be
/// gigabytes, and reading it back no faster than computing it).
const MAX_ZEILEN: usize = 2_000_000;

/// Format of an entry; raised when the entry's shape changes.
const VERSION: u32 = 1;

/// What is kept: the publication and how many warnings reading the data gave.
#[derive(Deserialize)]
struct Eintrag {
    version: u32,
    schluessel: String,
    warnungen: usize,
    ergebnis: Ergebnis,
}

/// [`Eintrag`] borrowed, for writing.
#[derive(Serialize)]
struct EintragRef<'a> {
    version: u32,
    schluessel: &'a str,
    warnungen: usize,
    ergebnis: &'a Ergebnis,
}

/// The key of the current inputs.
pub fn key(project: &Project) -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    // a rebuilt program may compute differently without a new version number
    if let Some(m) = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
    {
        h.update(m.len().to_le_bytes());
        if let Ok(t) = m.modified()
            && let Ok(d) = t.duration_since(std::time::UNIX_EPOCH)
        {
            h.update(d.as_nanos().to_le_bytes());
        }
    }
    let mut add = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    add(&std::fs::read(&project.config_path).unwrap_or_default());
    add(format!("{:?}", project.gebiete.stadtteile).as_bytes());
    add(format!("{:?}", project.gebiete.sozialraeume).as_bytes());
    add(format!("{:?}", project.katalog).as_bytes());
    add(format!("{:?}", project.geheimhaltung).as_bytes());
    for q in &project.quellen {
        add(q.path.to_string_lossy().as_bytes());
        add(&std::fs::read(&q.path).unwrap_or_default());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn folder(project: &Project) -> PathBuf {
    project.root.join(ORDNER)
}

fn file(project: &Project, key: &str) -> PathBuf {
    folder(project).join(format!("veroeffentlichung-{}.json", &key[..16]))
}

/// The kept publication for `key` and its warning count, if there is a valid one.
pub fn load(project: &Project, key: &str) -> Option<(Ergebnis, usize)> {
    let bytes = std::fs::read(file(project, key)).ok()?;
    let e: Eintrag = serde_json::from_slice(&bytes).ok()?;
    (e.version == VERSION && e.schluessel == key).then_some((e.ergebnis, e.warnungen))
}

/// Keeps the publication under `key` and removes older entries. A cache that cannot be
/// written (a read-only project folder) only costs time: errors are ignored.
pub fn store(project: &Project, key: &str, ergebnis: &Ergebnis, warnungen: usize) {
    if ergebnis.zeilen.len() > MAX_ZEILEN {
        return;
    }
    let eintrag = EintragRef {
        version: VERSION,
        schluessel: key,
        warnungen,
        ergebnis,
    };
    let Ok(bytes) = serde_json::to_vec(&eintrag) else {
        return;
    };
    let target = file(project, key);
    if crate::output::atomic::write(&target, &bytes).is_err() {
        return;
    }
    // only the newest entry is kept
    if let Ok(dir) = std::fs::read_dir(folder(project)) {
        for e in dir.flatten() {
            let p = e.path();
            let name = e.file_name();
            let name = name.to_string_lossy();
            if p != target && name.starts_with("veroeffentlichung-") && name.ends_with(".json") {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}
