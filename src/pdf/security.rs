//! The standard security handler (ISO 32000-2, 7.6.4) for the lazy object
//! layer: encrypted files read as far as their pages need.
//!
//! Why ours: lopdf's handler needs its eager load. It parses and decrypts
//! every object while loading, once without a password and again for each
//! given one, and every load runs the AES-256 password hash (Algorithm 2.B)
//! up to seven times, one AES block per call of the `aes` crate (which, on
//! a CPU with VAES, broadcasts the round keys for each block). hayro-syntax
//! decrypts with its own unaccelerated AES and SHA (ported from pdf.js).
//! Here each password costs at most the hashes the standard needs: for
//! AES-256 one as the user password (the key, which `/Perms` checks) and
//! two as the owner password (its check, then the key), with the
//! RustCrypto crates lopdf already brings (`sha2`, `md-5`, and `aes`
//! through `cbc`, whose `encrypt_blocks` runs a whole CBC message in one
//! backend call, so the round keys are set up once per message).
//!
//! How: hayro-syntax gets a copy of the file whose trailer key `/Encrypt`
//! is renamed (same length, so every offset holds), so it locates and
//! reads objects as in an unencrypted file; [`Decryptor::decrypt_object`]
//! decrypts each object when `lazy.rs` converts it, with lopdf's own crypt
//! filters (`lopdf::encryption::crypt_filters`) and lopdf's rules for which
//! strings and streams are encrypted and with which filter, so the bytes
//! are those of the eager path.
//!
//! What stays on lopdf's eager path ([`Fallback`], so the error records
//! stay as they were): a file with object streams (their
//! objects are readable only once the stream is decrypted, inside
//! hayro-syntax), a `/Crypt` stream filter, an `/Encrypt` that is not an
//! indirect reference (direct dictionaries are repaired there), a handler
//! other than `/Standard`, an unknown version, revision or crypt filter
//! method, embedded-file-only encryption (`/EFF`), a damaged dictionary,
//! a file no password opens whose strings and streams are both
//! `/Identity` (attachments only: lopdf's path may read it without one;
//! any other file no password opens gets its error here, as lopdf's load
//! would give it, [`Fallback::NoPasswordOpens`]), an R2–R4 password with
//! characters outside printable ASCII (lopdf converts it to
//! PDFDocEncoding), a page hayro-syntax cannot read, and a deadline passed
//! while trying passwords.

use super::Limits;
use super::content;
use super::lazy::LazyDoc;
use crate::secret::Secret;
use aes::cipher::{BlockCipherDecrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit};
use lopdf::encryption::crypt_filters::{
    Aes128CryptFilter, Aes256CryptFilter, CryptFilter, IdentityCryptFilter, Rc4CryptFilter,
};
use lopdf::{Dictionary, Object, ObjectId};
use md5::{Digest, Md5};
use sha2::{Sha256, Sha384, Sha512};
use std::collections::BTreeMap;

/// What hayro-syntax reads in place of the trailer's `/Encrypt`: a name of
/// the same length no reader looks for.
const HIDDEN_KEY: &[u8; 8] = b"/Encrypz";

/// How many `<<` before the last `/Encrypt` are tried as the start of the
/// trailer dictionary (nested direct dictionaries in a trailer are rare).
const MAX_TRAILER_STARTS: usize = 16;

/// Values the trailer dictionary may take when parsed to find `/ID`.
const TRAILER_VALUE_BUDGET: usize = 4096;

/// ISO 32000-1, 7.6.3.3, Algorithm 2 step a: the password padding.
const PAD: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
];

/// Bytes of an AES-256 password (ISO 32000-2, Algorithm 2.A step b).
const MAX_R6_PASSWORD_BYTES: usize = 127;

/// Why [`open_lazy`] did not open a file: what the caller does instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// Something this module leaves to lopdf: load the file eagerly with
    /// the passwords.
    Eager,
    /// The dictionary is understood and every password was checked as
    /// lopdf checks it (the empty one, each given one, as user and owner
    /// password): none opens the file. The caller answers that a password
    /// is needed (none given) or that no given password opens it, as
    /// lopdf's load would after parsing every object and hashing each
    /// password again.
    NoPasswordOpens,
}

/// Opens an encrypted file lazily: the empty password or one of
/// `passwords` must open it, and every page must be readable.
pub fn open_lazy(bytes: &[u8], passwords: &[Secret], limits: &Limits) -> Result<LazyDoc, Fallback> {
    let hidden = hide_encryption(bytes).ok_or(Fallback::Eager)?;
    let mut doc = LazyDoc::open_owned(hidden.bytes).ok_or(Fallback::Eager)?;
    // The encryption dictionary is never decrypted, so converting it before
    // the decryptor is set leaves nothing undecrypted in the cache.
    let handler = match doc.get_object(hidden.encrypt_id) {
        Some(Object::Dictionary(dict)) => {
            Handler::parse(dict, hidden.first_id).ok_or(Fallback::Eager)?
        }
        _ => return Err(Fallback::Eager),
    };
    let key = match handler.file_key(passwords, limits) {
        // A file that encrypts neither strings nor streams (attachments
        // only) may be one lopdf's path reads without a password
        // (`recovery.rs`).
        Err(Fallback::NoPasswordOpens) if handler.encrypts_nothing_on_pages() => {
            return Err(Fallback::Eager);
        }
        found => found?,
    };
    doc.set_decryptor(handler.into_decryptor(key, hidden.encrypt_id));
    if doc.every_page_readable() {
        Ok(doc)
    } else {
        Err(Fallback::Eager)
    }
}

