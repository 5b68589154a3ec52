//! パスワード読み仮名 → the characters it spells.
//!
//! Notices that print a reading spell the temporary password word by word,
//! words separated by `・` (`ゴ・小エヌ・大ビー・シャープ` = `5nB#`). The
//! validation layer decodes the reading and compares it with the printed
//! password: a reading that spells something else means one of the two was
//! misprinted or misparsed, and the user cannot sign in.
//!
//! # The table
//!
//! Letters take a case prefix, `大` (upper) or `小` (lower):
//!
//! | letter | words |
//! | --- | --- |
//! | a | エー, エイ |
//! | b | ビー |
//! | c | シー |
//! | d | ディー, デー, ディ |
//! | e | イー |
//! | f | エフ |
//! | g | ジー |
//! | h | エイチ, エッチ |
//! | i | アイ |
//! | j | ジェー, ジェイ |
//! | k | ケー, ケイ |
//! | l | エル |
//! | m | エム |
//! | n | エヌ |
//! | o | オー |
//! | p | ピー |
//! | q | キュー, キュウ |
//! | r | アール |
//! | s | エス |
//! | t | ティー, ティ |
//! | u | ユー |
//! | v | ブイ, ヴィー, ヴイ |
//! | w | ダブリュー, ダブリュ |
//! | x | エックス |
//! | y | ワイ |
//! | z | ゼット, ゼッド, ズィー |
//!
//! Digits and symbols take no prefix:
//!
//! | char | words |
//! | --- | --- |
//! | 0 | ゼロ, レイ |
//! | 1 | イチ |
//! | 2 | ニ |
//! | 3 | サン |
//! | 4 | ヨン, シ |
//! | 5 | ゴ |
//! | 6 | ロク |
//! | 7 | ナナ, シチ |
//! | 8 | ハチ |
//! | 9 | キュウ, ク, キュー |
//! | ! | エクスクラメーション(マーク), ビックリ(マーク) |
//! | " | ダブルクォーテーション, ダブルクォート, ダブルクオーテーション, ダブルクオート, ダブルコーテーション |
//! | # | シャープ, ナンバー, イゲタ |
//! | $ | ドル, ドルマーク, ダラー |
//! | % | パーセント |
//! | & | アンド, アンパサンド |
//! | ' | シングルクォーテーション, シングルクォート, シングルクオーテーション, シングルクオート, シングルコーテーション, アポストロフィ |
//! | ( | 左カッコ, カッコ開き, ヒダリカッコ, 左丸カッコ, ヒダリマルカッコ |
//! | ) | 右カッコ, カッコ閉じ, ミギカッコ, 右丸カッコ, ミギマルカッコ |
//! | * | アスタリスク, アスタ |
//! | + | プラス |
//! | , | カンマ, コンマ |
//! | - | ハイフン, マイナス |
//! | . | ピリオド, ドット |
//! | / | スラッシュ |
//! | : | コロン |
//! | ; | セミコロン |
//! | < | 小なり, ショウナリ |
//! | = | イコール |
//! | > | 大なり, ダイナリ |
//! | @ | アットマーク, アット |
//! | [ | 左角カッコ, ヒダリカクカッコ, 角カッコ開き, 左大カッコ |
//! | ] | 右角カッコ, ミギカクカッコ, 角カッコ閉じ, 右大カッコ |
//! | ^ | ハット, キャレット, キャロット |
//! | _ | アンダーバー, アンダースコア, アンダーライン |
//! | ` | バッククォート, バッククオート, グレイブ, グレーブ, グレイヴ |
//! | { | 左波カッコ, ヒダリナミカッコ, 波カッコ開き, 左中カッコ |
//! | } | 右波カッコ, ミギナミカッコ, 波カッコ閉じ, 右中カッコ |
//! | ~ | チルダ, チルド |
//! | \| | 縦棒, パイプ, タテボウ, 縦線 |
//!
//! Each word is looked up whole first (so `小なり` is `<`, not a letter),
//! then as a case prefix plus a letter. Kanji and kana spellings of カッコ
//! (`括弧`, `かっこ`) are folded to `カッコ` first. A letter word without a
//! prefix is an error (its case is unknown), and so is a prefix on a digit
//! or symbol.
//!
//! The input is NFKC-normalised (half-width katakana and `･` become
//! full-width) and white space is removed, since a wrapped reading may have
//! a break in any word.

