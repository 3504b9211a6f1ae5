//! text reader (stub)
use super::{RawDocument, ReadError};
pub fn read(_bytes: &[u8]) -> Result<RawDocument, ReadError> {
    Err(ReadError::UnknownFormat("text reader not built yet".into()))
}
