//! Test helpers: a project in a temporary folder and a runner for the real binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture file under `tests/fixtures`.
pub fn fixture(rel: &str) -> PathBuf {
    repo().join("tests/fixtures").join(rel)
}

/// What a run printed and returned.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Fails with the whole output if `needle` is not in stderr.
    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "expected in stderr: {needle}\n--- stderr ---\n{}",
            self.stderr
        );
        self
    }

    /// Fails if the run panicked.
    #[track_caller]
    pub fn no_panic(&self) -> &Self {
        assert!(
            !self.stderr.contains("panicked") && self.code != 101,
            "panic:\n{}",
            self.stderr
        );
        self
    }

    /// Fails unless the exit status is `code`.
    #[track_caller]
    pub fn exit(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit status\n--- stderr ---\n{}\n--- stdout ---\n{}",
            self.stderr, self.stdout
        );
        self
    }
}

/// A project folder that is deleted after the test.
pub struct TestProject {
    pub dir: tempfile::TempDir,
}

impl TestProject {
    /// An empty folder.
    pub fn empty() -> Self {
        TestProject {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A copy of the sample project: `data-samples/` and the repository's project file.
    pub fn sample() -> Self {
        let p = Self::empty();
        copy_dir(&repo().join("data-samples"), &p.path().join("data-samples"));
        std::fs::copy(
            repo().join("bildungsmonitor.toml"),
            p.path().join("bildungsmonitor.toml"),
        )
        .expect("copy project file");
        p
    }

    /// A copy of `tests/fixtures/<name>`.
    pub fn from_fixture(name: &str) -> Self {
        let p = Self::empty();
        copy_dir(&fixture(name), p.path());
        p
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file into the project.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("write");
    }

    /// Appends text to a file of the project (a config section, a data row).
    pub fn append(&self, rel: &str, text: &str) {
        let mut all = self.read(rel);
        all.push_str(text);
        self.write(rel, all);
    }

    /// Reads a file of the project as text.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).expect("read")
    }

    /// Runs the binary in the project folder.
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(self.path(), args)
    }

    /// Every file below the folder with its bytes, to prove that nothing was written. The
    /// cache folder is no output (a run may keep the protected publication there).
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        collect(self.path(), self.path(), &mut out);
        out
    }

    /// Runs the binary in the project folder with extra environment variables.
    pub fn run_env(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        run_in_env(self.path(), args, vars)
    }
}

/// Runs the binary in `dir` without colour, backtraces or an inherited config variable.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    run_in_env(dir, args, &[])
}

fn run_in_env(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_bildungsmonitor"))
        .args(args)
        .envs(vars.iter().copied())
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .env_remove("BILDUNGSMONITOR_CONFIG")
        .env("NO_COLOR", "1")
        .output()
        .expect("run bildungsmonitor");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn collect(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.file_name().is_some_and(|n| n == ".bildungsmonitor-cache") {
            continue;
        }
        if p.is_dir() {
            collect(root, &p, out);
        } else {
            out.insert(
                p.strip_prefix(root).expect("prefix").to_path_buf(),
                std::fs::read(&p).expect("read"),
            );
        }
    }
}

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let p = e.expect("entry").path();
        let target = to.join(p.file_name().expect("name"));
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).expect("copy");
        }
    }
}

/// The share `100 · n / d` as published: one decimal, rounded half up exactly (whole counts).
pub fn share(n: f64, d: f64) -> f64 {
    ((2000.0 * n + d) / (2.0 * d)).floor() / 10.0
}

/// `v` at one decimal, rounded half up (for values that are not shares of whole counts).
pub fn round1(v: f64) -> f64 {
    let x = v * 10.0;
    let f = x.floor();
    (if x - f >= 0.5 - 1e-9 { f + 1.0 } else { f }) / 10.0
}

/// The archive (an XLSX file) with one member's bytes passed through `edit`.
pub fn edit_zip_member(
    bytes: &[u8],
    member: &str,
    edit: impl FnOnce(Vec<u8>) -> Vec<u8>,
) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zout = zip::ZipWriter::new(&mut out);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut edit = Some(edit);
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name == member
            && let Some(e) = edit.take()
        {
            data = e(data);
        }
        zout.start_file(name, opts).unwrap();
        zout.write_all(&data).unwrap();
    }
    zout.finish().unwrap();
    out.into_inner()
}
