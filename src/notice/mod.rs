//! The notice layer: laid-out lines → a typed [`Notice`].
//!
//! Key–value fields are found by their labels (`labels.rs`) wherever they
//! are on the page; the user table by its header row (`users.rs`); the
//! temporary password's expiry by its sentence. Nothing here depends on
//! drawing order or on which producer made the PDF.

mod columns;
mod date;
mod doubt;
mod labels;
mod model;
mod normalize;
mod pieces;
mod user_records;
mod users;
mod wraps;

pub use date::find_date;
pub use labels::Field;
pub use model::{
    DnsOption, DnsRole, DnsServer, Drift, HiddenText, Notice, OrderKind, ParseNotes, Provenance,
    User, id_in_domain, may_hold_secret,
};
pub use normalize::{normalize, password_text};

use crate::error::Error;
use crate::layout::{Document, Line, bbox_of, text_of};
use crate::secret::Secret;
// regex-lite: a notice's patterns are few and small, and compiling them
// with regex was a notable share of a one-file run. Patterns are matched
// against values, or anchored at a literal found first (no scan of a whole
// notice by the lite engine).
use regex_lite::Regex;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

/// A document with the title 開通のご案内 is a notice when at least this many
/// of its core labels are found. One or two can appear in any Microsoft 365
/// paper (an invoice has お客さま番号 and ご契約者名); a notice has all of them.
const MIN_CORE_LABELS: usize = 3;

/// Without the title (drawn as an image, say), this many core labels are
/// needed: more than any other document of the reseller carries.
const MIN_CORE_LABELS_UNTITLED: usize = 5;

/// The notice's title.
const TITLE: &str = "開通のご案内";

const CORE_FIELDS: &[Field] = &[
    Field::ContractStartDate,
    Field::ContractorName,
    Field::CustomerNumber,
    Field::ServiceName,
    Field::IdCount,
    Field::Domain,
    Field::LoginUrl,
];

/// The first customer number (`N` and ten digits) anywhere in `text`.
fn find_customer_number(text: &str) -> Option<&str> {
    text.match_indices('N').find_map(|(i, _)| {
        let number = text.get(i..i + 11)?;
        number
            .bytes()
            .skip(1)
            .all(|b| b.is_ascii_digit())
            .then_some(number)
    })
}

/// The expiry sentence: 仮パスワードの有効期限は、DATEまで… / 仮パスワードは
/// DATEまで有効です / 仮パスワード有効期限:DATE (compact text, no spaces).
static EXPIRY: LazyLock<Regex> = LazyLock::new(|| {
    regex_or_unreachable(&format!(
        r"^(?:仮パスワード|パスワード\(仮\)|初期パスワード)(?:の)?(?:有効期限)?(?:は|:)?[、,]?(?:{})",
        date::DATE_PATTERN
    ))
});

/// What an [`EXPIRY`] match starts with: it is tried only where one is.
const EXPIRY_STARTS: &[&str] = &["仮パスワード", "パスワード(仮)", "初期パスワード"];

/// What an [`EXPIRY_BARE`] match starts with.
const EXPIRY_BARE_STARTS: &[&str] = &["有効期限"];

/// A bare 有効期限 sentence, used when no sentence names the temporary
/// password.
static EXPIRY_BARE: LazyLock<Regex> = LazyLock::new(|| {
    regex_or_unreachable(&format!(
        r"^有効期限(?:は|:)?[、,]?(?:{})",
        date::DATE_PATTERN
    ))
});

/// A URL inside a cell that may say more ("https://… (こちら)"); a URL
/// wrapped over lines was joined without a separator already.
static URL: LazyLock<Regex> =
    LazyLock::new(|| regex_or_unreachable(r"[A-Za-z][A-Za-z0-9+.\-]*://[!-~]+"));

/// The URL a value holds. An all-ASCII value is the URL, its spaces
/// (letter-spacing gaps) removed; a value with Japanese text around the URL
/// gives the URL alone.
fn url_in(value: &str) -> String {
    if value.is_ascii() {
        return value.replace(' ', "");
    }
    URL.find(value)
        .map(|m| {
            m.as_str()
                .trim_end_matches(['(', '[', '<', '"', '\''])
                .to_string()
        })
        .unwrap_or_else(|| value.replace(' ', ""))
}

static FIRST_NUMBER: LazyLock<Regex> = LazyLock::new(|| regex_or_unreachable(r"[0-9]+"));

fn regex_or_unreachable(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| unreachable!("built-in pattern is valid: {e}"))
}

/// One labelled value found on a line.
struct Found {
    value: String,
    /// Where it was read (layout frame).
    at: Option<Provenance>,
}

/// A wrapped value's next line is at most this many font sizes below the
/// previous one.
const VALUE_LINE_PITCH: f64 = 1.7;

/// A wrapped value's next line starts at most this many ems right of
/// where the value starts: a line starting further right belongs to a
/// table or block beside this one.
const VALUE_LINE_INDENT: f64 = 3.0;

/// A value set on the line below its label, under it (a definition list:
/// `<dt>` over an indented `<dd>`), starts at least this many ems right of
/// the label's start; a line flush with the label is its value only when it
/// reads as one (`is_flush_value`: no heading, no table row).
const STACKED_VALUE_INDENT: f64 = 0.5;

/// A value that wraps in its cell continues under its first line: a chunk
/// of a continuation line that starts more than this many ems right of
/// where the first line ends lies in another column (a table or a page
/// column beside the value's), not in the value's cell.
const WRAP_REACH_EMS: f64 = 1.5;

/// A value flush with its label (`dd { margin: 0 }`) starts where the label
/// starts, give or take this many ems (glyph side bearings).
const FLUSH_TOLERANCE: f64 = 0.25;

/// The notice's heading marks: every section title is printed after one
/// (■お客さま情報). The other [`labels::LABEL_PREFIXES`] (● ・ *) are list
/// bullets, and `*` may start a password.
const HEADING_MARKS: &[char] = &['■', '□'];

/// The notice's section titles, printed after a heading mark.
const SECTION_TITLES: &[&str] = &[
    "お客さま情報",
    "お客様情報",
    "ご契約情報",
    "導入支援情報",
    "メールアドレス情報",
    "メールアカウント情報",
];

/// Whether a line's compact text, after its leading marks, names a heading
/// or a label: a section title, a known sub-heading or a known label. A
/// mark before anything else starts a value (`*` opening a password,
/// `●利用する`), except a heading mark, which starts a heading this parser
/// does not know.
fn is_marked_heading(compact: &str) -> bool {
    let rest = compact.trim_start_matches(labels::LABEL_PREFIXES);
    rest.len() < compact.len()
        && (compact.starts_with(HEADING_MARKS)
            || SECTION_TITLES.iter().any(|h| rest.starts_with(h))
            || KNOWN_HEADINGS.iter().any(|h| rest.starts_with(h))
            || labels::starts_with_label(rest, false))
}

/// Whether a line set flush under a lone label reads as its value: one
/// run of text that is neither a heading (a marked title or label, a known
/// sub-heading, the user table's title or header) nor a table row (cells
/// apart). A value may start with a mark itself ([`is_marked_heading`]).
fn is_flush_value(line: &Line) -> bool {
    let c = line.compact();
    line.chunks.len() == 1
        && !is_marked_heading(c)
        && !KNOWN_HEADINGS.iter().any(|h| c.starts_with(h))
        && !users::is_header(line)
        && !user_records::is_user_block_title(line)
}

/// Whether a line can be part of a label's value: same page, right of the
/// label column (`min_x0`: where the value column starts, give or take),
/// not far right of the value's start, no label of its own.
fn is_value_line(
    line: &Line,
    has_label: bool,
    label_line: &Line,
    min_x0: f64,
    value_x0: Option<f64>,
) -> bool {
    line.page == label_line.page
        && line.x0() >= min_x0
        && value_x0.is_none_or(|x| line.x0() <= x + VALUE_LINE_INDENT * label_line.size)
        && !has_label
}

/// Labels wrapped in a narrow label cell: a line with no label whose next
/// line (one line pitch below, nothing but a chunk under the label column)
/// completes one is read with the joined label. The value beside a label
/// centred in its row sits between the label's two lines: a line wholly
/// right of the label's first part is passed over to the line after it.
/// Returns each such line's index and the joined line, which the caller
/// keeps while its labels (borrowing the line's glyphs) are read.
fn wrapped_labels(lines: &[&Line], per_line: &[Vec<labels::LabeledValue>]) -> Vec<(usize, Line)> {
    let mut joined = Vec::new();
    let unlabelled = |j: usize| per_line.get(j).is_some_and(Vec::is_empty);
    for i in 0..lines.len().saturating_sub(1) {
        let Some(line) = lines.get(i) else {
            continue;
        };
        let below = |j: usize| {
            lines.get(j).filter(|next| {
                let step = next.baseline - line.baseline;
                unlabelled(j)
                    && next.page == line.page
                    && step > 0.0
                    && step <= VALUE_LINE_PITCH * line.size
            })
        };
        if !unlabelled(i) {
            continue;
        }
        let Some(next) = below(i + 1) else {
            continue;
        };
        let Some(head) = labels::WrappedLabelHead::of(line) else {
            continue;
        };
        if let [rest] = next.chunks.as_slice()
            && let Some(line) = head.join(rest)
        {
            joined.push((i, line));
            continue;
        }
        // The next line is a value centred beside the label (it starts
        // right of every glyph of the label's first line): the label's rest
        // is on the line after it.
        let label_x1 = line.chunks.first().map_or(f64::INFINITY, |c| c.x1());
        if next.x0() <= label_x1 {
            continue;
        }
        if let Some(after) = below(i + 2)
            && let [rest] = after.chunks.as_slice()
            && let Some(line) = head.join(rest)
        {
            joined.push((i, line));
        }
    }
    joined
}

/// How far below a label's first part its rest may lie (in line pitches)
/// and still be looked for: a two-line label centred beside a value of up
/// to four lines has another row's line between its parts, and no more.
const LABEL_PART_REACH: usize = 3;