/// A copy of the file hayro-syntax reads as unencrypted, and what the
/// trailer says about the encryption.
struct Hidden {
    bytes: Vec<u8>,
    encrypt_id: ObjectId,
    /// The first string of the trailer's `/ID` (revisions 2–4 hash it).
    first_id: Option<Vec<u8>>,
}

/// Renames every trailer `/Encrypt` key of a copy of `bytes`. `None` when
/// the file is one the lazy path leaves to lopdf: object streams, a
/// `/Crypt` filter, or an `/Encrypt` that is not one indirect reference.
fn hide_encryption(bytes: &[u8]) -> Option<Hidden> {
    // Stream dictionaries are never encrypted, so these names are visible.
    if memchr::memmem::find(bytes, b"/ObjStm").is_some() || has_name(bytes, b"/Crypt") {
        return None;
    }
    let mut copy = bytes.to_vec();
    let mut encrypt_id = None;
    let mut last = None;
    for at in memchr::memmem::find_iter(bytes, b"/Encrypt") {
        let after = at + b"/Encrypt".len();
        // `/EncryptMetadata` and the like are other names.
        if bytes.get(after).is_some_and(|&b| !is_delimiter(b)) {
            continue;
        }
        let id = reference_at(bytes.get(after..)?)?;
        if encrypt_id.is_some_and(|seen| seen != id) {
            return None;
        }
        encrypt_id = Some(id);
        copy.get_mut(at..after)?.copy_from_slice(HIDDEN_KEY);
        last = Some(at);
    }
    let encrypt_id = encrypt_id?;
    let trailer = trailer_before(bytes, last?, encrypt_id)?;
    let first_id = match trailer.get(b"ID") {
        Ok(Object::Array(ids)) => match ids.first() {
            Some(Object::String(s, _)) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    };
    Some(Hidden {
        bytes: copy,
        encrypt_id,
        first_id,
    })
}

/// Whether `name` occurs in `bytes` as a whole name (followed by a
/// delimiter, so `/CryptFilter` is not `/Crypt`).
fn has_name(bytes: &[u8], name: &[u8]) -> bool {
    memchr::memmem::find_iter(bytes, name)
        .any(|at| bytes.get(at + name.len()).is_none_or(|&b| is_delimiter(b)))
}

/// PDF white space and delimiters (ISO 32000-1, 7.2.2).
fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'\0'
            | b'\t'
            | b'\n'
            | b'\x0c'
            | b'\r'
            | b' '
            | b'('
            | b')'
            | b'<'
            | b'>'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'/'
            | b'%'
    )
}

/// `N G R` at the start of `bytes` (after white space), or `None`.
fn reference_at(bytes: &[u8]) -> Option<ObjectId> {
    let mut rest = bytes;
    let number = |rest: &mut &[u8]| -> Option<u64> {
        let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
        let digits = rest
            .get(start..)?
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let text = std::str::from_utf8(rest.get(start..start + digits)?).ok()?;
        *rest = rest.get(start + digits..)?;
        text.parse().ok()
    };
    let object = u32::try_from(number(&mut rest)?).ok()?;
    let generation = u16::try_from(number(&mut rest)?).ok()?;
    let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    if rest.get(start) != Some(&b'R') || rest.get(start + 1).is_some_and(|&b| !is_delimiter(b)) {
        return None;
    }
    Some((object, generation))
}

/// The dictionary that holds the `/Encrypt` key at `at` (the newest
/// trailer, or cross-reference stream dictionary): the nearest `<<` before
/// it whose dictionary refers to `encrypt_id`.
fn trailer_before(bytes: &[u8], at: usize, encrypt_id: ObjectId) -> Option<Dictionary> {
    memchr::memmem::rfind_iter(bytes.get(..at)?, b"<<")
        .take(MAX_TRAILER_STARTS)
        .find_map(|start| {
            let mut budget = TRAILER_VALUE_BUDGET;
            match content::parse_value(bytes.get(start..)?, &mut budget, &mut content::NoDefer)? {
                Object::Dictionary(d)
                    if d.get(b"Encrypt").ok() == Some(&Object::Reference(encrypt_id)) =>
                {
                    Some(d)
                }
                _ => None,
            }
        })
}

/// A crypt filter method lopdf knows (ISO 32000-1, Table 25).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    Identity,
    Rc4,
    AesV2,
    AesV3,
}

impl Method {
    fn filter(self) -> &'static dyn CryptFilter {
        match self {
            Method::Identity => &IdentityCryptFilter,
            Method::Rc4 => &Rc4CryptFilter,
            Method::AesV2 => &Aes128CryptFilter,
            Method::AesV3 => &Aes256CryptFilter,
        }
    }
}

