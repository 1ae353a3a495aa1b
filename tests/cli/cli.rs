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
