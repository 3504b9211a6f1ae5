//! AES-encrypted PDFs opened with the empty user password.
//!
//! Many published PDFs are encrypted only to restrict printing or copying:
//! the user password is empty, and any reader may open them. lopdf 0.34
//! decrypts only RC4 (`/V` 1–2); this decrypts the AES handlers of the
//! standard security handler (ISO 32000-2, 7.6): AESV2 (`/V 4`, 128-bit,
//! key from MD5) and AESV3 (`/V 5`, 256-bit, revision 5 or 6).

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use lopdf::{Dictionary, Document, Object, ObjectId};
use md5::{Digest, Md5};
use sha2::{Sha256, Sha384, Sha512};

/// The padding of an empty password (Algorithm 2, step a).
const PAD: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
];

/// What [`decrypt`] made of the document.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Not an AES handler: left for lopdf (RC4) or refused.
    NotAes,
    Decrypted,
    /// The empty password does not open it.
    NeedsPassword,
}

/// Which objects the file encrypts, and the file key.
struct Handler {
    key: Vec<u8>,
    /// AES-256 with the file key itself, else AES-128 with a key per object.
    v5: bool,
    strings: bool,
    streams: bool,
    metadata: bool,
}

/// Decrypt an AES-encrypted document in place with the empty user password.
pub(super) fn decrypt(doc: &mut Document) -> Outcome {
    let Ok(encrypt_id) = doc.trailer.get(b"Encrypt").and_then(Object::as_reference) else {
        return Outcome::NotAes;
    };
    let Ok(dict) = doc.get_dictionary(encrypt_id).cloned() else {
        return Outcome::NotAes;
    };
    let handler = match handler(doc, &dict) {
        Some(Ok(handler)) => handler,
        Some(Err(())) => return Outcome::NeedsPassword,
        None => return Outcome::NotAes,
    };
    let (mut decrypted, mut failed) = (0usize, 0usize);
    for (&id, object) in doc.objects.iter_mut() {
        if id == encrypt_id {
            continue;
        }
        if let Object::Stream(stream) = object {
            let kind = stream.dict.get(b"Type").and_then(Object::as_name).ok();
            let skip = !handler.streams
                || kind == Some(b"XRef".as_slice())
                || (kind == Some(b"Metadata".as_slice()) && !handler.metadata);
            if !skip {
                match aes_cbc_decrypt(&handler.object_key(id), &stream.content) {
                    Some(plain) => {
                        stream.set_content(plain);
                        decrypted += 1;
                    }
                    None => failed += 1,
                }
            }
            if handler.strings {
                decrypt_strings_in_dict(&handler, id, &mut stream.dict);
            }
        } else if handler.strings {
            decrypt_strings(&handler, id, object);
        }
    }
    // A wrong key leaves (nearly) every stream with bad padding.
    if decrypted == 0 && failed > 0 {
        return Outcome::NeedsPassword;
    }
    doc.trailer.remove(b"Encrypt");
    Outcome::Decrypted
}

fn decrypt_strings(handler: &Handler, id: ObjectId, object: &mut Object) {
    match object {
        Object::String(bytes, _) => {
            if let Some(plain) = aes_cbc_decrypt(&handler.object_key(id), bytes) {
                *bytes = plain;
            }
        }
        Object::Array(items) => items
            .iter_mut()
            .for_each(|item| decrypt_strings(handler, id, item)),
        Object::Dictionary(dict) => decrypt_strings_in_dict(handler, id, dict),
        _ => {}
    }
}

fn decrypt_strings_in_dict(handler: &Handler, id: ObjectId, dict: &mut Dictionary) {
    for (_, value) in dict.iter_mut() {
        decrypt_strings(handler, id, value);
    }
}

impl Handler {
    /// Algorithm 1 (with the AES salt): the key of object `id`.
    fn object_key(&self, id: ObjectId) -> Vec<u8> {
        if self.v5 {
            return self.key.clone();
        }
        let mut hasher = Md5::new();
        hasher.update(&self.key);
        hasher.update(&id.0.to_le_bytes()[..3]);
        hasher.update(&id.1.to_le_bytes()[..2]);
        hasher.update(b"sAlT");
        hasher.finalize().to_vec()
    }
}

fn bytes_of<'a>(dict: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    dict.get(key).and_then(Object::as_str).ok()
}

/// The handler of an AES encryption dictionary: `None` if it is not AES,
/// `Err` if the empty password does not open it.
fn handler(doc: &Document, dict: &Dictionary) -> Option<Result<Handler, ()>> {
    let version = dict.get(b"V").and_then(Object::as_i64).ok()?;
    let revision = dict.get(b"R").and_then(Object::as_i64).ok()?;
    if !matches!(version, 4 | 5) {
        return None;
    }
    // The crypt filters: `/StmF` and `/StrF` name one of `/CF`, or Identity.
    let filters = dict.get(b"CF").and_then(Object::as_dict).ok()?;
    let method = |entry: &[u8]| -> Option<Vec<u8>> {
        let name = dict.get(entry).and_then(Object::as_name).ok()?;
        if name == b"Identity" {
            return Some(b"None".to_vec());
        }
        let filter = filters.get(name).and_then(Object::as_dict).ok()?;
        Some(filter.get(b"CFM").and_then(Object::as_name).ok()?.to_vec())
    };
    let (streams, strings) = (method(b"StmF")?, method(b"StrF")?);
    let aes = |m: &[u8]| matches!(m, b"AESV2" | b"AESV3");
    if !(aes(&streams) || aes(&strings)) {
        return None;
    }
    let metadata = dict
        .get(b"EncryptMetadata")
        .and_then(Object::as_bool)
        .unwrap_or(true);
    let key = if version == 4 {
        Some(key_v4(doc, dict, metadata)?)
    } else {
        key_v5(dict, revision)
    };
    Some(key.ok_or(()).map(|key| Handler {
        key,
        v5: version == 5,
        strings: aes(&strings),
        streams: aes(&streams),
        metadata,
    }))
}

