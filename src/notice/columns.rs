//! The user table's columns: one vocabulary of header names, and the
//! columns a header row shows.
//!
//! Every place that needs to know what a user-table header says (finding
//! the header row, mapping header cells to fields, reporting a column the
//! parser does not know) asks this module. A header cell maps to a field
//! through [`VOCABULARY`]; a cell that maps to nothing is an unknown column
//! (部署, 備考, …) whose cells belong to no field.
//!
//! Where the producer draws the table's grid, a header cell is exactly the
//! space between two vertical rulings; otherwise it is a header chunk, with
//! chunks of a letter-spaced header joined back into whole names.

use crate::layout::Line;

/// The label in the ログイン情報 column's cells, before the password.
pub const PASSWORD_LABEL: &str = "パスワード(仮)";

/// What a user-table column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnField {
    /// The row number.
    No,
    /// ユーザー名.
    Name,
    /// ユーザーID (an e-mail address).
    UserId,
    /// パスワード(仮) (the ログイン情報 column holds it after its label).
    Password,
    /// パスワード読み仮名.
    Reading,
    /// 注文内容.
    Order,
    /// A column the parser does not know: its cells are no field's.
    Unknown,
}

/// Header names, compact (no spaces), without `(*1)`-style marks. Longest
/// match wins, so パスワード読み仮名 is a reading, not a password.
pub const VOCABULARY: &[(&str, ColumnField)] = &[
    ("No.", ColumnField::No),
    ("No", ColumnField::No),
    ("NO.", ColumnField::No),
    ("NO", ColumnField::No),
    ("№", ColumnField::No),
    ("番号", ColumnField::No),
    ("項番", ColumnField::No),
    ("ユーザー名", ColumnField::Name),
    ("ユーザ名", ColumnField::Name),
    ("氏名", ColumnField::Name),
    ("利用者名", ColumnField::Name),
    ("ユーザーID", ColumnField::UserId),
    ("ユーザID", ColumnField::UserId),
    ("メールアドレス", ColumnField::UserId),
    ("アカウント", ColumnField::UserId),
    ("ログインID", ColumnField::UserId),
    ("ログイン情報", ColumnField::Password),
    ("パスワード読み仮名", ColumnField::Reading),
    ("パスワードよみがな", ColumnField::Reading),
    ("読み仮名", ColumnField::Reading),
    ("よみがな", ColumnField::Reading),
    ("パスワード(仮)", ColumnField::Password),
    ("仮パスワード", ColumnField::Password),
    ("初期パスワード", ColumnField::Password),
    ("パスワード", ColumnField::Password),
    ("注文内容", ColumnField::Order),
    ("注文", ColumnField::Order),
    ("区分", ColumnField::Order),
    ("処理", ColumnField::Order),
    ("種別", ColumnField::Order),
];

/// Header names that make a line the user table's header: a name column
/// and an ID column.
const NAME_HEADERS: &[&str] = &["ユーザー名", "ユーザ名", "氏名", "利用者名"];
/// The character every one of [`NAME_HEADERS`] holds (a test checks).
pub(super) const NAME_HEADER_CHAR: char = '名';
const ID_HEADERS: &[&str] = &[
    "ユーザーID",
    "ユーザID",
    "メールアドレス",
    "アカウント",
    "ログインID",
];

/// Marks a header cell may carry after its name: `(*1)`, `(※1)`, `*1`.
const HEADER_MARKS: &[&str] = &["(*1)", "(※1)", "*1", "※1", "(※)", "※"];

/// Whether compact text names both a name and an ID column.
pub fn names_user_header(compact: &str) -> bool {
    // Every name header ends in 名: a name header is in the text where
    // the text up to one of its 名 ends with it. One scan for 名 rules out
    // most lines, and a few suffix tests the rest (ご契約者名, ドメイン名),
    // not a search of the line per header name.
    compact.match_indices(NAME_HEADER_CHAR).any(|(i, m)| {
        compact
            .get(..i + m.len())
            .is_some_and(|upto| NAME_HEADERS.iter().any(|h| upto.ends_with(h)))
    }) && ID_HEADERS.iter().any(|h| compact.contains(h))
}

/// Strips `(*1)`-style marks from compact header text.
fn strip_marks(compact: &str) -> String {
    // Every mark holds * or ※: without either there is nothing to strip
    // (and no string to build per mark).
    if !compact.contains(['*', '※']) {
        return compact.to_string();
    }
    // Only marks the text holds are replaced (a replace copies the text
    // whether or not it finds one).
    HEADER_MARKS.iter().fold(compact.to_string(), |t, m| {
        if t.contains(m) { t.replace(m, "") } else { t }
    })
}

