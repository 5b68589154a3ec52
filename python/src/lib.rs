//! `kaitsu._native`: the Python extension module. It only converts types.
//!
//! Every record is made by [`kaitsu::Parser`] and serialised by
//! [`kaitsu::output::to_ndjson_line`], the function behind the CLI's
//! `--format ndjson`, so the Python record is the CLI's byte for byte; the
//! Python side (`kaitsu/__init__.py`) turns that line into a dict with
//! `json.loads`. Argument checking that Python does better (paths, dates,
//! iterables) lives there too; what is left here is what only Rust can do.
//!
//! The GIL is released whenever Rust works: while a file is parsed, and
//! while `RecordStream.__next__` waits for the next record of a parallel
//! batch. Nothing here holds a secret in a Python-visible form: the
//! classes' `repr` shows no option, and errors never quote a password.

use kaitsu::output::to_ndjson_line;
use kaitsu::{Parser as RustParser, Record, Records, Secret, Source};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyType};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// Raises one of the exception classes of `kaitsu/_errors.py` (so Python
/// users catch `kaitsu.KaitsuError` subclasses), falling back to
/// `ValueError` if that module cannot be imported.
fn error(py: Python<'_>, class: &str, message: String) -> PyErr {
    let ty = py
        .import("kaitsu._errors")
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from));
    match ty {
        Ok(ty) => PyErr::from_type(ty, message),
        Err(_) => PyValueError::new_err(message),
    }
}

fn to_json(record: &Record) -> PyResult<String> {
    to_ndjson_line(record).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// A source as the Python side hands it over: `bytes` are a PDF, anything
/// else is a path (`str`, already `os.fspath`-ed).
fn source_of(source: &Bound<'_, PyAny>) -> PyResult<Source> {
    if let Ok(bytes) = source.cast::<PyBytes>() {
        return Ok(Source::bytes(
            kaitsu::BYTES_SOURCE,
            bytes.as_bytes().to_vec(),
        ));
    }
    Ok(Source::Path(source.extract::<PathBuf>()?))
}

/// The parse options of one call, checked once.
#[pyclass(frozen, module = "kaitsu._native")]
struct Parser {
    inner: RustParser,
}

#[pymethods]
impl Parser {
    #[new]
    #[pyo3(signature = (*, passwords, reveal_secrets, today, policy_yaml, timeout, jobs))]
    fn new(
        py: Python<'_>,
        passwords: Vec<String>,
        reveal_secrets: bool,
        today: Option<(i16, i8, i8)>,
        policy_yaml: Option<String>,
        timeout: Option<f64>,
        jobs: usize,
    ) -> PyResult<Self> {
        let mut inner = RustParser::new()
            .passwords(passwords)
            .reveal_secrets(reveal_secrets)
            .jobs(jobs);
        if let Some((y, m, d)) = today {
            let date = kaitsu::Date::new(y, m, d)
                .map_err(|e| error(py, "ArgumentValueError", format!("today: {e}")))?;
            inner = inner.today(date);
        }
        if let Some(text) = policy_yaml {
            let policy = kaitsu::Policy::from_yaml(&text)
                .map_err(|e| error(py, "PolicyError", e.to_string()))?;
            inner = inner.policy(policy);
        }
        let timeout = match timeout {
            None => None,
            Some(secs) => Some(
                Duration::try_from_secs_f64(secs)
                    .ok()
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| {
                        error(
                            py,
                            "ArgumentValueError",
                            "timeout must be a positive number of seconds".into(),
                        )
                    })?,
            ),
        };
        Ok(Parser {
            inner: inner.timeout(timeout),
        })
    }

    /// One source's record as a JSON line.
    fn parse(&self, py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<String> {
        if let Ok(bytes) = source.cast::<PyBytes>() {
            let data = bytes.as_bytes();
            return py.detach(|| to_json(&self.inner.parse(data)));
        }
        let path = source.extract::<PathBuf>()?;
        py.detach(|| to_json(&self.inner.parse_path(&path)))
    }

    /// Starts a parallel batch; its records come from the stream in order.
    fn parse_many(&self, sources: Vec<Bound<'_, PyAny>>) -> PyResult<RecordStream> {
        let sources = sources
            .iter()
            .map(source_of)
            .collect::<PyResult<Vec<Source>>>()?;
        let total = sources.len();
        Ok(RecordStream {
            records: Mutex::new(self.inner.parse_many(sources)),
            total,
        })
    }

    fn __repr__(&self) -> &'static str {
        "<kaitsu._native.Parser>"
    }
}

/// The records of a parallel batch, as JSON lines, in input order.
#[pyclass(frozen, module = "kaitsu._native")]
struct RecordStream {
    records: Mutex<Records>,
    total: usize,
}

#[pymethods]
impl RecordStream {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<String>> {
        py.detach(|| {
            let mut records = self
                .records
                .lock()
                .map_err(|_| PyRuntimeError::new_err("a record stream failed earlier"))?;
            records.next().map(|r| to_json(&r)).transpose()
        })
    }

    fn __len__(&self) -> usize {
        self.records.lock().map_or(0, |r| r.len())
    }

    fn __repr__(&self) -> String {
        format!("<kaitsu._native.RecordStream of {} sources>", self.total)
    }
}

/// The rules a new password breaks, as (code, message) pairs.
#[pyfunction]
#[pyo3(signature = (password, *, user_id, notice, passwords))]
fn check_password(
    py: Python<'_>,
    password: String,
    user_id: Option<String>,
    notice: Option<Bound<'_, PyAny>>,
    passwords: Vec<String>,
) -> PyResult<Vec<(String, String)>> {
    let candidate = Secret::new(password);
    let temporary: Option<Secret> = match (&notice, &user_id) {
        (Some(notice), Some(user_id)) => {
            let source = source_of(notice)?;
            let name = source.name().into_owned();
            let parser = RustParser::new().passwords(passwords);
            let parsed = py.detach(|| match &source {
                Source::Bytes { bytes, .. } => parser.notice(bytes),
                Source::Path(path) => std::fs::read(path)
                    .map_err(kaitsu::Error::Io)
                    .and_then(|bytes| parser.notice(&bytes)),
            });
            let parsed = parsed.map_err(|e| error(py, "NoticeError", format!("{name}: {e}")))?;
            match kaitsu::find_user(&parsed, user_id) {
                Some(user) => user.temporary_password.clone(),
                None => {
                    return Err(error(
                        py,
                        "NoticeError",
                        format!("{name}: no user with ID {user_id} in the notice"),
                    ));
                }
            }
        }
        _ => None,
    };
    let failures = kaitsu::validate::check_new_password(
        candidate.expose(),
        temporary.as_ref().map(Secret::expose),
    );
    Ok(failures
        .iter()
        .map(|f| (f.code().to_string(), f.to_string()))
        .collect())
}

/// The JSON Schema of the record, as `kaitsu schema` prints it.
#[pyfunction]
fn schema() -> String {
    kaitsu::output::record_schema()
}

/// The default validation policy as JSON.
#[pyfunction]
fn default_policy() -> PyResult<String> {
    serde_json::to_string(&kaitsu::Policy::default())
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Parser>()?;
    m.add_class::<RecordStream>()?;
    m.add_function(wrap_pyfunction!(check_password, m)?)?;
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    m.add_function(wrap_pyfunction!(default_policy, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