/// The standard security handler's dictionary, read as lopdf reads it
/// (`PasswordAlgorithm::try_from`, `EncryptionState::decode`).
struct Handler {
    version: i64,
    revision: i64,
    /// File key bytes for revisions 2–4.
    key_len: usize,
    encrypt_metadata: bool,
    owner: Vec<u8>,
    user: Vec<u8>,
    owner_encrypted: Vec<u8>,
    user_encrypted: Vec<u8>,
    perms: Vec<u8>,
    permissions: u64,
    first_id: Option<Vec<u8>>,
    crypt_filters: BTreeMap<Vec<u8>, Method>,
    stream_filter: Vec<u8>,
    string_filter: Vec<u8>,
}

impl Handler {
    /// `None` for anything lopdf would refuse or this module does not know.
    fn parse(dict: &Dictionary, first_id: Option<Vec<u8>>) -> Option<Handler> {
        if dict.get(b"Filter").ok()?.as_name().ok()? != b"Standard" || dict.has(b"EFF") {
            return None;
        }
        let encrypt_metadata = match dict.get(b"EncryptMetadata") {
            Ok(o) => o.as_bool().ok()?,
            Err(_) => true,
        };
        let length = match dict.get(b"Length") {
            Ok(o) => Some(usize::try_from(o.as_i64().ok()?).ok()?),
            Err(_) => None,
        };
        let version = dict.get(b"V").ok()?.as_i64().ok()?;
        let revision = dict.get(b"R").ok()?.as_i64().ok()?;
        let length = length.or(match version {
            4 => Some(128),
            5 => Some(256),
            _ => None,
        });
        let length_ok = |l: usize| match version {
            1 => l == 40,
            2 => l.is_multiple_of(8) && (40..=128).contains(&l),
            4 => l == 128,
            _ => l == 256,
        };
        let known = matches!((version, revision), (1 | 2, 2 | 3) | (4, 4) | (5, 5 | 6));
        if !known || length.is_some_and(|l| !length_ok(l)) {
            return None;
        }
        let key_len = if revision >= 3 {
            length.unwrap_or(40) / 8
        } else {
            5
        };
        if revision <= 4 && key_len > 16 {
            return None;
        }
        let string = |key: &[u8]| dict.get(key).ok()?.as_str().ok().map(<[u8]>::to_vec);
        let hash = |key: &[u8]| {
            let mut value = string(key)?;
            if revision <= 4 {
                (value.len() == 32).then_some(value)
            } else {
                value.truncate(48);
                (value.len() == 48).then_some(value)
            }
        };
        let owner = hash(b"O")?;
        let user = hash(b"U")?;
        let owner_encrypted = string(b"OE").unwrap_or_default();
        let user_encrypted = string(b"UE").unwrap_or_default();
        let perms = string(b"Perms").unwrap_or_default();
        if revision >= 5
            && (owner_encrypted.len() != 32 || user_encrypted.len() != 32 || perms.len() != 16)
        {
            return None;
        }
        let permissions = dict.get(b"P").ok()?.as_i64().ok()? as u64;
        if revision <= 4 && first_id.is_none() {
            return None;
        }
        let mut crypt_filters = BTreeMap::new();
        let mut stream_filter = Vec::new();
        let mut string_filter = Vec::new();
        if version >= 4 {
            if let Ok(Object::Dictionary(filters)) = dict.get(b"CF") {
                for (name, filter) in filters {
                    let Ok(filter) = filter.as_dict() else {
                        continue;
                    };
                    if filter.get(b"Type").is_ok() && !filter.has_type(b"CryptFilter") {
                        continue;
                    }
                    let method = match filter.get(b"CFM").and_then(Object::as_name).ok() {
                        Some(b"V2") => Method::Rc4,
                        Some(b"AESV2") => Method::AesV2,
                        Some(b"AESV3") => Method::AesV3,
                        Some(b"Identity") | None => Method::Identity,
                        // lopdf skips it; a stream naming it would decrypt
                        // with RC4 there. Not worth copying: eager.
                        Some(_) => return None,
                    };
                    crypt_filters.insert(name.clone(), method);
                }
            }
            for (key, out) in [
                (&b"StmF"[..], &mut stream_filter),
                (b"StrF", &mut string_filter),
            ] {
                if let Ok(name) = dict.get(key).and_then(Object::as_name) {
                    *out = name.to_vec();
                }
            }
        }
        Some(Handler {
            version,
            revision,
            key_len,
            encrypt_metadata,
            owner,
            user,
            owner_encrypted,
            user_encrypted,
            perms,
            permissions,
            first_id,
            crypt_filters,
            stream_filter,
            string_filter,
        })
    }