/// Label parts left apart beside values: a line with no label that starts
/// a known label whose rest is a chunk on a line below it (within
/// [`LABEL_PART_REACH`] line pitches, under the first part) that
/// [`wrapped_labels`] did not join. Two label/value pairs a row put another
/// row's text between the parts of a label wrapped beside a wrapped value;
/// then which value lines are whose is in doubt, and every value read
/// beside or below the first part (a value box reaching right of the
/// part's left edge, within a line pitch of the parts) is named
/// ([`Drift::PairingDoubt`]), so a value misread this way is never passed
/// on silently. Returns the page and the area (left edge, top and bottom
/// baselines, padded by a line pitch) of each pair of parts.
fn unjoined_label_parts(
    lines: &[&Line],
    per_line: &[Vec<labels::LabeledValue>],
) -> Vec<(u32, crate::pdf::Rect)> {
    let mut areas = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if per_line.get(i).is_none_or(|l| !l.is_empty()) {
            continue;
        }
        // Worked out once for the line, not for every chunk below it.
        let Some(head) = labels::WrappedLabelHead::of(line) else {
            continue;
        };
        let pitch = VALUE_LINE_PITCH * line.size;
        let mut last = line.baseline;
        for below in lines.iter().skip(i + 1).take(LABEL_PART_REACH) {
            let step = below.baseline - last;
            if below.page != line.page || step <= 0.0 || step > pitch {
                break;
            }
            last = below.baseline;
            if below.chunks.iter().any(|rest| head.completed(rest)) {
                areas.push((
                    line.page,
                    crate::pdf::Rect {
                        x0: line.x0(),
                        y0: line.baseline - pitch,
                        x1: f64::INFINITY,
                        y1: below.baseline + pitch,
                    },
                ));
                break;
            }
        }
    }
    areas
}

/// The record's field path a note names for a field (a DNS server's
/// field names the server list: its index is not known yet); `None` for a
/// field the record does not carry on its own.
fn noted_field(field: Field) -> Option<String> {
    match field {
        Field::IssueDate => None,
        Field::PrimaryDnsHost
        | Field::PrimaryDnsIp
        | Field::SecondaryDnsHost
        | Field::SecondaryDnsIp => Some("dns.servers".to_string()),
        _ => Some(field_path(field).to_string()),
    }
}

/// [`Drift::PairingDoubt`] for each value read in an area of unjoined
/// label parts ([`unjoined_label_parts`]), once per field, by path.
fn pairing_doubts(areas: &[(u32, crate::pdf::Rect)], found: &HashMap<Field, Found>) -> Vec<Drift> {
    let mut fields: Vec<(String, u32)> = found
        .iter()
        .filter_map(|(field, f)| {
            let at = f.at.as_ref()?;
            let inside = areas.iter().any(|(page, area)| {
                *page == at.page
                    && at.bbox.x1 > area.x0
                    && at.bbox.y1 > area.y0
                    && at.bbox.y0 < area.y1
            });
            inside.then(|| Some((noted_field(*field)?, at.page)))?
        })
        .collect();
    // Once a field, by path (the map's order is not fixed).
    fields.sort();
    fields.dedup_by(|a, b| a.0 == b.0);
    fields
        .into_iter()
        .map(|(field, page)| Drift::PairingDoubt { field, page })
        .collect()
}

/// A label found again with another value: the field and the page of the
/// second one.
type Conflict = (Field, u32);

/// The number of [`Field`] kinds: the most fields `read_fields` finds (a
/// capacity, so a new kind costs at most a rehash).
const FIELD_KINDS: usize = 18;

/// A form grid's row holds at least this many labels (one label alone
/// on its line, its value under it, is a definition list's).
const MIN_GRID_LABELS: usize = 2;

/// In a form grid a value's box starts where its label's does: a value
/// glyph may start this many ems left of its label (side bearings, a box
/// padded a little differently) and still be under it.
const GRID_VALUE_LEAD: f64 = 0.5;

/// The values of form grids, read before the other labels' (they keep
/// their lines).
#[derive(Default)]
struct Grid {
    /// Each grid label's value and its boxes, by its line and field.
    values: HashMap<(usize, Field), (String, Vec<Provenance>)>,
    /// The lines read as grid values.
    value_lines: Vec<usize>,
}

/// Form grids of boxes (a small label over each value, several boxes a
/// row): the labels of a row share a line with nothing else on it, and
/// the values lie on the next line, each under its label's box, wrapping
/// under it over the lines after. A person reads each column of the row
/// down from its label: a value's glyphs belong to the label whose box
/// they start in (from the label's start to the next label's), and only
/// when every value starts under its label (not beside it, as in a table
/// of label/value pairs whose values are centred around their labels'
/// line). A value line ends the grid's row at a label, a heading, or a
/// wider step than a line pitch.
fn grid_values(lines: &[&Line], per_line: &[Vec<labels::LabeledValue>]) -> Grid {
    let mut grid = Grid::default();
    let has_label = |j: usize| per_line.get(j).is_some_and(|l| !l.is_empty());
    for (i, lvs) in per_line.iter().enumerate() {
        if lvs.len() < MIN_GRID_LABELS || lvs.iter().any(|lv| !lv.value_chars.is_empty()) {
            continue;
        }
        let Some(line) = lines.get(i) else {
            continue;
        };
        // The box each label starts: from its start to the next one's.
        let starts: Vec<f64> = lvs
            .iter()
            .map(|lv| lv.label_x0 - GRID_VALUE_LEAD * line.size)
            .collect();
        let column_of = |x: f64| starts.iter().rposition(|&s| s <= x);
        // Each label's value: its text and boxes, line by line.
        let mut texts: Vec<String> = vec![String::new(); lvs.len()];
        let mut boxes: Vec<Vec<Provenance>> = vec![Vec::new(); lvs.len()];
        let mut taken = Vec::new();
        let mut last = line;
        for (j, below) in lines.iter().enumerate().skip(i + 1) {
            let step = below.baseline - last.baseline;
            let pitch = VALUE_LINE_PITCH * below.size.max(last.size);
            if below.page != line.page
                || step <= 0.0
                || step > pitch
                || has_label(j)
                || is_marked_heading(below.compact())
                || users::is_header(below)
            {
                break;
            }
            // The line's glyphs by column, each run starting under its
            // label.
            let mut by_column: Vec<Vec<&crate::layout::Char>> = vec![Vec::new(); lvs.len()];
            let mut fits = true;
            for c in below.chars().filter(|c| !crate::layout::is_blank(&c.text)) {
                match column_of(c.x0).and_then(|k| by_column.get_mut(k).map(|v| (k, v))) {
                    Some((k, run)) => {
                        let under = lvs.get(k).is_some_and(|lv| c.x0 < lv.label_x1);
                        fits &= !run.is_empty() || under;
                        run.push(c);
                    }
                    None => fits = false,
                }
            }
            if !fits {
                break;
            }
            for (k, run) in by_column.iter().enumerate() {
                if let (Some(text), Some(bbox)) = (texts.get_mut(k), bbox_of(run.iter().copied())) {
                    text.push_str(&text_of(run));
                    if let Some(b) = boxes.get_mut(k) {
                        b.push(Provenance {
                            page: below.page,
                            bbox,
                        });
                    }
                }
            }
            taken.push(j);
            last = below;
        }
        if taken.is_empty() {
            continue;
        }
        grid.value_lines.extend(taken);
        for ((lv, text), b) in lvs.iter().zip(texts).zip(boxes) {
            grid.values.insert((i, lv.field), (normalize(&text), b));
        }
    }
    grid
}

/// Every labelled value, and the labels found again with another value
/// (the first one found is read). A value that wraps in its cell continues
/// on the lines below its label's line; a label centred beside a wrapped
/// value has no value on its own line, and its value lines sit above and
/// below it.
#[cfg(test)]
fn read_fields(
    lines: &[&Line],
    per_line: &[Vec<labels::LabeledValue>],
) -> (HashMap<Field, Found>, Vec<Conflict>) {
    read_fields_with(lines, per_line, grid_values(lines, per_line))
}

