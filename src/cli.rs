//! What every `hiclstm-*` binary shares: common flags, thread set-up and the error exit path.

use crate::error::{exit, Error, Result};

/// Flags every binary takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// Worker threads (0 = all cores). Results do not depend on it.
    #[arg(long, short = 't', default_value_t = 0, global = true)]
    pub threads: usize,
    /// Print only warnings and errors.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Overwrite existing outputs.
    #[arg(long, short = 'f', global = true)]
    pub force: bool,
}

impl Common {
    /// Applies the flags: sets quiet logging and builds the global rayon thread pool with
    /// `threads` workers (an internal error if the pool was already built).
    pub fn apply(&self) -> Result<()> {
        crate::log::set_quiet(self.quiet);
        let n = self.effective_threads();
        if self.threads > n {
            crate::log::warn(&format!("--threads {}: this machine has {n} cores; using {n}", self.threads));
        }
        rayon::ThreadPoolBuilder::new().num_threads(n).build_global().map_err(|e| Error::Internal(format!("thread pool: {e}")))
    }

    /// The worker threads to use: `threads`, at most the cores available (0: all of them).
    /// Starting more threads than cores gains nothing and, for absurd counts, takes minutes.
    pub fn effective_threads(&self) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if self.threads == 0 {
            cores
        } else {
            self.threads.min(cores)
        }
    }
}

/// Parses a binary's arguments. With `HICLSTM_CHECK_ARGS=1` in the environment the binary stops
/// right after a successful parse (exit 0, nothing read or written): the workflow lint uses it to
/// check every command line of `workflows/` against the real argument parsers.
pub fn parse<T: clap::Parser>() -> T {
    let args = T::parse();
    if std::env::var_os("HICLSTM_CHECK_ARGS").is_some_and(|v| v == "1") {
        std::process::exit(exit::OK);
    }
    args
}

/// Runs a binary's body and turns its error into one message on stderr and a documented exit code.
pub fn main(body: impl FnOnce() -> Result<()>) -> ! {
    crate::output::guard_inputs();
    let t0 = std::time::Instant::now();
    match body() {
        Ok(()) => {
            // Time and peak memory of every step: what a user sizes a cluster job by.
            let peak = crate::log::peak_memory_mb().map(|m| format!(", peak memory {m:.0} MB")).unwrap_or_default();
            crate::log::info(&format!("done in {:.1} s{peak}", t0.elapsed().as_secs_f64()));
            std::process::exit(exit::OK)
        }
        Err(e) => {
            let prog = std::env::args()
                .next()
                .and_then(|a| std::path::Path::new(&a).file_name().map(|f| f.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "hiclstm".into());
            eprintln!("{prog}: error: {e}");
            std::process::exit(e.exit_code())
        }
    }
}

/// Output file names of a step: `<prefix>.<name>`.
pub fn output_path(prefix: &std::path::Path, name: &str) -> std::path::PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(name);
    s.into()
}

/// `LABEL=FILE` arguments (several tables compared side by side). Without a label, the file
/// name less `.parquet` and a `.predictions`/`.representations` suffix is the label when
/// `stem_default` holds; otherwise the label is required.
pub fn labelled(s: &str, stem_default: bool) -> Result<(String, std::path::PathBuf)> {
    match s.split_once('=') {
        Some((l, p)) if !l.is_empty() && !l.contains('/') => Ok((l.to_string(), p.into())),
        _ if stem_default => {
            let p = std::path::PathBuf::from(s);
            let name = p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            let stem = name.strip_suffix(".parquet").unwrap_or(&name);
            let stem = stem.strip_suffix(".predictions").or_else(|| stem.strip_suffix(".representations")).unwrap_or(stem);
            Ok((stem.to_string(), p))
        }
        _ => Err(Error::InvalidArgument(format!("'{s}': expected LABEL=FILE"))),
    }
}
