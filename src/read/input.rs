//! Opening an input file: only a regular file, and only up to a size limit,
//! both checked before a byte is read. A FIFO would block the open (or the
//! read) forever, a link to `/dev/zero` would never end, and a huge sparse
//! file would be read whole before any reader could reject it.

use std::fs::{File, Metadata};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use super::ReadError;

/// Largest input read, in bytes: far above any budget disclosure (the
/// largest scanned PDFs are a few hundred MB), far below what would exhaust
/// a worker's memory.
pub const MAX_INPUT_BYTES: u64 = 512 * 1024 * 1024;

/// Open `path` if it is a regular file of at most [`MAX_INPUT_BYTES`].
/// The open does not block: a FIFO is opened non-blocking and then refused.
pub fn open_regular(path: &Path) -> Result<(File, Metadata), ReadError> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| ReadError::Io(e.to_string()))?;
    let meta = file.metadata().map_err(|e| ReadError::Io(e.to_string()))?;
    let kind = meta.file_type();
    if !kind.is_file() {
        let what = if kind.is_fifo() {
            "a FIFO (named pipe)"
        } else if kind.is_char_device() {
            "a character device"
        } else if kind.is_block_device() {
            "a block device"
        } else if kind.is_socket() {
            "a socket"
        } else if kind.is_dir() {
            "a folder"
        } else {
            "not a regular file"
        };
        return Err(ReadError::NotAFile(what.into()));
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(ReadError::TooLarge(format!(
            "{} bytes, over the limit of {MAX_INPUT_BYTES}",
            meta.len()
        )));
    }
    Ok((file, meta))
}

/// The bytes of a regular file of at most [`MAX_INPUT_BYTES`] (see
/// [`open_regular`]); a file that grows past the limit while it is read is
/// refused too.
pub fn read_file(path: &Path) -> Result<Vec<u8>, ReadError> {
    let (file, meta) = open_regular(path)?;
    read_opened(file, &meta)
}

/// The bytes of a file opened by [`open_regular`].
pub fn read_opened(file: File, meta: &Metadata) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(e.to_string()))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(ReadError::TooLarge(format!(
            "grew past the limit of {MAX_INPUT_BYTES} bytes while read"
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.txt");
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        let started = Instant::now();
        let err = read_file(&fifo).unwrap_err();
        assert_eq!(err.reason(), "not_a_file", "{err}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn a_link_to_dev_zero_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("zero.pdf");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert_eq!(read_file(&link).unwrap_err().reason(), "not_a_file");
    }

    #[test]
    fn a_huge_sparse_file_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.txt");
        let file = File::create(&path).unwrap();
        file.set_len(5 << 30).unwrap();
        let started = Instant::now();
        let err = read_file(&path).unwrap_err();
        assert_eq!(err.reason(), "too_large", "{err}");
        assert!(started.elapsed() < Duration::from_secs(1), "it was read");
    }

    #[test]
    fn a_small_regular_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "预算").unwrap();
        assert_eq!(read_file(&path).unwrap(), "预算".as_bytes());
    }
}
