//! Output formats: records → JSON, NDJSON, YAML or CSV text.
//!
//! The record type ([`Record`]) is public so Rust users can snapshot-test
//! it directly; the formats here only serialise it. Shapes are stable
//! whatever the number of inputs: `json` is always an array (one input
//! gives an array of one), `ndjson` one object per line, `yaml` one
//! document per record.

mod csv;
mod record;
mod xlsx;
mod yaml;

pub use xlsx::render_xlsx;

pub use self::csv::{
    CsvOptions, HeaderLang, header_line as csv_header_line, record_rows as csv_record_rows,
    render_csv,
};

pub use record::{
    DnsRecord, DnsServerRecord, ErrorRecord, FindingRecord, NoticeRecord, Record, UserRecord,
};

/// How records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Pretty JSON: always an array of records.
    Json,
    /// One compact JSON object per line, one line per input (JSON Lines).
    Ndjson,
    /// YAML: one document per input, loading the same in YAML 1.1 and 1.2.
    Yaml,
    /// CSV: one row per user (RFC 4180).
    Csv,
    /// An Excel workbook of the CSV's rows: binary, see [`render_xlsx`].
    Xlsx,
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
    /// xlsx.
    #[error("cannot write the workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// A binary format asked of a text renderer.
    #[error("xlsx is a binary format: use render_xlsx")]
    Binary,
}

/// One record as a single NDJSON line (no trailing newline).
pub fn to_ndjson_line(record: &Record) -> Result<String, OutputError> {
    Ok(serde_json::to_string(record)?)
}

/// One record as a YAML document (`---` first).
pub fn to_yaml_document(record: &Record) -> Result<String, OutputError> {
    Ok(yaml::document(&yaml::Value::of(record)?))
}

/// The text of the JSON array up to and including record `index` (0 for
/// the first), for streaming: the pieces of all records, then
/// [`json_array_end`], equal [`render`]'s JSON byte for byte.
pub fn json_array_item(record: &Record, index: usize) -> Result<String, OutputError> {
    let pretty = serde_json::to_string_pretty(record)?;
    let mut out = String::from(if index == 0 { "[\n" } else { ",\n" });
    for (i, line) in pretty.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str("  ");
        out.push_str(line);
    }
    Ok(out)
}

/// The end of a streamed JSON array of `count` records.
pub fn json_array_end(count: usize) -> &'static str {
    if count == 0 { "[]\n" } else { "\n]\n" }
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
            let mut s = serde_json::to_string_pretty(records)?;
            s.push('\n');
            s
        }
        Format::Csv => render_csv(records, &CsvOptions::default())?,
        Format::Xlsx => return Err(OutputError::Binary),
        Format::Yaml => {
            let mut out = String::new();
            for r in records {
                out.push_str(&to_yaml_document(r)?);
            }
            out
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(source: &str) -> Record {
        Record {
            source: source.into(),
            notice: None,
            error: Some(ErrorRecord {
                kind: "io".into(),
                message: "m".into(),
            }),
            findings: Vec::new(),
            provenance: Default::default(),
        }
    }

    #[test]
    fn json_is_an_array_for_any_count_and_streams_identically() {
        for n in 0..3 {
            let records: Vec<Record> = (0..n).map(|i| record(&format!("{i}.pdf"))).collect();
            let whole = render(&records, Format::Json).unwrap_or_else(|e| panic!("{e}"));
            let mut streamed = String::new();
            for (i, r) in records.iter().enumerate() {
                streamed.push_str(&json_array_item(r, i).unwrap_or_else(|e| panic!("{e}")));
            }
            streamed.push_str(json_array_end(n));
            assert_eq!(streamed, whole);
            assert!(whole.starts_with('['), "{whole}");
        }
    }
}