/// The field a header cell names, `Unknown` for a name not in the
/// vocabulary; `None` for an empty cell.
pub fn field_of(compact: &str) -> Option<ColumnField> {
    let text = strip_marks(compact);
    if text.is_empty() {
        return None;
    }
    Some(
        VOCABULARY
            .iter()
            .filter(|(name, _)| text == *name)
            .map(|(_, f)| *f)
            .next()
            .unwrap_or(ColumnField::Unknown),
    )
}

/// Reads compact header text left to right as a sequence of known names;
/// what is between them is unknown columns. Letter-spaced headers arrive
/// one glyph per chunk, so chunk boundaries cannot be trusted here.
pub fn unknown_names(compact: &str) -> Vec<String> {
    let text = strip_marks(compact);
    let mut out = Vec::new();
    let mut unknown = String::new();
    // The rest of the text, read in place.
    let mut rest = text.as_str();
    while let Some(next) = rest.chars().next() {
        // The longest name the rest starts with (two of one length are
        // one text).
        let known = VOCABULARY
            .iter()
            .filter(|(k, _)| rest.starts_with(*k))
            .max_by_key(|(k, _)| k.chars().count());
        let step = match known {
            Some((k, _)) => {
                if !unknown.is_empty() {
                    out.push(std::mem::take(&mut unknown));
                }
                k.len()
            }
            None => {
                unknown.push(next);
                next.len_utf8()
            }
        };
        rest = rest.get(step..).unwrap_or_default();
    }
    if !unknown.is_empty() {
        out.push(unknown);
    }
    out
}

/// One column of the header: its extent and field.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderColumn {
    /// Left edge (a ruling, or the header text's left).
    pub x0: f64,
    /// Right edge.
    pub x1: f64,
    /// What it holds.
    pub field: ColumnField,
}

/// Within one header chunk, a gap this many ems wide parts two header
/// words: wider than the autospace a producer leaves between Japanese and
/// Latin inside one name (ユーザー ID: about 0.2 em), narrower than the
/// gap that parts chunks (0.9 em). LibreOffice's HTML import squeezes an
/// unruled table's columns until neighbouring header cells lie about
/// 0.6 em apart: one chunk.
const HEADER_WORD_GAP: f64 = 0.45;

/// A header chunk that is no column name itself but spells two or more
/// known names side by side ("No 注文内容 ユーザーID": a narrow gap merged
/// their cells) as one cell per name, `(x0, x1, compact text)`; `None`
/// otherwise. The chunk is cut at space glyphs and at gaps of
/// [`HEADER_WORD_GAP`]; pieces that only begin a name (ユーザー + ID) are
/// joined back, and a piece of marks only (`(*1)`) stays with its name.
fn header_words(chunk: &crate::layout::Chunk) -> Option<Vec<(f64, f64, String)>> {
    let whole = chunk.compact();
    if field_of(&whole) != Some(ColumnField::Unknown) {
        return None;
    }
    let mut words: Vec<(f64, f64, String)> = Vec::new();
    let mut open = false;
    let mut prev_x1: Option<f64> = None;
    for c in &chunk.chars {
        if c.text.chars().all(char::is_whitespace) {
            open = false;
            continue;
        }
        let gap_cut = prev_x1.is_some_and(|x1| c.x0 - x1 > HEADER_WORD_GAP * c.size);
        prev_x1 = Some(c.x1);
        match words.last_mut() {
            Some(w) if open && !gap_cut => {
                w.1 = w.1.max(c.x1);
                w.2.extend(c.text.chars().filter(|ch| !ch.is_whitespace()));
            }
            _ => words.push((
                c.x0,
                c.x1,
                c.text.chars().filter(|ch| !ch.is_whitespace()).collect(),
            )),
        }
        open = true;
    }
    let mut merged: Vec<(f64, f64, String)> = Vec::with_capacity(words.len());
    for w in words {
        if let Some(last) = merged.last_mut() {
            let joined = format!("{}{}", last.2, w.2);
            let last_known = field_of(&last.2).is_some_and(|f| f != ColumnField::Unknown);
            let marks_only = field_of(&w.2).is_none();
            let begins_name = VOCABULARY
                .iter()
                .any(|(k, _)| k.starts_with(strip_marks(&joined).as_str()))
                || field_of(&joined).is_some_and(|f| f != ColumnField::Unknown);
            if marks_only || (!last_known && begins_name) {
                last.1 = w.1;
                last.2 = joined;
                continue;
            }
        }
        merged.push(w);
    }
    let all_known = merged
        .iter()
        .all(|w| field_of(&w.2).is_some_and(|f| f != ColumnField::Unknown));
    (merged.len() >= 2 && all_known).then_some(merged)
}

