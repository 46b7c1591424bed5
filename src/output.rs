//! Outputs appear whole or not at all: every file is written under a temporary name in its
//! destination directory and renamed into place only when the step has succeeded.

use crate::error::{Error, Result};
use std::fs::File;
use std::path::{Path, PathBuf};

/// A file being written. Dropped without [`AtomicFile::commit`], it leaves nothing behind.
#[must_use = "an output is only written once committed (push it onto the step's OutputSet)"]
pub struct AtomicFile {
    target: PathBuf,
    temp: tempfile::NamedTempFile,
}

/// Inputs this process has opened (canonical paths): an output may never replace one of them,
/// even with `--force` (`-o` pointing at an input would destroy it). A binary runs one step, so
/// the list is the step's inputs; it is kept only once [`guard_inputs`] is called (by
/// `cli::main`), so that a program running several steps in one process is not refused.
static INPUTS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
static GUARD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From now on, outputs may not replace an input this process opens.
pub fn guard_inputs() {
    GUARD.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Records an opened input (called by the input openers).
pub fn register_input(path: &Path) {
    if !GUARD.load(std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    if let Ok(p) = path.canonicalize() {
        let mut v = INPUTS.lock().unwrap_or_else(|e| e.into_inner());
        if !v.contains(&p) {
            v.push(p);
        }
    }
}

/// Refuses a target that is one of the inputs opened so far.
fn refuse_input(target: &Path) -> Result<()> {
    let Ok(t) = target.canonicalize() else { return Ok(()) };
    if INPUTS.lock().unwrap_or_else(|e| e.into_inner()).contains(&t) {
        return Err(Error::InvalidArgument(format!("{}: this output is also an input of the step; choose another -o", target.display())));
    }
    Ok(())
}

/// Fails early (before any work is done) when an output exists and `force` is off, or when its
/// directory is missing or not writable.
pub fn check_writable(path: &Path, force: bool) -> Result<()> {
    if path.exists() && !force {
        return Err(Error::OutputExists { path: path.to_path_buf() });
    }
    refuse_input(path)?;
    let dir = parent_dir(path);
    if !dir.is_dir() {
        return Err(Error::output_io(path, std::io::Error::new(std::io::ErrorKind::NotFound, format!("directory {} does not exist", dir.display()))));
    }
    // Probe with a real temporary file: permission bits alone lie for root and on some mounts.
    tempfile::Builder::new().prefix(".hiclstm-probe").tempfile_in(dir).map_err(|e| Error::output_io(path, e))?;
    Ok(())
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

impl AtomicFile {
    /// Starts writing `path` under a temporary name in its directory; fails first when `path`
    /// exists and `force` is off, or the directory is missing or not writable.
    pub fn create(path: impl AsRef<Path>, force: bool) -> Result<Self> {
        let target = path.as_ref().to_path_buf();
        check_writable(&target, force)?;
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .rand_bytes(6)
            .suffix(".tmp")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .tempfile_in(parent_dir(&target))
            .map_err(|e| Error::output_io(&target, e))?;
        Ok(AtomicFile { target, temp })
    }

    /// The final path (where [`AtomicFile::commit`] puts the file), not the temporary one.
    pub fn path(&self) -> &Path {
        &self.target
    }

    /// The temporary file being written, for writers that open files by path (libhdf5).
    pub fn temp_path(&self) -> &Path {
        self.temp.path()
    }

    /// A second handle on the temporary file, for writers that want to own a `File`.
    pub fn file(&self) -> Result<File> {
        self.temp.as_file().try_clone().map_err(|e| Error::output_io(&self.target, e))
    }

    /// Syncs the file and renames it to its final path, which it returns; without `force` an existing
    /// target is refused ([`Error::OutputExists`]).
    pub fn commit(self, force: bool) -> Result<PathBuf> {
        self.temp.as_file().sync_all().map_err(|e| Error::output_io(&self.target, e))?;
        refuse_input(&self.target)?;
        let target = self.target.clone();
        // Without --force the rename itself refuses an existing target (no window between a
        // check and the rename in which another process could create it).
        let persisted = if force { self.temp.persist(&target) } else { self.temp.persist_noclobber(&target) };
        persisted.map_err(|e| match e.error.kind() {
            std::io::ErrorKind::AlreadyExists if !force => Error::OutputExists { path: target.clone() },
            _ => Error::output_io(&target, e.error),
        })?;
        remove_stale_temporaries(&target);
        Ok(target)
    }
}

/// Temporary files a killed run left for `target` (`.NAME.XXXXXX.tmp` beside it) are removed
/// once a run has committed it: they can never become the output any more.
fn remove_stale_temporaries(target: &Path) {
    let Some(name) = target.file_name().map(|n| format!(".{}.", n.to_string_lossy())) else { return };
    let Ok(entries) = std::fs::read_dir(parent_dir(target)) else { return };
    for e in entries.flatten() {
        let f = e.file_name().to_string_lossy().into_owned();
        // The random part is 6 characters (tempfile's default): `.NAME.` + 6 + `.tmp`.
        if f.starts_with(&name) && f.ends_with(".tmp") && f.len() == name.len() + 6 + 4 {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

impl std::io::Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.temp.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.temp.flush()
    }
}

/// Several outputs of one step, committed together at the end.
#[derive(Default)]
pub struct OutputSet {
    files: Vec<AtomicFile>,
}

impl OutputSet {
    /// Adds a written, not yet committed file.
    pub fn push(&mut self, f: AtomicFile) {
        self.files.push(f);
    }
    /// Commits every file; without `force` none is committed when any target exists.
    pub fn commit(self, force: bool) -> Result<Vec<PathBuf>> {
        if let Some(f) = self.files.iter().find(|f| !force && f.target.exists()) {
            return Err(Error::OutputExists { path: f.target.clone() });
        }
        // Checked for all before any is committed, so a refusal leaves nothing behind.
        for f in &self.files {
            refuse_input(&f.target)?;
        }
        self.files.into_iter().map(|f| f.commit(force)).collect()
    }
}

impl Extend<AtomicFile> for OutputSet {
    fn extend<I: IntoIterator<Item = AtomicFile>>(&mut self, files: I) {
        self.files.extend(files);
    }
}
