//! Inputs of a batch: what the user named → one entry per file to parse.
//!
//! Every name the user gives becomes at least one entry, and an entry that
//! cannot be read still becomes a record (an `io` error), so a batch never
//! loses a file: a missing path, a directory given without `--recursive`, a
//! symlink loop, a name that is not UTF-8.

use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Why a directory named without `--recursive` gives no notice.
pub(super) const DIRECTORY_WITHOUT_RECURSIVE: &str =
    "is a directory: pass --recursive to parse the PDFs under it";

/// One input of the batch.
#[derive(Debug)]
pub struct Input {
    /// The path as the user gave it (or as found under a directory they
    /// gave), lossily shown as UTF-8. Never made absolute.
    pub source: String,
    /// The file to read, or why there is none.
    pub path: Result<PathBuf, String>,
}

impl Input {
    fn file(path: &Path) -> Input {
        Input {
            source: path.to_string_lossy().into_owned(),
            path: Ok(path.to_path_buf()),
        }
    }

    fn failed(source: String, why: String) -> Input {
        Input {
            source,
            path: Err(why),
        }
    }
}

/// Expands the command line's names: files as they are, directories (with
/// `recursive`) into their PDFs in sorted order, `-` into the paths read
/// from `stdin`, one per line.
pub fn expand(names: &[PathBuf], recursive: bool, stdin: &mut dyn BufRead) -> Vec<Input> {
    let mut out = Vec::new();
    for name in names {
        if name.as_os_str() == "-" {
            read_path_list(stdin, recursive, &mut out);
        } else {
            expand_one(name, recursive, &mut out);
        }
    }
    out
}

fn read_path_list(stdin: &mut dyn BufRead, recursive: bool, out: &mut Vec<Input>) {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match stdin.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {
                while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    buf.pop();
                }
                if buf.is_empty() {
                    continue;
                }
                expand_one(&path_from_bytes(&buf), recursive, out);
            }
            Err(e) => {
                out.push(Input::failed(
                    "-".into(),
                    format!("cannot read paths from stdin: {e}"),
                ));
                break;
            }
        }
    }
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

fn is_pdf_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
}

fn expand_one(name: &Path, recursive: bool, out: &mut Vec<Input>) {
    let source = name.to_string_lossy().into_owned();
    match std::fs::metadata(name) {
        Ok(meta) if meta.is_dir() => {
            if !recursive {
                out.push(Input::failed(source, DIRECTORY_WITHOUT_RECURSIVE.into()));
                return;
            }
            let walker = walkdir::WalkDir::new(name)
                .follow_links(true)
                .sort_by_file_name();
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_file() && is_pdf_name(e.path()) => {
                        out.push(Input::file(e.path()))
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let at = e
                            .path()
                            .map(|p| p.to_string_lossy().into_owned())
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
                        out.push(Input::failed(at, why));
                    }
                }
            }
        }
        // Files, and names that do not exist (yet): reading them later
        // gives the precise error.
        _ => out.push(Input::file(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_list_and_missing_files_each_give_an_entry() {
        let mut stdin = std::io::Cursor::new(b"a.pdf\n\nb.pdf\r\n".to_vec());
        let inputs = expand(
            &[PathBuf::from("-"), PathBuf::from("c.pdf")],
            false,
            &mut stdin,
        );
        let names: Vec<&str> = inputs.iter().map(|i| i.source.as_str()).collect();
        assert_eq!(names, ["a.pdf", "b.pdf", "c.pdf"]);
    }

    #[test]
    fn directory_without_recursive_is_one_error_entry() {
        let dir = std::env::temp_dir();
        let inputs = expand(&[dir], false, &mut std::io::Cursor::new(Vec::new()));
        assert_eq!(inputs.len(), 1);
        assert!(inputs[0].path.is_err());
    }
}
