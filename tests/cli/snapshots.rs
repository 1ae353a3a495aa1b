//! Snapshots of what users see: the whole text, not a substring, so that wording, grammar and
//! layout changes show up in review. `BILDUNGSMONITOR_SNAPSHOTS=neu cargo test` rewrites the
//! files in `tests/snapshots/` (then read the diff before committing).

use crate::util::{TestProject, fixture, repo, run_in};

/// Compares `actual` with `tests/snapshots/<name>.txt`; temporary paths are replaced first.
#[track_caller]
fn assert_snapshot(name: &str, actual: &str, tmp: &std::path::Path) {
    let actual = actual.replace(&tmp.display().to_string(), "[PROJEKT]");
    let path = repo().join("tests/snapshots").join(format!("{name}.txt"));
    if std::env::var("BILDUNGSMONITOR_SNAPSHOTS").as_deref() == Ok("neu") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "snapshot {} fehlt: BILDUNGSMONITOR_SNAPSHOTS=neu cargo test snapshots",
            path.display()
        )
    });
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(10)
            .map(|(i, (a, b))| format!("Zeile {}:\n- {a}\n+ {b}", i + 1))
            .collect();
        panic!(
            "snapshot {name} weicht ab ({} statt {} Zeilen):\n{}\n\nneu schreiben: BILDUNGSMONITOR_SNAPSHOTS=neu cargo test snapshots",
            actual.lines().count(),
            expected.lines().count(),
            diff.join("\n")
        );
    }
}

/// The exit status and both streams of a run, as one text.
fn shown(r: &crate::util::Run) -> String {
    format!(
        "Exit-Status {}\n--- stdout ---\n{}--- stderr ---\n{}",
        r.code, r.stdout, r.stderr
    )
}

#[test]
fn help_of_every_command() {
    let p = TestProject::empty();
    let top = run_in(p.path(), &["--help"]);
    let mut all = shown(&top);
    for cmd in [
        "validate",
        "indicators",
        "export",
        "catalogue",
        "report",
        "faktencheck",
        "bench",
        "init",
        "sample",
        "completions",
        "man",
    ] {
        assert!(top.stdout.contains(&format!("  {cmd} ")), "{cmd} in --help");
        let r = run_in(p.path(), &[cmd, "--help"]);
        r.exit(0);
        all.push_str(&format!("\n===== {cmd} --help\n{}", shown(&r)));
    }
    assert_snapshot("hilfe", &all, p.path());
}

#[test]
fn validate_on_the_sample() {
    let p = TestProject::sample();
    assert_snapshot("validate-beispiel", &shown(&p.run(&["validate"])), p.path());
    let j = p.run(&["validate", "--format", "json"]);
    assert_snapshot("validate-beispiel-json", &shown(&j), p.path());
}

/// Every message of the broken fixtures in full, with its exit status.
#[test]
fn every_message_of_the_broken_fixtures() {
    let mut all = String::new();
    for (name, target, _) in crate::validate::CASES {
        let p = TestProject::from_fixture("mini");
        p.write(
            target,
            std::fs::read(fixture(&format!("broken/{name}"))).unwrap(),
        );
        let r = p.run(&["validate"]);
        let stderr: String = r
            .stderr
            .lines()
            .skip_while(|l| !l.contains('[') || l.starts_with("Quelle"))
            .map(|l| format!("{l}\n"))
            .collect();
        let stderr = stderr.replace(&p.path().display().to_string(), "[PROJEKT]");
        all.push_str(&format!(
            "===== {name} → {target}: Exit-Status {}\n{stderr}",
            r.code
        ));
    }
    assert_snapshot("meldungen", &all, std::path::Path::new("/nonexistent"));
}

#[test]
fn catalogue_and_init_from() {
    let p = TestProject::empty();
    assert_snapshot("catalogue", &shown(&p.run(&["catalogue"])), p.path());
    crate::util::copy_dir(&fixture("kollegin"), &p.path().join("daten"));
    let r = p.run(&["init", "projekt", "--from", "daten"]);
    assert_snapshot("init-from-kollegin", &shown(&r), p.path());
    // the Datenstand is the files' day: not part of the snapshot
    let toml: String = p
        .read("projekt/bildungsmonitor.toml")
        .lines()
        .map(|l| {
            if l.starts_with("stand = ") {
                "stand = [TAG]".to_string()
            } else {
                l.to_string()
            }
        })
        .map(|l| l + "\n")
        .collect();
    assert_snapshot("init-from-kollegin-toml", &toml, p.path());
}