/// [`read_fields`] with the form grids' values read already.
fn read_fields_with(
    lines: &[&Line],
    per_line: &[Vec<labels::LabeledValue>],
    mut grid: Grid,
) -> (HashMap<Field, Found>, Vec<Conflict>) {
    let labeled: Vec<(usize, &labels::LabeledValue)> = per_line
        .iter()
        .enumerate()
        .flat_map(|(i, lvs)| lvs.iter().map(move |lv| (i, lv)))
        .collect();
    let has_label = |j: usize| per_line.get(j).is_some_and(|l| !l.is_empty());
    let mut claimed = vec![false; lines.len()];
    // Sized once: each labelled value adds at most one field, and there
    // are at most `FIELD_KINDS` (growing the map rehashed it three times).
    let mut found: HashMap<Field, Found> = HashMap::with_capacity(labeled.len().min(FIELD_KINDS));
    let mut conflicts: Vec<Conflict> = Vec::new();
    for &j in &grid.value_lines {
        if let Some(c) = claimed.get_mut(j) {
            *c = true;
        }
    }
    for (k, (i, lv)) in labeled.iter().enumerate() {
        let line = lines[*i];
        if let Some((value, boxes)) = grid.values.remove(&(*i, lv.field)) {
            record_found(
                &mut found,
                &mut conflicts,
                lv.field,
                value,
                boxes,
                line.page,
            );
            continue;
        }
        let own = text_of(&lv.value_chars);
        let value_x0 = lv
            .value_chars
            .iter()
            .find(|c| !crate::layout::is_blank(&c.text))
            .map(|c| c.x0);
        // Where the value's own first line ends (beside its label).
        let value_x1 = lv
            .value_chars
            .iter()
            .rev()
            .find(|c| !crate::layout::is_blank(&c.text))
            .map(|c| c.x1);
        let pitch = VALUE_LINE_PITCH * line.size;
        // Value lines sit right of the label's end (a table's value column).
        let beside_x0 = lv.label_x1 - 0.5 * line.size;
        let next_empty_label = labeled
            .get(k + 1)
            .filter(|(_, next)| next.value_chars.is_empty())
            .map(|(j, _)| lines[*j]);
        let mut parts: Vec<(f64, String)> = Vec::new();
        let mut boxes: Vec<Provenance> = Vec::new();
        let mut add_box = |page: u32, chars: &mut dyn Iterator<Item = &crate::layout::Char>| {
            if let Some(bbox) = bbox_of(chars) {
                boxes.push(Provenance { page, bbox });
            }
        };
        // A value centred in its row that wraps over three lines or more
        // straddles its label's line: a line of it above, one below.
        let continues_below = !own.is_empty()
            && lines.get(i + 1).is_some_and(|below| {
                claimed.get(i + 1) == Some(&false)
                    && below.baseline - line.baseline > 0.0
                    && below.baseline - line.baseline <= pitch
                    && is_value_line(below, has_label(i + 1), line, beside_x0, value_x0)
            });
        let has_own = !own.is_empty();
        if has_own {
            parts.push((line.baseline, own));
            add_box(line.page, &mut lv.value_chars.iter().copied());
        }
        if !has_own || continues_below {
            // Lines just above, not taken by the label before.
            let mut last = line.baseline;
            for j in (0..*i).rev() {
                let above = lines[j];
                if claimed[j]
                    || last - above.baseline > pitch
                    || !is_value_line(above, has_label(j), line, beside_x0, value_x0)
                {
                    break;
                }
                claimed[j] = true;
                parts.insert(0, (above.baseline, above.text()));
                add_box(above.page, &mut above.chars());
                last = above.baseline;
            }
        }
        // A label alone on its line with nothing beside it, above or below,
        // whose next line starts under the label: that line is its value (a
        // definition list), and so are the lines that continue it. Indented,
        // it is the value whatever it reads; flush with the label, it is the
        // value when it is no heading or table row a person would see there.
        let reads_as_stacked = |below: &Line| {
            below.x0() >= line.x0() + STACKED_VALUE_INDENT * line.size || is_flush_value(below)
        };
        let stacked_x0 = (parts.is_empty() && per_line.get(*i).is_some_and(|l| l.len() == 1))
            .then(|| line.x0() - FLUSH_TOLERANCE * line.size)
            .filter(|&min_x0| {
                lines.get(i + 1).is_some_and(|below| {
                    claimed.get(i + 1) == Some(&false)
                        && below.baseline - line.baseline <= pitch
                        && below.x0() < beside_x0
                        && is_value_line(below, has_label(i + 1), line, min_x0, None)
                        && reads_as_stacked(below)
                })
            });
        let mut value_x0 = value_x0;
        if stacked_x0.is_some() {
            value_x0 = lines.get(i + 1).map(|below| below.x0());
        }
        // Lines below, while they keep the line pitch, unless a following
        // label with no value of its own is nearer: they are its value.
        let mut last = line.baseline;
        for j in i + 1..lines.len() {
            let below = lines[j];
            if claimed[j]
                || below.baseline - last > pitch
                || !is_value_line(
                    below,
                    has_label(j),
                    line,
                    stacked_x0.unwrap_or(beside_x0),
                    value_x0,
                )
            {
                break;
            }
            // A stacked value ends at a heading or table row under it.
            if stacked_x0.is_some() && !reads_as_stacked(below) {
                break;
            }
            // (A stacked value's first line is its own: the next label is
            // under it.)
            if let Some(next) = next_empty_label
                && !(stacked_x0.is_some() && j == i + 1)
                && next.page == below.page
                && (next.baseline - below.baseline).abs() < below.baseline - last
            {
                break;
            }
            // Nearer the next labelled line than this value's last line, in
            // the column of a value that continues below that line: the
            // first line of the next row's centred value (two label/value
            // pairs a row put both values in one column).
            if let Some(n) = (j + 1..lines.len()).find(|&n| has_label(n))
                && let Some(next) = lines.get(n)
                && next.page == below.page
                && next.baseline - below.baseline < below.baseline - last
                && lines.get(n + 1).is_some_and(|after| {
                    after.page == next.page
                        && after.baseline - next.baseline > 0.0
                        && after.baseline - next.baseline <= pitch
                        && !has_label(n + 1)
                        && (after.x0() - below.x0()).abs() <= VALUE_LINE_INDENT * line.size
                })
            {
                break;
            }
            claimed[j] = true;
            // A continuation of a value read beside its label keeps to the
            // value's cell: chunks starting beyond the first line's end
            // (another column's text at that height) are not the value's.
            let reach = value_x1.map(|x1| x1 + WRAP_REACH_EMS * line.size);
            let in_cell = |c: &&crate::layout::Chunk| reach.is_none_or(|r| c.x0() <= r);
            if below.chunks.iter().all(|c| in_cell(&c)) {
                parts.push((below.baseline, below.text()));
                add_box(below.page, &mut below.chars());
            } else {
                let kept: Vec<String> = below
                    .chunks
                    .iter()
                    .filter(in_cell)
                    .map(crate::layout::Chunk::text)
                    .collect();
                parts.push((below.baseline, kept.join("  ")));
                add_box(
                    below.page,
                    &mut below
                        .chunks
                        .iter()
                        .filter(in_cell)
                        .flat_map(|c| c.chars.iter()),
                );
            }
            last = below.baseline;
        }
        let mut value = normalize(&parts.into_iter().map(|(_, t)| t).collect::<String>());
        if is_another_label(&value) {
            // What a person sees there is the next label, not this one's
            // value: read as missing (the required-field check names it),
            // never as a value.
            value.clear();
            boxes.clear();
        }
        record_found(
            &mut found,
            &mut conflicts,
            lv.field,
            value,
            boxes,
            line.page,
        );
    }
    (found, conflicts)
}

/// Keeps a field's first value; a later, different one is a conflict.
fn record_found(
    found: &mut HashMap<Field, Found>,
    conflicts: &mut Vec<Conflict>,
    field: Field,
    value: String,
    boxes: Vec<Provenance>,
    page: u32,
) {
    match found.entry(field) {
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(Found {
                value,
                at: users::cell_box(boxes),
            });
        }
        std::collections::hash_map::Entry::Occupied(e) => {
            let spaceless = |s: &str| s.replace(' ', "");
            if !value.is_empty() && spaceless(&e.get().value) != spaceless(&value) {
                conflicts.push((field, page));
            }
        }
    }
}

/// Whether a value read for a label is (or starts with) a known label: a
/// label read as the value of the label before it (a form whose labels
/// share a line, their values on the next). No value of a notice starts
/// with a label's words, so such a value is none.
fn is_another_label(value: &str) -> bool {
    let rest = value
        .trim_start_matches(|c: char| c.is_whitespace() || labels::LABEL_PREFIXES.contains(&c));
    // Most values start with a character no label starts with: no copy.
    if !rest.starts_with(labels::LABEL_FIRST_CHARS) {
        return false;
    }
    let compact: String = rest.chars().filter(|c| !c.is_whitespace()).collect();
    labels::starts_with_label(&compact, false)
}

/// A conflict as a drift note naming the record's field (a DNS server's
/// field names the server list: its index is not known yet).
fn conflict_drift((field, page): Conflict) -> Option<Drift> {
    Some(Drift::FieldConflict {
        field: noted_field(field)?,
        page,
    })
}