    /// The file key of the first password that opens the file. Every
    /// given password is tried as the user password first, then the empty
    /// one, then each as the owner password: a notice comes with its user
    /// password, which then costs one check (for AES-256, the one hash
    /// that makes the key) instead of the checks of the empty password
    /// before it. Any password that opens the file gives the same key, so
    /// the order changes the cost, not the result. A password met again
    /// (the empty one given, or one given twice) is not checked again in
    /// the same role: the answer would be the same. [`Fallback::Eager`]
    /// when the deadline passes or a password is one lopdf would convert.
    fn file_key(&self, passwords: &[Secret], limits: &Limits) -> Result<Vec<u8>, Fallback> {
        let empty = Secret::default();
        let all: Vec<&Secret> = passwords.iter().chain(std::iter::once(&empty)).collect();
        let candidates = || {
            all.iter().enumerate().filter_map(|(i, password)| {
                let seen = all
                    .get(..i)
                    .unwrap_or_default()
                    .iter()
                    .any(|earlier| earlier.expose() == password.expose());
                (!seen).then_some(*password)
            })
        };
        let out_of_time = || {
            limits
                .deadline
                .is_some_and(|d| std::time::Instant::now() > d)
        };
        for as_owner in [false, true] {
            // With no password given, the empty one is checked as the
            // owner password here too (for AES-256 one validation hash when
            // it fails): lopdf's load would make the same check, after
            // parsing every object, only to give the same error.
            for password in candidates() {
                if out_of_time() {
                    return Err(Fallback::Eager);
                }
                let (prepared, key) = if self.revision <= 4 {
                    let prepared = self.prepare_r4(password.expose()).ok_or(Fallback::Eager)?;
                    let key = self.key_r4(&prepared, as_owner);
                    (prepared, key)
                } else {
                    // A password SASLprep refuses opens nothing in lopdf
                    // either.
                    let Some(prepared) = self.prepare_r6(password.expose()) else {
                        continue;
                    };
                    let key = self.key_r6(&prepared, as_owner);
                    (prepared, key)
                };
                // The copy of the password is cleared, as `Secret` clears
                // its own.
                let mut prepared = prepared;
                prepared.fill(0);
                std::hint::black_box(&prepared);
                if let Some(key) = key {
                    return Ok(key);
                }
            }
        }
        Err(Fallback::NoPasswordOpens)
    }

    /// The crypt filter method of a `/StmF` or `/StrF` name, as lopdf's
    /// `EncryptionState::filter_named` picks it.
    fn named(&self, name: &[u8]) -> Method {
        if self.version >= 4 && (name.is_empty() || name == b"Identity") {
            Method::Identity
        } else {
            self.crypt_filters.get(name).copied().unwrap_or(Method::Rc4)
        }
    }

    /// Whether strings and streams are both left as they are (`/Identity`):
    /// only embedded files are encrypted.
    fn encrypts_nothing_on_pages(&self) -> bool {
        self.named(&self.stream_filter) == Method::Identity
            && self.named(&self.string_filter) == Method::Identity
    }

    fn into_decryptor(self, key: Vec<u8>, encrypt_id: ObjectId) -> Decryptor {
        Decryptor {
            streams: self.named(&self.stream_filter),
            strings: self.named(&self.string_filter),
            key,
            encrypt_id,
            encrypt_metadata: self.encrypt_metadata,
        }
    }

