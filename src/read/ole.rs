//! The OLE compound file (a FAT file system inside a file) of the legacy
//! Office formats, read with the `cfb` crate: Word 97–2003 `.doc`
//! ([`super::docx`]) and the number formats of Excel 97–2003 `.xls`
//! ([`super::xls_formats`]). Its errors are worded for `.doc`, the one
//! reader that reports them (`.xls` only loses its decimals).

use super::ReadError;
use std::io::{Cursor, Read};

/// Streams larger than this are not a budget report.
const MAX_STREAM_BYTES: usize = 64 * 1024 * 1024;

pub(super) fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

pub(super) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

pub(super) type Ole<'a> = cfb::CompoundFile<Cursor<&'a [u8]>>;

/// Open the OLE compound file (the `cfb` crate checks its FAT, DIFAT and
/// directory against the file's length and against loops).
pub(super) fn open(bytes: &[u8]) -> Result<Ole<'_>, ReadError> {
    if bytes.len() < 512 {
        return Err(ReadError::Truncated(
            "OLE compound file shorter than its 512-byte header".into(),
        ));
    }
    cfb::CompoundFile::open(Cursor::new(bytes)).map_err(ole_error)
}

/// A sector that lies past the end of the file means the file was cut off;
/// any other fault of the container is corruption.
fn ole_error(e: std::io::Error) -> ReadError {
    let message = e.to_string();
    let past_end = ["sector count is only", "file has only", "beyond the"];
    if e.kind() == std::io::ErrorKind::UnexpectedEof || past_end.iter().any(|p| message.contains(p))
    {
        ReadError::Truncated(format!(
            ".doc: {message}; the download was probably cut off"
        ))
    } else {
        ReadError::Corrupt(format!(".doc: OLE compound file: {message}"))
    }
}

/// A stream directly under the root storage, by name, at most 64 MiB.
pub(super) fn stream(ole: &mut Ole, name: &str) -> Option<Result<Vec<u8>, ReadError>> {
    let path = format!("/{name}");
    let size = match ole.entry(&path) {
        Ok(entry) if entry.is_stream() => entry.len(),
        _ => return None,
    };
    if size > MAX_STREAM_BYTES as u64 {
        return Some(Err(ReadError::TooLarge(format!(
            "{name} stream over 64 MiB"
        ))));
    }
    let read = |ole: &mut Ole| {
        let mut out = Vec::with_capacity(size as usize);
        ole.open_stream(&path)?.read_to_end(&mut out)?;
        Ok(out)
    };
    Some(read(ole).map_err(ole_error))
}
