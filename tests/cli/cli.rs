//! The command line itself: help texts, version, completions, man page, usage errors.

use crate::util::{TestProject, run_in};

#[test]
fn help_of_every_subcommand_reads_well() {
    let dir = TestProject::empty();
    let top = run_in(dir.path(), &["--help"]);
    top.exit(0);
    for cmd in ["validate", "init", "sample", "completions", "man"] {
        assert!(top.stdout.contains(cmd), "top-level help lists {cmd}");
        let r = run_in(dir.path(), &[cmd, "--help"]);
        r.exit(0);
        assert!(
            r.stdout.contains("Usage: bildungsmonitor"),
            "{cmd}: {}",
            r.stdout
        );
        assert!(
            r.stdout.contains("--config <DATEI>"),
            "{cmd} shows the global options"
        );
    }
}

#[test]
fn version() {
    let r = run_in(TestProject::empty().path(), &["--version"]);
    r.exit(0);
    assert!(r.stdout.starts_with("bildungsmonitor "), "{}", r.stdout);
}

#[test]
fn usage_error_exits_2() {
    let r = run_in(TestProject::empty().path(), &["validat"]);
    r.exit(2);
    assert!(
        r.stderr.contains("validate"),
        "suggests the right subcommand: {}",
        r.stderr
    );
}

#[test]
fn completions_for_all_shells() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let r = run_in(TestProject::empty().path(), &["completions", shell]);
        r.exit(0);
        assert!(r.stdout.contains("bildungsmonitor"), "{shell}");
        assert!(
            r.stdout.contains("validate"),
            "{shell} completes subcommands"
        );
    }
}

#[test]
fn man_page_is_roff() {
    let r = run_in(TestProject::empty().path(), &["man"]);
    r.exit(0);
    assert!(
        r.stdout.starts_with(".ie") || r.stdout.contains(".TH bildungsmonitor"),
        "{}",
        &r.stdout[..200.min(r.stdout.len())]
    );
    assert!(r.stdout.contains("validate"));
}

#[test]
fn no_color_means_no_escape_codes() {
    let p = TestProject::from_fixture("mini");
    let r = p.run(&["validate", "--color", "always"]);
    assert!(r.stderr.contains('\u{1b}'), "--color always colours");
    let r = p.run(&["validate"]);
    assert!(
        !r.stderr.contains('\u{1b}'),
        "NO_COLOR and no terminal: plain text"
    );
}

#[test]
fn quiet_prints_only_errors() {
    let p = TestProject::from_fixture("mini");
    let r = p.run(&["validate", "-q"]);
    r.exit(0);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

/// JSON on stdout that cannot be written (a full disk behind a redirection) fails the run
/// instead of ending with status 0 and no output.
#[cfg(target_os = "linux")]
#[test]
fn json_that_cannot_be_written_fails_the_run() {
    let p = TestProject::from_fixture("mini");
    let full = std::fs::File::create("/dev/full").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bildungsmonitor"))
        .current_dir(p.path())
        .args(["validate", "--format", "json"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("No space left") || err.contains("Speicher"),
        "{err}"
    );
}

/// `--format` and the file's ending must agree: JSON in a `.csv` file opens as garbage.
#[test]
fn export_format_must_match_the_file_ending() {
    let p = TestProject::from_fixture("mini");
    p.run(&["export", "--output", "a.csv", "--format", "json"])
        .exit(2)
        .stderr_has("--format json passt nicht zur Endung von a.csv");
    assert!(!p.path().join("a.csv").exists());
    p.run(&["export", "--output", "a.daten", "--format", "json"])
        .exit(0);
    assert!(p.read("a.daten").starts_with('{'));
}