    /// The password as revisions 2–4 hash it: lopdf converts it to
    /// PDFDocEncoding, which is ASCII for printable ASCII; anything else is
    /// left to lopdf.
    fn prepare_r4(&self, password: &str) -> Option<Vec<u8>> {
        password
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b))
            .then(|| password.as_bytes().to_vec())
    }

    /// The password as revisions 5 and 6 hash it: SASLprep (RFC 4013),
    /// UTF-8, at most 127 bytes (Algorithm 2.A steps a, b).
    fn prepare_r6(&self, password: &str) -> Option<Vec<u8>> {
        let prepared = stringprep::saslprep(password).ok()?;
        let bytes = prepared.as_bytes();
        Some(bytes.get(..MAX_R6_PASSWORD_BYTES).unwrap_or(bytes).to_vec())
    }

    /// Revisions 2–4: the file key when `password` is the user password
    /// (Algorithm 6), or the owner password (Algorithm 7: the user password
    /// is recovered from `/O`, then checked).
    fn key_r4(&self, password: &[u8], as_owner: bool) -> Option<Vec<u8>> {
        let user_password = if as_owner {
            let mut hash = Md5::digest(padded(password));
            if self.revision >= 3 {
                for _ in 0..50 {
                    hash = Md5::digest(hash);
                }
            }
            let key = hash.get(..self.key_len)?;
            let mut recovered = self.owner.clone();
            if self.revision >= 3 {
                recovered = rc4_rounds(recovered, key, (1..=19).rev());
            }
            rc4(key, &recovered)
        } else {
            password.to_vec()
        };
        let key = self.key_from_user_password(&user_password)?;
        self.user_matches(&key).then_some(key)
    }

    /// Algorithm 2: the file key from a user password (revisions 2–4).
    fn key_from_user_password(&self, password: &[u8]) -> Option<Vec<u8>> {
        let mut md5 = Md5::new();
        md5.update(padded(password));
        md5.update(&self.owner);
        md5.update((self.permissions as u32).to_le_bytes());
        md5.update(self.first_id.as_deref()?);
        if self.revision >= 4 && !self.encrypt_metadata {
            md5.update([0xff; 4]);
        }
        let mut hash = md5.finalize();
        if self.revision >= 3 {
            for _ in 0..50 {
                hash = Md5::digest(hash.get(..self.key_len)?);
            }
        }
        Some(hash.get(..self.key_len)?.to_vec())
    }

    /// Algorithms 4 and 5: whether `key` gives the file's `/U` (all 32
    /// bytes for revision 2, the first 16 from revision 3).
    fn user_matches(&self, key: &[u8]) -> bool {
        if self.revision == 2 {
            return rc4(key, &PAD) == self.user;
        }
        let Some(id) = self.first_id.as_deref() else {
            return false;
        };
        let hash = Md5::new().chain_update(PAD).chain_update(id).finalize();
        let value = rc4_rounds(rc4(key, &hash), key, 1..=19);
        value.get(..16) == self.user.get(..16)
    }

    /// Revisions 5 and 6 (Algorithm 2.A): the file key when `password` is
    /// the user password (`/UE`, and `/Perms` checked as lopdf does) or the
    /// owner password (`/OE`).
    ///
    /// The user password costs one hash, not two: the key is made from the
    /// key salt straight away, and `/Perms` decrypting to its seven known
    /// bytes (`adb`, the low three bytes of `/P`, the metadata flag) is the
    /// check. lopdf accepts a user password only when both the validation
    /// hash and `/Perms` match; a wrong password passes `/Perms` by chance
    /// once in 2^56, so the two differ only on a file whose `/U` and `/UE`
    /// were made from different passwords. The owner password keeps its
    /// validation hash (lopdf does not check `/Perms` for it).
    fn key_r6(&self, password: &[u8], as_owner: bool) -> Option<Vec<u8>> {
        let (value, encrypted, user) = if as_owner {
            (
                &self.owner,
                &self.owner_encrypted,
                Some(self.user.as_slice()),
            )
        } else {
            (&self.user, &self.user_encrypted, None)
        };
        if as_owner {
            let check = self.hash_r6(password, value.get(32..40)?, user);
            if check.as_slice() != value.get(..32)? {
                return None;
            }
        }
        let intermediate = self.hash_r6(password, value.get(40..48)?, user);
        let mut key = encrypted.clone();
        let (blocks, _) = aes::Block::slice_as_chunks_mut(&mut key);
        cbc::Decryptor::<aes::Aes256>::new(&intermediate.into(), &[0; 16].into())
            .decrypt_blocks(blocks);
        (as_owner || self.perms_match(&key)).then_some(key)
    }

    /// Algorithm 13 as lopdf checks it: `/Perms` decrypts to `adb` at bytes
    /// 9–11, the low three bytes of `/P` and the `/EncryptMetadata` flag.
    fn perms_match(&self, key: &[u8]) -> bool {
        let (Ok(key), Ok(block)) = (
            <[u8; 32]>::try_from(key),
            <[u8; 16]>::try_from(self.perms.as_slice()),
        ) else {
            return false;
        };
        let mut block = aes::Block::from(block);
        aes::Aes256::new(&key.into()).decrypt_block(&mut block);
        let flag = if self.encrypt_metadata { b'T' } else { b'F' };
        block.get(9..12) == Some(&b"adb"[..])
            && block.get(..3) == self.permissions.to_le_bytes().get(..3)
            && block.get(8) == Some(&flag)
    }

    /// Algorithm 2.B (ISO 32000-2): the hash of `password`, `salt` and,
    /// for the owner password, the 48-byte `/U`. Revision 5 (Adobe's
    /// extension level 3) takes the first SHA-256 alone.
    fn hash_r6(&self, password: &[u8], salt: &[u8], user: Option<&[u8]>) -> [u8; 32] {
        let user = user.unwrap_or_default();
        let first = Sha256::new()
            .chain_update(password)
            .chain_update(salt)
            .chain_update(user)
            .finalize();
        let mut k: Vec<u8> = first.to_vec();
        if self.revision >= 6 {
            let mut k1 = Vec::with_capacity(64 * (password.len() + 64 + user.len()));
            // At least 64 rounds, then until E's last byte is at most the
            // round number - 32: at most 288 rounds, since a byte is at most
            // 255.
            for round in 1u32.. {
                // K1 is 64 copies of password, K and /U: one copy, then
                // doubled six times (six copies of growing runs, not 192
                // small ones).
                k1.clear();
                k1.extend_from_slice(password);
                k1.extend_from_slice(&k);
                k1.extend_from_slice(user);
                let whole = k1.len() * 64;
                while k1.len() < whole {
                    k1.extend_from_within(..k1.len().min(whole - k1.len()));
                }
                let (Ok(key), Ok(iv)) = (
                    <[u8; 16]>::try_from(k.get(..16).unwrap_or_default()),
                    <[u8; 16]>::try_from(k.get(16..32).unwrap_or_default()),
                ) else {
                    break;
                };
                // 64 repetitions make K1 a whole number of blocks. One
                // `encrypt_blocks` call: the cipher backend is set up once.
                let (blocks, _) = aes::Block::slice_as_chunks_mut(&mut k1);
                cbc::Encryptor::<aes::Aes128>::new(&key.into(), &iv.into()).encrypt_blocks(blocks);
                let e = &k1;
                // E[0..16] as a big-endian number modulo 3: 256 is 1
                // modulo 3, so the sum of its bytes modulo 3.
                let selector = e.iter().take(16).map(|&b| u32::from(b)).sum::<u32>() % 3;
                k = match selector {
                    0 => Sha256::digest(e).to_vec(),
                    1 => Sha384::digest(e).to_vec(),
                    _ => Sha512::digest(e).to_vec(),
                };
                let last = e.last().copied().map_or(0, u32::from);
                if round >= 64 && last <= round - 32 {
                    break;
                }
            }
        }
        let mut out = [0; 32];
        if let Some(k) = k.get(..32) {
            out.copy_from_slice(k);
        }
        out
    }
}