/// cells_to_notice: reads a laid-out document as a notice, each value's
/// box naming its page of the layout.
pub fn parse_in_layout_pages(doc: &Document) -> Result<Notice, Error> {
    let lines: Vec<&Line> = doc.lines().collect();
    // Each line's labels, read once: every step below asks.
    let mut per_line: Vec<Vec<labels::LabeledValue>> =
        lines.iter().map(|l| labels::split_labels(l)).collect();
    let joined = wrapped_labels(&lines, &per_line);
    for (i, line) in &joined {
        if let Some(slot) = per_line.get_mut(*i) {
            *slot = labels::split_labels(line);
        }
    }
    let grid = grid_values(&lines, &per_line);
    let grid_lines = grid.value_lines.clone();
    let (found, conflicts) = read_fields_with(&lines, &per_line, grid);
    let label_part_areas = unjoined_label_parts(&lines, &per_line);
    let core = CORE_FIELDS.iter().filter(|f| found.contains_key(f)).count();
    let titled = lines.iter().any(|l| l.compact().contains(TITLE));
    let needed = if titled {
        MIN_CORE_LABELS
    } else {
        MIN_CORE_LABELS_UNTITLED
    };
    if core < needed {
        return Err(Error::NotANotice {
            reason: format!(
                "found {core} of the {} notice labels (お客さま番号, ご利用開始日, ドメイン名, …){}; \
                 check that this is the right file",
                CORE_FIELDS.len(),
                if titled {
                    ""
                } else {
                    " and no 開通のご案内 title"
                }
            ),
        });
    }
    let text = |f: Field| {
        found
            .get(&f)
            .and_then(|v| normalize::non_placeholder(v.value.clone()))
    };
    // Line compacts hold no whitespace, so when NFKC leaves every one of
    // them alone whatever surrounds it, the compact page text is just
    // their concatenation; otherwise the joined text is normalised whole
    // (NFKC may compose across a line break).
    let full_compact = if lines.iter().all(|l| l.compact_is_nfkc_by_range()) {
        lines.iter().map(|l| l.compact()).collect::<String>()
    } else {
        let joined: String = lines
            .iter()
            .map(|l| l.compact())
            .collect::<Vec<_>>()
            .join("\n");
        normalize::compact(&joined)
    };

    let customer_number = text(Field::CustomerNumber)
        .map(|v| v.replace(' ', ""))
        .or_else(|| find_customer_number(&full_compact).map(str::to_string));
    let dns_fields = [
        Field::DnsZone,
        Field::DnsControlPanelUrl,
        Field::DnsAuthId,
        Field::DnsAuthPassword,
        Field::PrimaryDnsHost,
        Field::PrimaryDnsIp,
        Field::SecondaryDnsHost,
        Field::SecondaryDnsIp,
    ];
    let dns = dns_fields
        .iter()
        .any(|f| found.contains_key(f))
        .then(|| DnsOption {
            zone: text(Field::DnsZone),
            control_panel_url: text(Field::DnsControlPanelUrl).map(|v| url_in(&v)),
            auth_id: text(Field::DnsAuthId),
            auth_password: text(Field::DnsAuthPassword)
                .map(|v| Secret::new(normalize::password_text(v))),
            servers: [
                (DnsRole::Primary, Field::PrimaryDnsHost, Field::PrimaryDnsIp),
                (
                    DnsRole::Secondary,
                    Field::SecondaryDnsHost,
                    Field::SecondaryDnsIp,
                ),
            ]
            .into_iter()
            .filter(|(_, h, i)| found.contains_key(h) || found.contains_key(i))
            .map(|(role, h, i)| DnsServer {
                role,
                hostname: text(h).map(|v| v.replace(' ', "")),
                ip: text(i).map(|v| v.replace(' ', "")),
            })
            .collect(),
        });

    let users::UserTable {
        mut users,
        mut drift,
        secret_areas,
    } = users::parse_users(&lines, doc);
    let provenance = provenance_of(doc, &found, &mut users);
    drift.extend(unknown_labels(&lines, &per_line, &grid_lines));
    drift.extend(conflicts.into_iter().filter_map(conflict_drift));
    drift.extend(pairing_doubts(&label_part_areas, &found));
    let hidden_text = doc
        .hidden
        .iter()
        .map(|h| HiddenText {
            page: h.line.page,
            reason: hidden_reason(h.reason),
            text: Secret::new(normalize(&h.line.text())),
        })
        .collect();
    let mut notice = Notice {
        notes: ParseNotes {
            hidden_text,
            drift,
            secret_areas,
        },
        provenance,
        customer_number,
        contract_start_date: text(Field::ContractStartDate).and_then(|v| find_date(&v)),
        contractor_name: text(Field::ContractorName),
        service_name: text(Field::ServiceName),
        product_name: text(Field::ProductName),
        id_count: text(Field::IdCount)
            .and_then(|v| FIRST_NUMBER.find(&v).and_then(|m| m.as_str().parse().ok())),
        domain: text(Field::Domain).map(|v| v.replace(' ', "")),
        login_url: text(Field::LoginUrl).map(|v| url_in(&v)),
        dns,
        dns_zone_support: zone_support(
            found.get(&Field::DnsZoneSupport).map(|f| f.value.as_str()),
            &lines,
        ),
        users,
        temporary_password_expiry: expiry_in(&full_compact),
    };
    // The support label printed with a value that is neither answer, or
    // its block's heading printed with no answer read: a value lost or
    // misread, not a notice without the block.
    if notice.dns_zone_support.is_none()
        && (found.contains_key(&Field::DnsZoneSupport) || support_heading_printed(&lines))
    {
        notice.notes.drift.push(Drift::UnreadValue {
            field: field_path(Field::DnsZoneSupport).to_string(),
        });
    }
    keep_provenance_of_values(&mut notice);
    decorations_over_values(doc, &mut notice);
    wraps::read_wrap_spaces(doc, &mut notice);
    doubt::note_doubts(doc, &mut notice);
    if notice.temporary_password_expiry.is_some()
        && let Some(at) = expiry_line_box(doc, &lines)
    {
        notice
            .provenance
            .insert("temporary_password_expiry".into(), at);
    }
    Ok(notice)
}

/// cells_to_notice: [`parse_in_layout_pages`], each value's box then naming
/// the PDF page (sheet) it is on: the layout's page, unless a sheet
/// carries two columns (each a page of the layout).
pub fn parse(doc: &Document) -> Result<Notice, Error> {
    let mut notice = parse_in_layout_pages(doc)?;
    for at in notice.provenance.values_mut() {
        at.page = doc.sheet_of(at.page);
    }
    Ok(notice)
}

/// How far below the table's last row a wrapped secret cell may reach,
/// points (a reading wraps over four or five lines at most).
const SPILL_BELOW_LAST_ROW: f64 = 72.0;

/// Secret regions of a laid-out notice, for redaction by position: the box
/// of every DNS auth password, and, for the user table, the whole band of
/// the password and reading columns (from the first row to the last, as
/// wide as any value read in them), so a row the reader misplaced is
/// hidden too. Page and box in the layout frame. `None` when the document
/// does not read as a notice: then nothing can be placed and a caller must
/// hide more, not less.
pub fn secret_regions(doc: &Document) -> Option<Vec<(u32, crate::pdf::Rect)>> {
    let notice = parse_in_layout_pages(doc).ok()?;
    let to_frame = |p: &Provenance| {
        let page = doc.page(p.page)?;
        Some((p.page, page.to_user.invert()?.apply_rect(&p.bbox)))
    };
    // The password and reading columns from the header, and cells no field
    // took.
    let mut regions: Vec<(u32, crate::pdf::Rect)> = notice
        .notes
        .secret_areas
        .iter()
        .map(|a| (a.page, a.bbox))
        .collect();
    // The user table's extent per page, from every cell read in it.
    let mut table: BTreeMap<u32, crate::pdf::Rect> = BTreeMap::new();
    let mut columns: BTreeMap<(u32, &str), crate::pdf::Rect> = BTreeMap::new();
    for (path, at) in &notice.provenance {
        let Some((page, bbox)) = to_frame(at) else {
            continue;
        };
        if path == "dns.auth_password" {
            regions.push((page, bbox));
        }
        // A user ID that is not one address in the domain may have a
        // password glued to it (the record hides it too).
        if let (Some(i), Some(domain)) = (
            path.strip_prefix("users[")
                .and_then(|r| r.strip_suffix("].user_id"))
                .and_then(|i| i.parse::<usize>().ok()),
            notice.domain.as_deref(),
        ) && notice
            .users
            .get(i)
            .and_then(|u| u.user_id.as_deref())
            .is_some_and(|id| !id_in_domain(id, domain))
        {
            regions.push((page, bbox));
        }
        if path.starts_with("users[") {
            table
                .entry(page)
                .and_modify(|r| *r = r.union(&bbox))
                .or_insert(bbox);
            for col in [".temporary_password", ".password_reading"] {
                if path.ends_with(col) {
                    regions.push((page, bbox));
                    columns
                        .entry((page, col))
                        .and_modify(|r| *r = r.union(&bbox))
                        .or_insert(bbox);
                }
            }
        }
    }
    // A cell that wraps can spill past the rows read on a page: onto the
    // next page above its first row, or below the last row.
    let first_page = table.keys().next().copied();
    let last_page = table.keys().next_back().copied();
    for ((page, _), col) in columns {
        if let Some(t) = table.get(&page) {
            let y0 = if Some(page) == first_page { t.y0 } else { 0.0 };
            let y1 = if Some(page) == last_page {
                t.y1 + SPILL_BELOW_LAST_ROW
            } else {
                f64::MAX
            };
            regions.push((
                page,
                crate::pdf::Rect {
                    x0: col.x0,
                    x1: col.x1,
                    y0,
                    y1,
                },
            ));
        }
    }
    Some(regions)
}

/// A decoration covering at least this share of a value's box (or the
/// value covering this share of the decoration) lies over it.
const DECORATION_OVERLAP_SHARE: f64 = 0.05;

/// A decoration set apart by its direction is a turned glyph whose box is
/// axis-aligned, so up to twice the glyph's area (a page-wide diagonal
/// watermark's boxes cover most of the page). Only a centred part of that
/// box, this share of its width and height, is surely under the glyph: a
/// square glyph of side `s` turned by any angle has a box of side
/// `a ≤ s·√2` and holds the centred square of side `a / 2`.
const TURNED_GLYPH_CORE: f64 = 0.5;

/// The part of a decoration's box its ink surely covers: the whole box for
/// an upright mark, the centred core ([`TURNED_GLYPH_CORE`]) for a turned
/// one.
fn decoration_core(d: &crate::layout::Decoration) -> crate::pdf::Rect {
    if d.kind != crate::layout::DecorationKind::Direction {
        return d.bbox;
    }
    let (cx, cy) = d.bbox.center();
    let (hw, hh) = (
        d.bbox.width() * TURNED_GLYPH_CORE / 2.0,
        d.bbox.height() * TURNED_GLYPH_CORE / 2.0,
    );
    crate::pdf::Rect {
        x0: cx - hw,
        y0: cy - hh,
        x1: cx + hw,
        y1: cy + hh,
    }
}

/// Notes every value a decoration lies over (each value once).
fn decorations_over_values(doc: &Document, notice: &mut Notice) {
    let mut notes = Vec::new();
    for (path, at) in &notice.provenance {
        let Some(page) = doc.page(at.page) else {
            continue;
        };
        let Some(to_frame) = page.to_user.invert() else {
            continue;
        };
        let value = to_frame.apply_rect(&at.bbox);
        let over = doc.decorations.iter().find(|d| {
            let ink = decoration_core(d);
            let overlap = ink.intersect(&value).area();
            // A decoration is on a sheet, which may carry two pages.
            d.page == doc.sheet_of(at.page)
                && overlap > 0.0
                && (overlap >= DECORATION_OVERLAP_SHARE * value.area()
                    || overlap >= DECORATION_OVERLAP_SHARE * ink.area())
        });
        if let Some(d) = over {
            notes.push(Drift::DecorationOverValue {
                field: path.clone(),
                kind: d.kind.as_str(),
                page: at.page,
            });
        }
    }
    notice.notes.drift.extend(notes);
}

