//! The user table (メールアドレス情報 / メールアカウント情報) → [`User`]s.
//!
//! The table is found by its header row and read row by row. A row starts
//! on a line whose first cell is its number; the cells of that line are
//! told apart by what they hold (a number, an e-mail address, a katakana
//! reading, the パスワード(仮) label, an order word), which works whatever the
//! column widths and alignment. Lines without a number are wrapped parts of
//! a row's cells and go, cell by cell, to the column whose start is nearest.
//! A table may run over pages, with or without a repeated header; page
//! numbers and footers are not rows.

use super::model::{Drift, OrderKind, User};
use super::normalize::{compact, non_placeholder, normalize};
use crate::layout::{Chunk, Line};
use crate::secret::Secret;
use regex::Regex;
use std::sync::LazyLock;

/// Lines this close to the top or bottom edge (share of page height) are
/// running headers and footers, never table rows.
const PAGE_MARGIN_SHARE: f64 = 0.055;

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9._%+\-']+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+$")
        .unwrap_or_else(|e| unreachable!("valid pattern: {e}"))
});

static ROW_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:No\.?|№)?(\d{1,5})(?:\s+|$)(.*)$")
        .unwrap_or_else(|e| unreachable!("valid pattern: {e}"))
});

static PAGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:-\s*\d+\s*-|\d+\s*/\s*\d+|\d+\s*ページ|page\s*\d+.*|P\.?\s*\d+)$")
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

/// A row being read: its cells, each with the column it belongs to.
struct RowDraft {
    no: u32,
    page: u32,
    cells: Vec<(Column, f64, String)>,
    password_seen: bool,
}

/// Whether a line is the table's header row.
pub fn is_header(line: &Line) -> bool {
    let c = line.compact();
    (c.contains("ユーザー名") || c.contains("ユーザ名") || c.contains("氏名"))
        && (c.contains("ユーザーID") || c.contains("ユーザID") || c.contains("メールアドレス"))
}

fn is_table_end(line: &Line) -> bool {
    let c = line.compact();
    c.starts_with("(※") || c.starts_with('※') || c.starts_with('■') || c.contains("有効期限")
}

fn is_footer(line: &Line, page_height: f64) -> bool {
    let text = normalize(&line.text());
    let near_edge = page_height > 0.0
        && (line.baseline < PAGE_MARGIN_SHARE * page_height
            || line.baseline > (1.0 - PAGE_MARGIN_SHARE) * page_height);
    near_edge || PAGE_NUMBER.is_match(&text)
}

fn is_reading(text: &str) -> bool {
    let mut any = false;
    for c in text.chars() {
        match c {
            '\u{30A0}'..='\u{30FF}' | '小' | '大' | ' ' => any = true,
            _ => return false,
        }
    }
    any && text.chars().any(|c| ('\u{30A1}'..='\u{30FA}').contains(&c))
}

/// Classifies the cells of a row's first line.
fn classify_first_line(chunks: &[(f64, String)]) -> Vec<(Column, f64, String)> {
    let mut out = Vec::new();
    let mut seen_id = false;
    for (x, text) in chunks {
        let c = compact(text);
        // The first address is the user ID; a later one is a password that
        // happens to look like one.
        let column = if !seen_id && EMAIL.is_match(&c) {
            seen_id = true;
            Column::UserId
        } else if OrderKind::from_word(&c).is_some() {
            Column::Order
        } else if c.starts_with("パスワード(仮)") || c == "パスワード" {
            let rest = c.trim_start_matches("パスワード(仮)").to_string();
            out.push((Column::PasswordLabel, *x, String::new()));
            if !rest.is_empty() {
                out.push((Column::Password, *x, rest));
            }
            continue;
        } else if !seen_id {
            Column::Name
        } else if is_reading(text) {
            Column::Reading
        } else {
            Column::Password
        };
        out.push((column, *x, text.clone()));
    }
    out
}

