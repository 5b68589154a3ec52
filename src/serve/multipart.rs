//! `multipart/form-data` bodies (RFC 7578), just enough for dropped files.
//!
//! The body is already in memory and bounded by the server's upload limit;
//! this only splits it into named parts. Anything malformed is an error for
//! the whole request, never a panic.

/// One uploaded file.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The `filename` the browser sent (only its last path component).
    pub filename: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MultipartError {
    /// No `boundary=` in the content type.
    #[error("the content type is not multipart/form-data with a boundary")]
    NoBoundary,
    /// The body does not follow the format.
    #[error("the multipart body is malformed")]
    Malformed,
    /// More file parts than allowed.
    #[error("too many files in one request: at most {0}")]
    TooManyFiles(usize),
}

/// The boundary of a `multipart/form-data; boundary=...` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let mut parts = content_type.split(';');
    if !parts
        .next()?
        .trim()
        .eq_ignore_ascii_case("multipart/form-data")
    {
        return None;
    }
    parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty() && b.len() <= 70)
    })
}

/// The file parts of a body (parts without a `filename` are skipped), at
/// most `max_files`.
pub fn files(body: &[u8], boundary: &str, max_files: usize) -> Result<Vec<Part>, MultipartError> {
    let delimiter = format!("--{boundary}");
    let d = delimiter.as_bytes();
    let mut pos = find(body, d, 0).ok_or(MultipartError::Malformed)? + d.len();
    let mut out = Vec::new();
    loop {
        // After a delimiter: `--` ends the body, CRLF starts a part.
        let rest = body.get(pos..).ok_or(MultipartError::Malformed)?;
        if rest.starts_with(b"--") {
            return Ok(out);
        }
        if !rest.starts_with(b"\r\n") {
            return Err(MultipartError::Malformed);
        }
        let start = pos + 2;
        let head_end = find(body, b"\r\n\r\n", start).ok_or(MultipartError::Malformed)?;
        let headers =
            String::from_utf8_lossy(body.get(start..head_end).ok_or(MultipartError::Malformed)?);
        let content = head_end + 4;
        let next = find(body, &[b"\r\n", d].concat(), content).ok_or(MultipartError::Malformed)?;
        if let Some(name) = filename(&headers) {
            if out.len() >= max_files {
                return Err(MultipartError::TooManyFiles(max_files));
            }
            out.push(Part {
                filename: name,
                bytes: body
                    .get(content..next)
                    .ok_or(MultipartError::Malformed)?
                    .to_vec(),
            });
        }
        pos = next + 2 + d.len();
    }
}

/// The `filename` of a part's `Content-Disposition`, last path component.
fn filename(headers: &str) -> Option<String> {
    let line = headers
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    let at = line.find("filename=")? + "filename=".len();
    let v = line.get(at..)?;
    let name = if let Some(q) = v.strip_prefix('"') {
        q.split('"').next()?
    } else {
        v.split(';').next()?.trim()
    };
    let base = name.rsplit(['/', '\\']).next()?.trim();
    (!base.is_empty()).then(|| base.to_string())
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = Vec::new();
        for (name, bytes) in parts {
            b.extend_from_slice(b"--XyZ\r\n");
            b.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"f\"; filename=\"{name}\"\r\n")
                    .as_bytes(),
            );
            b.extend_from_slice(b"Content-Type: application/pdf\r\n\r\n");
            b.extend_from_slice(bytes);
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(b"--XyZ--\r\n");
        b
    }

    #[test]
    fn reads_the_boundary() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"XyZ\"").as_deref(),
            Some("XyZ")
        );
        assert_eq!(boundary("application/json"), None);
    }

    #[test]
    fn splits_files_keeping_binary_bytes() {
        let b = body(&[("dir/a.pdf", b"%PDF\r\n\x00\xff"), ("b.pdf", b"")]);
        let parts = files(&b, "XyZ", 5).unwrap_or_default();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].filename, "a.pdf");
        assert_eq!(parts[0].bytes, b"%PDF\r\n\x00\xff");
        assert!(parts[1].bytes.is_empty());
    }

    #[test]
    fn limits_and_malformed_bodies_are_errors() {
        let b = body(&[("a.pdf", b"1"), ("b.pdf", b"2")]);
        assert_eq!(files(&b, "XyZ", 1), Err(MultipartError::TooManyFiles(1)));
        assert_eq!(files(b"junk", "XyZ", 1), Err(MultipartError::Malformed));
        let cut = &b[..b.len() / 2];
        assert_eq!(files(cut, "XyZ", 5), Err(MultipartError::Malformed));
    }
}