/// The field paths of labelled fields, as findings and the record name them.
fn field_path(field: Field) -> &'static str {
    match field {
        Field::CustomerNumber => "customer_number",
        Field::ContractStartDate => "contract_start_date",
        Field::ContractorName => "contractor_name",
        Field::ServiceName => "service_name",
        Field::ProductName => "product_name",
        Field::IdCount => "id_count",
        Field::Domain => "domain",
        Field::LoginUrl => "login_url",
        Field::DnsZone => "dns.zone",
        Field::DnsControlPanelUrl => "dns.control_panel_url",
        Field::DnsAuthId => "dns.auth_id",
        Field::DnsAuthPassword => "dns.auth_password",
        Field::PrimaryDnsHost => "dns.servers[primary].hostname",
        Field::PrimaryDnsIp => "dns.servers[primary].ip",
        Field::SecondaryDnsHost => "dns.servers[secondary].hostname",
        Field::SecondaryDnsIp => "dns.servers[secondary].ip",
        Field::DnsZoneSupport => "dns_zone_support",
        Field::IssueDate => "issue_date",
    }
}

/// Every value's box, turned into PDF user space. Users' boxes move out of
/// the users into the notice.
fn provenance_of(
    doc: &Document,
    found: &HashMap<Field, Found>,
    users: &mut [User],
) -> BTreeMap<String, Provenance> {
    let to_user = |p: &Provenance| {
        doc.to_user_space(p.page, &p.bbox)
            .map(|bbox| Provenance { page: p.page, bbox })
    };
    let mut out = BTreeMap::new();
    for (field, f) in found {
        if let Some(at) = f.at.as_ref().and_then(to_user) {
            out.insert(field_path(*field).to_string(), at);
        }
    }
    for (i, user) in users.iter_mut().enumerate() {
        let boxes = std::mem::take(&mut user.boxes);
        if boxes.is_empty() {
            continue;
        }
        // One formatted prefix a user, not one a box.
        let prefix = format!("users[{i}].");
        for (name, at) in boxes {
            // Only boxes of values the user holds: the others would be
            // dropped by `keep_provenance_of_values`, which leaves users'
            // paths to this test.
            if !user_value_at(user, name) {
                continue;
            }
            if let Some(at) = to_user(&at) {
                let mut path = String::with_capacity(prefix.len() + name.len());
                path.push_str(&prefix);
                path.push_str(name);
                out.insert(path, at);
            }
        }
    }
    out
}

/// Where a user's path names a field: `users[i].` and the field.
const USER_PATH_PREFIX: &str = "users[";

/// Whether a user holds a value at a field of its path (`name`,
/// `user_id`, ...).
fn user_value_at(u: &User, field: &str) -> bool {
    match field {
        "name" => u.name.is_some(),
        "user_id" => u.user_id.is_some(),
        "temporary_password" => u.temporary_password.is_some(),
        "password_reading" => u.password_reading.is_some(),
        "order" => u.order.is_some(),
        _ => false,
    }
}

/// Drops provenance of values the notice does not hold, and names DNS
/// servers by their index in the record.
fn keep_provenance_of_values(notice: &mut Notice) {
    let servers: Vec<DnsRole> = notice
        .dns
        .as_ref()
        .map(|d| d.servers.iter().map(|s| s.role).collect())
        .unwrap_or_default();
    let mut renamed: BTreeMap<String, Provenance> = std::mem::take(&mut notice.provenance);
    // Only the DNS servers' paths change: each taken out and put back under
    // its index (or dropped when the record has no such server); the rest
    // of the map stays as it is.
    let dns_paths: Vec<String> = renamed
        .range::<str, _>((
            std::ops::Bound::Included(DNS_SERVER_PATH_PREFIX),
            std::ops::Bound::Unbounded,
        ))
        .map(|(p, _)| p)
        .take_while(|p| p.starts_with(DNS_SERVER_PATH_PREFIX))
        .cloned()
        .collect();
    for path in dns_paths {
        for (role, prefix) in [
            (DnsRole::Primary, "dns.servers[primary]"),
            (DnsRole::Secondary, "dns.servers[secondary]"),
        ] {
            let Some(rest) = path.strip_prefix(prefix) else {
                continue;
            };
            if let Some(at) = renamed.remove(&path)
                && let Some(i) = servers.iter().position(|r| *r == role)
            {
                renamed.insert(format!("dns.servers[{i}]{rest}"), at);
            }
            break;
        }
    }
    // In place: the map stays sorted, nothing is rebuilt. Users' paths hold
    // values already (`provenance_of` kept only those).
    renamed.retain(|p, _| p.starts_with(USER_PATH_PREFIX) || crate::notice::value_at(notice, p));
    notice.provenance = renamed;
}

/// What every DNS server's path starts with.
const DNS_SERVER_PATH_PREFIX: &str = "dns.servers[";

/// Whether the notice holds a value at a field path.
pub fn value_at(notice: &Notice, path: &str) -> bool {
    let dns = notice.dns.as_ref();
    match path {
        "customer_number" => notice.customer_number.is_some(),
        "contract_start_date" => notice.contract_start_date.is_some(),
        "contractor_name" => notice.contractor_name.is_some(),
        "service_name" => notice.service_name.is_some(),
        "product_name" => notice.product_name.is_some(),
        "id_count" => notice.id_count.is_some(),
        "domain" => notice.domain.is_some(),
        "login_url" => notice.login_url.is_some(),
        "dns_zone_support" => notice.dns_zone_support.is_some(),
        "temporary_password_expiry" => notice.temporary_password_expiry.is_some(),
        "dns.zone" => dns.is_some_and(|d| d.zone.is_some()),
        "dns.control_panel_url" => dns.is_some_and(|d| d.control_panel_url.is_some()),
        "dns.auth_id" => dns.is_some_and(|d| d.auth_id.is_some()),
        "dns.auth_password" => dns.is_some_and(|d| d.auth_password.is_some()),
        other => {
            let indexed = |prefix: &str| -> Option<(usize, &str)> {
                let rest = other.strip_prefix(prefix)?;
                let (i, field) = rest.split_once("].")?;
                Some((i.parse().ok()?, field))
            };
            if let Some((i, field)) = indexed("dns.servers[") {
                let Some(s) = dns.and_then(|d| d.servers.get(i)) else {
                    return false;
                };
                return match field {
                    "hostname" => s.hostname.is_some(),
                    "ip" => s.ip.is_some(),
                    _ => false,
                };
            }
            if let Some((i, field)) = indexed(USER_PATH_PREFIX) {
                return notice.users.get(i).is_some_and(|u| user_value_at(u, field));
            }
            false
        }
    }
}

/// The temporary-password expiry named by the page's compacted text (lines
/// joined by `\n`): the sentence may wrap, so it is read across line ends.
fn expiry_in(full_compact: &str) -> Option<jiff::civil::Date> {
    // A compact page text holds no line break (NFKC and the compaction
    // take it out): copied without one only if it has one.
    let joined = if full_compact.contains('\n') {
        std::borrow::Cow::Owned(full_compact.replace('\n', ""))
    } else {
        std::borrow::Cow::Borrowed(full_compact)
    };
    // `&EXPIRY_BARE`, not `&*`: it is compiled only when the sentence that
    // names the password is missing (a compile is a notable share of a
    // one-file run).
    [
        (&EXPIRY, EXPIRY_STARTS, EXPIRY_LINKS),
        (&EXPIRY_BARE, EXPIRY_BARE_STARTS, EXPIRY_BARE_LINKS),
    ]
    .iter()
    .find_map(|(re, starts, links)| first_dated_match(re, starts, links, &joined))
}

/// What may stand between an [`EXPIRY`] start word and its date, in
/// order, each optional: `(?:の)?(?:有効期限)?(?:は|:)?[、,]?`.
const EXPIRY_LINKS: &[&[&str]] = &[&["の"], &["有効期限"], &["は", ":"], &["、", ","]];

/// The same for [`EXPIRY_BARE`]: `(?:は|:)?[、,]?`.
const EXPIRY_BARE_LINKS: &[&[&str]] = &[&["は", ":"], &["、", ","]];

/// Whether an expiry pattern can match at the start of `rest`, which
/// begins with one of `starts`: after the start word and the optional
/// `links`, a date must begin (令和, 平成, R, H or a digit). No link
/// starts with a character a later link or a date starts with, so the
/// pattern takes each link exactly where the text has it, and skipping
/// them greedily finds the one place its date can start. `false` means
/// the pattern does not match there (its lite engine, run at every
/// パスワード(仮) label of a user table, costs more than this).
fn may_match_dated(rest: &str, starts: &[&str], links: &[&[&str]]) -> bool {
    let Some(mut r) = starts.iter().find_map(|s| rest.strip_prefix(s)) else {
        return false;
    };
    for alternatives in links {
        if let Some(after) = alternatives.iter().find_map(|a| r.strip_prefix(a)) {
            r = after;
        }
    }
    r.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '令' | '平' | 'R' | 'H'))
}

/// The date of the first match of `re` (anchored with `^`) in `text`
/// whose date is one, trying matches as `captures_iter` finds them: left
/// to right, none overlapping the one before. Every match starts with one
/// of `starts`, so only those places are tried.
/// The longest text an expiry match can span, in bytes, with room to
/// spare: the text is compact (no spaces for ` *` to take), so a match is
/// a start word, の, 有効期限, a particle, a comma and a date: about 30
/// characters, 90 bytes (a test checks the longest).
const EXPIRY_MATCH_WINDOW: usize = 256;

/// The start of `rest` an anchored expiry pattern can match in: the regex
/// engine then never walks the rest of the document.
fn match_window(rest: &str) -> &str {
    let mut end = EXPIRY_MATCH_WINDOW.min(rest.len());
    while !rest.is_char_boundary(end) {
        end -= 1;
    }
    rest.get(..end).unwrap_or(rest)
}