use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::sync::LazyLock;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Words for letters, lower case.
const LETTERS: &[(&str, char)] = &[
    ("エー", 'a'),
    ("エイ", 'a'),
    ("ビー", 'b'),
    ("シー", 'c'),
    ("ディー", 'd'),
    ("デー", 'd'),
    ("ディ", 'd'),
    ("イー", 'e'),
    ("エフ", 'f'),
    ("ジー", 'g'),
    ("エイチ", 'h'),
    ("エッチ", 'h'),
    ("アイ", 'i'),
    ("ジェー", 'j'),
    ("ジェイ", 'j'),
    ("ケー", 'k'),
    ("ケイ", 'k'),
    ("エル", 'l'),
    ("エム", 'm'),
    ("エヌ", 'n'),
    ("オー", 'o'),
    ("ピー", 'p'),
    ("キュー", 'q'),
    ("キュウ", 'q'),
    ("アール", 'r'),
    ("エス", 's'),
    ("ティー", 't'),
    ("ティ", 't'),
    ("ユー", 'u'),
    ("ブイ", 'v'),
    ("ヴィー", 'v'),
    ("ヴイ", 'v'),
    ("ダブリュー", 'w'),
    ("ダブリュ", 'w'),
    ("エックス", 'x'),
    ("ワイ", 'y'),
    ("ゼット", 'z'),
    ("ゼッド", 'z'),
    ("ズィー", 'z'),
];

/// Words for digits and symbols (no case prefix).
const OTHERS: &[(&str, char)] = &[
    ("ゼロ", '0'),
    ("レイ", '0'),
    ("イチ", '1'),
    ("ニ", '2'),
    ("サン", '3'),
    ("ヨン", '4'),
    ("シ", '4'),
    ("ゴ", '5'),
    ("ロク", '6'),
    ("ナナ", '7'),
    ("シチ", '7'),
    ("ハチ", '8'),
    ("キュウ", '9'),
    ("ク", '9'),
    ("キュー", '9'),
    ("エクスクラメーション", '!'),
    ("エクスクラメーションマーク", '!'),
    ("ビックリ", '!'),
    ("ビックリマーク", '!'),
    ("ダブルクォーテーション", '"'),
    ("ダブルクォート", '"'),
    ("ダブルクオーテーション", '"'),
    ("ダブルクオート", '"'),
    ("ダブルコーテーション", '"'),
    ("シャープ", '#'),
    ("ナンバー", '#'),
    ("イゲタ", '#'),
    ("ドル", '$'),
    ("ドルマーク", '$'),
    ("ダラー", '$'),
    ("パーセント", '%'),
    ("アンド", '&'),
    ("アンパサンド", '&'),
    ("シングルクォーテーション", '\''),
    ("シングルクォート", '\''),
    ("シングルクオーテーション", '\''),
    ("シングルクオート", '\''),
    ("シングルコーテーション", '\''),
    ("アポストロフィ", '\''),
    ("左カッコ", '('),
    ("カッコ開き", '('),
    ("ヒダリカッコ", '('),
    ("左丸カッコ", '('),
    ("ヒダリマルカッコ", '('),
    ("右カッコ", ')'),
    ("カッコ閉じ", ')'),
    ("ミギカッコ", ')'),
    ("右丸カッコ", ')'),
    ("ミギマルカッコ", ')'),
    ("アスタリスク", '*'),
    ("アスタ", '*'),
    ("プラス", '+'),
    ("カンマ", ','),
    ("コンマ", ','),
    ("ハイフン", '-'),
    ("マイナス", '-'),
    ("ピリオド", '.'),
    ("ドット", '.'),
    ("スラッシュ", '/'),
    ("コロン", ':'),
    ("セミコロン", ';'),
    ("小なり", '<'),
    ("ショウナリ", '<'),
    ("イコール", '='),
    ("大なり", '>'),
    ("ダイナリ", '>'),
    ("アットマーク", '@'),
    ("アット", '@'),
    ("左角カッコ", '['),
    ("ヒダリカクカッコ", '['),
    ("角カッコ開き", '['),
    ("左大カッコ", '['),
    ("右角カッコ", ']'),
    ("ミギカクカッコ", ']'),
    ("角カッコ閉じ", ']'),
    ("右大カッコ", ']'),
    ("ハット", '^'),
    ("キャレット", '^'),
    ("キャロット", '^'),
    ("アンダーバー", '_'),
    ("アンダースコア", '_'),
    ("アンダーライン", '_'),
    ("バッククォート", '`'),
    ("バッククオート", '`'),
    ("グレイブ", '`'),
    ("グレーブ", '`'),
    ("グレイヴ", '`'),
    ("左波カッコ", '{'),
    ("ヒダリナミカッコ", '{'),
    ("波カッコ開き", '{'),
    ("左中カッコ", '{'),
    ("右波カッコ", '}'),
    ("ミギナミカッコ", '}'),
    ("波カッコ閉じ", '}'),
    ("右中カッコ", '}'),
    ("チルダ", '~'),
    ("チルド", '~'),
    ("縦棒", '|'),
    ("パイプ", '|'),
    ("タテボウ", '|'),
    ("縦線", '|'),
];