/// `password` cut or padded to 32 bytes with [`PAD`] (Algorithm 2 step a).
fn padded(password: &[u8]) -> [u8; 32] {
    let mut out = PAD;
    let n = password.len().min(32);
    out[..n].copy_from_slice(&password[..n]);
    out[n..].copy_from_slice(&PAD[..32 - n]);
    out
}

/// RC4 with `key` (lopdf's, through its public crypt filter).
fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    Rc4CryptFilter
        .decrypt(key, data)
        .unwrap_or_else(|_| data.to_vec())
}

/// The 19 RC4 passes of Algorithms 5 and 7, each keyed with the file key
/// XORed with the pass number.
fn rc4_rounds(mut data: Vec<u8>, key: &[u8], rounds: impl IntoIterator<Item = u8>) -> Vec<u8> {
    let mut round_key = key.to_vec();
    for i in rounds {
        for (out, k) in round_key.iter_mut().zip(key) {
            *out = k ^ i;
        }
        data = rc4(&round_key, &data);
    }
    data
}

/// Decrypts the objects of one file as `lazy.rs` converts them.
pub struct Decryptor {
    key: Vec<u8>,
    encrypt_id: ObjectId,
    encrypt_metadata: bool,
    streams: Method,
    strings: Method,
}

impl std::fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.write_str("Decryptor { .. }")
    }
}

impl Decryptor {
    /// Decrypts the strings and streams of object `id` in place, as
    /// lopdf's `encryption::decrypt_object` does: not the encryption
    /// dictionary, not a cross-reference stream, not a metadata stream when
    /// `/EncryptMetadata` is false, not a signature's `/Contents`. A string
    /// or stream that fails to decrypt (a bad length or padding) is kept as
    /// read, as lopdf keeps it.
    pub fn decrypt_object(&self, id: ObjectId, object: &mut Object) {
        if id != self.encrypt_id {
            self.transform(id, object);
        }
    }

    fn transform(&self, id: ObjectId, object: &mut Object) {
        if let Object::Stream(s) = object
            && s.dict.has_type(b"XRef")
        {
            return;
        }
        if !self.encrypt_metadata && object.type_name().ok() == Some(b"Metadata") {
            return;
        }
        match object {
            Object::Array(items) => {
                for item in items {
                    self.transform(id, item);
                }
            }
            Object::Dictionary(dict) => self.transform_dictionary(id, dict),
            Object::Stream(stream) => {
                self.transform_dictionary(id, &mut stream.dict);
                if let Some(plain) = self.decrypt(self.streams, id, &stream.content) {
                    stream.set_content(plain);
                }
            }
            Object::String(bytes, _) => {
                if let Some(plain) = self.decrypt(self.strings, id, bytes) {
                    *bytes = plain;
                }
            }
            _ => {}
        }
    }

    fn transform_dictionary(&self, id: ObjectId, dict: &mut Dictionary) {
        let signature = dict.has_type(b"Sig")
            || dict.has_type(b"DocTimeStamp")
            || (dict.has(b"ByteRange") && dict.has(b"Contents"));
        for (key, value) in dict.iter_mut() {
            if !(signature && key == b"Contents") {
                self.transform(id, value);
            }
        }
    }

    fn decrypt(&self, method: Method, id: ObjectId, data: &[u8]) -> Option<Vec<u8>> {
        let filter = method.filter();
        let key = filter.compute_key(&self.key, id).ok()?;
        filter.decrypt(&key, data).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = "kaitsu-user";
    const OWNER: &str = "kaitsu-owner";

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/security")
            .join(format!("{name}.pdf"));
        std::fs::read(path).unwrap()
    }

    /// The handler of a `fixtures/security` file.
    fn handler(name: &str) -> Handler {
        let hidden = hide_encryption(&fixture(name)).unwrap();
        let doc = LazyDoc::open_owned(hidden.bytes).unwrap();
        let Some(Object::Dictionary(dict)) = doc.get_object(hidden.encrypt_id) else {
            panic!("{name}: no encryption dictionary");
        };
        Handler::parse(dict, hidden.first_id).unwrap()
    }