/// Splits cells that a narrow gap merged: "福田 彩 fukuda@x.jp" or
/// "Pa55word! 追加".
fn split_merged(chunks: &[Chunk]) -> Vec<(f64, String)> {
    let mut out = Vec::new();
    for chunk in chunks {
        let text = chunk.text();
        let words: Vec<&str> = text.split(' ').collect();
        let email_at = words.iter().position(|w| EMAIL.is_match(w));
        let order_last = words
            .last()
            .is_some_and(|w| OrderKind::from_word(w).is_some());
        if words.len() > 1 && (email_at.is_some() || order_last) {
            let x = chunk.x0();
            let mut start = 0;
            let mut cut = |end: usize, out: &mut Vec<(f64, String)>| {
                if end > start {
                    out.push((x, words[start..end].join(" ")));
                }
                start = end;
            };
            if let Some(i) = email_at {
                cut(i, &mut out);
                cut(i + 1, &mut out);
            }
            if order_last {
                cut(words.len() - 1, &mut out);
            }
            cut(words.len(), &mut out);
        } else {
            out.push((chunk.x0(), text));
        }
    }
    out
}

/// Header cells the parser knows, compact, without a `(*1)` mark.
const KNOWN_COLUMNS: &[&str] = &[
    "No",
    "No.",
    "№",
    "NO",
    "NO.",
    "ユーザー名",
    "ユーザ名",
    "氏名",
    "ユーザーID",
    "ユーザID",
    "メールアドレス",
    "ログイン情報",
    "パスワード",
    "パスワード(仮)",
    "パスワード読み仮名",
    "読み仮名",
    "注文内容",
];

fn unknown_columns(header: &Line) -> Vec<Drift> {
    header
        .chunks
        .iter()
        .filter_map(|c| {
            let text = compact(&c.text());
            let bare = text
                .trim_end_matches("(*1)")
                .trim_end_matches("(※1)")
                .trim_end_matches("*1");
            (!KNOWN_COLUMNS.contains(&bare)).then(|| Drift::UnknownColumn {
                label: normalize(&c.text()),
                page: header.page,
            })
        })
        .collect()
}

/// Reads the user table, and notes what it could not place.
pub fn parse_users(lines: &[&Line]) -> (Vec<User>, Vec<Drift>) {
    let Some(header_at) = lines.iter().position(|l| is_header(l)) else {
        return (Vec::new(), Vec::new());
    };
    let mut drift = lines
        .get(header_at)
        .map(|h| unknown_columns(h))
        .unwrap_or_default();
    // Pages heights are not on Line; estimate from the lowest baseline seen
    // per page is unreliable, so callers' page heights come via max baseline.
    let page_heights = page_heights(lines);
    let mut body: Vec<&Line> = Vec::new();
    for line in lines.iter().skip(header_at + 1) {
        if is_table_end(line) {
            break;
        }
        let height = page_heights
            .iter()
            .find(|(p, _)| *p == line.page)
            .map_or(0.0, |(_, h)| *h);
        if is_header(line) || is_footer(line, height) {
            continue;
        }
        body.push(line);
    }
    let anchors: Vec<usize> = body
        .iter()
        .enumerate()
        .filter(|(_, l)| starts_row(l))
        .map(|(i, _)| i)
        .collect();
    let Some(&first_anchor) = anchors.first() else {
        return (Vec::new(), drift);
    };
    // Rows whose cells are centred vertically put wrapped lines above the
    // number too; then each loose line goes to the nearest row.
    let centred = first_anchor > 0
        && body[..first_anchor]
            .iter()
            .all(|l| l.page == body[first_anchor].page);
    let mut drafts: Vec<RowDraft> = anchors
        .iter()
        .filter_map(|&i| first_line_draft(body[i]))
        .collect();
    if drafts.len() != anchors.len() {
        return (drafts.into_iter().map(finish).collect(), drift);
    }
    for (i, line) in body.iter().enumerate() {
        if anchors.contains(&i) {
            continue;
        }
        let row = owner_row(&anchors, &body, i, centred);
        let Some(draft) = row.and_then(|r| drafts.get_mut(r)) else {
            drift.push(Drift::UnplacedCell {
                row: 0,
                page: line.page,
            });
            continue;
        };
        for chunk in &line.chunks {
            let x = chunk.x0();
            let column = draft
                .cells
                .iter()
                .filter(|(c, _, _)| *c != Column::PasswordLabel)
                .min_by(|a, b| (a.1 - x).abs().total_cmp(&(b.1 - x).abs()))
                .map(|(c, _, _)| *c);
            let Some(column) = column else {
                drift.push(Drift::UnplacedCell {
                    row: draft.no,
                    page: line.page,
                });
                continue;
            };
            let text = chunk.text();
            if let Some(cell) = draft.cells.iter_mut().find(|(c, _, _)| *c == column) {
                let above = line.baseline < body[anchors[row.unwrap_or(0)]].baseline
                    && line.page == body[anchors[row.unwrap_or(0)]].page;
                if above {
                    cell.2 = format!("{text}{}", cell.2);
                } else {
                    cell.2.push_str(&text);
                }
            }
        }
    }
    let mut users: Vec<User> = drafts.into_iter().map(finish).collect();
    users.sort_by_key(|u| u.no);
    (users, drift)
}

