//! `--format xlsx`: the CSV's rows as an Excel workbook, through
//! rust_xlsxwriter.
//!
//! Why offer it beside `--excel` CSV: every cell is written as a typed
//! value (the row number as a number, everything else as a string), so
//! nothing in a cell is ever run as a formula, whatever it starts with, and
//! no byte-order mark or code page is involved. A workbook cannot be
//! streamed: it is built once all records are in.

use super::Record;
use super::csv::{CSV_HEADER, CSV_HEADER_JA, HeaderLang};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// Excel's limit on the characters of one cell; a longer value (only a
/// hostile PDF makes one) is cut there rather than failing the workbook.
const MAX_CELL_CHARS: usize = 32_767;

/// The header row's column of `no`, written as a number.
const NO_COLUMN: usize = 3;

/// The workbook's bytes.
pub fn render_xlsx(records: &[Record], header: HeaderLang) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name("kaitsu")?;
    let names = match header {
        HeaderLang::En => CSV_HEADER,
        HeaderLang::Ja => CSV_HEADER_JA,
    };
    for (col, name) in (0u16..).zip(names) {
        sheet.write_string_with_format(0, col, name, &bold)?;
    }
    let mut row_number: u32 = 1;
    for record in records {
        for row in super::csv::rows(record) {
            for (col, (i, cell)) in (0u16..).zip(row.iter().enumerate()) {
                if cell.is_empty() {
                    continue;
                }
                match cell.parse::<u32>() {
                    Ok(n) if i == NO_COLUMN => {
                        sheet.write_number(row_number, col, n)?;
                    }
                    _ => {
                        let text: String = cell.chars().take(MAX_CELL_CHARS).collect();
                        sheet.write_string(row_number, col, text)?;
                    }
                }
            }
            row_number = row_number.saturating_add(1);
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    workbook.save_to_buffer()
}
