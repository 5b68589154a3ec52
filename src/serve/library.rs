//! The notices the server knows: opened from the command line or dropped
//! on the page, each with its (redacted) record, its page frames and the
//! boxes of its values.
//!
//! Records are made exactly as `kaitsu parse` makes them
//! ([`crate::parse_to_record`], with the same per-file deadline), so a bad
//! file gives the CLI's error record. Secrets are never stored revealed: a
//! revealed record is made again from the bytes when the page asks.

use crate::output::Record;
use crate::render::{self, BoxKind, LabelledBox, PageFrame};
use crate::secret::Secret;
use crate::validate::Policy;
use crate::{ParseOptions, pdf};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How records are made.
#[derive(Debug, Clone)]
pub struct ParseSettings {
    /// Passwords tried on encrypted files.
    pub passwords: Vec<Secret>,
    /// The validation policy.
    pub policy: Policy,
    /// The date findings check expiry against.
    pub today: jiff::civil::Date,
    /// Per-file time budget (the CLI's `--timeout`).
    pub timeout: Duration,
}

impl ParseSettings {
    fn options(&self) -> ParseOptions {
        ParseOptions {
            passwords: self.passwords.clone(),
            limits: pdf::Limits {
                deadline: Some(Instant::now() + self.timeout),
                ..pdf::Limits::default()
            },
        }
    }
}

/// One notice file.
#[derive(Debug)]
pub struct Entry {
    /// Its id in the API.
    pub id: usize,
    /// The file's bytes.
    pub bytes: Arc<Vec<u8>>,
    /// The record, secrets redacted.
    pub record: Record,
    /// The shown page frames (empty when the rasteriser cannot open it).
    pub frames: Vec<PageFrame>,
    /// Where each value is (positions only; no values).
    pub boxes: Vec<LabelledBox>,
}

/// A line of the notice list.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    /// Id for `/api/notices/{id}`.
    pub id: usize,
    /// The file name.
    pub source: String,
    /// `parsed` or `error`.
    pub status: &'static str,
    /// The error kind, for error records.
    pub error_kind: Option<String>,
    /// Findings by severity (`error`, `warning`, `info`).
    pub findings: BTreeMap<String, usize>,
    /// True when a person must look: an error record, or a finding of
    /// severity `error` or `warning`.
    pub needs_person: bool,
    /// Pages that can be shown as images.
    pub pages: usize,
}

impl Entry {
    /// Parses one file into an entry.
    pub fn make(id: usize, source: &str, bytes: Vec<u8>, settings: &ParseSettings) -> Entry {
        let options = settings.options();
        let record = crate::parse_to_record(
            source,
            &bytes,
            &options,
            false,
            &settings.policy,
            settings.today,
        );
        let frames = if record.error.is_none() {
            render::Document::open(&bytes, &settings.passwords)
                .map(|d| d.frames().to_vec())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let boxes = if frames.is_empty() {
            Vec::new()
        } else {
            // Positions are found with the real text; only positions stay.
            let revealed = crate::parse_bytes(&bytes, &settings.options())
                .ok()
                .map(|n| Record::success(source, &n, true));
            render::collect_boxes(
                BoxKind::Values,
                &bytes,
                &settings.options(),
                revealed.as_ref(),
                &frames,
            )
            .values
        };
        Entry {
            id,
            bytes: Arc::new(bytes),
            record,
            frames,
            boxes,
        }
    }

    /// The record with secrets shown, made again from the bytes.
    pub fn revealed(&self, settings: &ParseSettings) -> Record {
        crate::parse_to_record(
            &self.record.source,
            &self.bytes,
            &settings.options(),
            true,
            &settings.policy,
            settings.today,
        )
    }

    /// The list line.
    pub fn summary(&self) -> Summary {
        let mut findings = BTreeMap::new();
        for f in &self.record.findings {
            *findings.entry(f.severity.clone()).or_insert(0) += 1;
        }
        let serious = self
            .record
            .findings
            .iter()
            .any(|f| f.severity == "error" || f.severity == "warning");
        Summary {
            id: self.id,
            source: self.record.source.clone(),
            status: if self.record.error.is_some() {
                "error"
            } else {
                "parsed"
            },
            error_kind: self.record.error.as_ref().map(|e| e.kind.clone()),
            findings,
            needs_person: self.record.error.is_some() || serious,
            pages: self.frames.len(),
        }
    }
}

/// Counts parses in flight and makes the next one wait when there are
/// `max` already: parsing is CPU-bound, and an upload of many files must
/// not starve the machine or the other requests.
#[derive(Debug)]
pub struct Gate {
    max: usize,
    busy: Mutex<usize>,
    freed: Condvar,
}

impl Gate {
    /// A gate letting `max` (at least 1) through at once.
    pub fn new(max: usize) -> Gate {
        Gate {
            max: max.max(1),
            busy: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Runs `f` once fewer than `max` others are running.
    pub fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        {
            let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
            while *busy >= self.max {
                busy = self.freed.wait(busy).unwrap_or_else(|p| p.into_inner());
            }
            *busy += 1;
        }
        // Released even if `f` panics.
        struct Release<'a>(&'a Gate);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                let mut busy = self.0.busy.lock().unwrap_or_else(|p| p.into_inner());
                *busy = busy.saturating_sub(1);
                self.0.freed.notify_one();
            }
        }
        let _release = Release(self);
        f()
    }

    /// Parses in flight now (for tests).
    pub fn busy(&self) -> usize {
        *self.busy.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn the_gate_never_lets_more_than_max_through() {
        let gate = Arc::new(Gate::new(2));
        let peak = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let (gate, peak) = (gate.clone(), peak.clone());
                std::thread::spawn(move || {
                    gate.run(|| {
                        peak.fetch_max(gate.busy(), Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(20));
                    })
                })
            })
            .collect();
        for h in handles {
            let _ = h.join();
        }
        assert!(peak.load(Ordering::SeqCst) <= 2);
        assert_eq!(gate.busy(), 0);
    }

    #[test]
    fn bad_bytes_give_the_cli_error_record() {
        let settings = ParseSettings {
            passwords: Vec::new(),
            policy: Policy::default(),
            today: jiff::civil::date(2024, 1, 1),
            timeout: Duration::from_secs(10),
        };
        let e = Entry::make(0, "junk.pdf", b"not a pdf".to_vec(), &settings);
        let cli = crate::parse_to_record(
            "junk.pdf",
            b"not a pdf",
            &ParseOptions::default(),
            false,
            &settings.policy,
            settings.today,
        );
        assert_eq!(e.record, cli);
        let s = e.summary();
        assert_eq!((s.status, s.needs_person, s.pages), ("error", true, 0));
    }
}