fn first_dated_match(
    re: &Regex,
    starts: &[&str],
    links: &[&[&str]],
    text: &str,
) -> Option<jiff::civil::Date> {
    // The next place each start literal occurs at, from `at` on (a match
    // of UTF-8 in UTF-8 starts at a character boundary); each literal's
    // searcher built once, not at every search of the page's rest.
    let finders: Vec<memchr::memmem::Finder<'_>> =
        starts.iter().map(memchr::memmem::Finder::new).collect();
    let next_of = |f: &memchr::memmem::Finder<'_>, at: usize| {
        f.find(text.get(at..)?.as_bytes()).map(|i| at + i)
    };
    let mut next: Vec<Option<usize>> = finders.iter().map(|f| next_of(f, 0)).collect();
    // No match may begin before the end of the one before.
    let mut free_from = 0;
    loop {
        let at = next.iter().flatten().copied().min()?;
        if at >= free_from
            && let Some(c) = text
                .get(at..)
                .filter(|rest| may_match_dated(rest, starts, links))
                .and_then(|rest| re.captures(match_window(rest)))
        {
            if let Some(date) = date::date_from_captures(&c) {
                return Some(date);
            }
            free_from = at + c.get(0).map_or(0, |m| m.end());
        }
        let step = text.get(at..)?.chars().next().map_or(1, char::len_utf8);
        for (n, f) in next.iter_mut().zip(&finders) {
            if *n == Some(at) {
                *n = next_of(f, at + step);
            }
        }
    }
}

/// The box of the expiry sentence's line(s).
fn expiry_line_box(doc: &Document, lines: &[&Line]) -> Option<Provenance> {
    // Searchers built once for the page's lines (a `str::contains` sets
    // one up at every call, on every line above the sentence).
    let [expiry, password, until] =
        ["有効期限", "パスワード", "まで"].map(memchr::memmem::Finder::new);
    let line = lines.iter().find(|l| {
        let c = l.compact().as_bytes();
        expiry.find(c).is_some() || (password.find(c).is_some() && until.find(c).is_some())
    })?;
    let bbox = bbox_of(line.chars())?;
    Some(Provenance {
        page: line.page,
        bbox: doc.to_user_space(line.page, &bbox)?,
    })
}

/// 導入支援情報: 利用する → true, 利用しない → false, no block → None.
fn zone_support(value: Option<&str>, lines: &[&Line]) -> Option<bool> {
    let read = |v: &str| {
        let v = normalize::compact(v);
        if v.contains("利用しない") || v.contains("なし") {
            Some(false)
        } else if v.contains("利用する") || v.contains("あり") {
            Some(true)
        } else {
            None
        }
    };
    if let Some(v) = value {
        return read(v);
    }
    // A one-line block: "導入支援情報  利用する".
    lines
        .iter()
        .map(|l| l.compact())
        .find(|c| {
            c.trim_start_matches('■').starts_with("導入支援情報")
                && c.len() > "導入支援情報".len() + 3
        })
        .and_then(read)
}

/// The heading of the block that carries the DNS zone support answer.
const SUPPORT_HEADING: &str = "導入支援情報";

/// Whether the DNS zone support block's heading (■導入支援情報) is printed:
/// a notice that prints it carries an answer, so one not read is lost (a
/// label or value the parser did not find where it looked), never a
/// notice without the block.
fn support_heading_printed(lines: &[&Line]) -> bool {
    lines.iter().any(|l| {
        l.compact()
            .trim_start_matches(HEADING_MARKS)
            .starts_with(SUPPORT_HEADING)
    })
}

fn hidden_reason(h: crate::pdf::Hidden) -> &'static str {
    use crate::pdf::Hidden;
    match h {
        Hidden::RenderMode => "render_mode",
        Hidden::WhiteFill => "white_fill",
        Hidden::Clipped => "clipped",
        Hidden::OffPage => "off_page",
    }
}

/// Sub-headings inside the notice's blocks: lines that look like a label
/// but carry no value of their own.
const KNOWN_HEADINGS: &[&str] = &[
    "申込内容",
    "ドメイン情報",
    "IIJIDログイン情報",
    "DNSサービスオプション",
    "導入支援情報",
];

/// The longest label we would take for a label: longer first cells are
/// sentences.
const MAX_LABEL_CHARS: usize = 24;

