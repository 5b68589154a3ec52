//! Inputs of a batch: what the user named → one entry per file to parse.
//!
//! Every name the user gives becomes at least one entry, and an entry that
//! cannot be read still becomes a record (an `io` error), so a batch never
//! loses a file: a missing path, a directory given without `--recursive`, a
//! symlink loop, a name that is not UTF-8, a FIFO, socket or device named
//! `*.pdf` (with `--recursive` too: they are never silently skipped).
//!
//! `-` reads standard input: PDF bytes (it starts with `%PDF-`) are one
//! input named `-`; anything else is a list of paths, one per line.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// Why a directory named without `--recursive` gives no notice.
pub(super) const DIRECTORY_WITHOUT_RECURSIVE: &str =
    "is a directory: pass --recursive to parse the PDFs under it";

/// What standard input starts with when it holds a PDF rather than a list
/// of paths (ISO 32000-1 §7.5.2: the header is the file's first line).
const PDF_MAGIC: &[u8] = b"%PDF-";

/// One input of the batch.
#[derive(Debug)]
pub struct Input {
    /// The path as the user gave it (or as found under a directory they
    /// gave), lossily shown as UTF-8; `-` for PDF bytes on standard input.
    /// Never made absolute.
    pub source: String,
    /// Where its bytes are, or why there are none.
    pub origin: Origin,
}

/// Where an input's bytes come from.
#[derive(Debug)]
pub enum Origin {
    /// A file (read when its turn comes, without blocking).
    File(PathBuf),
    /// PDF bytes read from standard input.
    Bytes(Vec<u8>),
    /// A PDF member of a ZIP archive (decrypted and inflated when its turn
    /// comes).
    ZipMember {
        /// The archive (read again by the worker, so a batch of many
        /// archives never holds them all in memory; also matched by
        /// `--passwords` patterns).
        archive_path: PathBuf,
        /// The member's index in the archive.
        index: usize,
        /// The member's decoded name.
        name: String,
    },
    /// Nothing can be read; why, for the `io` record.
    Unreadable(String),
    /// Nothing can be read; the error of its record.
    Failed(crate::Error),
}

impl Input {
    fn file(path: &Path) -> Input {
        Input {
            source: super::names::of_path(path),
            origin: Origin::File(path.to_path_buf()),
        }
    }

    fn failed(source: String, why: String) -> Input {
        Input {
            source,
            origin: Origin::Unreadable(why),
        }
    }

    /// The path, for a file input.
    pub fn path(&self) -> Option<&Path> {
        match &self.origin {
            Origin::File(p) => Some(p),
            _ => None,
        }
    }
}

/// What expanding the command line found besides inputs, for the message
/// that explains an empty batch.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Regular files under directories, and ZIP members, that are not
    /// `*.pdf` (or `*.zip`).
    pub other_files: usize,
}

/// Expands the command line's names: files as they are, ZIP archives into
/// their PDF members, directories (with `recursive`) into their PDFs and
/// archives in sorted order, `-` into the PDF or the paths read from
/// `stdin`. `max_bytes` bounds a PDF read from standard input and an
/// archive read to be listed.
pub fn expand(
    names: &[PathBuf],
    recursive: bool,
    stdin: &mut dyn BufRead,
    max_bytes: u64,
) -> (Vec<Input>, Skipped) {
    let mut ctx = Expansion {
        recursive,
        max_bytes,
        out: Vec::new(),
        skipped: Skipped::default(),
    };
    for name in names {
        if name.as_os_str() == "-" {
            if stdin.fill_buf().is_ok_and(|b| b.starts_with(PDF_MAGIC)) {
                ctx.out.push(read_stdin_pdf(stdin, max_bytes));
            } else {
                read_path_list(stdin, &mut ctx);
            }
        } else {
            ctx.expand_one(name);
        }
    }
    (ctx.out, ctx.skipped)
}

/// The state of one expansion.
struct Expansion {
    recursive: bool,
    max_bytes: u64,
    out: Vec<Input>,
    skipped: Skipped,
}

fn read_stdin_pdf(stdin: &mut dyn BufRead, max: u64) -> Input {
    let mut bytes = Vec::new();
    let source = "-".to_string();
    match stdin.take(max.saturating_add(1)).read_to_end(&mut bytes) {
        Ok(_) if bytes.len() as u64 > max => Input::failed(
            source,
            format!("standard input holds more than the limit of {max} bytes"),
        ),
        Ok(_) => Input {
            source,
            origin: Origin::Bytes(bytes),
        },
        Err(e) => Input::failed(source, format!("cannot read standard input: {e}")),
    }
}

