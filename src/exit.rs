//! The one place where exit codes are defined (documented in `docs/cli.md`).

use std::process::ExitCode;

/// How a run ended. Scripts and CI jobs branch on these numbers, so they never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: everything worked; warnings may have been printed.
    Success,
    /// 1: the inputs (configuration, data files, templates) have errors; nothing was written.
    DataProblems,
    /// 2: the tool could not do its job (usage error, I/O failure, internal error).
    Failed,
    /// 130: ended by Ctrl+C (128 + SIGINT, as shells report it); nothing was written.
    Interrupted,
}

impl ExitStatus {
    /// The numeric code passed to the operating system.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::DataProblems => 1,
            ExitStatus::Failed => 2,
            ExitStatus::Interrupted => 130,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}
