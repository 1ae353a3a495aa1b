//! The documentation cannot drift: every diagnostic code, table field, configuration key and
//! command-line option of the code is described in `docs/`.

use crate::util::repo;

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn rust_sources(dir: &std::path::Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(std::fs::read_to_string(p).unwrap());
        }
    }
}

/// Codes like "V102" used in the source.
fn codes_in_source() -> std::collections::BTreeSet<String> {
    let mut texts = Vec::new();
    rust_sources(&repo().join("src"), &mut texts);
    let mut codes = std::collections::BTreeSet::new();
    for t in texts {
        let b = t.as_bytes();
        for i in 0..b.len().saturating_sub(5) {
            if b[i] == b'"'
                && (b[i + 1] == b'C' || b[i + 1] == b'V')
                && b[i + 2..i + 5].iter().all(u8::is_ascii_digit)
                && b[i + 5] == b'"'
            {
                codes.insert(t[i + 1..i + 5].to_string());
            }
        }
    }
    codes
}

#[test]
fn every_code_is_in_errors_md() {
    let doc = read("docs/errors.md");
    let codes = codes_in_source();
    assert!(codes.len() > 30, "found the codes: {codes:?}");
    let missing: Vec<_> = codes
        .iter()
        .filter(|c| !doc.contains(&format!("### {c} ")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a section in docs/errors.md: {missing:?}"
    );
}

#[test]
fn every_table_field_is_in_data_format_md() {
    let doc = read("docs/data-format.md");
    for s in bildungsmonitor::schema::all() {
        let start = doc
            .find(&format!("### {} ", s.id))
            .unwrap_or_else(|| panic!("section for {}", s.id));
        let rest = &doc[start + 4..];
        let section = &rest[..rest
            .find("\n### ")
            .or_else(|| rest.find("\n## "))
            .unwrap_or(rest.len())];
        for f in s.fields {
            let row = section
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", f.name)))
                .unwrap_or_else(|| panic!("{}.{} not documented", s.id, f.name));
            let role = row.split('|').nth(2).unwrap_or_default();
            assert_eq!(
                role.contains('P'),
                f.required,
                "{}.{}: P in data-format.md must say whether an empty cell is an error",
                s.id,
                f.name
            );
        }
    }
}

#[test]
fn every_config_key_is_in_config_md() {
    let doc = read("docs/config.md");
    let src = read("src/project/config.rs");
    let mut missing = Vec::new();
    for line in src.lines() {
        let l = line.trim();
        let Some((name, _)) = l.strip_prefix("pub ").and_then(|rest| rest.split_once(':')) else {
            continue;
        };
        if name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            && !doc.contains(&format!("`{name}`"))
            && !doc.contains(&format!("`[{name}]`"))
            && !doc.contains(&format!("`[{name}."))
        {
            missing.push(name.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "keys not in docs/config.md: {missing:?}"
    );
}

#[test]
fn every_command_and_option_is_in_cli_md() {
    use clap::CommandFactory;
    let doc = read("docs/cli.md");
    let cmd = bildungsmonitor::cli::Cli::command();
    for arg in cmd.get_arguments() {
        if let Some(long) = arg.get_long() {
            assert!(
                doc.contains(&format!("--{long}")),
                "option --{long} not in docs/cli.md"
            );
        }
    }
    for sub in cmd.get_subcommands() {
        assert!(
            doc.contains(&format!("### `{}", sub.get_name())),
            "command {} not in docs/cli.md",
            sub.get_name()
        );
        for arg in sub.get_arguments() {
            if let Some(long) = arg.get_long() {
                assert!(
                    doc.contains(&format!("--{long}")),
                    "{} --{long} not in docs/cli.md",
                    sub.get_name()
                );
            }
        }
    }
}

#[test]
fn exit_codes_in_cli_md_match_the_enum() {
    use bildungsmonitor::exit::ExitStatus;
    let doc = read("docs/cli.md");
    for s in [
        ExitStatus::Success,
        ExitStatus::DataProblems,
        ExitStatus::Failed,
    ] {
        assert!(doc.contains(&format!("| `{}` |", s.code())), "{s:?}");
    }
}
