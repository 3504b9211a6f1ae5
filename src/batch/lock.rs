//! One run per output folder: a run holds an exclusive lock on
//! `<out>/.caizheng.lock` from before it reads the folder until it ends, and
//! writes there who it is, for the run it turns away. The lock is the
//! kernel's (`flock`): it goes with the process, so a killed run leaves no
//! stale lock behind.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The lock file, inside the output folder.
pub const LOCK_FILE: &str = ".caizheng.lock";

/// Why a run cannot work at all (the command exits 4): the output folder
/// is held by another run or cannot be written, the patterns do not load,
/// or no input was found.
#[derive(Debug)]
pub struct CannotStart(pub String);

impl std::fmt::Display for CannotStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CannotStart {}

/// The held lock; dropping it (or the process ending) lets the next run in.
#[derive(Debug)]
pub struct FolderLock {
    _file: File,
}

/// Take the lock of `out` (which must exist), or say which run holds it.
pub fn lock_folder(out: &Path) -> Result<FolderLock, CannotStart> {
    let path = out.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| {
            CannotStart(format!(
                "the output folder {} is not writable: {e}",
                out.display()
            ))
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let holder = if holder.is_empty() {
                "a run that is just starting".to_string()
            } else {
                holder.to_string()
            };
            return Err(CannotStart(format!(
                "the output folder {} is in use by another run ({holder}); \
                 wait for it to end or choose another --out",
                out.display()
            )));
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(CannotStart(format!(
                "cannot lock the output folder {}: {e}",
                out.display()
            )))
        }
    }
    let started = httpdate::fmt_http_date(std::time::SystemTime::now());
    let me = format!("pid {}, started {started}\n", std::process::id());
    let written = file
        .set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| file.write_all(me.as_bytes()));
    written.map_err(|e| {
        CannotStart(format!(
            "the output folder {} is not writable: {e}",
            out.display()
        ))
    })?;
    Ok(FolderLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_naming_the_holder_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let held = lock_folder(dir.path()).unwrap();
        let refused = lock_folder(dir.path()).unwrap_err().to_string();
        assert!(refused.contains("in use by another run"), "{refused}");
        assert!(
            refused.contains(&format!("pid {}", std::process::id())),
            "{refused}"
        );
        drop(held);
        lock_folder(dir.path()).unwrap();
    }
}
