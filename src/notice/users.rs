//! The user table (メールアドレス情報 / メールアカウント情報) → [`User`]s.
//!
//! The table is found by its header row (which may wrap over two lines)
//! and read row by row. A row starts on a line whose first cell is its
//! number. The cells of that line are told apart by what they hold (a
//! number, an e-mail address, a katakana reading, the パスワード(仮) label, an
//! ASCII password, an order word), which works whatever the column widths
//! and alignment; where a narrow gap merged two cells into one chunk, the
//! chunk is cut where its script changes (katakana reading → ASCII
//! password, name → address, password → 追加).
//!
//! Lines without a number are wrapped parts of a row's cells. Which row
//! they belong to follows from the table's vertical alignment, read off
//! the page: wrapped lines only below the numbers means top-aligned cells,
//! only above means bottom-aligned, both means centred, and so does a row
//! line straddled by half a line each way (a two-line cell beside it).
//! Within the row, each wrapped piece goes to the column whose start is
//! nearest (the header's start for a column the row's own line has no
//! cell in), and wrapped parts are joined without a separator. A table
//! may run over pages, with or without a repeated header; page numbers and
//! footers are not rows.

use super::columns::{self, ColumnField, HeaderColumn, PASSWORD_LABEL};
use super::model::{Drift, OrderKind, Provenance, User};
use super::normalize::{compact, join_cell_parts, normalize, password_text};
use super::pieces::{Piece, is_email, is_katakana, line_pieces, line_pieces_lazily};
use crate::layout::{Document, Line, bbox_of};
use crate::secret::Secret;
use regex_lite::Regex;
use std::sync::LazyLock;

/// Lines this close to the top or bottom edge (share of page height) are
/// running headers and footers, never table rows.
const PAGE_MARGIN_SHARE: f64 = 0.055;

/// A header that wraps continues at most this many font sizes below.
const HEADER_WRAP_DISTANCE: f64 = 1.8;

/// A row number: what `^(?:No\.?|№)? *([0-9]{1,5})[.)]?$` matches, by
/// hand (it runs for every line of the table), and the number.
fn row_number(text: &str) -> Option<u32> {
    let rest = match text.strip_prefix("No") {
        Some(r) => r.strip_prefix('.').unwrap_or(r),
        None => text.strip_prefix('№').unwrap_or(text),
    };
    let rest = rest.trim_start_matches(' ');
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (number, tail) = rest.split_at_checked(digits)?;
    ((1..=5).contains(&digits) && matches!(tail, "" | "." | ")"))
        .then(|| number.parse().ok())
        .flatten()
}

static PAGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:- *[0-9]+ *-|[0-9]+ */ *[0-9]+|[0-9]+ *ページ|(?i:page) *[0-9]+.*|P\.? *[0-9]+)$",
    )
    .unwrap_or_else(|e| unreachable!("valid pattern: {e}"))
});

/// What a cell of a row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    UserId,
    Reading,
    Password,
    Order,
    /// The パスワード(仮) label of the ログイン情報 column.
    PasswordLabel,
}

fn header_text_matches(c: &str) -> bool {
    columns::names_user_header(c)
}

/// Whether a line is the table's header row.
pub fn is_header(line: &Line) -> bool {
    // A record-style user line names the same labels but carries values.
    let c = line.compact();
    header_text_matches(c) && !c.contains('@')
}

/// What the header tests ask of a line, read once: each line is asked as
/// itself and as either half of a wrapped header.
#[derive(Debug, Clone, Copy)]
struct HeaderFacts {
    /// [`is_header`].
    header: bool,
    /// The compact text holds an `@`.
    at_sign: bool,
    /// The compact text holds [`columns::NAME_HEADER_CHAR`].
    name_char: bool,
}

impl HeaderFacts {
    fn of(line: &Line) -> HeaderFacts {
        let c = line.compact();
        let at_sign = c.contains('@');
        let name_char = c.contains(columns::NAME_HEADER_CHAR);
        HeaderFacts {
            // `is_header`, its 名 test (the first of `names_user_header`)
            // and its `@` test taken from the ones above.
            header: name_char && !at_sign && header_text_matches(c),
            at_sign,
            name_char,
        }
    }

    /// Every line's facts, in order.
    fn of_lines(lines: &[&Line]) -> Vec<HeaderFacts> {
        lines.iter().map(|l| HeaderFacts::of(l)).collect()
    }
}

/// Whether line `i` and the next form a header that wrapped (neither is a
/// header alone: a section title above a header row is not part of it).
/// `facts` are the lines' [`HeaderFacts`].
/// `joined` is a buffer for the two lines' text, reused from call to call.
fn is_wrapped_header(
    lines: &[&Line],
    facts: &[HeaderFacts],
    i: usize,
    joined: &mut String,
) -> bool {
    let (Some(line), Some(f)) = (lines.get(i), facts.get(i)) else {
        return false;
    };
    let (Some(n), Some(nf)) = (lines.get(i + 1), facts.get(i + 1)) else {
        return false;
    };
    // The cheap geometric tests first: most pairs of lines are too far apart.
    n.page == line.page
        && n.baseline - line.baseline <= HEADER_WRAP_DISTANCE * line.size
        && !nf.at_sign
        && !f.at_sign
        && !f.header
        && !nf.header
        // A name header's 名 lies in one line or the other: without it, no
        // joined text to build.
        && (f.name_char || nf.name_char)
        && {
            joined.clear();
            joined.push_str(line.compact());
            joined.push_str(n.compact());
            header_text_matches(joined)
        }
}

/// A line right under a header line that only finishes its wrapped cells
/// ("注文" / "内容"): no number, no address, no reading.
fn continues_header(line: &Line, header: &Line) -> bool {
    let c = line.compact();
    line.page == header.page
        && line.baseline - header.baseline <= HEADER_WRAP_DISTANCE * header.size
        && !c.contains('@')
        && !c.contains('・')
        && !c.chars().next().is_some_and(|ch| ch.is_ascii_digit())
}

