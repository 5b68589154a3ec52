//! "PPAP" archives: notices sent as a password-protected ZIP, the password
//! in a second e-mail.
//!
//! A `.zip` input becomes one input per PDF member, each named
//! `ARCHIVE!/MEMBER` (the `!/` of `jar:` URLs: a separator a file name
//! rarely holds), so every record traces back to its archive and member.
//! Member names are decoded as UTF-8 when they are, else as Shift_JIS
//! (what Japanese Windows writes, without the UTF-8 flag), else kept with
//! their bytes escaped ([`super::names::lossless`]).
//!
//! The archive is read (bounded like any input) and listed without
//! decrypting; each member is read again, decrypted (ZipCrypto or WinZip
//! AES, through the `zip` crate) and inflated by a worker, trying the same
//! passwords as for PDFs, and never past the per-file byte limit, whatever
//! the member claims its size is: a ZIP bomb is a `limit_exceeded` record.
//! Reading the archive again per member keeps memory to one archive per
//! worker, however many archives a batch names; a member whose name changed
//! in between (the archive was replaced) is an `io` record.

use super::inputs::{Input, Origin};
use crate::Error;
use crate::secret::Secret;
use std::io::{Cursor, Read};
use std::path::Path;

/// PDF members of one archive at most: a PPAP mail carries a handful of
/// notices; an archive listing a hundred thousand is an attack on the
/// batch's memory (one input each), not a delivery.
pub const MAX_PDF_MEMBERS: usize = 1000;

/// Whether a path names a ZIP archive.
pub(super) fn is_zip_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

fn archive_error(e: impl std::fmt::Display) -> Error {
    Error::Archive {
        message: e.to_string(),
    }
}

/// The inputs of one archive: its PDF members, or one failed input for
/// the archive. Returns the number of other members skipped.
pub(super) fn expand(path: &Path, source: &str, max_bytes: u64, out: &mut Vec<Input>) -> usize {
    let failed = |e: Error| Input {
        source: source.to_string(),
        origin: Origin::Failed(e),
    };
    let bytes = match super::read_input_file(path, max_bytes) {
        Ok(b) => b,
        Err(e) => {
            out.push(failed(e));
            return 0;
        }
    };
    let mut zip = match zip::ZipArchive::new(Cursor::new(&bytes[..])) {
        Ok(z) => z,
        Err(e) => {
            out.push(failed(archive_error(e)));
            return 0;
        }
    };
    let mut members = Vec::new();
    let mut skipped = 0;
    for index in 0..zip.len() {
        let (name, is_dir) = match zip.by_index_raw(index) {
            Ok(f) => (super::names::lossless(f.name_raw(), true), f.is_dir()),
            Err(e) => {
                out.push(failed(archive_error(e)));
                return skipped;
            }
        };
        if is_dir {
            continue;
        }
        if !name.to_ascii_lowercase().ends_with(".pdf") {
            skipped += 1;
            continue;
        }
        members.push(Input {
            source: format!("{source}!/{name}"),
            origin: Origin::ZipMember {
                archive_path: path.to_path_buf(),
                index,
                name,
            },
        });
    }
    if members.len() > MAX_PDF_MEMBERS {
        out.push(failed(Error::ArchiveLimit {
            what: "PDF members",
            limit: MAX_PDF_MEMBERS,
        }));
        return skipped;
    }
    out.extend(members);
    skipped
}

/// Where one member is.
pub(super) struct Member<'a> {
    /// The archive.
    pub(super) path: &'a Path,
    /// The member's index.
    pub(super) index: usize,
    /// Its name when the archive was listed.
    pub(super) name: &'a str,
}

/// The bytes of one member: as stored, or decrypted with the first
/// password that opens it; never more than `max` bytes.
pub(super) fn read_member(
    member: &Member<'_>,
    passwords: &[Secret],
    max: u64,
) -> Result<Vec<u8>, Error> {
    let archive = super::read_input_file(member.path, max)?;
    let index = member.index;
    let mut zip = zip::ZipArchive::new(Cursor::new(&archive[..])).map_err(archive_error)?;
    let encrypted = {
        let raw = zip.by_index_raw(index).map_err(archive_error)?;
        if super::names::lossless(raw.name_raw(), true) != member.name {
            return Err(Error::Io(std::io::Error::other(
                "the archive changed while the batch ran (its member is not where it was)",
            )));
        }
        raw.encrypted()
    };
    if !encrypted {
        let file = zip.by_index(index).map_err(archive_error)?;
        return read_bounded(file, max);
    }
    for password in passwords {
        let Ok(file) = zip.by_index_decrypt(index, password.expose().as_bytes()) else {
            continue;
        };
        // ZipCrypto checks one byte of the password: a wrong one passes
        // 1 time in 256 and then fails to inflate or its CRC; try the next.
        match read_bounded(file, max) {
            Ok(bytes) => return Ok(bytes),
            Err(e @ Error::TooLarge { .. }) => return Err(e),
            Err(_) => continue,
        }
    }
    Err(Error::ArchivePassword)
}

fn read_bounded(file: impl Read, max: u64) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(archive_error)?;
    if bytes.len() as u64 > max {
        return Err(Error::TooLarge { limit: max });
    }
    Ok(bytes)
}
