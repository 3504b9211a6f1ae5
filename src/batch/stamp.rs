//! When a file's size and modification time vouch for the bytes hashed
//! earlier.
//!
//! A stamp taken at time `t` is trusted later only if the file was last
//! modified well before `t`: a change made after `t` within the same tick of
//! the file system's clock would leave the stamp as it was (git's "racily
//! clean" entries). How long "well before" is depends on the file system: a
//! local one that stores nanoseconds takes its times from the kernel's
//! coarse clock, so one tick of that clock is enough; times in whole
//! seconds or milliseconds, or set by another machine's clock (network file
//! systems), get two seconds.

use std::collections::HashMap;
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// The window for file systems whose clock or granularity is unknown.
pub const COARSE_WINDOW_NS: u64 = 2_000_000_000;

/// File systems that keep nanosecond times from this kernel's clock
/// (`statfs` magic numbers).
const LOCAL_FINE_FILE_SYSTEMS: &[(i64, &str)] = &[
    (0xEF53, "ext2/3/4"),
    (0x5846_5342, "xfs"),
    (0x9123_683E, "btrfs"),
    (0x0102_1994, "tmpfs"),
    (0xF2F5_2010, "f2fs"),
    (0x2FC1_2FC1, "zfs"),
    (0x794C_7630, "overlayfs"),
    (0xCA45_1A4E, "bcachefs"),
];

/// A file's size and modification time, and how long after that time it
/// may still change without the stamp showing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub len: u64,
    pub mtime_ns: u64,
    pub racy_window_ns: u64,
}

impl Stamp {
    /// Whether a stamp taken at `taken_at_ns` (or later) vouches for the
    /// file's content as long as it stays the same.
    pub fn settled_before(&self, taken_at_ns: u64) -> bool {
        self.mtime_ns.saturating_add(self.racy_window_ns) < taken_at_ns
    }
}

/// Stamps files, remembering which devices hold local file systems.
pub struct Stamper {
    fine_window_ns: u64,
    local_devices: HashMap<u64, bool>,
}

impl Default for Stamper {
    fn default() -> Self {
        Self::new()
    }
}

impl Stamper {
    pub fn new() -> Stamper {
        Stamper {
            fine_window_ns: fine_window_ns(),
            local_devices: HashMap::new(),
        }
    }

    pub fn stamp(&mut self, path: &Path, meta: &Metadata) -> Stamp {
        let mtime_ns = mtime_ns(meta).unwrap_or(0);
        let fine_times = !mtime_ns.is_multiple_of(1_000_000);
        let local = *self
            .local_devices
            .entry(meta.dev())
            .or_insert_with(|| is_local_fine(path));
        Stamp {
            len: meta.len(),
            mtime_ns,
            racy_window_ns: if fine_times && local {
                self.fine_window_ns
            } else {
                COARSE_WINDOW_NS
            },
        }
    }
}

/// Two ticks of the clock file times come from, within [1 ms, 2 s].
fn fine_window_ns() -> u64 {
    let mut res = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_getres writes one timespec through a valid pointer.
    let ok = unsafe { libc::clock_getres(libc::CLOCK_REALTIME_COARSE, &mut res) } == 0;
    if !ok {
        return COARSE_WINDOW_NS;
    }
    let tick_ns = (res.tv_sec.max(0) as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(res.tv_nsec.max(0) as u64);
    tick_ns.saturating_mul(2).clamp(1_000_000, COARSE_WINDOW_NS)
}

fn is_local_fine(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: statfs fills the zeroed struct through a valid pointer and
    // reads a NUL-terminated path.
    let mut fs: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statfs(c_path.as_ptr(), &mut fs) } != 0 {
        return false;
    }
    #[allow(clippy::unnecessary_cast)]
    let magic = fs.f_type as i64;
    LOCAL_FINE_FILE_SYSTEMS.iter().any(|&(m, _)| m == magic)
}

/// Set a file's modification time, as an edit or a copy keeping times would.
/// A file's modification time in nanoseconds since the epoch.
pub fn mtime_ns(meta: &std::fs::Metadata) -> Option<u64> {
    let since_epoch = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(since_epoch.as_nanos() as u64)
}

#[cfg(test)]
pub(crate) fn set_mtime(path: &Path, at: std::time::SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(at)
        .unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_just_written_is_racy_and_one_written_long_ago_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"x").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        let stamp = Stamper::new().stamp(&path, &meta);
        assert_eq!(stamp.len, 1);
        assert!(stamp.racy_window_ns >= 1_000_000);
        assert!(stamp.racy_window_ns <= COARSE_WINDOW_NS);
        assert!(!stamp.settled_before(stamp.mtime_ns));
        assert!(!stamp.settled_before(stamp.mtime_ns + stamp.racy_window_ns));
        assert!(stamp.settled_before(stamp.mtime_ns + stamp.racy_window_ns + 1));

        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        set_mtime(&path, old);
        let meta = std::fs::metadata(&path).unwrap();
        let whole_second = Stamper::new().stamp(&path, &meta);
        assert_eq!(whole_second.mtime_ns, 1_000_000_000 * 1_000_000_000);
        assert_eq!(
            whole_second.racy_window_ns, COARSE_WINDOW_NS,
            "a time in whole seconds may come from a coarse file system"
        );
    }
}
