//! One error type for the whole toolkit. Every variant names the file (or argument) it is about,
//! and maps to a documented process exit code (see README, "Exit codes").

use std::path::{Path, PathBuf};

/// Exit codes shared by every `hiclstm-*` binary.
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// Unexpected internal failure (a bug: please report it).
    pub const INTERNAL: i32 = 1;
    /// Command-line usage error (clap's own code).
    pub const USAGE: i32 = 2;
    /// An input file could not be opened or read.
    pub const INPUT_IO: i32 = 3;
    /// An input file is malformed, truncated or corrupted.
    pub const INPUT_FORMAT: i32 = 4;
    /// Something asked for (resolution, chromosome, normalization, region) is not in the input.
    pub const NOT_IN_INPUT: i32 = 5;
    /// An output could not be written (exists without --force, unwritable directory, disk full).
    pub const OUTPUT: i32 = 6;
    /// A table does not match its schema.
    pub const SCHEMA: i32 = 7;
    /// Arguments are individually valid but do not fit together or with the data.
    pub const INVALID_ARGUMENT: i32 = 8;
}

/// Every error of the toolkit; [`Error::exit_code`] gives the process exit code of each variant.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input file could not be opened or read (exit code 3).
    #[error("{path}: cannot read: {source}")]
    InputIo {
        /// The input file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },

    /// An input file is malformed, truncated or corrupted (exit code 4).
    #[error("{path}: {location}{message}")]
    Format {
        /// The malformed file.
        path: PathBuf,
        /// Where in the file the problem was found ([`Location::None`] when nowhere in particular).
        location: Location,
        /// What is wrong, without the path or location.
        message: String,
    },

    /// Something asked for (resolution, chromosome, normalization, region) is not in the input
    /// (exit code 5).
    #[error("{path}: {what} not found in the file (available: {available})")]
    NotInInput {
        /// The input file searched.
        path: PathBuf,
        /// What was asked for, e.g. `chromosome 'chr23'` or `resolution 5000`.
        what: String,
        /// What the file does hold, as a comma-separated list (or a short phrase when nothing fits).
        available: String,
    },

    /// An output file exists and --force was not given (exit code 6).
    #[error("{path}: already exists (use --force to overwrite)")]
    OutputExists {
        /// The existing output file.
        path: PathBuf,
    },

    /// An output file could not be written (exit code 6).
    #[error("{path}: cannot write: {source}")]
    OutputIo {
        /// The output file or directory.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },

    /// A table does not match its schema (exit code 7).
    #[error("{path}: {message}")]
    Schema {
        /// The table file.
        path: PathBuf,
        /// What does not match (a column, its type, a metadata key, a row's values).
        message: String,
    },

    /// Arguments that are individually valid but do not fit together or with the data (exit
    /// code 8); the message says which.
    #[error("{0}")]
    InvalidArgument(String),

    /// An unexpected internal failure, a bug (exit code 1).
    #[error("internal error: {0}")]
    Internal(String),

    /// A step run by hiclstm-pipeline failed; its own message is already on stderr and its exit
    /// code is passed on.
    #[error("step {step} failed (exit code {code}); its message is above; rerun with --resume after fixing it")]
    StepFailed {
        /// The step's name, e.g. `train:toy`.
        step: String,
        /// The step's exit code (1 when it was killed by a signal).
        code: i32,
    },
}

/// Where in a file a format error was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// No particular place (the message says enough, or the file as a whole is at fault).
    None,
    /// 1-based line, optional 1-based column (for text formats).
    Line {
        /// 1-based line number.
        line: u64,
        /// 1-based column, when known.
        column: Option<u64>,
    },
    /// Byte offset (for binary formats).
    Offset(u64),
    /// A named object inside a container (an HDF5 dataset, say).
    Object(String),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::None => Ok(()),
            Location::Line { line, column: None } => write!(f, "line {line}: "),
            Location::Line { line, column: Some(c) } => write!(f, "line {line}, column {c}: "),
            Location::Offset(o) => write!(f, "byte offset {o}: "),
            Location::Object(o) => write!(f, "{o}: "),
        }
    }
}

impl Error {
    /// The process exit code of this error (see [`exit`]); a failed pipeline step passes on its own.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::InputIo { .. } => exit::INPUT_IO,
            Error::Format { .. } => exit::INPUT_FORMAT,
            Error::NotInInput { .. } => exit::NOT_IN_INPUT,
            Error::OutputExists { .. } | Error::OutputIo { .. } => exit::OUTPUT,
            Error::Schema { .. } => exit::SCHEMA,
            Error::InvalidArgument(_) => exit::INVALID_ARGUMENT,
            Error::Internal(_) => exit::INTERNAL,
            Error::StepFailed { code, .. } => *code,
        }
    }

    /// An [`Error::InputIo`] about `path`.
    pub fn input_io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::InputIo { path: path.as_ref().to_path_buf(), source }
    }

    /// An [`Error::OutputIo`] about `path`.
    pub fn output_io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::OutputIo { path: path.as_ref().to_path_buf(), source }
    }

    /// An [`Error::Format`] about `path` at `location`.
    pub fn format(path: impl AsRef<Path>, location: Location, message: impl Into<String>) -> Self {
        Error::Format { path: path.as_ref().to_path_buf(), location, message: message.into() }
    }

    /// An [`Error::NotInInput`]: `what` was asked of `path`, which holds `available`.
    pub fn not_in_input(path: impl AsRef<Path>, what: impl Into<String>, available: impl Into<String>) -> Self {
        Error::NotInInput { path: path.as_ref().to_path_buf(), what: what.into(), available: available.into() }
    }

    /// An [`Error::Schema`] about the table `path`.
    pub fn schema(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Error::Schema { path: path.as_ref().to_path_buf(), message: message.into() }
    }
}

/// The toolkit's result type, with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Opens an input file for reading: a missing, unreadable or directory path is an
/// [`Error::InputIo`] (exit 3) naming it, before any format reader sees it.
pub fn open_input(path: &Path) -> Result<std::fs::File> {
    if path.is_dir() {
        return Err(Error::input_io(path, std::io::Error::other("is a directory, not a file")));
    }
    let f = std::fs::File::open(path).map_err(|e| Error::input_io(path, e))?;
    crate::output::register_input(path);
    Ok(f)
}