fn page_heights(lines: &[&Line]) -> Vec<(u32, f64)> {
    let mut out: Vec<(u32, f64)> = Vec::new();
    for l in lines {
        if !out.iter().any(|(p, _)| *p == l.page) {
            out.push((l.page, l.page_height));
        }
    }
    out
}

fn starts_row(line: &Line) -> bool {
    let Some(first) = line.chunks.first() else {
        return false;
    };
    let text = normalize(&first.text());
    ROW_NUMBER.is_match(&text)
        && line.chunks.iter().any(|c| {
            let t = c.text();
            t.contains('@') || t.split(' ').any(|w| OrderKind::from_word(w).is_some())
        })
}

fn first_line_draft(line: &Line) -> Option<RowDraft> {
    let mut chunks = split_merged(&line.chunks);
    let (x, first) = chunks.first().cloned()?;
    let caps = ROW_NUMBER.captures(&first)?;
    let no: u32 = caps.get(1)?.as_str().parse().ok()?;
    let rest = caps.get(2).map_or("", |m| m.as_str()).to_string();
    chunks.remove(0);
    if !rest.is_empty() {
        chunks.insert(0, (x + 1.0, rest));
    }
    let cells = classify_first_line(&chunks);
    let password_seen = cells.iter().any(|(c, _, _)| *c == Column::PasswordLabel);
    Some(RowDraft {
        no,
        page: line.page,
        cells,
        password_seen,
    })
}

/// Which row a loose (wrapped) line belongs to.
fn owner_row(anchors: &[usize], body: &[&Line], i: usize, centred: bool) -> Option<usize> {
    let before = anchors.iter().rposition(|&a| a < i);
    let after = anchors.iter().position(|&a| a > i);
    if !centred {
        return before;
    }
    match (before, after) {
        (Some(b), Some(a)) => {
            let line = body[i];
            let (lb, la) = (body[anchors[b]], body[anchors[a]]);
            let distance = |anchor: &Line| {
                if anchor.page == line.page {
                    (anchor.baseline - line.baseline).abs()
                } else {
                    f64::MAX
                }
            };
            Some(if distance(la) < distance(lb) { a } else { b })
        }
        (b, a) => b.or(a),
    }
}

fn finish(draft: RowDraft) -> User {
    let get = |col: Column| {
        let joined: String = draft
            .cells
            .iter()
            .filter(|(c, _, _)| *c == col)
            .map(|(_, _, t)| t.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        non_placeholder(normalize(&joined))
    };
    let _ = draft.password_seen;
    User {
        no: draft.no,
        name: get(Column::Name),
        user_id: get(Column::UserId).map(|v| v.replace(' ', "")),
        temporary_password: get(Column::Password).map(|v| Secret::new(v.replace(' ', ""))),
        password_reading: get(Column::Reading).map(|v| v.replace(' ', "")),
        order: get(Column::Order).and_then(|v| OrderKind::from_word(&v)),
        page: draft.page,
    }
}