/// The longest line of a path list: Linux's `PATH_MAX`. A longer line (or
/// one holding a NUL byte, as `/dev/zero` gives) is not a path, and the
/// stream is not a path list: reading stops there, so an endless line
/// cannot grow without bound.
pub const MAX_PATH_LINE: usize = 4096;

/// Paths a list on standard input may name: a daily batch is thousands;
/// each input costs a few hundred bytes before it is read (600 MB for a
/// million missing files, measured), so an endless
/// list of short names must end well before memory does.
pub const MAX_LISTED_PATHS: usize = 100_000;

fn read_path_list(stdin: &mut dyn BufRead, ctx: &mut Expansion) {
    let mut listed = 0usize;
    let mut buf = Vec::new();
    // The whole list is bounded like a PDF on stdin: a list of `max_bytes`
    // holds a million paths or more, and an endless stream of short lines
    // must end too.
    let mut left = ctx.max_bytes;
    let too_long = |ctx: &mut Expansion| {
        ctx.out.push(Input::failed(
            "-".into(),
            format!(
                "the list of paths on standard input is longer than the limit of {} bytes; \
                 reading stopped",
                ctx.max_bytes
            ),
        ));
    };
    loop {
        if left == 0 {
            if stdin.fill_buf().is_ok_and(|b| !b.is_empty()) {
                too_long(ctx);
            }
            break;
        }
        buf.clear();
        let limit = (MAX_PATH_LINE as u64 + 1).min(left.saturating_add(1));
        match stdin.take(limit).read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(n) => {
                left = left.saturating_sub(n as u64);
                let ended = buf.last() == Some(&b'\n');
                while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    buf.pop();
                }
                if buf.contains(&0) || (!ended && buf.len() > MAX_PATH_LINE) {
                    ctx.out.push(Input::failed(
                        "-".into(),
                        format!(
                            "standard input is neither a PDF nor a list of paths (a line longer \
                             than {MAX_PATH_LINE} bytes or holding a NUL byte); reading stopped"
                        ),
                    ));
                    break;
                }
                if !ended && left == 0 {
                    too_long(ctx);
                    break;
                }
                if buf.is_empty() {
                    continue;
                }
                if listed == MAX_LISTED_PATHS {
                    ctx.out.push(Input::failed(
                        "-".into(),
                        format!(
                            "standard input lists more than {MAX_LISTED_PATHS} paths; reading \
                             stopped (split the batch)"
                        ),
                    ));
                    break;
                }
                listed += 1;
                ctx.expand_one(&path_from_bytes(&buf));
            }
            Err(e) => {
                ctx.out.push(Input::failed(
                    "-".into(),
                    format!("cannot read paths from stdin: {e}"),
                ));
                break;
            }
        }
    }
}

/// A path as bytes, as a path list on standard input (or a request to a
/// worker process, [`super::Body::File`]) holds it: its own bytes on Unix,
/// UTF-8 elsewhere. [`path_from_bytes`] reads it back.
#[cfg(unix)]
pub fn path_to_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    use std::os::unix::ffi::OsStrExt;
    std::borrow::Cow::Borrowed(path.as_os_str().as_bytes())
}

/// A path as bytes (see the Unix version).
#[cfg(not(unix))]
pub fn path_to_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    match path.to_string_lossy() {
        std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(s.as_bytes()),
        std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.into_bytes()),
    }
}

/// A path from its bytes ([`path_to_bytes`]).
#[cfg(unix)]
pub fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

/// A path from its bytes ([`path_to_bytes`]).
#[cfg(not(unix))]
pub fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

fn is_pdf_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
}

