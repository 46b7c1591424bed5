//! Logging to stderr (machine output goes only to files) and progress display: a bar on a
//! terminal, plain lines otherwise (Nextflow and CI capture those).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Turns quiet mode (`--quiet`) on or off for the process: it silences [`info`] and progress, not
/// [`warn()`].
pub fn set_quiet(q: bool) {
    QUIET.store(q, Ordering::Relaxed);
}

/// Whether quiet mode is on.
pub fn is_quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Prints `[program] msg` on stderr (program: the binary's file name), unless quiet.
pub fn info(msg: &str) {
    if !is_quiet() {
        eprintln!("[{}] {msg}", program());
    }
}

/// Peak resident memory of this process so far, in MB (Linux: `VmHWM` of /proc/self/status, which
/// counts this program only, not the process that started it); None where unavailable.
pub fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb / 1024.0)
}

/// Warnings are printed even with --quiet.
pub fn warn(msg: &str) {
    eprintln!("[{}] warning: {msg}", program());
}

fn program() -> String {
    std::env::args().next().and_then(|a| std::path::Path::new(&a).file_name().map(|f| f.to_string_lossy().into_owned())).unwrap_or_else(|| "hiclstm".into())
}

/// Progress over `total` units of work named `what`.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    what: String,
    total: u64,
    done: u64,
}

impl Progress {
    /// Starts the display: a bar when stderr is a terminal and not quiet, else one [`info`] line per
    /// [`Progress::step`].
    pub fn new(total: u64, what: &str) -> Self {
        let bar = (!is_quiet() && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new(total);
            b.set_style(
                indicatif::ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({eta} left)").expect("valid template").progress_chars("=> "),
            );
            b.set_message(what.to_string());
            b
        });
        Progress { bar, what: what.to_string(), total, done: 0 }
    }

    /// One unit done; `label` says which (printed as a plain line off-terminal).
    pub fn step(&mut self, label: &str) {
        self.done += 1;
        match &self.bar {
            Some(b) => b.inc(1),
            None => info(&format!("{} {}/{}: {label}", self.what, self.done, self.total)),
        }
    }

    /// Ends the display (clears the bar).
    pub fn finish(self) {
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
    }
}