    fn key(handler: &Handler, passwords: &[&str]) -> Option<Vec<u8>> {
        let passwords: Vec<Secret> = passwords.iter().map(|p| Secret::new(*p)).collect();
        handler.file_key(&passwords, &Limits::default()).ok()
    }

    /// Right user password, right owner password, wrong password, empty
    /// password, for every revision and method; each check as its own
    /// algorithm too (a user password is no owner password).
    #[test]
    fn password_checks_every_revision() {
        let names = [
            "r2_rc4_40",
            "r3_rc4_128",
            "r4_rc4_128",
            "r4_aesv2",
            "r4_aesv2_cleartext_metadata",
            "r5_aesv3",
            "r6_aesv3",
        ];
        for name in names {
            let h = handler(name);
            let user = key(&h, &[USER]).unwrap_or_else(|| panic!("{name}: user"));
            let owner = key(&h, &[OWNER]).unwrap_or_else(|| panic!("{name}: owner"));
            assert_eq!(user, owner, "{name}");
            assert_eq!(key(&h, &["wrong", USER]), Some(user.clone()), "{name}");
            assert!(key(&h, &["kaitsu-wrong"]).is_none(), "{name}: wrong");
            assert_eq!(key(&h, &["", USER, USER]), Some(user.clone()), "{name}");
            assert!(key(&h, &["", "x", "x", ""]).is_none(), "{name}: repeated");
            assert!(key(&h, &[]).is_none(), "{name}: empty");
            let check = |password: &str, as_owner: bool| {
                if h.revision <= 4 {
                    h.key_r4(&h.prepare_r4(password).unwrap(), as_owner)
                } else {
                    h.key_r6(&h.prepare_r6(password).unwrap(), as_owner)
                }
            };
            assert_eq!(check(USER, false), Some(user.clone()), "{name}");
            assert_eq!(check(OWNER, true), Some(user.clone()), "{name}");
            assert!(check(OWNER, false).is_none(), "{name}");
            assert!(check(USER, true).is_none(), "{name}");
            let expected_len = match name {
                "r2_rc4_40" => 5,
                n if n.starts_with("r5") || n.starts_with("r6") => 32,
                _ => 16,
            };
            assert_eq!(user.len(), expected_len, "{name}");
        }
        for name in ["r3_rc4_128_owner_only", "r6_aesv3_owner_only"] {
            let h = handler(name);
            let empty = key(&h, &[]).unwrap_or_else(|| panic!("{name}: empty"));
            assert_eq!(key(&h, &["kaitsu-wrong"]), Some(empty.clone()), "{name}");
            assert_eq!(key(&h, &[OWNER]), Some(empty), "{name}");
        }
    }

    /// The AES-256 user password is checked by `/Perms` alone: a damaged
    /// `/Perms` refuses it (the owner password still opens), a damaged
    /// validation hash in `/U` does not.
    #[test]
    fn the_r6_user_password_is_checked_by_perms() {
        for name in ["r5_aesv3", "r6_aesv3"] {
            let h = handler(name);
            let user = h.prepare_r6(USER).unwrap();
            let owner = h.prepare_r6(OWNER).unwrap();
            let key = h.key_r6(&user, false).unwrap();
            let mut damaged = handler(name);
            damaged.perms[10] ^= 1;
            assert!(damaged.key_r6(&user, false).is_none(), "{name}");
            assert_eq!(damaged.key_r6(&owner, true), Some(key.clone()), "{name}");
            let mut damaged = handler(name);
            damaged.user[0] ^= 1;
            assert_eq!(damaged.key_r6(&user, false), Some(key), "{name}");
        }
    }

    /// Every string and stream of every object reads as lopdf's eager
    /// load decrypts it (the Info dictionary's strings included).
    #[test]
    fn objects_decrypt_as_lopdf_decrypts_them() {
        fn flatten(object: &Object, out: &mut Vec<Vec<u8>>) {
            match object {
                Object::String(s, _) => out.push(s.clone()),
                Object::Array(a) => a.iter().for_each(|o| flatten(o, out)),
                Object::Dictionary(d) => d.iter().for_each(|(_, o)| flatten(o, out)),
                Object::Stream(s) => {
                    s.dict.iter().for_each(|(_, o)| flatten(o, out));
                    out.push(s.content.clone());
                }
                _ => {}
            }
        }
        let mut strings = 0;
        for name in [
            "r2_rc4_40",
            "r4_aesv2",
            "r4_aesv2_cleartext_metadata",
            "r6_aesv3",
        ] {
            let bytes = fixture(name);
            let passwords = [Secret::new(USER)];
            let lazy = open_lazy(&bytes, &passwords, &Limits::default()).unwrap();
            let options = lopdf::LoadOptions {
                password: Some(USER.into()),
                ..Default::default()
            };
            let eager = lopdf::Document::load_mem_with_options(&bytes, options).unwrap();
            for (id, object) in &eager.objects {
                let (mut want, mut got) = (Vec::new(), Vec::new());
                flatten(object, &mut want);
                flatten(lazy.get_object(*id).unwrap(), &mut got);
                assert_eq!(got, want, "{name} object {id:?}");
                strings += want.len();
            }
        }
        assert!(strings > 20, "{strings}");
    }

