//! `--format csv`: one row per user, for spreadsheets.
//!
//! RFC 4180 through the `csv` crate: fields quoted when needed, records
//! ended by CRLF (§2.1). A record with no users (or an error) still gives
//! one row, so no input disappears from the sheet. Secrets are already
//! resolved in the record (placeholder unless revealed).
//!
//! For Excel (`excel`): a UTF-8 byte-order mark, so Excel reads the
//! Japanese text as UTF-8 instead of the system code page; every field
//! quoted; and the OWASP CSV-injection rule: a field starting with `=`,
//! `+`, `-`, `@`, a tab or a carriage return (a password like
//! `+GmURQ9H9iMj`, a name from a hostile PDF) gets a leading `'`, so Excel
//! shows it as text instead of running it as a formula. Their full-width
//! forms (`＝` …), which a Japanese IME may turn into a formula start, are
//! escaped too.

use super::Record;

/// The header row, in English (the record's field names).
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

/// The header row in Japanese, as the notice names each column.
pub const CSV_HEADER_JA: [&str; 10] = [
    "ファイル",
    "お客さま番号",
    "ドメイン名",
    "No.",
    "ユーザーID",
    "ユーザー名",
    "オーダー種別",
    "仮パスワード",
    "仮パスワードの有効期限",
    "エラー",
];

/// The UTF-8 byte-order mark Excel looks for.
const UTF8_BOM: &str = "\u{FEFF}";

/// What a spreadsheet takes as the start of a formula (OWASP CSV
/// injection), with the full-width forms.
const FORMULA_STARTS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];

/// The language of the header row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HeaderLang {
    /// The record's field names.
    #[default]
    En,
    /// The notice's column names.
    Ja,
}

/// How CSV is written.
#[derive(Debug, Clone, Copy, Default)]
pub struct CsvOptions {
    /// BOM, quoting and formula escaping for Excel.
    pub excel: bool,
    /// Header language.
    pub header: HeaderLang,
}

/// Renders records as CSV text.
pub fn render_csv(records: &[Record], options: &CsvOptions) -> Result<String, csv::Error> {
    let mut text = header_line(options)?;
    for r in records {
        text.push_str(&record_rows(r, options)?);
    }
    Ok(text)
}

/// The rows of one record (for streaming).
pub fn record_rows(record: &Record, options: &CsvOptions) -> Result<String, csv::Error> {
    write_with(options, |w| write_record_rows(w, record, options.excel))
}

/// The header line (for streaming), with the BOM when asked.
pub fn header_line(options: &CsvOptions) -> Result<String, csv::Error> {
    let header = match options.header {
        HeaderLang::En => CSV_HEADER,
        HeaderLang::Ja => CSV_HEADER_JA,
    };
    let text = write_with(options, |w| w.write_record(header))?;
    Ok(if options.excel {
        format!("{UTF8_BOM}{text}")
    } else {
        text
    })
}

/// Runs `write` on an in-memory CSV writer and returns the text.
fn write_with(
    options: &CsvOptions,
    write: impl FnOnce(&mut csv::Writer<Vec<u8>>) -> Result<(), csv::Error>,
) -> Result<String, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(if options.excel {
            csv::QuoteStyle::Always
        } else {
            csv::QuoteStyle::Necessary
        })
        .from_writer(Vec::new());
    write(&mut writer)?;
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A field Excel shows as text: a leading `'` when it would start a
/// formula.
fn defused(field: &str) -> std::borrow::Cow<'_, str> {
    if field.starts_with(FORMULA_STARTS) {
        format!("'{field}").into()
    } else {
        field.into()
    }
}

/// The cells of a record's rows, in [`CSV_HEADER`] order, shared with
/// the xlsx writer: one row per user, or one row for a record without
/// users.
pub(super) fn rows(r: &Record) -> Vec<[String; 10]> {
    let error = r.error.as_ref().map(|e| e.kind.clone()).unwrap_or_default();
    let Some(n) = &r.notice else {
        let mut row: [String; 10] = Default::default();
        row[0] = r.source.clone();
        row[9] = error;
        return vec![row];
    };
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let expiry = opt(&n.temporary_password_expiry);
    if n.users.is_empty() {
        return vec![[
            r.source.clone(),
            opt(&n.customer_number),
            opt(&n.domain),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            expiry,
            error,
        ]];
    }
    n.users
        .iter()
        .map(|u| {
            [
                r.source.clone(),
                opt(&n.customer_number),
                opt(&n.domain),
                u.no.to_string(),
                opt(&u.user_id),
                opt(&u.name),
                opt(&u.order),
                opt(&u.temporary_password),
                expiry.clone(),
                error.clone(),
            ]
        })
        .collect()
}

fn write_record_rows(
    w: &mut csv::Writer<Vec<u8>>,
    r: &Record,
    excel: bool,
) -> Result<(), csv::Error> {
    for row in rows(r) {
        if excel {
            let cells: Vec<std::borrow::Cow<'_, str>> = row.iter().map(|c| defused(c)).collect();
            w.write_record(cells.iter().map(|c| c.as_bytes()))?;
        } else {
            w.write_record(&row)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{ErrorRecord, Record};

    fn error_record(source: &str) -> Record {
        Record {
            source: source.into(),
            notice: None,
            error: Some(ErrorRecord {
                kind: "corrupt".into(),
                message: "m".into(),
            }),
            findings: Vec::new(),
            provenance: Default::default(),
        }
    }

    #[test]
    fn error_records_keep_a_row_and_excel_gets_a_bom() {
        let options = CsvOptions {
            excel: true,
            ..CsvOptions::default()
        };
        let text =
            render_csv(&[error_record("a,\"b\".pdf")], &options).unwrap_or_else(|e| panic!("{e}"));
        assert!(text.starts_with('\u{FEFF}'));
        assert!(text.contains("\"a,\"\"b\"\".pdf\""), "{text}");
        assert_eq!(text.lines().count(), 2);
        assert!(text.ends_with("\"corrupt\"\r\n"), "CRLF: {text:?}");
    }

    #[test]
    fn formula_starts_are_defused_only_for_excel() {
        let records = [
            error_record("=HYPERLINK(\"x\").pdf"),
            error_record("+1.pdf"),
        ];
        let plain = render_csv(&records, &CsvOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(plain.contains("\r\n+1.pdf,"), "{plain:?}");
        let excel = CsvOptions {
            excel: true,
            header: HeaderLang::Ja,
        };
        let text = render_csv(&records, &excel).unwrap_or_else(|e| panic!("{e}"));
        assert!(text.contains("\"ユーザーID\""), "{text}");
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
        let mut fields = 0;
        for row in reader.records().flatten() {
            for f in row.iter() {
                fields += 1;
                assert!(!f.starts_with(FORMULA_STARTS), "formula cell {f:?}");
            }
        }
        assert_eq!(fields, 20);
    }
}
