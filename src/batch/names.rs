//! Names shown in records: lossless, the same way everywhere.
//!
//! A file name (on disk, or of a ZIP member) is shown as UTF-8 when it is;
//! names from Japanese Windows (a ZIP member without the UTF-8 flag, or a
//! file unzipped as raw bytes) are decoded as Shift_JIS (cp932) when every
//! byte decodes; any other byte is written `\xNN`, never `�`, so a record
//! can always be traced back to its file.

use std::fmt::Write;

/// `raw` as text (see the module doc). `try_shift_jis`: decode non-UTF-8
/// names as Shift_JIS when they decode entirely.
pub fn lossless(raw: &[u8], try_shift_jis: bool) -> String {
    if let Ok(s) = std::str::from_utf8(raw) {
        return s.to_string();
    }
    if try_shift_jis
        && let Some(s) =
            encoding_rs::SHIFT_JIS.decode_without_bom_handling_and_without_replacement(raw)
    {
        return s.into_owned();
    }
    let mut out = String::new();
    for chunk in raw.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02X}");
        }
    }
    out
}

/// A path as a record's source.
pub fn of_path(path: &std::path::Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        lossless(path.as_os_str().as_bytes(), true)
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_then_shift_jis_then_escapes() {
        assert_eq!(lossless("開通.pdf".as_bytes(), true), "開通.pdf");
        let sjis = b"\x8aJ\x92\xca.pdf";
        assert_eq!(lossless(sjis, true), "開通.pdf");
        assert_eq!(lossless(b"odd_\xff\xfe.pdf", true), "odd_\\xFF\\xFE.pdf");
        assert_eq!(lossless(sjis, false), "\\x8AJ\\x92\\xCA.pdf");
    }
}