    /// What the lazy path leaves to lopdf.
    #[test]
    fn files_it_does_not_understand_stay_eager() {
        let limits = Limits::default();
        let user = [Secret::new(USER)];
        // Object streams.
        let eager = Err(Fallback::Eager);
        let none_opens = Err(Fallback::NoPasswordOpens);
        let outcome = |name: &str, passwords: &[Secret], limits: &Limits| {
            open_lazy(&fixture(name), passwords, limits).map(|_| ())
        };
        assert_eq!(outcome("r6_aesv3_objstm", &user, &limits), eager);
        // No password: the empty one checked as user and owner password.
        assert_eq!(outcome("r6_aesv3", &[], &limits), none_opens);
        // A wrong one: every one checked.
        assert_eq!(
            outcome("r6_aesv3", &[Secret::new("x"), Secret::new("y")], &limits),
            none_opens
        );
        assert_eq!(
            outcome("r6_aesv3", &[Secret::new("x")], &limits),
            none_opens
        );
        assert_eq!(
            outcome("r3_rc4_128", &[Secret::new("x")], &limits),
            none_opens
        );
        // An R2-R4 password lopdf would convert to PDFDocEncoding.
        assert_eq!(outcome("r3_rc4_128", &[Secret::new("ü")], &limits), eager);
        // A passed deadline.
        let late = Limits {
            deadline: Some(std::time::Instant::now()),
            ..Limits::default()
        };
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert_eq!(outcome("r6_aesv3", &user, &late), eager);
        // A direct /Encrypt dictionary, and a /Crypt stream filter.
        let direct = b"%PDF-1.7\ntrailer\n<< /Root 1 0 R /Encrypt << /Filter /Standard >> >>";
        assert!(hide_encryption(direct).is_none());
        let crypt = b"%PDF-1.7\n<< /Filter [/Crypt] >>\ntrailer\n<< /Encrypt 5 0 R >>";
        assert!(hide_encryption(crypt).is_none());
        assert_eq!(outcome("r6_aesv3", &user, &limits), Ok(()));
    }

    /// A file no password opens gets the error lopdf's eager path gives,
    /// with no password, a wrong one, or several wrong ones.
    #[test]
    fn unopened_files_fail_as_the_eager_path_fails() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus");
        let files = [
            fixture("r6_aesv3"),
            fixture("r3_rc4_128"),
            fixture("r2_rc4_40"),
            fixture("r6_aesv3_objstm"),
            std::fs::read(corpus.join("qpdf_aes256_wrong_pw.pdf")).unwrap(),
        ];
        let limits = Limits::default();
        let tries: [&[&str]; 3] = [&[], &["kaitsu-wrong"], &["a", "b"]];
        for (i, bytes) in files.iter().enumerate() {
            for passwords in tries {
                let passwords: Vec<Secret> = passwords.iter().map(|p| Secret::new(*p)).collect();
                let got = super::super::open_with_limits(bytes, &passwords, &limits).unwrap_err();
                let want = super::super::open_eager(bytes, &passwords, &limits).unwrap_err();
                assert_eq!(got.to_string(), want.to_string(), "file {i}");
                assert!(
                    matches!(got, super::super::PdfError::Encrypted(_)),
                    "file {i}"
                );
            }
        }
    }

    #[test]
    fn the_trailer_key_is_hidden_and_other_names_are_not() {
        let bytes = b"%PDF-1.7\n<< /EncryptMetadata false >>\ntrailer\n<< /ID [<01ab> <02>] /Encrypt 12 0 R\n/Root 1 0 R >>\n";
        let hidden = hide_encryption(bytes).unwrap();
        assert_eq!(hidden.encrypt_id, (12, 0));
        assert_eq!(hidden.first_id, Some(vec![0x01, 0xab]));
        let text = String::from_utf8(hidden.bytes).unwrap();
        assert!(text.contains("/EncryptMetadata false"));
        assert!(text.contains("/Encrypz 12 0 R"));
        assert_eq!(text.len(), bytes.len());
        assert!(!has_name(b"/Type /CryptFilter", b"/Crypt"));
        assert!(has_name(b"/Filter /Crypt>>", b"/Crypt"));
        assert_eq!(reference_at(b" 7 0 R>>"), Some((7, 0)));
        assert_eq!(reference_at(b" 7 0 Rx"), None);
        assert_eq!(reference_at(b" << /V 5 >>"), None);
    }

    #[test]
    fn debug_never_shows_the_key() {
        let h = handler("r4_aesv2");
        let key = key(&h, &[USER]).unwrap();
        let decryptor = h.into_decryptor(key.clone(), (1, 0));
        let shown = format!("{decryptor:?}");
        assert_eq!(shown, "Decryptor { .. }");
    }
}
