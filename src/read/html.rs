//! html reader (stub)
use super::{RawDocument, ReadError};
pub fn read(_bytes: &[u8], _charset: Option<&str>) -> Result<RawDocument, ReadError> {
    Err(ReadError::UnknownFormat("html reader not built yet".into()))
}
