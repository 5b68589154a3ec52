//! The user block written as records instead of a table, as the product
//! manual shows the メールアカウント情報 variant:
//!
//! ```text
//! ■メールアカウント情報                                  注文内容
//! 1   ユーザ名 損保 太郎     ユーザID  sonpotaro@example.com    追加
//!                          パスワード読み仮名  ダイエー・…
//!                          パスワード(*1)      XXXXXXXXXX
//! ```
//!
//! Each user starts on a line that begins with its number; each value
//! follows its own label, on the label's line or wrapped below it. Used
//! only when the block has no header row.

use super::model::{OrderKind, Provenance, User};
use super::normalize::{compact, join_cell_parts, password_text};
use crate::layout::{Char, Line, bbox_of, text_of};
use crate::secret::Secret;

/// What a label introduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Name,
    UserId,
    Reading,
    Password,
}

/// Inline labels, compact; longest first so パスワード読み仮名 wins over
/// パスワード.
const SLOT_LABELS: &[(&str, Slot)] = &[
    ("パスワード読み仮名", Slot::Reading),
    ("パスワード(仮)", Slot::Password),
    ("パスワード(*1)", Slot::Password),
    ("パスワード(※1)", Slot::Password),
    ("ユーザー名", Slot::Name),
    ("ユーザーID", Slot::UserId),
    ("メールアドレス", Slot::UserId),
    ("パスワード", Slot::Password),
    ("読み仮名", Slot::Reading),
    ("ユーザ名", Slot::Name),
    ("ユーザID", Slot::UserId),
    ("氏名", Slot::Name),
];

/// The section titles of the user block.
pub fn is_user_block_title(line: &Line) -> bool {
    let c = line.compact();
    c.starts_with("■メールアカウント情報") || c.starts_with("■メールアドレス情報")
}

#[derive(Default)]
struct Draft {
    no: u32,
    page: u32,
    /// (slot, line index, text, where)
    parts: Vec<(Slot, usize, String, Option<Provenance>)>,
    order: Option<OrderKind>,
}

