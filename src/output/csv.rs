//! `--format csv`: one row per user, for spreadsheets.
//!
//! RFC 4180 through the `csv` crate. A record with no users (or an error)
//! still gives one row, so no input disappears from the sheet. Secrets are
//! already resolved in the record (placeholder unless revealed). `excel`
//! prefixes a UTF-8 byte-order mark so Excel reads the Japanese text as
//! UTF-8 instead of the system code page.

use super::Record;

/// The header row.
pub const CSV_HEADER: [&str; 10] = [
    "source",
    "customer_number",
    "domain",
    "no",
    "user_id",
    "name",
    "order",
    "temporary_password",
    "temporary_password_expiry",
    "error",
];

/// The UTF-8 byte-order mark Excel looks for.
const UTF8_BOM: &str = "\u{FEFF}";

/// Renders records as CSV text.
pub fn render_csv(records: &[Record], excel: bool) -> Result<String, csv::Error> {
    let mut text = header_line(excel)?;
    for r in records {
        text.push_str(&record_rows(r)?);
    }
    Ok(text)
}

/// The rows of one record (for streaming).
pub fn record_rows(record: &Record) -> Result<String, csv::Error> {
    write_with(|w| write_record_rows(w, record))
}

/// The header line (for streaming), with the BOM when asked.
pub fn header_line(excel: bool) -> Result<String, csv::Error> {
    let text = write_with(|w| w.write_record(CSV_HEADER))?;
    Ok(if excel {
        format!("{UTF8_BOM}{text}")
    } else {
        text
    })
}

/// Runs `write` on an in-memory CSV writer and returns the text.
fn write_with(
    write: impl FnOnce(&mut csv::Writer<Vec<u8>>) -> Result<(), csv::Error>,
) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    write(&mut writer)?;
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn write_record_rows(w: &mut csv::Writer<Vec<u8>>, r: &Record) -> Result<(), csv::Error> {
    let error = r.error.as_ref().map(|e| e.kind.as_str()).unwrap_or("");
    let Some(n) = &r.notice else {
        return w.write_record([r.source.as_str(), "", "", "", "", "", "", "", "", error]);
    };
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let expiry = opt(&n.temporary_password_expiry);
    if n.users.is_empty() {
        return w.write_record([
            r.source.as_str(),
            &opt(&n.customer_number),
            &opt(&n.domain),
            "",
            "",
            "",
            "",
            "",
            &expiry,
            error,
        ]);
    }
    for u in &n.users {
        w.write_record([
            r.source.as_str(),
            &opt(&n.customer_number),
            &opt(&n.domain),
            &u.no.to_string(),
            &opt(&u.user_id),
            &opt(&u.name),
            &opt(&u.order),
            &opt(&u.temporary_password),
            &expiry,
            error,
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{ErrorRecord, Record};

    #[test]
    fn error_records_keep_a_row_and_excel_gets_a_bom() {
        let r = Record {
            source: "a,\"b\".pdf".into(),
            notice: None,
            error: Some(ErrorRecord {
                kind: "corrupt".into(),
                message: "m".into(),
            }),
            findings: Vec::new(),
            provenance: Default::default(),
        };
        let text = render_csv(&[r], true).unwrap_or_default();
        assert!(text.starts_with('\u{FEFF}'));
        assert!(text.contains("\"a,\"\"b\"\".pdf\""), "{text}");
        assert_eq!(text.lines().count(), 2);
    }
}