/// `label  value` lines between the first known label and the user table
/// whose label is unknown: a changed layout must not pass quietly.
/// (A form grid's value lines, `values`, are values.)
fn unknown_labels(
    lines: &[&Line],
    per_line: &[Vec<labels::LabeledValue>],
    values: &[usize],
) -> Vec<Drift> {
    let has_label = |i: usize| per_line.get(i).is_some_and(|l| !l.is_empty());
    let Some(first) = (0..lines.len()).find(|&i| has_label(i)) else {
        return Vec::new();
    };
    // The key-value blocks end where the user block starts.
    let end = lines
        .iter()
        .position(|l| users::is_header(l) || user_records::is_user_block_title(l))
        .unwrap_or(lines.len());
    (first..end.max(first))
        .filter(|&i| !has_label(i) && !values.contains(&i))
        .filter_map(|i| lines.get(i))
        .filter(|l| l.chunks.len() >= 2)
        .filter_map(|l| {
            let first = l.chunks.first()?;
            let label = first.compact();
            let known = KNOWN_HEADINGS.iter().any(|h| label.starts_with(h))
                || label.starts_with('■')
                || label.chars().count() > MAX_LABEL_CHARS;
            (!known).then(|| Drift::UnknownLabel {
                label: normalize(&first.text()),
                page: l.page,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(baseline: f64, chunks: &[(f64, &str)]) -> Line {
        crate::layout::test_line(baseline, chunks)
    }

    fn value(found: &HashMap<Field, Found>, f: Field) -> Option<&str> {
        found.get(&f).map(|v| v.value.as_str())
    }

    #[test]
    fn wrapped_values_top_aligned_and_centred() {
        let lines = [
            // Top-aligned: the value starts on the label's line.
            line(
                100.0,
                &[(10.0, "ご契約者名"), (200.0, "株式会社とても長い名前の")],
            ),
            line(113.0, &[(200.0, "保険代理店")]),
            // Centred: the label sits between its two value lines.
            line(130.0, &[(200.0, "損保クラウドサービス")]),
            line(136.0, &[(10.0, "ご利用サービス名")]),
            line(142.0, &[(200.0, "(パッケージ)")]),
            line(160.0, &[(10.0, "ご利用製品名"), (200.0, "Microsoft 365")]),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let per_line: Vec<_> = refs.iter().map(|l| labels::split_labels(l)).collect();
        let (found, conflicts) = read_fields(&refs, &per_line);
        assert!(conflicts.is_empty());
        assert_eq!(
            value(&found, Field::ContractorName),
            Some("株式会社とても長い名前の保険代理店")
        );
        assert_eq!(
            value(&found, Field::ServiceName),
            Some("損保クラウドサービス(パッケージ)")
        );
        assert_eq!(value(&found, Field::ProductName), Some("Microsoft 365"));
    }

    /// A page set in two columns: the service name wraps in its cell of
    /// the left column, and the right column's row (the first line of a
    /// wrapped label, and a value) lies at the height of the continuation. The continuation is what
    /// lies under the value's first line, not the other column's text.
    #[test]
    fn a_wrapped_value_continues_in_its_own_cell() {
        let lines = [
            line(
                100.0,
                &[
                    (10.0, "ご利用サービス名"),
                    (200.0, "損保クラウドサービスMicrosoft"),
                ],
            ),
            line(
                113.0,
                &[
                    (200.0, "365(パッケージ)"),
                    (600.0, "DNSゾーン情報サ"),
                    (760.0, "利用する"),
                ],
            ),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let per_line: Vec<_> = refs.iter().map(|l| labels::split_labels(l)).collect();
        let (found, _) = read_fields(&refs, &per_line);
        assert_eq!(
            value(&found, Field::ServiceName),
            Some("損保クラウドサービスMicrosoft365(パッケージ)")
        );
    }

    #[test]
    fn a_second_pairs_value_centred_over_three_lines_is_its_own() {
        // Two label/value pairs a row: the contractor's value and, a row
        // below, the service name's, in one column; the service name wraps
        // over three lines centred on its label's line, so its first line
        // lies between the rows, nearer the service row.
        let lines = [
            line(
                100.0,
                &[
                    (10.0, "ご利用開始日"),
                    (90.0, "2024年9月1日"),
                    (200.0, "ご契約者名"),
                    (300.0, "千葉 麻衣"),
                ],
            ),
            line(112.0, &[(300.0, "損保クラウドサービス")]),
            line(
                120.0,
                &[
                    (10.0, "お客さま番号"),
                    (90.0, "N2610476580"),
                    (215.0, "ご利用サービス名"),
                    (300.0, "Microsoft365(パッケージ"),
                ],
            ),
            line(128.0, &[(300.0, "ハイブリッドプラン)")]),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let per_line: Vec<_> = refs.iter().map(|l| labels::split_labels(l)).collect();
        let (found, _) = read_fields(&refs, &per_line);
        assert_eq!(value(&found, Field::ContractorName), Some("千葉 麻衣"));
        assert_eq!(
            value(&found, Field::ServiceName),
            Some("損保クラウドサービスMicrosoft365(パッケージハイブリッドプラン)")
        );
    }

    /// Reads `lines` as `parse` does: wrapped labels joined, the fields,
    /// and the pairing doubts.
    fn read_with_doubts(lines: &[Line]) -> (HashMap<Field, Found>, Vec<String>) {
        let refs: Vec<&Line> = lines.iter().collect();
        let mut per_line: Vec<_> = refs.iter().map(|l| labels::split_labels(l)).collect();
        let joined = wrapped_labels(&refs, &per_line);
        for (i, line) in &joined {
            if let Some(slot) = per_line.get_mut(*i) {
                *slot = labels::split_labels(line);
            }
        }
        let (found, _) = read_fields(&refs, &per_line);
        let areas = unjoined_label_parts(&refs, &per_line);
        let doubts = pairing_doubts(&areas, &found)
            .into_iter()
            .filter_map(|d| match d {
                Drift::PairingDoubt { field, .. } => Some(field),
                _ => None,
            })
            .collect();
        (found, doubts)
    }

    #[test]
    fn a_label_wrapped_beside_a_wrapped_value_in_a_pairs_row_is_never_silent() {
        // Two label/value pairs a row; the second label wraps (ご利用サービス
        // / 名) centred beside its value, which wraps over three lines: the
        // first row's line lies between the label's two parts.
        let lines = [
            line(
                100.0,
                &[
                    (10.0, "ご利用開始日"),
                    (90.0, "2024年9月1日"),
                    (210.0, "ご契約者名"),
                    (300.0, "千葉 麻衣"),
                ],
            ),
            line(112.0, &[(300.0, "損保クラウドサービス")]),
            line(118.0, &[(210.0, "ご利用サービス")]),
            line(
                124.0,
                &[
                    (10.0, "お客さま番号"),
                    (90.0, "N2610476"),
                    (300.0, "Microsoft365(パッケージ"),
                ],
            ),
            line(130.0, &[(210.0, "名")]),
            line(136.0, &[(300.0, "ハイブリッドプラン)")]),
            line(148.0, &[(90.0, "Business")]),
            line(154.0, &[(10.0, "ご利用製品名")]),
            line(160.0, &[(90.0, "Basic")]),
        ];
        let (found, doubts) = read_with_doubts(&lines);
        for (field, path, truth) in [
            (Field::ContractorName, "contractor_name", "千葉 麻衣"),
            (
                Field::ServiceName,
                "service_name",
                "損保クラウドサービスMicrosoft365(パッケージハイブリッドプラン)",
            ),
            (Field::ProductName, "product_name", "BusinessBasic"),
            (Field::CustomerNumber, "customer_number", "N2610476"),
        ] {
            let read = value(&found, field);
            assert!(
                read.is_none() || read == Some(truth) || doubts.iter().any(|d| d == path),
                "{path} read as {read:?} with no doubt ({doubts:?})"
            );
        }
        // The customer number's cell is left of the label's parts: not named.
        assert!(!doubts.iter().any(|d| d == "customer_number"), "{doubts:?}");

        // The same row with the label on one line: nothing is in doubt.
        let mut one_line = lines.clone();
        one_line[2] = line(118.0, &[(210.0, "ご利用サービス名")]);
        one_line[4] = line(130.0, &[]);
        let (_, doubts) = read_with_doubts(&one_line);
        assert!(doubts.is_empty(), "{doubts:?}");
    }

    #[test]
    fn a_wrapped_label_beside_a_centred_value_is_read() {
        // DNSゾーン情報サポートサービ / ス in a narrow label cell, its value
        // centred in the row: the value's line lies between the label's two.
        let lines = [
            line(100.0, &[(10.0, "DNSゾーン情報サポートサービ")]),
            line(105.0, &[(200.0, "利用する")]),
            line(110.0, &[(10.0, "ス")]),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let mut per_line: Vec<_> = refs.iter().map(|l| labels::split_labels(l)).collect();
        let joined = wrapped_labels(&refs, &per_line);
        for (i, line) in &joined {
            per_line[*i] = labels::split_labels(line);
        }
        let (found, _) = read_fields(&refs, &per_line);
        assert_eq!(value(&found, Field::DnsZoneSupport), Some("利用する"));
        // A line that does not start right of the label's first part is
        // no value between the label's lines.
        let lines = [
            line(100.0, &[(10.0, "DNSゾーン情報サポートサービ")]),
            line(105.0, &[(100.0, "利用する")]),
            line(110.0, &[(10.0, "ス")]),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let per_line: Vec<_> = refs.iter().map(|l| labels::split_labels(l)).collect();
        assert!(wrapped_labels(&refs, &per_line).is_empty());
    }

    /// A label is never another label's value: a value read as (or
    /// starting with) a known label is read as missing.
    #[test]
    fn a_label_is_no_value() {
        assert!(is_another_label("ご利用製品名"));
        assert!(is_another_label("コントロールパネル URL"));
        assert!(is_another_label("■ご利用製品名 Microsoft 365"));
        assert!(!is_another_label("損保クラウドサービス"));
        assert!(!is_another_label("Microsoft 365 Business Basic"));
        // A label's words inside a value are the value's.
        assert!(!is_another_label("株式会社ドメイン名管理"));
        let lines = [
            line(
                100.0,
                &[(10.0, "ご利用サービス名"), (300.0, "ご利用製品名")],
            ),
            line(
                112.0,
                &[(10.0, "損保クラウドサービス"), (300.0, "Microsoft 365")],
            ),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let per_line: Vec<_> = refs.iter().map(|l| labels::split_labels(l)).collect();
        let (found, _) = read_fields(&refs, &per_line);
        assert_ne!(value(&found, Field::ServiceName), Some("ご利用製品名"));
    }

    /// A form grid of boxes: the labels of a row share a line, each value
    /// under its label's box on the next line, wrapping under it; a row
    /// whose values sit beside its labels is no grid.
    #[test]
    fn a_form_grids_values_are_read_under_their_labels() {
        let lines = [
            line(
                100.0,
                &[
                    (10.0, "ご利用開始日"),
                    (300.0, "ご契約者名"),
                    (600.0, "お客さま番号"),
                ],
            ),
            line(
                114.0,
                &[
                    (10.0, "2020年6月1日"),
                    (300.0, "小島 美咲"),
                    (600.0, "N2097947333"),
                ],
            ),
            line(
                130.0,
                &[(10.0, "ご利用サービス名"), (300.0, "ご利用製品名")],
            ),
            line(
                144.0,
                &[(10.0, "損保クラウドサービス"), (300.0, "Microsoft 365")],
            ),
            line(158.0, &[(10.0, "Microsoft365(パッケージ)")]),
            line(172.0, &[(10.0, "■ご契約情報")]),
            // Values beside their labels: not a grid's.
            line(190.0, &[(10.0, "ゾーン名"), (300.0, "認証ID")]),
            line(204.0, &[(100.0, "example.jp"), (400.0, "ATX7S4AREJ")]),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let per_line: Vec<_> = refs.iter().map(|l| labels::split_labels(l)).collect();
        let (found, conflicts) = read_fields(&refs, &per_line);
        assert!(conflicts.is_empty());
        assert_eq!(
            value(&found, Field::ContractStartDate),
            Some("2020年6月1日")
        );
        assert_eq!(value(&found, Field::ContractorName), Some("小島 美咲"));
        assert_eq!(value(&found, Field::CustomerNumber), Some("N2097947333"));
        assert_eq!(
            value(&found, Field::ServiceName),
            Some("損保クラウドサービスMicrosoft365(パッケージ)")
        );
        assert_eq!(value(&found, Field::ProductName), Some("Microsoft 365"));
        let grid = grid_values(&refs, &per_line);
        assert_eq!(grid.value_lines, vec![1, 3, 4]);
        assert!(!grid.values.contains_key(&(6, Field::DnsZone)));
    }

    /// The support block's heading printed marks the answer as carried.
    #[test]
    fn the_support_heading_is_found_after_its_mark() {
        let with = [
            line(100.0, &[(10.0, "■導入支援情報")]),
            line(114.0, &[(10.0, "DNSゾーン情報サ"), (300.0, "利用する")]),
        ];
        let without = [
            line(100.0, &[(10.0, "■ご契約情報")]),
            line(114.0, &[(10.0, "お客さま情報や導入支援情報をご案内します")]),
        ];
        assert!(support_heading_printed(&with.iter().collect::<Vec<_>>()));
        assert!(!support_heading_printed(
            &without.iter().collect::<Vec<_>>()
        ));
    }

    #[test]
    fn a_value_indented_under_its_label_is_its_value() {
        // A definition list: each label alone on its line, its value on the
        // next line, indented; a wrapped value keeps the indent.
        let lines = [
            line(100.0, &[(10.0, "ご契約者名")]),
            line(112.0, &[(30.0, "株式会社とても長い名前の")]),
            line(124.0, &[(30.0, "保険代理店")]),
            line(140.0, &[(10.0, "お客さま番号")]),
            line(152.0, &[(30.0, "N2400000001")]),
            // A label whose next line is flush with it has no value there.
            line(170.0, &[(10.0, "ご利用製品名")]),
            line(182.0, &[(10.0, "申込内容")]),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let per_line: Vec<_> = refs.iter().map(|l| labels::split_labels(l)).collect();
        let (found, conflicts) = read_fields(&refs, &per_line);
        assert!(conflicts.is_empty());
        assert_eq!(
            value(&found, Field::ContractorName),
            Some("株式会社とても長い名前の保険代理店")
        );
        assert_eq!(value(&found, Field::CustomerNumber), Some("N2400000001"));
        assert_eq!(value(&found, Field::ProductName), Some(""));
    }

    #[test]
    fn a_value_flush_under_its_label_is_its_value() {
        // A definition list with `dd { margin: 0 }`: each value on the line
        // below its label, at the same left edge; a heading or a table row
        // there is no value.
        let lines = [
            line(100.0, &[(10.0, "ご利用サービス名")]),
            line(112.0, &[(10.0, "損保クラウドサービス")]),
            line(124.0, &[(10.0, "Microsoft365")]),
            line(136.0, &[(10.0, "ご利用製品名")]),
            line(148.0, &[(10.0, "Microsoft 365 Business Basic")]),
            line(160.0, &[(10.0, "■ご契約情報")]),
            line(172.0, &[(10.0, "ご利用ID数")]),
            line(184.0, &[(10.0, "ドメイン情報")]),
            line(196.0, &[(10.0, "DNSゾーン情報サポートサービス")]),
            line(
                208.0,
                &[(10.0, "1"), (40.0, "山田 太郎"), (120.0, "taro@a.jp")],
            ),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let per_line: Vec<_> = refs.iter().map(|l| labels::split_labels(l)).collect();
        let (found, conflicts) = read_fields(&refs, &per_line);
        assert!(conflicts.is_empty());
        assert_eq!(
            value(&found, Field::ServiceName),
            Some("損保クラウドサービスMicrosoft365")
        );
        assert_eq!(
            value(&found, Field::ProductName),
            Some("Microsoft 365 Business Basic")
        );
        assert_eq!(value(&found, Field::IdCount), Some(""));
        assert_eq!(value(&found, Field::DnsZoneSupport), Some(""));
    }

    #[test]
    fn a_flush_value_may_start_with_a_mark() {
        // A value starting with a bullet or `*` is a value; a mark before a
        // section title or label, or a heading mark, starts a heading.
        let lines = [
            line(100.0, &[(10.0, "認証パスワード")]),
            line(112.0, &[(10.0, "*qZ7Fm8#2k7")]),
            line(124.0, &[(10.0, "DNSゾーン情報サポートサービス")]),
            line(136.0, &[(10.0, "●利用する")]),
            line(148.0, &[(10.0, "ご利用製品名")]),
            line(160.0, &[(10.0, "・ご契約情報")]),
            line(172.0, &[(10.0, "ご利用ID数")]),
            line(184.0, &[(10.0, "*ドメイン名")]),
            line(196.0, &[(10.0, "ご契約者名")]),
            line(208.0, &[(10.0, "■お知らせ")]),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let per_line: Vec<_> = refs.iter().map(|l| labels::split_labels(l)).collect();
        let (found, _) = read_fields(&refs, &per_line);
        assert_eq!(value(&found, Field::DnsAuthPassword), Some("*qZ7Fm8#2k7"));
        assert_eq!(value(&found, Field::DnsZoneSupport), Some("●利用する"));
        assert_eq!(value(&found, Field::ProductName), Some(""));
        assert_eq!(value(&found, Field::IdCount), Some(""));
        assert_eq!(value(&found, Field::ContractorName), Some(""));
        assert!(is_marked_heading("■お客さま情報"));
        assert!(is_marked_heading("□その他"));
        assert!(!is_marked_heading("●利用する"));
        assert!(!is_marked_heading("お客さま情報"));
    }

    #[test]
    fn a_turned_mark_covers_the_core_of_its_box() {
        let rect = |x0: f64, y0: f64, x1: f64, y1: f64| crate::pdf::Rect { x0, y0, x1, y1 };
        let mark = |kind| crate::layout::Decoration {
            page: 1,
            bbox: rect(100.0, 100.0, 200.0, 200.0),
            text: "秘".into(),
            kind,
        };
        // Upright marks: their box is their ink.
        for kind in [
            crate::layout::DecorationKind::Color,
            crate::layout::DecorationKind::Size,
            crate::layout::DecorationKind::Translucent,
        ] {
            assert_eq!(
                decoration_core(&mark(kind)),
                rect(100.0, 100.0, 200.0, 200.0)
            );
        }
        // A turned one: the centred half, which a value in the box's
        // corner (outside a 45° glyph) does not touch.
        let core = decoration_core(&mark(crate::layout::DecorationKind::Direction));
        assert_eq!(core, rect(125.0, 125.0, 175.0, 175.0));
        assert_eq!(
            core.intersect(&rect(100.0, 100.0, 120.0, 110.0)).area(),
            0.0
        );
    }

    #[test]
    fn a_label_found_again_with_another_value_is_a_conflict() {
        let lines = [
            line(100.0, &[(10.0, "ご契約者名"), (200.0, "損保 太郎")]),
            line(120.0, &[(10.0, "ドメイン名"), (200.0, "example.jp")]),
            // The same value again (spaces aside): no conflict.
            line(140.0, &[(10.0, "ご契約者名"), (200.0, "損保太郎")]),
            line(160.0, &[(10.0, "ドメイン名"), (200.0, "evil.example")]),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let per_line: Vec<_> = refs.iter().map(|l| labels::split_labels(l)).collect();
        let (found, conflicts) = read_fields(&refs, &per_line);
        // The first one is read; the second is a conflict on its page.
        assert_eq!(value(&found, Field::Domain), Some("example.jp"));
        assert_eq!(conflicts, vec![(Field::Domain, 1)]);
        assert_eq!(
            conflicts
                .into_iter()
                .filter_map(conflict_drift)
                .collect::<Vec<_>>(),
            vec![Drift::FieldConflict {
                field: "domain".into(),
                page: 1
            }]
        );
    }
}

#[cfg(test)]
mod url_tests {
    use super::*;

    #[test]
    fn urls_are_cut_from_their_cell() {
        assert_eq!(
            url_in("https://www.auth.iij.jp/console/"),
            "https://www.auth.iij.jp/console/"
        );
        assert_eq!(
            url_in("https://www.auth.iij.jp/console/ (こちら)"),
            "https://www.auth.iij.jp/console/"
        );
        assert_eq!(
            url_in("https://www.auth.iij.jp/ console/"),
            "https://www.auth.iij.jp/console/"
        );
        assert_eq!(url_in("こちら:https://a.example/x"), "https://a.example/x");
        assert_eq!(
            url_in("www.auth.iij.jp/console/"),
            "www.auth.iij.jp/console/"
        );
    }
}

#[cfg(test)]
mod expiry_tests {
    use super::*;

    /// The production reader, on one text as the page's lines give it.
    fn expiry(text: &str) -> Option<String> {
        expiry_in(&normalize::compact(text)).map(|d| d.to_string())
    }

    #[test]
    fn expiry_matches_are_tried_as_captures_iter_finds_them() {
        // A first sentence whose date is no date does not stop the read.
        assert_eq!(
            expiry("仮パスワードは2023年13月1日まで。仮パスワードは2023年11月25日まで"),
            Some("2023-11-25".to_string())
        );
        // Starts inside a failed match are not tried: 仮パスワード(仮)… is
        // one match (from 仮パスワード), not a second from パスワード(仮).
        let text = "仮パスワード(仮)2023/13/1。";
        let unanchored = regex_lite::Regex::new(&EXPIRY.as_str()[1..]).expect("pattern");
        let by_iter = unanchored
            .captures_iter(text)
            .find_map(|c| date::date_from_captures(&c));
        assert_eq!(
            first_dated_match(&EXPIRY, EXPIRY_STARTS, EXPIRY_LINKS, text),
            by_iter
        );
        assert_eq!(
            expiry("有効期限：2024/1/31 仮パスワード"),
            Some("2024-01-31".into())
        );
        assert_eq!(expiry("仮パスワード 有効期限"), None);
    }

    /// The quick test never rules out a place the pattern matches at, and
    /// rules out the places a user table's labels give it.
    #[test]
    fn the_quick_expiry_test_keeps_every_match() {
        let starts = [
            "仮パスワード",
            "パスワード(仮)",
            "初期パスワード",
            "有効期限",
            "パスワード",
        ];
        let links = [
            "",
            "の",
            "有効期限",
            "は",
            ":",
            "、",
            ",",
            "の有効期限",
            "は、",
            "有効期限:",
            "の有効期限は、",
            "のは",
            "x",
            "の の",
            "有効期限の",
        ];
        let dates = [
            "2023年11月25日",
            "2023/1/2",
            "令和5年1月2日",
            "平成元年1月2日",
            "R5年1月2日",
            "H31年1月2日",
            "2023 年1月2日",
            "まで",
            "",
            "(土)",
        ];
        for s in starts {
            for l in links {
                for d in dates {
                    let text = format!("{s}{l}{d}");
                    for (re, st, ln) in [
                        (&*EXPIRY, EXPIRY_STARTS, EXPIRY_LINKS),
                        (&*EXPIRY_BARE, EXPIRY_BARE_STARTS, EXPIRY_BARE_LINKS),
                    ] {
                        if !st.iter().any(|p| text.starts_with(p)) {
                            continue;
                        }
                        if re.is_match(&text) {
                            assert!(may_match_dated(&text, st, ln), "{text}");
                        }
                    }
                }
            }
        }
        let label_then_password = format!("{}Ab1#xy", columns::PASSWORD_LABEL);
        assert!(!may_match_dated(
            &label_then_password,
            EXPIRY_STARTS,
            EXPIRY_LINKS
        ));
    }

    /// The longest expiry sentence the patterns read fits the window with
    /// room to spare, and is read the same through it.
    #[test]
    fn the_longest_expiry_match_fits_the_window() {
        let longest = "パスワード(仮)の有効期限は、平成12年12月31日";
        let m = EXPIRY.find(longest).map(|m| m.len());
        assert_eq!(m, Some(longest.len()));
        assert!(2 * longest.len() < EXPIRY_MATCH_WINDOW);
        let tail = "あ".repeat(200);
        let text = format!("{longest}{tail}");
        assert!(match_window(&text).len() <= EXPIRY_MATCH_WINDOW);
        assert_eq!(expiry(&text).as_deref(), Some("2000-12-31"));
    }

    #[test]
    fn customer_numbers_by_hand() {
        assert_eq!(find_customer_number("xN12345678901y"), Some("N1234567890"));
        assert_eq!(find_customer_number("NN0123456789"), Some("N0123456789"));
        assert_eq!(find_customer_number("N123456789"), None);
        assert_eq!(find_customer_number("番号N１２"), None);
    }

    #[test]
    fn expiry_sentence_forms() {
        let want = Some("2023-11-25".to_string());
        assert_eq!(
            expiry("(※1) 仮パスワードの有効期限は、2023年11月25日までとなっております。"),
            want
        );
        assert_eq!(
            expiry("※1 仮パスワードは2023年11月25日まで有効です。"),
            want
        );
        assert_eq!(
            expiry("(※1)仮パスワード有効期限：２０２３／１１／２５"),
            want
        );
        assert_eq!(
            expiry("パスワード(仮)の有効期限は令和5年11月25日(土)まで"),
            want
        );
        assert_eq!(
            expiry("(※1) 仮パスワードの有効期限は、\n2023年11月25日までとなっております。"),
            want
        );
        assert_eq!(
            expiry("有効期限を過ぎた場合はパスワード再発行となります。"),
            None
        );
    }
}