/// Why a reading could not be decoded. Positions count words from 1; the
/// word itself is not carried (it spells part of a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadingError {
    /// The reading has no words.
    #[error("the reading is empty")]
    Empty,
    /// A word is not in the table.
    #[error("word {position} of the reading is not in the reading table")]
    UnknownWord {
        /// Word position, from 1.
        position: usize,
    },
    /// A letter without `大`/`小`, so its case is unknown.
    #[error("word {position} of the reading is a letter without 大 or 小")]
    MissingCase {
        /// Word position, from 1.
        position: usize,
    },
}

impl ReadingError {
    /// The word position (from 1) the error is about, if any.
    pub fn position(&self) -> Option<usize> {
        match self {
            ReadingError::Empty => None,
            ReadingError::UnknownWord { position } | ReadingError::MissingCase { position } => {
                Some(*position)
            }
        }
    }
}

/// A table by word, built once (the first entry of a word wins, as a
/// scan of the table would find it). Every word of every reading is
/// looked up: by Fx hash, a few instructions a word where SipHash took
/// about 180 (the keys are the table's, fixed: nothing to flood).
fn index(table: &'static [(&'static str, char)]) -> FxHashMap<&'static str, char> {
    let mut map = FxHashMap::with_capacity_and_hasher(table.len(), Default::default());
    for (w, c) in table {
        map.entry(*w).or_insert(*c);
    }
    map
}

static OTHERS_BY_WORD: LazyLock<FxHashMap<&'static str, char>> = LazyLock::new(|| index(OTHERS));
static LETTERS_BY_WORD: LazyLock<FxHashMap<&'static str, char>> = LazyLock::new(|| index(LETTERS));

/// Folds the spellings of カッコ the table does not list one by one.
fn fold_word(word: &str) -> Cow<'_, str> {
    if word.contains(['括', 'か']) {
        Cow::Owned(word.replace("括弧", "カッコ").replace("かっこ", "カッコ"))
    } else {
        Cow::Borrowed(word)
    }
}

/// Decodes one word.
fn decode_word(word: &str, position: usize) -> Result<char, ReadingError> {
    if let Some(&c) = OTHERS_BY_WORD.get(word) {
        return Ok(c);
    }
    let (upper, rest) = if let Some(rest) = word.strip_prefix('大') {
        (Some(true), rest)
    } else if let Some(rest) = word.strip_prefix('小') {
        (Some(false), rest)
    } else {
        (None, word)
    };
    match (upper, LETTERS_BY_WORD.get(rest).copied()) {
        (Some(true), Some(c)) => Ok(c.to_ascii_uppercase()),
        (Some(false), Some(c)) => Ok(c),
        (None, Some(_)) => Err(ReadingError::MissingCase { position }),
        (_, None) => Err(ReadingError::UnknownWord { position }),
    }
}

