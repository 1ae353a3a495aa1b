//! Atomic output: files are written to a temporary file in the target directory and renamed
//! into place only when the whole batch succeeded, so a failed run leaves no half-written
//! file and earlier outputs untouched.

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A set of files that are committed together or not at all.
#[derive(Default)]
pub struct OutputBatch {
    /// Closed temporary files: a batch of 11,000 profiles must not hold 11,000 descriptors
    /// (the usual limit is 1,024).
    pending: Vec<(tempfile::TempPath, PathBuf)>,
}

impl OutputBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stages `bytes` for `target`; the parent directory is created if needed.
    pub fn add(&mut self, target: &Path, bytes: &[u8]) -> Result<()> {
        let mut f = Self::create(target)?;
        f.file()
            .write_all(bytes)
            .with_context(|| format!("{} kann nicht geschrieben werden", target.display()))?;
        self.keep(f);
        Ok(())
    }

    /// A temporary file for `target` to write into (large outputs are streamed, not built
    /// in memory); hand it back with [`OutputBatch::keep`]. Creates the parent directory.
    pub fn create(target: &Path) -> Result<Staged> {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("Ordner {} kann nicht angelegt werden", dir.display()))?;
        remove_stale(&dir);
        if std::fs::symlink_metadata(target).is_ok_and(|m| m.file_type().is_symlink()) {
            bail!(
                "{} ist ein symbolischer Link; aus Sicherheitsgründen wird er nicht überschrieben",
                target.display()
            );
        }
        let tmp = tempfile::Builder::new()
            .prefix(".bildungsmonitor-")
            .suffix(".tmp")
            .tempfile_in(&dir)
            .with_context(|| {
                format!(
                    "temporäre Datei in {} kann nicht angelegt werden",
                    dir.display()
                )
            })?;
        if let Ok(mut staged) = STAGED.lock() {
            staged.push(tmp.path().to_path_buf());
        }
        // tempfile creates 0600 files; outputs are ordinary documents others may read.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(target).map_or(0o644, |m| m.permissions().mode());
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(mode))
                .with_context(|| {
                    format!(
                        "Rechte für {} können nicht gesetzt werden",
                        target.display()
                    )
                })?;
        }
        Ok(Staged {
            tmp,
            target: target.to_path_buf(),
        })
    }

    /// Adds a file written through [`OutputBatch::create`] to the batch.
    pub fn keep(&mut self, f: Staged) {
        self.pending.push((f.tmp.into_temp_path(), f.target));
    }

    /// Number of staged files.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// True if nothing is staged.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Renames every staged file into place. Dropping the batch instead discards them all.
    /// Two files for one target – also on a file system that ignores case – are refused
    /// before anything is renamed: one of them would be lost silently.
    pub fn commit(self) -> Result<Vec<PathBuf>> {
        let mut seen: std::collections::BTreeMap<String, &Path> = std::collections::BTreeMap::new();
        for (_, target) in &self.pending {
            let key = target.to_string_lossy().to_lowercase();
            if let Some(other) = seen.insert(key, target) {
                bail!(
                    "zwei Ausgaben hätten dieselbe Datei: {} und {} (verschiedene Namen, die denselben Dateinamen ergeben, auch in anderer Groß- und Kleinschreibung); nichts geschrieben",
                    other.display(),
                    target.display()
                );
            }
        }
        // a name the file system refuses would fail in the middle of the renames
        for (_, target) in &self.pending {
            let len = target.file_name().map_or(0, |n| n.len());
            if len > MAX_NAME {
                bail!(
                    "Dateiname zu lang ({len} Bytes, höchstens {MAX_NAME}): {}; nichts geschrieben",
                    target.display()
                );
            }
        }
        // On disk before any rename; the files are flushed side by side, which lets the
        // file system combine the journal commits (one `fsync` after another costs a
        // visible part of writing hundreds of sheets).
        use rayon::prelude::*;
        self.pending.par_iter().try_for_each(|(tmp, target)| {
            // fsync flushes the file, whichever descriptor asks; write access because
            // some systems refuse it on a read-only one
            std::fs::OpenOptions::new()
                .write(true)
                .open(tmp)
                .and_then(|f| f.sync_all())
                .with_context(|| format!("{} kann nicht geschrieben werden", target.display()))
        })?;
        // each earlier file is kept aside until all are in place: a rename that fails puts
        // every file back as it was
        let mut done: Vec<(PathBuf, Option<tempfile::TempPath>)> =
            Vec::with_capacity(self.pending.len());
        for (tmp, target) in self.pending {
            match swap_in(tmp, &target) {
                Ok(backup) => done.push((target, backup)),
                Err(e) => {
                    roll_back(done);
                    return Err(e.context(format!(
                        "{} kann nicht geschrieben werden; keine Datei dieses Laufs geschrieben, die früheren sind unverändert",
                        target.display()
                    )));
                }
            }
        }
        // the backups go with `done`
        Ok(done.into_iter().map(|(t, _)| t).collect())
    }
}