/// The chunks of a (possibly wrapped) header row as `(x0, x1, compact
/// text)`, left to right: pieces of wrapped lines join the cell above them.
pub fn header_cells(header: &[&Line]) -> Vec<(f64, f64, String)> {
    let Some(first) = header.first() else {
        return Vec::new();
    };
    let mut cells: Vec<(f64, f64, String)> = Vec::with_capacity(first.chunks.len());
    for chunk in &first.chunks {
        match header_words(chunk) {
            Some(words) => cells.extend(words),
            None => cells.push((chunk.x0(), chunk.x1(), chunk.compact())),
        }
    }
    for line in header.iter().skip(1) {
        for chunk in &line.chunks {
            let center = (chunk.x0() + chunk.x1()) / 2.0;
            if let Some(cell) = cells.iter_mut().min_by(|a, b| {
                ((a.0 + a.1) / 2.0 - center)
                    .abs()
                    .total_cmp(&((b.0 + b.1) / 2.0 - center).abs())
            }) {
                cell.2.push_str(&chunk.compact());
            }
        }
    }
    cells.sort_by(|a, b| a.0.total_cmp(&b.0));
    cells
}

/// header_to_columns: the columns of a (possibly wrapped) header row.
/// `edges` are the vertical rulings across the header (empty when the
/// table has no grid).
pub fn header_columns(header: &[&Line], edges: &[f64]) -> Vec<HeaderColumn> {
    if edges.len() >= 3 {
        return edges
            .windows(2)
            .filter_map(|w| {
                let (x0, x1) = (w[0], w[1]);
                let text: String = header
                    .iter()
                    .flat_map(|l| l.chars())
                    .filter(|c| {
                        let mid = (c.x0 + c.x1) / 2.0;
                        mid > x0 && mid < x1
                    })
                    .flat_map(|c| c.text.chars())
                    .filter(|c| !c.is_whitespace())
                    .collect();
                field_of(&text).map(|field| HeaderColumn { x0, x1, field })
            })
            .collect();
    }
    // No grid: header chunks, wrapped lines joined into the cell above,
    // letter-spaced pieces joined while they spell a known name.
    let cells = header_cells(header);
    let mut merged: Vec<(f64, f64, String)> = Vec::new();
    for cell in cells {
        if let Some(last) = merged.last_mut() {
            let joined = format!("{}{}", last.2, cell.2);
            let last_known = field_of(&last.2).is_some_and(|f| f != ColumnField::Unknown);
            // Stripped once, not once a name.
            let stripped = strip_marks(&joined);
            let joined_prefix = VOCABULARY
                .iter()
                .any(|(k, _)| k.starts_with(stripped.as_str()))
                || field_of(&joined).is_some_and(|f| f != ColumnField::Unknown);
            if !last_known && joined_prefix {
                last.1 = cell.1;
                last.2 = joined;
                continue;
            }
        }
        merged.push(cell);
    }
    merged
        .into_iter()
        .filter_map(|(x0, x1, text)| field_of(&text).map(|field| HeaderColumn { x0, x1, field }))
        .collect()
}

