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

/// Fails early (before any work is done) when an output exists and `force` is off, or when its
/// directory is missing or not writable.
pub fn check_writable(path: &Path, force: bool) -> Result<()> {
    if path.exists() && !force {
        return Err(Error::OutputExists { path: path.to_path_buf() });
    }
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

    /// A second handle on the temporary file, for writers that want to own a `File`.
    pub fn file(&self) -> Result<File> {
        self.temp.as_file().try_clone().map_err(|e| Error::output_io(&self.target, e))
    }

    /// Syncs the file and renames it to its final path, which it returns; without `force` an existing
    /// target is refused ([`Error::OutputExists`]).
    pub fn commit(self, force: bool) -> Result<PathBuf> {
        self.temp.as_file().sync_all().map_err(|e| Error::output_io(&self.target, e))?;
        let target = self.target.clone();
        // Without --force the rename itself refuses an existing target (no window between a
        // check and the rename in which another process could create it).
        let persisted = if force { self.temp.persist(&target) } else { self.temp.persist_noclobber(&target) };
        persisted.map_err(|e| match e.error.kind() {
            std::io::ErrorKind::AlreadyExists if !force => Error::OutputExists { path: target.clone() },
            _ => Error::output_io(&target, e.error),
        })?;
        Ok(target)
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
        self.files.into_iter().map(|f| f.commit(force)).collect()
    }
}

impl Extend<AtomicFile> for OutputSet {
    fn extend<I: IntoIterator<Item = AtomicFile>>(&mut self, files: I) {
        self.files.extend(files);
    }
}
