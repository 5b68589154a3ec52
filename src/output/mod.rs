//! Output formats: records → JSON, NDJSON or YAML text.
//!
//! The record type ([`Record`]) is public so Rust users can snapshot-test
//! it directly; the formats here only serialise it.

mod csv;
mod record;

pub use self::csv::{header_line as csv_header_line, record_rows as csv_record_rows, render_csv};

pub use record::{
    DnsRecord, DnsServerRecord, ErrorRecord, FindingRecord, NoticeRecord, Record, UserRecord,
};

/// How records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Pretty JSON: one object for one input, an array for several.
    Json,
    /// One compact JSON object per line, one line per input.
    Ndjson,
    /// YAML: one document per input.
    Yaml,
    /// CSV: one row per user (RFC 4180).
    Csv,
}

/// The JSON Schema of [`Record`] (draft 2020-12), pretty-printed.
pub fn record_schema() -> String {
    let schema = schemars::schema_for!(Record);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

/// Serialisation failed (never for our own types, but kept typed).
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// JSON.
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// YAML.
    #[error("cannot write YAML: {0}")]
    Yaml(#[from] serde_yaml_ng::Error),
    /// CSV.
    #[error("cannot write CSV: {0}")]
    Csv(#[from] ::csv::Error),
}

/// One record as a single NDJSON line (no trailing newline).
pub fn to_ndjson_line(record: &Record) -> Result<String, OutputError> {
    Ok(serde_json::to_string(record)?)
}

/// All records in the given format, ending with a newline.
pub fn render(records: &[Record], format: Format) -> Result<String, OutputError> {
    Ok(match format {
        Format::Ndjson => {
            let mut out = String::new();
            for r in records {
                out.push_str(&to_ndjson_line(r)?);
                out.push('\n');
            }
            out
        }
        Format::Json => {
            let mut s = match records {
                [one] => serde_json::to_string_pretty(one)?,
                many => serde_json::to_string_pretty(many)?,
            };
            s.push('\n');
            s
        }
        Format::Csv => render_csv(records, false)?,
        Format::Yaml => {
            let mut out = String::new();
            for r in records {
                out.push_str("---\n");
                out.push_str(&serde_yaml_ng::to_string(r)?);
            }
            out
        }
    })
}