/// The column a piece spanning `x0..x1` falls in. With a grid, the column
/// holding its centre. Without one, the column it overlaps most, else the
/// nearest by centre.
pub fn column_at(columns: &[HeaderColumn], x0: f64, x1: f64, ruled: bool) -> Option<ColumnField> {
    let mid = (x0 + x1) / 2.0;
    if ruled {
        return columns
            .iter()
            .find(|c| mid >= c.x0 && mid <= c.x1)
            .map(|c| c.field);
    }
    let overlap = |c: &HeaderColumn| (x1.min(c.x1) - x0.max(c.x0)).max(0.0);
    let best = columns
        .iter()
        .max_by(|a, b| overlap(a).total_cmp(&overlap(b)))
        .filter(|c| overlap(c) > 0.0);
    best.or_else(|| {
        columns.iter().min_by(|a, b| {
            ((a.x0 + a.x1) / 2.0 - mid)
                .abs()
                .total_cmp(&((b.x0 + b.x1) / 2.0 - mid).abs())
        })
    })
    .map(|c| c.field)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::test_line as line;

    /// The quick test in `names_user_header` may only rule out lines no
    /// name header is in.
    #[test]
    fn every_header_mark_holds_a_star_or_a_reference_mark() {
        for m in HEADER_MARKS {
            assert!(m.contains(['*', '※']), "{m}");
        }
        assert_eq!(strip_marks("パスワード(*1)"), "パスワード");
        assert_eq!(strip_marks("氏名"), "氏名");
    }

    #[test]
    fn every_name_header_holds_the_quick_test_character() {
        for h in NAME_HEADERS {
            assert!(h.contains(NAME_HEADER_CHAR), "{h}");
            // `names_user_header` finds each where a 名 ends it.
            assert!(h.ends_with(NAME_HEADER_CHAR), "{h}");
        }
    }

    #[test]
    fn vocabulary_maps_synonyms_and_marks() {
        assert_eq!(field_of("氏名"), Some(ColumnField::Name));
        assert_eq!(field_of("アカウント"), Some(ColumnField::UserId));
        assert_eq!(field_of("パスワード(*1)"), Some(ColumnField::Password));
        assert_eq!(field_of("パスワード読み仮名"), Some(ColumnField::Reading));
        assert_eq!(field_of("区分"), Some(ColumnField::Order));
        assert_eq!(field_of("部署"), Some(ColumnField::Unknown));
        assert_eq!(field_of(""), None);
        assert!(names_user_header("No氏名アカウント"));
        assert!(!names_user_header("No氏名部署"));
        assert_eq!(
            unknown_names("No部署ユーザー名ユーザーID備考"),
            vec!["部署", "備考"]
        );
    }

    #[test]
    fn ruled_header_cells_are_the_spaces_between_rulings() {
        let header = line(
            100.0,
            &[
                (12.0, "No"),
                (60.0, "部署"),
                (130.0, "氏名"),
                (210.0, "ユーザーID"),
            ],
        );
        let cols = header_columns(&[&header], &[10.0, 50.0, 120.0, 200.0, 320.0]);
        let fields: Vec<ColumnField> = cols.iter().map(|c| c.field).collect();
        assert_eq!(
            fields,
            vec![
                ColumnField::No,
                ColumnField::Unknown,
                ColumnField::Name,
                ColumnField::UserId
            ]
        );
        // A value left-aligned in the name column belongs to it, not to 部署.
        assert_eq!(
            column_at(&cols, 121.0, 160.0, true),
            Some(ColumnField::Name)
        );
    }

    #[test]
    fn letter_spaced_header_chunks_join_into_names() {
        let header = line(
            100.0,
            &[
                (10.0, "No"),
                (60.0, "氏"),
                (90.0, "名"),
                (150.0, "ユーザーID"),
            ],
        );
        let fields: Vec<ColumnField> = header_columns(&[&header], &[])
            .iter()
            .map(|c| c.field)
            .collect();
        assert_eq!(
            fields,
            vec![ColumnField::No, ColumnField::Name, ColumnField::UserId]
        );
    }

    #[test]
    fn a_chunk_spelling_several_header_names_is_one_cell_each() {
        // LibreOffice's HTML import squeezes an unruled table: neighbouring
        // header cells come out as one chunk with word gaps.
        let header = line(
            100.0,
            &[
                (10.0, "No 注文内容 ユーザー ID"),
                (300.0, "ユーザー名 パスワード (*1)"),
                (500.0, "備考"),
            ],
        );
        let cols = header_columns(&[&header], &[]);
        let fields: Vec<ColumnField> = cols.iter().map(|c| c.field).collect();
        assert_eq!(
            fields,
            vec![
                ColumnField::No,
                ColumnField::Order,
                ColumnField::UserId,
                ColumnField::Name,
                ColumnField::Password,
                ColumnField::Unknown
            ]
        );
        // Each cell spans its own glyphs: the ID column starts at ユ.
        assert_eq!(cols.get(2).map(|c| c.x0), Some(90.0));
        // Unknown words, or one name with a space, are left whole.
        for text in ["部署 備考", "ユーザー 名", "No 部署"] {
            let header = line(100.0, &[(10.0, text)]);
            assert_eq!(header_cells(&[&header]).len(), 1, "{text}");
        }
    }
}