/// Splits a label off the front of `chars`: the slot and the rest.
fn take_label(chars: &[Char]) -> Option<(Slot, &[Char])> {
    let compact_text: String = chars
        .iter()
        .flat_map(|c| c.text.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    let (label, slot) = SLOT_LABELS
        .iter()
        .find(|(label, _)| compact_text.starts_with(label))?;
    let mut need = label.chars().count();
    let mut used = 0;
    for c in chars {
        if need == 0 {
            break;
        }
        need = need.saturating_sub(c.text.chars().filter(|c| !c.is_whitespace()).count());
        used += 1;
    }
    Some((*slot, chars.get(used..).unwrap_or_default()))
}

/// A number mark before a user's number ("No.1", "No 1", "№1"): the
/// glyphs after it when digits follow, else `chars` as they are.
fn after_number_mark(chars: &[Char]) -> &[Char] {
    let text = |i: usize| chars.get(i).map_or("", |c| c.text.as_str());
    let mut n = match (text(0), text(1)) {
        ("N", "o" | "O") => 2,
        ("№", _) => 1,
        _ => return chars,
    };
    if matches!(text(n), "." | " ") {
        n += 1;
    }
    let rest = chars.get(n..).unwrap_or_default();
    if rest
        .first()
        .is_some_and(|c| c.text.chars().all(|ch| ch.is_ascii_digit()) && !c.text.is_empty())
    {
        rest
    } else {
        chars
    }
}

/// An order written after its label ("注文内容:追加", a card's head line):
/// the word after the label.
fn order_word(word: &str) -> &str {
    word.strip_prefix("注文内容")
        .map_or(word, |w| w.trim_start_matches(':'))
}

/// Reads record-style user blocks from the block's lines (title, footers
/// and the closing notes already removed); cards set side by side are
/// read a column at a time.
pub fn parse_user_records(lines: &[&Line]) -> Vec<User> {
    match cards_side_by_side(lines) {
        Some(columns) => read_records(&columns.iter().collect::<Vec<_>>()),
        None => read_records(lines),
    }
}

/// Whether a chunk starts with a user's number mark ("No.1").
fn is_card_head(chunk: &crate::layout::Chunk) -> bool {
    !std::ptr::eq(after_number_mark(&chunk.chars), chunk.chars.as_slice())
}

/// A card's chunk may start this many ems left of its card's head and
/// still be the card's (side bearings, a label set flush with the head).
const CARD_EDGE_TOLERANCE: f64 = 0.5;

/// Cards set side by side (two users' `No.N` heads on one line): a person
/// reads each card down its own column. The column edge is where the
/// heads after a line's first start; each row of cards (from a head line
/// to the next) is read as its left card's lines, then its right card's,
/// each a line of its own. `None` when no line holds two heads.
fn cards_side_by_side(lines: &[&Line]) -> Option<Vec<Line>> {
    let edge = lines
        .iter()
        .flat_map(|l| {
            l.chunks
                .iter()
                .skip(1)
                .filter(|c| is_card_head(c))
                .map(move |c| c.x0() - CARD_EDGE_TOLERANCE * l.size)
        })
        .reduce(f64::min)?;
    let starts_row = |l: &Line| l.chunks.first().is_some_and(is_card_head);
    let mut out: Vec<Line> = Vec::with_capacity(2 * lines.len());
    let mut right: Vec<Line> = Vec::new();
    for line in lines {
        if starts_row(line) {
            out.append(&mut right);
        }
        let part = |keep: &dyn Fn(f64) -> bool| {
            let chunks: Vec<crate::layout::Chunk> = line
                .chunks
                .iter()
                .filter(|c| keep(c.x0()))
                .cloned()
                .collect();
            (!chunks.is_empty()).then(|| {
                Line::new(
                    line.page,
                    line.page_height,
                    line.baseline,
                    line.size,
                    chunks,
                )
            })
        };
        out.extend(part(&|x| x < edge));
        right.extend(part(&|x| x >= edge));
    }
    out.append(&mut right);
    Some(out)
}

/// [`parse_user_records`] of one column of records.
fn read_records(lines: &[&Line]) -> Vec<User> {
    let mut drafts: Vec<Draft> = Vec::new();
    let mut slot: Option<Slot> = None;
    for (index, line) in lines.iter().enumerate() {
        for (k, chunk) in line.chunks.iter().enumerate() {
            let mut chars: &[Char] = &chunk.chars;
            if k == 0 {
                // A leading number starts a user ("1", "1.", "No.1": a
                // card's head line).
                chars = after_number_mark(chars);
                let digits: String = chars
                    .iter()
                    .map(|c| c.text.as_str())
                    .take_while(|t| t.chars().all(|ch| ch.is_ascii_digit()))
                    .collect();
                if let Ok(no) = digits.parse::<u32>() {
                    let mut n = chars
                        .iter()
                        .take_while(|c| c.text.chars().all(|ch| ch.is_ascii_digit()))
                        .count();
                    // "1." or "1)"
                    if chars
                        .get(n)
                        .is_some_and(|c| matches!(c.text.as_str(), "." | ")"))
                    {
                        n += 1;
                    }
                    chars = chars.get(n..).unwrap_or_default();
                    drafts.push(Draft {
                        no,
                        page: line.page,
                        ..Draft::default()
                    });
                    slot = None;
                }
            }
            let Some(draft) = drafts.last_mut() else {
                continue;
            };
            if let Some((s, rest)) = take_label(chars) {
                slot = Some(s);
                chars = rest;
            }
            let text = text_of(chars);
            if text.is_empty() {
                continue;
            }
            let at = bbox_of(chars).map(|bbox| Provenance {
                page: line.page,
                bbox,
            });
            let words: Vec<&str> = text.split(' ').collect();
            if let Some(order) = words
                .last()
                .and_then(|w| OrderKind::from_word(order_word(w)))
            {
                draft.order = Some(order);
                let rest = words[..words.len() - 1].join(" ");
                if let (Some(s), false) = (slot, rest.is_empty()) {
                    draft.parts.push((s, index, rest, at));
                }
                continue;
            }
            if let Some(s) = slot {
                draft.parts.push((s, index, text, at));
            }
        }
    }
    drafts.into_iter().map(finish).collect()
}

fn finish(d: Draft) -> User {
    let get = |slot: Slot| {
        join_cell_parts(
            d.parts
                .iter()
                .filter(|(s, _, _, _)| *s == slot)
                .map(|(_, line, text, _)| (*line, text.as_str())),
        )
    };
    let boxes = super::users::boxes_by_field(
        d.parts.iter().map(|p| (p.0, p.3)),
        &[
            (Slot::Name, "name"),
            (Slot::UserId, "user_id"),
            (Slot::Password, "temporary_password"),
            (Slot::Reading, "password_reading"),
        ],
    );
    User {
        boxes,
        no: d.no,
        name: get(Slot::Name),
        user_id: get(Slot::UserId).map(|v| compact(&v)),
        temporary_password: get(Slot::Password).map(|v| Secret::new(password_text(compact(&v)))),
        password_reading: get(Slot::Reading).map(|v| Secret::new(compact(&v))),
        order: d.order,
        page: d.page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(baseline: f64, chunks: &[(f64, &str)]) -> Line {
        crate::layout::test_line(baseline, chunks)
    }

    #[test]
    fn cards_read_as_records() {
        // One card per user: a head line `No.N  注文内容:ORDER`, then one
        // `label  value` line per value.
        let lines = [
            line(100.0, &[(10.0, "No.1"), (300.0, "注文内容:追加")]),
            line(112.0, &[(10.0, "ユーザ名"), (100.0, "久保 大輔")]),
            line(124.0, &[(10.0, "ユーザID"), (100.0, "kubo@example.com")]),
            line(136.0, &[(10.0, "パスワード(*1)"), (100.0, "lI1O0")]),
            line(160.0, &[(10.0, "No.2"), (300.0, "注文内容:削除")]),
            line(172.0, &[(10.0, "ユーザ名"), (100.0, "石田 理恵")]),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let users = parse_user_records(&refs);
        assert_eq!(users.len(), 2);
        assert_eq!((users[0].no, users[1].no), (1, 2));
        assert_eq!(users[0].name.as_deref(), Some("久保 大輔"));
        assert_eq!(users[0].user_id.as_deref(), Some("kubo@example.com"));
        assert_eq!(
            users[0].temporary_password.as_ref().map(|s| s.expose()),
            Some("lI1O0")
        );
        assert_eq!(users[0].order, Some(OrderKind::Add));
        assert_eq!(users[1].order, Some(OrderKind::Delete));
        // Two cards side by side: each read down its own column, a row of
        // cards at a time (the third card alone in its row).
        let lines = [
            line(100.0, &[(10.0, "No.1"), (200.0, "No.2")]),
            line(
                112.0,
                &[
                    (10.0, "ユーザ名"),
                    (60.0, "久保"),
                    (200.0, "ユーザ名"),
                    (260.0, "石田"),
                ],
            ),
            line(124.0, &[(10.0, "ユーザID"), (200.0, "ユーザID")]),
            line(136.0, &[(10.0, "kubo@a.jp"), (200.0, "ishida@a.jp")]),
            line(160.0, &[(10.0, "No.3")]),
            line(172.0, &[(10.0, "ユーザ名"), (60.0, "上野")]),
        ];
        let refs2: Vec<&Line> = lines.iter().collect();
        let users = parse_user_records(&refs2);
        let read: Vec<(u32, Option<&str>, Option<&str>)> = users
            .iter()
            .map(|u| (u.no, u.name.as_deref(), u.user_id.as_deref()))
            .collect();
        assert_eq!(
            read,
            vec![
                (1, Some("久保"), Some("kubo@a.jp")),
                (2, Some("石田"), Some("ishida@a.jp")),
                (3, Some("上野"), None),
            ]
        );
        // "No." with no number after it starts no user.
        assert_eq!(after_number_mark(&refs[0].chunks[0].chars[..3]).len(), 3);
    }

    #[test]
    fn manual_layout_reads_each_value_after_its_label() {
        let lines = [
            line(
                100.0,
                &[
                    (10.0, "1"),
                    (40.0, "ユーザ名"),
                    (90.0, "損保 太郎"),
                    (200.0, "ユーザID"),
                    (260.0, "taro@example.com"),
                    (520.0, "追加"),
                ],
            ),
            line(
                115.0,
                &[(200.0, "パスワード読み仮名"), (300.0, "大エー・小ビー・")],
            ),
            line(128.0, &[(300.0, "イチ")]),
            line(141.0, &[(200.0, "パスワード(*1)"), (300.0, "Ab1")]),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let users = parse_user_records(&refs);
        assert_eq!(users.len(), 1);
        let u = &users[0];
        assert_eq!(u.no, 1);
        assert_eq!(u.name.as_deref(), Some("損保 太郎"));
        assert_eq!(u.user_id.as_deref(), Some("taro@example.com"));
        assert_eq!(
            u.password_reading.as_ref().map(|s| s.expose()),
            Some("大エー・小ビー・イチ")
        );
        assert_eq!(
            u.temporary_password.as_ref().map(|s| s.expose()),
            Some("Ab1")
        );
        assert_eq!(u.order, Some(OrderKind::Add));
    }
}