/// Every temporary output file this process created: on Ctrl+C, which ends the process
/// without running destructors, they are removed (those renamed or dropped are gone already).
static STAGED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Removes the temporary files of outputs not yet in place (the Ctrl+C handler).
pub fn remove_staged() {
    if let Ok(staged) = STAGED.lock() {
        for p in staged.iter() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Longest file name (bytes) most file systems take.
const MAX_NAME: usize = 255;

/// Moves an existing `target` aside (a temporary file of its own), then `tmp` into place; the
/// backup, if any.
fn swap_in(tmp: tempfile::TempPath, target: &Path) -> Result<Option<tempfile::TempPath>> {
    let backup = if std::fs::symlink_metadata(target).is_ok() {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let b = tempfile::Builder::new()
            .prefix(".bildungsmonitor-")
            .suffix(".tmp")
            .tempfile_in(dir)?
            .into_temp_path();
        std::fs::rename(target, &b)?;
        Some(b)
    } else {
        None
    };
    if let Err(e) = tmp.persist(target) {
        if let Some(b) = backup {
            let _ = b.persist(target);
        }
        return Err(e.error.into());
    }
    Ok(backup)
}

/// Undoes the renames of a failed commit, last first.
fn roll_back(done: Vec<(PathBuf, Option<tempfile::TempPath>)>) {
    for (target, backup) in done.into_iter().rev() {
        match backup {
            Some(b) => {
                let _ = b.persist(&target);
            }
            None => {
                let _ = std::fs::remove_file(&target);
            }
        }
    }
}

/// Temporary files older than this are left over from a run that was killed (Ctrl+C, power
/// cut) before it could remove them; no run of the program takes that long.
const STALE: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

/// Removes leftover temporary files of killed runs from `dir`, once per folder and process.
fn remove_stale(dir: &Path) {
    static DONE: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    let Ok(mut done) = DONE.lock() else { return };
    if done.iter().any(|d| d == dir) {
        return;
    }
    done.push(dir.to_path_buf());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE);
        if name.starts_with(".bildungsmonitor-") && name.ends_with(".tmp") && old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// A temporary file that becomes `target` when its batch is committed; dropped, it is removed.
pub struct Staged {
    tmp: tempfile::NamedTempFile,
    target: PathBuf,
}

impl Staged {
    /// The file to write into.
    pub fn file(&mut self) -> &mut std::fs::File {
        self.tmp.as_file_mut()
    }

    /// Where the file goes.
    pub fn target(&self) -> &Path {
        &self.target
    }
}

/// Writes one file atomically.
pub fn write(target: &Path, bytes: &[u8]) -> Result<()> {
    let mut b = OutputBatch::new();
    b.add(target, bytes)?;
    b.commit().map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_batch_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.txt");
        {
            let mut b = OutputBatch::new();
            b.add(&target, b"x").unwrap();
        }
        assert!(!target.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn two_files_for_one_target_are_refused_before_any_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut b = OutputBatch::new();
        b.add(&dir.path().join("a.pdf"), b"1").unwrap();
        b.add(&dir.path().join("7a-sued.pdf"), b"2").unwrap();
        b.add(&dir.path().join("7A-Sued.pdf"), b"3").unwrap();
        let e = b.commit().unwrap_err().to_string();
        assert!(e.contains("dieselbe Datei"), "{e}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "nothing written"
        );
    }

    #[test]
    fn leftovers_of_a_killed_run_are_removed_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join(".bildungsmonitor-abc.tmp");
        let fresh = dir.path().join(".bildungsmonitor-def.tmp");
        let other = dir.path().join("notiz.tmp");
        for p in [&old, &fresh, &other] {
            std::fs::write(p, b"x").unwrap();
        }
        let day_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(86_400);
        for p in [&old, &other] {
            std::fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(day_ago)
                .unwrap();
        }
        write(&dir.path().join("a.csv"), b"1").unwrap();
        assert!(!old.exists(), "a day-old leftover is removed");
        assert!(fresh.exists(), "a concurrent run's file stays");
        assert!(other.exists(), "other files stay");
    }

    /// A rename that fails in the middle of a batch puts back every file renamed before it.
    #[test]
    fn failing_rename_rolls_the_batch_back() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), b"alt").unwrap();
        std::fs::create_dir(dir.path().join("c.txt")).unwrap();
        std::fs::write(dir.path().join("c.txt/x"), b"x").unwrap();
        let mut b = OutputBatch::new();
        b.add(&dir.path().join("a.txt"), b"neu").unwrap();
        b.add(&dir.path().join("b.txt"), b"neu").unwrap();
        b.add(&dir.path().join("c.txt"), b"neu").unwrap();
        let e = b.commit().unwrap_err();
        assert!(
            format!("{e:#}").contains("keine Datei dieses Laufs"),
            "{e:#}"
        );
        assert_eq!(std::fs::read(dir.path().join("a.txt")).unwrap(), b"alt");
        assert!(!dir.path().join("b.txt").exists());
        assert!(dir.path().join("c.txt/x").exists());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 2, "no temporary file left: {left:?}");
    }

    #[test]
    fn a_name_too_long_is_refused_before_anything_is_renamed() {
        let dir = tempfile::tempdir().unwrap();
        let mut b = OutputBatch::new();
        b.add(&dir.path().join("a.pdf"), b"1").unwrap();
        b.add(&dir.path().join(format!("{}.pdf", "x".repeat(300))), b"2")
            .ok();
        // staging the long name may already fail on some systems; the batch writes nothing
        let _ = b.commit();
        assert!(!dir.path().join("a.pdf").exists());
    }

    #[test]
    fn committed_batch_writes_all() {
        let dir = tempfile::tempdir().unwrap();
        let mut b = OutputBatch::new();
        b.add(&dir.path().join("a/b.txt"), b"1").unwrap();
        b.add(&dir.path().join("c.txt"), b"2").unwrap();
        b.commit().unwrap();
        assert_eq!(std::fs::read(dir.path().join("a/b.txt")).unwrap(), b"1");
        assert_eq!(std::fs::read(dir.path().join("c.txt")).unwrap(), b"2");
    }

    /// Staged files are closed: a batch of thousands of profiles stays under the usual limit
    /// of 1,024 open files.
    #[cfg(target_os = "linux")]
    #[test]
    fn staged_files_hold_no_descriptor() {
        let open = || std::fs::read_dir("/proc/self/fd").unwrap().count();
        let dir = tempfile::tempdir().unwrap();
        let mut b = OutputBatch::new();
        let before = open();
        for i in 0..300 {
            b.add(&dir.path().join(format!("{i}.txt")), b"x").unwrap();
        }
        // other tests run alongside and may hold a few files for a moment
        assert!(open() < before + 100, "{before} -> {}", open());
        assert_eq!(b.commit().unwrap().len(), 300);
        assert_eq!(std::fs::read(dir.path().join("299.txt")).unwrap(), b"x");
    }

    #[test]
    fn streamed_files_appear_only_when_kept_and_committed() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        let mut batch = OutputBatch::new();
        let mut fa = OutputBatch::create(&a).unwrap();
        fa.file().write_all(b"kept").unwrap();
        assert_eq!(fa.target(), a);
        let mut fb = OutputBatch::create(&b).unwrap();
        fb.file().write_all(b"dropped").unwrap();
        batch.keep(fa);
        drop(fb);
        assert!(!a.exists());
        batch.commit().unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"kept");
        assert!(!b.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }
}