/// Algorithm 2 (revision 4) with the empty password: a 16-byte key.
fn key_v4(doc: &Document, dict: &Dictionary, metadata: bool) -> Option<Vec<u8>> {
    let owner = bytes_of(dict, b"O")?;
    let permissions = dict.get(b"P").and_then(Object::as_i64).ok()? as u32;
    let id = doc.trailer.get(b"ID").and_then(Object::as_array).ok()?;
    let first_id = id.first()?.as_str().ok()?;
    let mut hasher = Md5::new();
    hasher.update(PAD);
    hasher.update(owner);
    hasher.update(permissions.to_le_bytes());
    hasher.update(first_id);
    if !metadata {
        hasher.update([0xFF; 4]);
    }
    let mut key = hasher.finalize().to_vec();
    for _ in 0..50 {
        key = Md5::digest(&key).to_vec();
    }
    Some(key)
}

/// Algorithms 2.A and 11 (revisions 5 and 6) with the empty password: the
/// 32-byte file key from `/UE`, once the password is validated against `/U`.
fn key_v5(dict: &Dictionary, revision: i64) -> Option<Vec<u8>> {
    let user = bytes_of(dict, b"U")?;
    let user_key = bytes_of(dict, b"UE")?;
    if user.len() < 48 || user_key.len() != 32 {
        return None;
    }
    let hash = |salt: &[u8]| {
        if revision >= 6 {
            hash_r6(salt)
        } else {
            Sha256::digest(salt).to_vec()
        }
    };
    if hash(&user[32..40]) != user[..32] {
        return None;
    }
    let intermediate = hash(&user[40..48]);
    let cipher = aes::Aes256::new_from_slice(&intermediate).ok()?;
    // AES-256 in CBC mode with a zero IV, no padding.
    let mut previous = [0u8; 16];
    let mut key = Vec::with_capacity(32);
    for chunk in user_key.chunks_exact(16) {
        let mut block = GenericArray::clone_from_slice(chunk);
        cipher.decrypt_block(&mut block);
        key.extend(block.iter().zip(previous).map(|(b, p)| b ^ p));
        previous.copy_from_slice(chunk);
    }
    Some(key)
}

/// Algorithm 2.B (revision 6) for the empty password and no user data.
fn hash_r6(salt: &[u8]) -> Vec<u8> {
    let mut k = Sha256::digest(salt).to_vec();
    let mut round = 0u32;
    loop {
        let k1: Vec<u8> = k.repeat(64);
        let cipher = aes::Aes128::new_from_slice(&k[..16]).expect("16 bytes");
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&k[16..32]);
        let mut e = Vec::with_capacity(k1.len());
        for chunk in k1.chunks_exact(16) {
            let mut block = GenericArray::clone_from_slice(chunk);
            block.iter_mut().zip(iv).for_each(|(b, v)| *b ^= v);
            cipher.encrypt_block(&mut block);
            iv.copy_from_slice(&block);
            e.extend_from_slice(&block);
        }
        let sum: u32 = e[..16].iter().map(|&b| u32::from(b)).sum();
        k = match sum % 3 {
            0 => Sha256::digest(&e).to_vec(),
            1 => Sha384::digest(&e).to_vec(),
            _ => Sha512::digest(&e).to_vec(),
        };
        round += 1;
        if round >= 64 && u32::from(*e.last().expect("not empty")) <= round - 32 {
            break;
        }
    }
    k.truncate(32);
    k
}

/// AES-CBC with the IV in the first block and PKCS#7 padding; `None` when
/// the data is not a whole number of blocks or the padding is wrong.
fn aes_cbc_decrypt(key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    if data.len() < 32 || !data.len().is_multiple_of(16) {
        // An empty string or stream is 16 bytes of IV alone.
        return (data.len() == 16).then(Vec::new);
    }
    // Lives on the stack for one string or stream: the size difference is moot.
    #[allow(clippy::large_enum_variant)]
    enum Cipher {
        Aes128(aes::Aes128),
        Aes256(aes::Aes256),
    }
    let cipher = match key.len() {
        16 => Cipher::Aes128(aes::Aes128::new_from_slice(key).ok()?),
        32 => Cipher::Aes256(aes::Aes256::new_from_slice(key).ok()?),
        _ => return None,
    };
    let mut out = Vec::with_capacity(data.len() - 16);
    let mut previous: [u8; 16] = data[..16].try_into().ok()?;
    for chunk in data[16..].chunks_exact(16) {
        let mut block = GenericArray::clone_from_slice(chunk);
        match &cipher {
            Cipher::Aes128(c) => c.decrypt_block(&mut block),
            Cipher::Aes256(c) => c.decrypt_block(&mut block),
        }
        out.extend(block.iter().zip(previous).map(|(b, p)| b ^ p));
        previous.copy_from_slice(chunk);
    }
    let pad = *out.last()? as usize;
    if pad == 0 || pad > 16 || !out[out.len() - pad..].iter().all(|&b| b as usize == pad) {
        return None;
    }
    out.truncate(out.len() - pad);
    Some(out)
}