fn is_table_end(line: &Line) -> bool {
    let c = line.compact();
    // The block's own title repeated on a later page ("■メールアドレス情報
    // (続き)") continues the table.
    let next_section = c.starts_with('■') && !super::user_records::is_user_block_title(line);
    c.starts_with("(※") || c.starts_with('※') || next_section || c.contains("有効期限")
}

/// A wrapped line of a row is at most this many font sizes from the row's
/// line next to it; a line further away (a note, a footer above the page
/// margin) is not part of the table.
const ROW_LINE_GAP: f64 = 2.5;

/// Whether loose line `i` sits close enough to its neighbour on the side
/// the rows' alignment says it continues.
fn attached(body: &[&Line], i: usize, alignment: Alignment) -> bool {
    let line = body[i];
    let near = |j: Option<usize>| {
        j.and_then(|j| body.get(j)).is_none_or(|other| {
            other.page != line.page
                || (other.baseline - line.baseline).abs() <= ROW_LINE_GAP * line.size
        })
    };
    let (prev, next) = (i.checked_sub(1), Some(i + 1).filter(|&n| n < body.len()));
    match alignment {
        Alignment::Top => near(prev),
        Alignment::Bottom => near(next),
        Alignment::Centred => near(prev) || near(next),
    }
}

/// A wrapped line this many font sizes or less from a row's own line is
/// off it by part of a line, not by whole lines.
const PART_OF_A_LINE: f64 = 0.75;

/// Whether some row's own line has a loose line within [`PART_OF_A_LINE`]
/// just above it and another just below: a cell of two lines centred
/// beside the row's one-line cells straddles their line by half a line
/// each way, which only vertically centred cells do (top- or
/// bottom-aligned cells stack their lines whole lines from the row's first
/// or last). It says the table is centred even when the first row has a
/// wrapped line above it and the last none below. One line displaced by
/// part of a line on one side only is no sign of it.
fn straddled_row_line(body: &[&Line], anchors: &[(usize, Anchor)]) -> bool {
    let is_anchor = |j: usize| anchors.binary_search_by_key(&j, |(i, _)| *i).is_ok();
    anchors.iter().any(|(a, _)| {
        let Some(anchor) = body.get(*a) else {
            return false;
        };
        let near = |j: Option<usize>| {
            j.filter(|&j| !is_anchor(j))
                .and_then(|j| body.get(j))
                .is_some_and(|l| {
                    l.page == anchor.page
                        && (l.baseline - anchor.baseline).abs() <= PART_OF_A_LINE * anchor.size
                })
        };
        near(a.checked_sub(1)) && near(Some(a + 1))
    })
}

/// Page numbers are short; longer lines need no regex.
const MAX_PAGE_NUMBER_CHARS: usize = 16;

fn is_footer(line: &Line) -> bool {
    let h = line.page_height;
    let near_edge = h > 0.0
        && (line.baseline < PAGE_MARGIN_SHARE * h || line.baseline > (1.0 - PAGE_MARGIN_SHARE) * h);
    // Narrow page margins put table rows near the edge too: a line with an
    // address or reading words is table content wherever it is.
    let c = line.compact();
    // Looked for only near an edge (most lines are not).
    let table_content = || c.contains('@') || c.contains('・');
    // Every form of a page number holds an ASCII digit, and a line's
    // normalised text holds one only where its compact text does (glyph
    // texts are NFKC already, and NFKC composes nothing into a digit): a
    // line without one is not joined, normalised and matched.
    (near_edge && !table_content())
        || (c.chars().count() <= MAX_PAGE_NUMBER_CHARS
            && c.bytes().any(|b| b.is_ascii_digit())
            && PAGE_NUMBER.is_match(&normalize(&line.text())))
}

fn is_reading(text: &str) -> bool {
    let mut any_kana = false;
    for c in text.chars() {
        if is_katakana(c) {
            any_kana = true;
        } else if !matches!(c, '小' | '大' | ' ') {
            return false;
        }
    }
    any_kana
}

fn unknown_columns(header: &[&Line]) -> Vec<Drift> {
    let Some(first) = header.first() else {
        return Vec::new();
    };
    let text: String = columns::header_cells(header)
        .into_iter()
        .map(|(_, _, t)| t)
        .collect();
    columns::unknown_names(&text)
        .into_iter()
        .map(|label| Drift::UnknownColumn {
            label,
            page: first.page,
        })
        .collect()
}

/// The rows' vertical alignment, as the page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alignment {
    Top,
    Bottom,
    Centred,
}

/// A row's first line, read.
struct Anchor {
    no: u32,
    /// Where the number is across the line (x0, x1): a wrapped rest of it
    /// lies under it.
    no_span: (f64, f64),
    /// Classified pieces (the number excluded).
    cells: Vec<(Column, Piece)>,
}

/// What the user-table reader gives: the users, signs of drift, and the
/// areas that hold or may hold secrets (the password and reading columns,
/// cells no field took), in the layout frame.
pub struct UserTable {
    /// The rows, in `no` order (in page order where two share a number).
    pub users: Vec<User>,
    /// What could not be placed or was not known.
    pub drift: Vec<Drift>,
    /// Where secrets are or may be, for redaction by position.
    pub secret_areas: Vec<Provenance>,
}

/// Reads the user table, and notes what it could not place.
pub fn parse_users(lines: &[&Line], doc: &Document) -> UserTable {
    let (users, drift, secret_areas) = read_users(lines, doc);
    UserTable {
        users,
        drift,
        secret_areas,
    }
}