/// Decodes a reading (`大エー・イチ・シャープ`) into what it spells (`A1#`).
pub fn decode_reading(reading: &str) -> Result<String, ReadingError> {
    let fold = |c: char| if c == '·' || c == '･' { '・' } else { c };
    // Readings are NFKC already, as read (the quick check says so without
    // a decomposition pass). A reading NFKC-stable by range (nearly every
    // one: katakana, kanji, `・`) holds no `·` or `･` to fold and no
    // whitespace but ASCII's: without that, it is its own text, not
    // copied character by character.
    let text: Cow<'_, str> = if crate::layout::is_nfkc_by_range(reading) {
        if reading.bytes().any(|b| matches!(b, b' ' | 0x09..=0x0D)) {
            Cow::Owned(reading.chars().filter(|c| !c.is_whitespace()).collect())
        } else {
            Cow::Borrowed(reading)
        }
    } else if is_nfkc_quick(reading.chars()) == IsNormalized::Yes {
        Cow::Owned(
            reading
                .chars()
                .filter(|c| !c.is_whitespace())
                .map(fold)
                .collect(),
        )
    } else {
        Cow::Owned(
            reading
                .nfkc()
                .filter(|c| !c.is_whitespace())
                .map(fold)
                .collect(),
        )
    };
    // The words decoded as they are split off (no vector of them).
    let mut words = text.split('・').filter(|w| !w.is_empty()).peekable();
    if words.peek().is_none() {
        return Err(ReadingError::Empty);
    }
    words
        .enumerate()
        .map(|(i, w)| decode_word(&fold_word(w), i + 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_maps_answer_as_a_scan_of_the_tables() {
        let scan = |table: &[(&str, char)], word: &str| {
            table.iter().find(|(w, _)| *w == word).map(|(_, c)| *c)
        };
        for (table, map) in [(OTHERS, &*OTHERS_BY_WORD), (LETTERS, &*LETTERS_BY_WORD)] {
            for (word, _) in table {
                assert_eq!(map.get(word).copied(), scan(table, word), "{word}");
            }
            assert_eq!(map.get("ない"), None);
        }
    }
    use crate::validate::SYMBOLS;

    #[test]
    fn decodes_the_samples() {
        let cases = [
            (
                "ゴ・小エヌ・小エヌ・大ビー・大エム・シャープ・小エム・小キュー・大ユー・小ケー・小ダブリュー・小ピー",
                "5nnBM#mqUkwp",
            ),
            (
                "ハチ・ピリオド・大エル・小オー・小ブイ・小イー・大エル・大ユー・ナナ・小エフ・大ダブリュー・大エル",
                "8.LoveLU7fWL",
            ),
            (
                "小ブイ・小ジー・小アイ・ヨン・大シー・小ディー・アンド・大ゼット・ゴ・小エイチ・大ジー・小エイチ",
                "vgi4Cd&Z5hGh",
            ),
            (
                "小キュー・ピリオド・大ティー・小ビー・大アール・小ビー・サン・小エフ・小ブイ・大エル・大ディー・シャープ",
                "q.TbRb3fvLD#",
            ),
            (
                "小ゼット・ハチ・大ダブリュー・小ケー・小エス・アットマーク・サン・小シー・小ティー・ヨン・大エル・大エヌ",
                "z8Wks@3ct4LN",
            ),
            (
                "小エス・小イー・小ディー・小ユー・キュウ・小エム・大イー・小ワイ・小イー・シャープ・大エイチ・大ビー",
                "sedu9mEye#HB",
            ),
        ];
        for (reading, want) in cases {
            assert_eq!(decode_reading(reading).as_deref(), Ok(want));
        }
    }

    #[test]
    fn every_letter_digit_and_symbol_is_covered() {
        for c in 'a'..='z' {
            assert!(LETTERS.iter().any(|(_, l)| *l == c), "letter {c}");
        }
        for c in ('0'..='9').chain(SYMBOLS.chars()) {
            assert!(OTHERS.iter().any(|(_, l)| *l == c), "char {c}");
        }
    }

    #[test]
    fn whole_word_wins_over_prefix() {
        assert_eq!(decode_reading("小なり・大なり").as_deref(), Ok("<>"));
    }

    #[test]
    fn half_width_wrapped_and_kanji_variants() {
        assert_eq!(decode_reading("ｺﾞ･大ｴｰ").as_deref(), Ok("5A"));
        assert_eq!(decode_reading("大\nエー・小 ビー").as_deref(), Ok("Ab"));
        assert_eq!(decode_reading("左括弧・右かっこ").as_deref(), Ok("()"));
    }

    #[test]
    fn errors_name_the_position_only() {
        assert_eq!(
            decode_reading("ゴ・ホゲ"),
            Err(ReadingError::UnknownWord { position: 2 })
        );
        assert_eq!(
            decode_reading("エー"),
            Err(ReadingError::MissingCase { position: 1 })
        );
        assert_eq!(
            decode_reading("大シャープ"),
            Err(ReadingError::UnknownWord { position: 1 })
        );
        assert_eq!(decode_reading(" ・ "), Err(ReadingError::Empty));
        let msg = ReadingError::UnknownWord { position: 2 }.to_string();
        assert!(!msg.contains("ホゲ"));
    }
}