impl Expansion {
    fn expand_one(&mut self, name: &Path) {
        // Without --recursive, a name that is not a ZIP archive's is a file
        // input whatever it is: no `statx` per name (the batch's parent did
        // one per file). Reading it gives its record, a directory's too:
        // the same `io` record (`read_input_file`).
        if !self.recursive && !super::archive::is_zip_name(name) {
            self.out.push(Input::file(name));
            return;
        }
        let source = super::names::of_path(name);
        match std::fs::metadata(name) {
            Ok(meta) if meta.is_dir() => {
                if !self.recursive {
                    self.out
                        .push(Input::failed(source, DIRECTORY_WITHOUT_RECURSIVE.into()));
                    return;
                }
                let walker = walkdir::WalkDir::new(name)
                    .follow_links(true)
                    .sort_by_file_name();
                for entry in walker {
                    match entry {
                        Ok(e) if e.file_type().is_dir() => {}
                        Ok(e)
                            if e.file_type().is_file() && super::archive::is_zip_name(e.path()) =>
                        {
                            self.archive(e.path());
                        }
                        // Regular files, and FIFOs, sockets and devices named
                        // like a PDF: reading them gives their precise record.
                        Ok(e) if is_pdf_name(e.path()) => self.out.push(Input::file(e.path())),
                        Ok(_) => self.skipped.other_files += 1,
                        Err(e) => {
                            let at = e
                                .path()
                                .map(super::names::of_path)
                                .unwrap_or_else(|| source.clone());
                            let why = if e.loop_ancestor().is_some() {
                                "symlink loop: the link points at a directory that contains it"
                                    .to_string()
                            } else {
                                format!(
                                    "cannot list: {}",
                                    e.io_error()
                                        .map_or_else(|| e.to_string(), |io| io.to_string())
                                )
                            };
                            self.out.push(Input::failed(at, why));
                        }
                    }
                }
            }
            Ok(meta) if meta.is_file() && super::archive::is_zip_name(name) => self.archive(name),
            // Files, and names that do not exist (yet): reading them later
            // gives the precise error.
            _ => self.out.push(Input::file(name)),
        }
    }

    fn archive(&mut self, path: &Path) {
        let source = super::names::of_path(path);
        self.skipped.other_files +=
            super::archive::expand(path, &source, self.max_bytes, &mut self.out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(inputs: &[Input]) -> Vec<&str> {
        inputs.iter().map(|i| i.source.as_str()).collect()
    }

    #[test]
    fn stdin_list_and_missing_files_each_give_an_entry() {
        let mut stdin = std::io::Cursor::new(b"a.pdf\n\nb.pdf\r\n".to_vec());
        let (inputs, _) = expand(
            &[PathBuf::from("-"), PathBuf::from("c.pdf")],
            false,
            &mut stdin,
            1000,
        );
        assert_eq!(names(&inputs), ["a.pdf", "b.pdf", "c.pdf"]);
    }

    #[test]
    fn an_endless_line_or_list_on_stdin_stops_with_one_error() {
        // /dev/zero: one line of NULs that never ends.
        let mut zeros = std::io::BufReader::new(std::io::repeat(0).take(1 << 30));
        let (inputs, _) = expand(&[PathBuf::from("-")], false, &mut zeros, 1 << 20);
        assert_eq!(inputs.len(), 1);
        assert!(matches!(&inputs[0].origin, Origin::Unreadable(_)));
        // An endless run of empty lines, and one of a line without NUL.
        for byte in [b'\n', b'a'] {
            let mut r = std::io::BufReader::new(std::io::repeat(byte).take(1 << 30));
            let (inputs, _) = expand(&[PathBuf::from("-")], false, &mut r, 1 << 20);
            assert_eq!(inputs.len(), 1, "{}", byte as char);
            assert!(matches!(&inputs[0].origin, Origin::Unreadable(_)));
        }
    }

    #[test]
    fn pdf_bytes_on_stdin_are_one_input() {
        let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n".to_vec();
        let (inputs, _) = expand(
            &[PathBuf::from("-")],
            false,
            &mut std::io::Cursor::new(pdf.clone()),
            1000,
        );
        assert_eq!(names(&inputs), ["-"]);
        assert!(matches!(&inputs[0].origin, Origin::Bytes(b) if *b == pdf));
        let (inputs, _) = expand(
            &[PathBuf::from("-")],
            false,
            &mut std::io::Cursor::new(pdf),
            10,
        );
        assert!(matches!(inputs[0].origin, Origin::Unreadable(_)));
    }

    #[test]
    fn directory_without_recursive_is_one_error_entry() {
        let dir = std::env::temp_dir();
        let (inputs, _) = expand(&[dir], false, &mut std::io::Cursor::new(Vec::new()), 0);
        assert_eq!(inputs.len(), 1);
        // A file input (no `statx` here); reading it gives the error.
        let path = inputs[0]
            .path()
            .unwrap_or_else(|| panic!("not a file input"));
        let e = super::super::read_input_file(path, 1 << 20).err();
        let msg = e.map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains(DIRECTORY_WITHOUT_RECURSIVE), "{msg}");
    }
}
