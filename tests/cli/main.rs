//! The single integration-test binary: every test runs the real `bildungsmonitor` binary
//! on files in a temporary folder.

mod util;

/// Disclosure judged from outside: an attacker with only the published export.
mod attacker;

/// `--help`, completions, man page, exit codes.
mod cli;
/// Configuration errors with file:line:column.
mod config;
/// Disclosure control: primary, secondary, attacker check, brute-force oracle.
mod disclosure;
/// The docs describe every code, field, key and option.
mod docs;
/// Exports read back as data.
mod export;
/// Real export layouts read by configuration only (GENESIS, ffcsv, Konstanz, KISS-MD).
mod formats;
/// Random and mutated inputs never panic.
mod fuzz;
/// Every catalogue indicator against hand computation.
mod golden;
/// Indicator values against hand computation.
mod indicators;
/// `init --from`: projects for deliveries never seen before.
mod init;
/// PDF inspection helpers (lopdf).
mod pdfcheck;
/// Engine properties on the whole sample city.
mod properties;
/// Report modules as PDF.
mod report;
/// Shares on exact ties, half up, in every output.
mod rounding;
/// `sample` reproduces `data-samples/`; `init` creates a working project.
mod sample;
/// Snapshots of what users see (help, messages, validate, init --from).
mod snapshots;
/// One test per broken input: code, location, exit status, no panic, nothing written.
mod validate;