fn read_users(lines: &[&Line], doc: &Document) -> (Vec<User>, Vec<Drift>, Vec<Provenance>) {
    let facts = HeaderFacts::of_lines(lines);
    let mut joined = String::new();
    let mut starts_header = |i: usize| {
        facts.get(i).is_some_and(|f| f.header) || is_wrapped_header(lines, &facts, i, &mut joined)
    };
    let Some(header_at) = (0..lines.len()).find(|&i| starts_header(i)) else {
        // No header row: the block may be written as records.
        let users = lines
            .iter()
            .position(|l| super::user_records::is_user_block_title(l))
            .map(|t| {
                let block: Vec<&Line> = lines
                    .iter()
                    .skip(t + 1)
                    .take_while(|l| !is_table_end(l))
                    .filter(|l| !is_footer(l))
                    .copied()
                    .collect();
                super::user_records::parse_user_records(&block)
            })
            .unwrap_or_default();
        return (users, Vec::new(), Vec::new());
    };
    let mut header_lines: Vec<&Line> = vec![lines[header_at]];
    let mut i = header_at + 1;
    while let Some(next) = lines.get(i) {
        if header_lines.len() < 3 && continues_header(next, header_lines[header_lines.len() - 1]) {
            header_lines.push(next);
            i += 1;
        } else {
            break;
        }
    }
    let mut drift = unknown_columns(&header_lines);
    let table = TableColumns::read(&header_lines, doc);
    let has_reading_column = header_lines.iter().any(|l| l.compact().contains("読み"));

    // The table body: no headers (repeated on later pages), no footers.
    let mut body: Vec<&Line> = Vec::new();
    let mut in_repeated_header: Option<&Line> = None;
    for (j, line) in lines.iter().enumerate().skip(i) {
        if is_table_end(line) {
            break;
        }
        if starts_header(j) {
            in_repeated_header = Some(line);
            continue;
        }
        if let Some(h) = in_repeated_header {
            if continues_header(line, h) {
                in_repeated_header = Some(line);
                continue;
            }
            in_repeated_header = None;
        }
        if is_footer(line) {
            continue;
        }
        body.push(line);
    }

    let mut secret_areas = table.secret_bands(&body);
    let anchors: Vec<(usize, Anchor)> = body
        .iter()
        .enumerate()
        .filter_map(|(i, l)| read_anchor(l).map(|a| (i, a)))
        .map(|(i, a)| (i, table.place(a)))
        .collect();
    let (Some(first), Some(last)) = (anchors.first(), anchors.last()) else {
        return (Vec::new(), drift, secret_areas);
    };
    let loose_before = first.0 > 0;
    let loose_after = last.0 + 1 < body.len();
    let alignment = match (loose_before, loose_after) {
        _ if straddled_row_line(&body, &anchors) => Alignment::Centred,
        (false, _) => Alignment::Top,
        (true, false) => Alignment::Bottom,
        (true, true) => Alignment::Centred,
    };

    // Each row's lines, in reading order.
    let mut row_lines: Vec<Vec<usize>> = anchors.iter().map(|(i, _)| vec![*i]).collect();
    for i in 0..body.len() {
        // `anchors` is in body order: searched, not scanned, per line.
        let is_anchor = anchors.binary_search_by_key(&i, |(a, _)| *a).is_ok();
        if is_anchor || !attached(&body, i, alignment) {
            continue;
        }
        match owner_row(&anchors, &body, i, alignment) {
            Some(row) => {
                if let Some(v) = row_lines.get_mut(row) {
                    v.push(i);
                }
                if let Some(other) = other_owner(&anchors, &body, i, alignment, row) {
                    drift.push(other);
                }
            }
            None => drift.push(Drift::UnplacedCell {
                row: 0,
                page: body[i].page,
            }),
        }
    }

    let mut users = Vec::with_capacity(anchors.len());
    for ((anchor_at, anchor), mut members) in anchors.into_iter().zip(row_lines) {
        members.sort_by(|a, b| {
            (body[*a].page, body[*a].baseline)
                .partial_cmp(&(body[*b].page, body[*b].baseline))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        // (column, line index, text, where) in reading order: room for the
        // first line's cells and a few pieces a wrapped line (grown by
        // doubling, a copy of every part each time).
        let mut parts: Vec<Part> = Vec::with_capacity(
            anchor.cells.len() + WRAPPED_LINE_PIECES * members.len().saturating_sub(1),
        );
        // Where the header starts the columns this row's own line has no
        // cell in: a wrapped piece may belong to one of them.
        let missing_starts = table.missing_starts(&anchor);
        // The row's number as the page shows it: a number wrapped in a
        // narrow No cell (`1` over `0`) reads top to bottom as one (10).
        // Built only when such a rest is found (rarely).
        let mut number: Option<String> = None;
        let mut anchor_seen = false;
        for m in members {
            let at = |p: &Piece| {
                p.bbox.map(|bbox| Provenance {
                    page: body[m].page,
                    bbox,
                })
            };
            if m == anchor_at {
                if let Some(n) = number.as_mut() {
                    n.push_str(&anchor.no.to_string());
                }
                anchor_seen = true;
                parts.extend(
                    anchor
                        .cells
                        .iter()
                        .map(|(c, p)| (*c, m, p.text.clone(), at(p))),
                );
                continue;
            }
            for piece in line_pieces(body[m]) {
                if piece.text == PASSWORD_LABEL || piece.text.starts_with("パスワード(") {
                    continue;
                }
                if let Some(digits) = number_part(&piece, anchor.no_span) {
                    number
                        .get_or_insert_with(|| {
                            if anchor_seen {
                                anchor.no.to_string()
                            } else {
                                String::new()
                            }
                        })
                        .push_str(&digits);
                    continue;
                }
                // In a ruled table a wrapped piece's column is the column
                // it lies in.
                if table.ruled {
                    match table.column_of(&piece) {
                        Some(Some(c)) => {
                            let at = at(&piece);
                            parts.push((c, m, piece.text, at));
                        }
                        // An unknown column keeps its cells to itself.
                        Some(None) => {}
                        None => drift.push(Drift::UnplacedCell {
                            row: anchor.no,
                            page: body[m].page,
                        }),
                    }
                    continue;
                }
                // A reading wraps around a centred row's single line, so
                // the row's own line may hold none of it: a katakana piece
                // in a table with a reading column is reading wherever it is.
                let column = if has_reading_column && is_reading(&normalize(&piece.text)) {
                    Some(Column::Reading)
                } else {
                    anchor
                        .cells
                        .iter()
                        .filter(|(c, _)| *c != Column::PasswordLabel)
                        .map(|(c, p)| (*c, p.x0))
                        .chain(missing_starts.iter().copied())
                        .min_by(|a, b| (a.1 - piece.x0).abs().total_cmp(&(b.1 - piece.x0).abs()))
                        .map(|(c, _)| c)
                };
                match column {
                    Some(c) => {
                        let at = at(&piece);
                        parts.push((c, m, piece.text, at))
                    }
                    None => {
                        secret_areas.extend(at(&piece));
                        drift.push(Drift::UnplacedCell {
                            row: anchor.no,
                            page: body[m].page,
                        })
                    }
                }
            }
        }
        // An order cell that holds no order word was misplaced: it may be
        // a password.
        secret_areas.extend(
            parts
                .iter()
                .filter(|p| p.0 == Column::Order && OrderKind::from_word(&compact(&p.2)).is_none())
                .filter_map(|p| p.3),
        );
        let no = number
            .as_deref()
            .and_then(wrapped_number)
            .unwrap_or(anchor.no);
        users.push(finish(no, body[anchor_at].page, &parts));
    }
    // Most tables number their rows in page order: nothing to sort.
    let in_order = users.windows(2).all(|w| w[0].no < w[1].no);
    if !in_order && numbers_distinct(&users) {
        users.sort_by_key(|u| u.no);
    }
    (users, drift, secret_areas)
}

/// The digits of a row's wrapped line's piece that lies under the row's
/// number (overlaps it across the line) and holds digits only (ASCII or
/// full-width): the rest of a number wrapped in a cell too narrow for it.
fn number_part(piece: &Piece, no_span: (f64, f64)) -> Option<String> {
    let (x0, x1) = span_of(piece);
    if x1.min(no_span.1) <= x0.max(no_span.0) {
        return None;
    }
    let digits = normalize(&piece.text);
    (!digits.is_empty()
        && digits.len() < MAX_ROW_NUMBER_DIGITS
        && digits.bytes().all(|b| b.is_ascii_digit()))
    .then_some(digits)
}

/// Whether no two rows share a number. Rows are listed in number order
/// only then: where a number repeats, one of them was misread, and sorting
/// by it would move that row among the others and every row between one
/// place down, wrong with no finding on them (`duplicate_row_number` names
/// the repeat only). Such a table keeps the order the page shows.
fn numbers_distinct(users: &[User]) -> bool {
    let mut seen = std::collections::HashSet::with_capacity(users.len());
    users.iter().all(|u| seen.insert(u.no))
}

/// A row number read from its cell's lines top to bottom (`1`, `0` → 10),
/// within the digits a row number may have; `None` beyond them.
fn wrapped_number(digits: &str) -> Option<u32> {
    (1..=MAX_ROW_NUMBER_DIGITS)
        .contains(&digits.len())
        .then(|| digits.parse().ok())
        .flatten()
}

/// A row number has at most this many digits (as `row_number` reads).
const MAX_ROW_NUMBER_DIGITS: usize = 5;

/// Pieces a row's wrapped line usually holds, room reserved for them (a
/// line is bounded by the page: more grow the vector).
const WRAPPED_LINE_PIECES: usize = 2;

/// The header's columns, and whether the producer drew the grid.
struct TableColumns {
    columns: Vec<HeaderColumn>,
    ruled: bool,
}

impl TableColumns {
    /// Reads the header's columns, from the rulings across it if any.
    fn read(header: &[&Line], doc: &Document) -> TableColumns {
        let edges = header
            .first()
            .and_then(|h| {
                let band = bbox_of(header.iter().flat_map(|l| l.chars()))?;
                Some(doc.page(h.page)?.rulings.column_edges(&band))
            })
            .unwrap_or_default();
        let columns = columns::header_columns(header, &edges);
        let knows = |f: ColumnField| columns.iter().any(|c| c.field == f);
        let usable = knows(ColumnField::Name) || knows(ColumnField::UserId);
        TableColumns {
            ruled: edges.len() >= 3 && usable,
            columns: if usable { columns } else { Vec::new() },
        }
    }

    /// The password and reading columns' bands over the table body, page
    /// by page (from the header's columns: exact where the grid is drawn).
    fn secret_bands(&self, body: &[&Line]) -> Vec<Provenance> {
        let mut out = Vec::new();
        let mut pages: Vec<u32> = body.iter().map(|l| l.page).collect();
        pages.dedup();
        for page in pages {
            let on_page = body.iter().filter(|l| l.page == page);
            let Some(extent) = bbox_of(on_page.flat_map(|l| l.chars())) else {
                continue;
            };
            for c in self
                .columns
                .iter()
                .filter(|c| matches!(c.field, ColumnField::Password | ColumnField::Reading))
            {
                out.push(Provenance {
                    page,
                    bbox: crate::pdf::Rect {
                        x0: c.x0,
                        x1: c.x1,
                        y0: extent.y0,
                        y1: extent.y1,
                    },
                });
            }
        }
        out
    }

    /// The column of a piece: `Some(None)` for a column the parser does not
    /// know, `None` when no column holds it.
    fn column_of(&self, piece: &Piece) -> Option<Option<Column>> {
        let x1 = piece.bbox.map_or(piece.x0, |b| b.x1);
        let field = columns::column_at(&self.columns, piece.x0, x1, self.ruled)?;
        Some(match field {
            ColumnField::Name => Some(Column::Name),
            ColumnField::UserId => Some(Column::UserId),
            ColumnField::Password if compact(&piece.text) == PASSWORD_LABEL => {
                Some(Column::PasswordLabel)
            }
            ColumnField::Password => Some(Column::Password),
            ColumnField::Reading => Some(Column::Reading),
            ColumnField::Order => Some(Column::Order),
            ColumnField::No | ColumnField::Unknown => None,
        })
    }

    /// A row's cells by column. With a grid, the column decides; without
    /// one, the header's extents decide, except where content leaves no
    /// doubt (an address is the user ID, an order word the order, the
    /// パスワード(仮) label a label).
    /// The header's start of each known column that `anchor` (a row's own
    /// line) has no cell in, as `(column, x0)`: a wrapped piece is matched
    /// to its row's cells by their starts, and a row whose line lacks a
    /// column (its cell wrapped wholly above and below a centred line)
    /// would otherwise give that column's pieces to a neighbour.
    fn missing_starts(&self, anchor: &Anchor) -> Vec<(Column, f64)> {
        self.columns
            .iter()
            .filter_map(|c| {
                let column = match c.field {
                    ColumnField::Name => Column::Name,
                    ColumnField::UserId => Column::UserId,
                    ColumnField::Password => Column::Password,
                    ColumnField::Reading => Column::Reading,
                    ColumnField::Order => Column::Order,
                    ColumnField::No | ColumnField::Unknown => return None,
                };
                (!anchor.cells.iter().any(|(have, _)| *have == column)).then_some((column, c.x0))
            })
            .collect()
    }

    fn place(&self, anchor: Anchor) -> Anchor {
        if self.columns.is_empty() {
            return anchor;
        }
        let cells = anchor
            .cells
            .into_iter()
            .filter_map(|(by_content, piece)| {
                let by_column = self.column_of(&piece);
                let certain = matches!(
                    by_content,
                    Column::UserId | Column::Order | Column::PasswordLabel
                );
                let column = match by_column {
                    Some(col) if self.ruled => col,
                    _ if certain => Some(by_content),
                    Some(col) => col,
                    None => Some(by_content),
                };
                column.map(|c| (c, piece))
            })
            .collect();
        Anchor {
            no: anchor.no,
            no_span: anchor.no_span,
            cells,
        }
    }
}

/// Reads a row's first line: its number and classified cells.
fn read_anchor(line: &Line) -> Option<Anchor> {
    // The first piece decides; the rest of the line is cut into pieces only
    // for a row number (most body lines are not a row's first line). The
    // line's compact text starts with the first piece's: a line starting
    // with neither a digit nor "No" (NFKC made № one) has no row number.
    let c = line.compact();
    if !c.starts_with(|c: char| c.is_ascii_digit() || c == 'N' || c == '№') {
        // A table whose 注文内容 column comes first: the order word, then
        // the row number.
        return ORDER_WORDS
            .iter()
            .any(|w| c.starts_with(w))
            .then(|| order_first_anchor(line))
            .flatten();
    }
    let mut pieces = line_pieces_lazily(line);
    let first = pieces.next()?;
    let no = row_number(&compact(&first.text))?;
    let no_span = span_of(&first);
    let cells = classify(pieces.collect());
    let is_row = cells
        .iter()
        .any(|(c, _)| matches!(c, Column::UserId | Column::Order));
    is_row.then_some(Anchor { no, no_span, cells })
}

/// The order words, each a whole 注文内容 cell.
const ORDER_WORDS: &[&str] = &["追加", "変更", "削除"];

/// A row's first line that starts with its order cell (a table with the
/// 注文内容 column before the No column): the number is the next cell, and
/// the order word and number are the row's mark (its other cells may wrap
/// above and below this line).
fn order_first_anchor(line: &Line) -> Option<Anchor> {
    let mut pieces: Vec<Piece> = line_pieces_lazily(line).collect();
    let order_first = pieces
        .first()
        .is_some_and(|p| ORDER_WORDS.contains(&compact(&p.text).as_str()));
    if !order_first || pieces.len() < 3 {
        return None;
    }
    let number = pieces.get(1)?;
    let no = row_number(&compact(&number.text))?;
    let no_span = span_of(number);
    pieces.remove(1);
    Some(Anchor {
        no,
        no_span,
        cells: classify(pieces),
    })
}

/// A piece's extent across the line (x0, x1).
fn span_of(piece: &Piece) -> (f64, f64) {
    (piece.x0, piece.bbox.map_or(piece.x0, |b| b.x1))
}

/// Classifies the cells of a row's first line by what they hold.
fn classify(pieces: Vec<Piece>) -> Vec<(Column, Piece)> {
    let mut out: Vec<(Column, Piece)> = Vec::with_capacity(pieces.len());
    let mut seen_id = false;
    // Each piece's compact text, made once.
    let compacts: Vec<String> = pieces.iter().map(|p| compact(&p.text)).collect();
    let whole_address_ahead = |from: usize| compacts.iter().skip(from).any(|c| is_email(c));
    for (i, (piece, c)) in pieces.into_iter().zip(&compacts).enumerate() {
        let c = c.as_str();
        let has_name = out.iter().any(|(col, _)| *col == Column::Name);
        // The first address is the user ID; a later one is a password that
        // happens to look like one. An address that wraps in its cell shows
        // only its first part here: with an @, or (wrapped before the @)
        // right after the name when no whole address follows.
        let partial_address = !seen_id
            && is_address_part(c)
            && (c.contains('@') || (has_name && c.contains('.') && !whole_address_ahead(i)));
        let column = if !seen_id && (is_email(c) || partial_address) {
            seen_id = true;
            Column::UserId
        } else if OrderKind::from_word(c).is_some() {
            Column::Order
        } else if c == PASSWORD_LABEL {
            Column::PasswordLabel
        } else if !seen_id {
            Column::Name
        } else if is_reading(&normalize(&piece.text)) {
            Column::Reading
        } else {
            Column::Password
        };
        out.push((column, piece));
    }
    out
}

/// Characters of an e-mail address, with at most one @.
fn is_address_part(c: &str) -> bool {
    !c.is_empty()
        && c.matches('@').count() <= 1
        && c.chars().all(|ch| {
            ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '%' | '+' | '-' | '\'' | '@')
        })
}

/// In centred rows, a wrapped line whose distances to the row above and
/// the row below differ by less than this many font sizes could belong to
/// either: rows are at least a line apart, so a line of a row sits a
/// line or more nearer its own row's first line.
const TWO_OWNERS_EMS: f64 = 0.25;

/// The drift note for a wrapped line that [`owner_row`] gave to `row` but
/// that lies about as near another row (centred rows only: top- and
/// bottom-aligned rows leave no choice).
fn other_owner(
    anchors: &[(usize, Anchor)],
    body: &[&Line],
    i: usize,
    alignment: Alignment,
    row: usize,
) -> Option<Drift> {
    if alignment != Alignment::Centred {
        return None;
    }
    let line = body.get(i)?;
    let (before, after) = rows_around(anchors, i);
    let (before, after) = (before?, after?);
    let distance = |r: usize| {
        let anchor = body.get(anchors.get(r)?.0)?;
        (anchor.page == line.page).then(|| (anchor.baseline - line.baseline).abs())
    };
    let (b, a) = (distance(before)?, distance(after)?);
    if (b - a).abs() >= TWO_OWNERS_EMS * line.size {
        return None;
    }
    let other = if row == before { after } else { before };
    Some(Drift::TwoOwners {
        row: anchors.get(row)?.1.no,
        other: anchors.get(other)?.1.no,
        page: line.page,
    })
}

/// The last row whose first line comes before body line `i` and the first
/// whose first line comes after it. `anchors` is in body order: found by
/// binary search, not a scan per loose line.
fn rows_around(anchors: &[(usize, Anchor)], i: usize) -> (Option<usize>, Option<usize>) {
    let before = anchors.partition_point(|(a, _)| *a < i).checked_sub(1);
    let after = Some(anchors.partition_point(|(a, _)| *a <= i)).filter(|&r| r < anchors.len());
    (before, after)
}

/// Which row a loose (wrapped) line belongs to.
fn owner_row(
    anchors: &[(usize, Anchor)],
    body: &[&Line],
    i: usize,
    alignment: Alignment,
) -> Option<usize> {
    let (before, after) = rows_around(anchors, i);
    match alignment {
        Alignment::Top => before.or(after),
        Alignment::Bottom => after.or(before),
        Alignment::Centred => match (before, after) {
            (Some(b), Some(a)) => {
                let line = body[i];
                let distance = |row: usize| {
                    let anchor = body[anchors[row].0];
                    if anchor.page == line.page {
                        (anchor.baseline - line.baseline).abs()
                    } else {
                        f64::MAX
                    }
                };
                Some(if distance(a) < distance(b) { a } else { b })
            }
            (b, a) => b.or(a),
        },
    }
}

/// One piece of a row: its column, line index, text and where it was read.
type Part = (Column, usize, String, Option<Provenance>);

fn finish(no: u32, page: u32, parts: &[Part]) -> User {
    let get = |col: Column| {
        join_cell_parts(
            parts
                .iter()
                .filter(|(c, _, _, _)| *c == col)
                .map(|(_, line, text, _)| (*line, text.as_str())),
        )
    };
    let boxes = boxes_by_field(
        parts.iter().map(|p| (p.0, p.3)),
        &[
            (Column::Name, "name"),
            (Column::UserId, "user_id"),
            (Column::Password, "temporary_password"),
            (Column::Reading, "password_reading"),
            (Column::Order, "order"),
        ],
    );
    User {
        boxes,
        no,
        name: get(Column::Name),
        user_id: get(Column::UserId).map(|v| v.replace(' ', "")),
        temporary_password: get(Column::Password)
            .map(|v| Secret::new(password_text(v.replace(' ', "")))),
        password_reading: get(Column::Reading).map(|v| Secret::new(v.replace(' ', ""))),
        order: get(Column::Order).and_then(|v| OrderKind::from_word(&v)),
        page,
    }
}

/// Each field's cell box, from a row's parts tagged by their column (or
/// slot): `fields` names the field each column fills.
pub(super) fn boxes_by_field<C: PartialEq + Copy>(
    parts: impl Iterator<Item = (C, Option<Provenance>)> + Clone,
    fields: &[(C, &'static str)],
) -> std::collections::BTreeMap<&'static str, Provenance> {
    fields
        .iter()
        .filter_map(|(col, field)| {
            let of_col = parts
                .clone()
                .filter(|(c, _)| c == col)
                .filter_map(|(_, at)| at);
            cell_box(of_col).map(|p| (*field, p))
        })
        .collect()
}

/// The box of a cell read in parts: the union of its parts on the page it
/// starts on (a cell cut by a page break is shown where it starts).
pub(super) fn cell_box(parts: impl IntoIterator<Item = Provenance>) -> Option<Provenance> {
    parts.into_iter().reduce(|a, b| {
        if a.page == b.page {
            Provenance {
                page: a.page,
                bbox: a.bbox.union(&b.bbox),
            }
        } else {
            a
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::test_line as line;

    /// A document with no pages: no rulings anywhere.
    fn no_rulings() -> Document {
        Document {
            pages: Vec::new(),
            hidden: Vec::new(),
            decorations: Vec::new(),
        }
    }

    #[test]
    fn a_row_may_start_with_its_order_cell() {
        let line = crate::layout::test_line(
            100.0,
            &[
                (10.0, "追加"),
                (60.0, "1"),
                (100.0, "taro@example.com"),
                (300.0, "山田 太郎"),
            ],
        );
        let anchor = read_anchor(&line).expect("a row");
        assert_eq!(anchor.no, 1);
        let columns: Vec<Column> = anchor.cells.iter().map(|(c, _)| *c).collect();
        assert!(columns.contains(&Column::Order) && columns.contains(&Column::UserId));
        // An order word with no number after it, or with nothing else on
        // the line: no row.
        for chunks in [
            &[(10.0, "追加"), (60.0, "taro@example.com"), (300.0, "山田")][..],
            &[(10.0, "追加"), (60.0, "1")][..],
        ] {
            assert!(read_anchor(&crate::layout::test_line(100.0, chunks)).is_none());
        }
    }

    #[test]
    fn row_numbers_by_hand_as_by_the_pattern() {
        for (text, no) in [
            ("1", 1),
            ("No.12", 12),
            ("No12", 12),
            ("№3", 3),
            ("No. 4", 4),
            ("5.", 5),
            ("6)", 6),
            ("99999", 99999),
        ] {
            assert_eq!(row_number(text), Some(no), "{text}");
        }
        for text in [
            "", "No", "No.", "100000", "1..", "a1", "1a", "No.x1", "(1)", "No.No.1",
        ] {
            assert_eq!(row_number(text), None, "{text}");
        }
    }

    #[test]
    fn a_row_starts_with_its_number_whatever_the_cells() {
        let row = |first: &str| read_anchor(&line(100.0, &[(10.0, first), (60.0, "a@b.jp")]));
        assert_eq!(row("3").map(|a| a.no), Some(3));
        assert_eq!(row("No.12").map(|a| a.no), Some(12));
        assert_eq!(row("4.").map(|a| a.no), Some(4));
        assert!(row("山田").is_none());
        assert!(row("x3").is_none());
    }

    #[test]
    fn wrapped_address_and_reading_join_their_cells() {
        let lines = [
            line(
                100.0,
                &[
                    (10.0, "No"),
                    (40.0, "ユーザー名"),
                    (150.0, "ユーザーID"),
                    (300.0, "パスワード読み仮名"),
                    (450.0, "パスワード"),
                    (560.0, "注文内容"),
                ],
            ),
            line(
                120.0,
                &[
                    (10.0, "1"),
                    (40.0, "山田 花子"),
                    (150.0, "hanako.yamada@"),
                    (300.0, "大エー・小ビー・"),
                    (450.0, "Ab1"),
                    (560.0, "追加"),
                ],
            ),
            line(133.0, &[(150.0, "example.co.jp"), (300.0, "イチ")]),
            line(
                160.0,
                &[
                    (10.0, "2"),
                    (40.0, "田中 一郎"),
                    (150.0, "ichiro@example.co.jp"),
                    (300.0, "ニ"),
                    (450.0, "2"),
                    (560.0, "削除"),
                ],
            ),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let UserTable { users, drift, .. } = parse_users(&refs, &no_rulings());
        assert!(drift.is_empty(), "{drift:?}");
        assert_eq!(users.len(), 2);
        assert_eq!(
            users[0].user_id.as_deref(),
            Some("hanako.yamada@example.co.jp")
        );
        assert_eq!(
            users[0].password_reading.as_ref().map(|s| s.expose()),
            Some("大エー・小ビー・イチ")
        );
        assert_eq!(
            users[0].temporary_password.as_ref().map(|s| s.expose()),
            Some("Ab1")
        );
        assert_eq!(users[1].order, Some(OrderKind::Delete));
    }

    /// reportlab platypus wraps a number too wide for its narrow No cell:
    /// row 10 shows `1` over `0`, which a person reads as 10 (not a second
    /// row 1, which sorting by number moved up the list, every row below
    /// then off by one). The No column has no header here.
    #[test]
    fn a_number_wrapped_in_its_cell_reads_top_to_bottom() {
        let lines = [
            line(
                100.0,
                &[
                    (40.0, "ユーザー名"),
                    (150.0, "ユーザーID"),
                    (450.0, "パスワード"),
                    (560.0, "注文内容"),
                ],
            ),
            line(
                120.0,
                &[
                    (10.0, "9"),
                    (40.0, "山田 花子"),
                    (150.0, "hanako@example.co.jp"),
                    (450.0, "Ab1"),
                    (560.0, "追加"),
                ],
            ),
            line(
                140.0,
                &[
                    (10.0, "1"),
                    (40.0, "田中 一郎"),
                    (150.0, "ichiro@example.co.jp"),
                    (450.0, "Cd2"),
                    (560.0, "追加"),
                ],
            ),
            line(151.0, &[(10.0, "0"), (150.0, "5")]),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let users = parse_users(&refs, &no_rulings()).users;
        let got: Vec<(u32, Option<&str>)> =
            users.iter().map(|u| (u.no, u.name.as_deref())).collect();
        assert_eq!(got, [(9, Some("山田 花子")), (10, Some("田中 一郎"))]);
        // A digit under another column is that column's.
        assert_eq!(users[1].user_id.as_deref(), Some("ichiro@example.co.jp5"));
        assert_eq!(wrapped_number("123456"), None);
    }

    /// Rows are sorted by number, but where a number repeats (one was
    /// misread), they stay in page order: sorting would move the misread
    /// row up and every row after it one place down.
    #[test]
    fn a_repeated_number_keeps_the_page_order() {
        let row = |y: f64, no: &'static str, id: &'static str| {
            line(y, &[(10.0, no), (150.0, id), (560.0, "追加")])
        };
        let header = line(
            100.0,
            &[
                (40.0, "ユーザー名"),
                (150.0, "ユーザーID"),
                (560.0, "注文内容"),
            ],
        );
        let ids = |lines: &[Line]| -> Vec<(u32, String)> {
            let refs: Vec<&Line> = lines.iter().collect();
            parse_users(&refs, &no_rulings())
                .users
                .into_iter()
                .map(|u| (u.no, u.user_id.unwrap_or_default()))
                .collect()
        };
        let repeated = [
            header.clone(),
            row(120.0, "1", "a@example.jp"),
            row(140.0, "2", "b@example.jp"),
            row(160.0, "1", "c@example.jp"),
        ];
        let got = ids(&repeated);
        let want = [(1, "a"), (2, "b"), (1, "c")].map(|(n, id)| (n, format!("{id}@example.jp")));
        assert_eq!(got, want);
        // Distinct numbers are listed in number order, as before.
        let distinct = [
            header,
            row(120.0, "2", "b@example.jp"),
            row(140.0, "1", "a@example.jp"),
        ];
        let nos: Vec<u32> = ids(&distinct).into_iter().map(|(n, _)| n).collect();
        assert_eq!(nos, [1, 2]);
    }

    /// LibreOffice's HTML import sets an unruled, vertically centred table
    /// with lines one font size apart: a two-line cell straddles its row's
    /// line by half a line each way. The first row has a wrapped line above
    /// it and the last none below, and row 2's ID wraps wholly around its
    /// line, which has no ID cell of its own.
    #[test]
    fn half_line_straddles_mean_centred_rows_and_the_header_starts_missing_cells() {
        let lines = [
            line(
                100.0,
                &[
                    (10.0, "No"),
                    (60.0, "注文内容"),
                    (100.0, "ユーザーID"),
                    (280.0, "ユーザー名"),
                    (330.0, "パスワード"),
                    (450.0, "備考"),
                ],
            ),
            line(116.0, &[(330.0, "X+N3Exy59d@")]),
            line(
                120.0,
                &[
                    (10.0, "1"),
                    (60.0, "追加"),
                    (100.0, "chiba@example.co.jp"),
                    (280.0, "千葉 陽子"),
                    (450.0, "新入社員"),
                ],
            ),
            line(124.0, &[(330.0, "D")]),
            line(137.0, &[(100.0, "matsuda@example.")]),
            line(
                141.0,
                &[
                    (10.0, "2"),
                    (60.0, "変更"),
                    (280.0, "松田 俊介"),
                    (330.0, "-"),
                ],
            ),
            line(145.0, &[(100.0, "co.jp")]),
            line(
                158.0,
                &[
                    (10.0, "3"),
                    (60.0, "追加"),
                    (100.0, "kimura@example.co.jp"),
                    (280.0, "木村 学"),
                    (330.0, "xbh37uak+3hW"),
                ],
            ),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let UserTable { users, .. } = parse_users(&refs, &no_rulings());
        let ids: Vec<Option<&str>> = users.iter().map(|u| u.user_id.as_deref()).collect();
        assert_eq!(
            ids,
            vec![
                Some("chiba@example.co.jp"),
                Some("matsuda@example.co.jp"),
                Some("kimura@example.co.jp")
            ]
        );
        assert_eq!(
            users[0].temporary_password.as_ref().map(|s| s.expose()),
            Some("X+N3Exy59d@D")
        );
        assert_eq!(users[0].name.as_deref(), Some("千葉 陽子"));
        assert_eq!(users[1].order, Some(OrderKind::Change));
        // A password displaced by part of a line on one side only is no
        // sign of centred rows: the table stays top-aligned.
        let top = [
            lines[0].clone(),
            lines[2].clone(),
            line(126.0, &[(330.0, "Ab1")]),
            line(131.0, &[(100.0, "x")]),
        ];
        let refs: Vec<&Line> = top.iter().collect();
        let (body, anchors): (Vec<&Line>, Vec<(usize, Anchor)>) = (
            refs[1..].to_vec(),
            read_anchor(&top[1]).map(|a| (0, a)).into_iter().collect(),
        );
        assert!(!straddled_row_line(&body, &anchors));
    }

    #[test]
    fn a_wrapped_line_midway_between_centred_rows_has_two_owners() {
        let header = line(
            95.0,
            &[
                (10.0, "No"),
                (40.0, "ユーザー名"),
                (150.0, "ユーザーID"),
                (450.0, "パスワード"),
                (560.0, "注文内容"),
            ],
        );
        let row = |y: f64, no: &str, id: &str| {
            line(
                y,
                &[
                    (10.0, no),
                    (40.0, "山田"),
                    (150.0, id),
                    (450.0, "Ab1xyz"),
                    (560.0, "追加"),
                ],
            )
        };
        let table = |middle: f64| {
            vec![
                header.clone(),
                line(114.0, &[(40.0, "花子")]),
                row(120.0, "1", "hanako@example.co.jp"),
                line(126.0, &[(40.0, "花子")]),
                line(middle, &[(40.0, "太郎")]),
                row(160.0, "2", "taro@example.co.jp"),
                line(166.0, &[(40.0, "太郎")]),
            ]
        };
        // Midway (20 pt from both rows' first lines): either row.
        let lines = table(140.0);
        let refs: Vec<&Line> = lines.iter().collect();
        let UserTable { drift, .. } = parse_users(&refs, &no_rulings());
        assert!(
            drift.iter().any(|d| matches!(
                d,
                Drift::TwoOwners { row, other, page: 1 }
                    if (*row, *other) == (1, 2) || (*row, *other) == (2, 1)
            )),
            "{drift:?}"
        );
        // A line (10 pt) nearer the second row: its own.
        let lines = table(145.0);
        let refs: Vec<&Line> = lines.iter().collect();
        let UserTable { drift, .. } = parse_users(&refs, &no_rulings());
        assert!(
            !drift.iter().any(|d| matches!(d, Drift::TwoOwners { .. })),
            "{drift:?}"
        );
    }

    #[test]
    fn a_far_note_below_the_table_is_not_a_wrapped_cell() {
        let lines = [
            line(
                100.0,
                &[
                    (10.0, "No"),
                    (40.0, "ユーザー名"),
                    (150.0, "ユーザーID"),
                    (450.0, "パスワード"),
                    (560.0, "注文内容"),
                ],
            ),
            line(
                120.0,
                &[
                    (10.0, "1"),
                    (40.0, "山田 花子"),
                    (150.0, "hanako@example.co.jp"),
                    (450.0, "Ab1"),
                    (560.0, "追加"),
                ],
            ),
            line(400.0, &[(40.0, "お問い合わせ先"), (150.0, "0120-000-000")]),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let users = parse_users(&refs, &no_rulings()).users;
        assert_eq!(users.len(), 1);
        assert_eq!(users[0].name.as_deref(), Some("山田 花子"));
        assert_eq!(users[0].user_id.as_deref(), Some("hanako@example.co.jp"));
    }

    /// The binary search finds the rows the scans found.
    #[test]
    fn rows_around_a_line_by_search_as_by_scan() {
        let anchors: Vec<(usize, Anchor)> = [1usize, 2, 5, 9]
            .iter()
            .map(|&i| {
                let cells = Vec::new();
                (
                    i,
                    Anchor {
                        no: 1,
                        no_span: (0.0, 0.0),
                        cells,
                    },
                )
            })
            .collect();
        for i in 0..12 {
            let before = anchors.iter().rposition(|(a, _)| *a < i);
            let after = anchors.iter().position(|(a, _)| *a > i);
            assert_eq!(rows_around(&anchors, i), (before, after), "{i}");
        }
        assert_eq!(rows_around(&[], 3), (None, None));
    }

    #[test]
    fn page_numbers_are_footers() {
        assert!(PAGE_NUMBER.is_match("1 / 3"));
        assert!(PAGE_NUMBER.is_match("- 2 -"));
        assert!(!PAGE_NUMBER.is_match("12"));
        // Every form needs a digit (what `is_footer` checks first).
        for no_digit in ["- -", "/", "ページ", "page", "Page x", "P.", "p"] {
            assert!(!PAGE_NUMBER.is_match(no_digit), "{no_digit}");
        }
    }
}
