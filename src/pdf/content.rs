//! A content-stream lexer (ISO 32000-1, 7.2 lexical conventions, 8.9.7
//! inline images): bytes → operators with their operands. The same lexer
//! reads the objects of the file itself (7.3, with indirect references)
//! for the lazy object layer (`lazy.rs`): [`parse_value`], [`parse_items`].
//!
//! Written by hand for speed. lopdf's `Content::decode_iter` (a nom
//! parser) was a fifth of all parse time in the benchmark; a notice's
//! content streams are the bulk of its bytes, and this lexer does one pass
//! with no backtracking. It is lenient the way viewers are: a malformed
//! token is skipped, never an error, and every step advances, so it cannot
//! loop. An operator's operands ([`Operands`]) are borrowed from the
//! content bytes or decoded into buffers reused from operator to operator,
//! not lopdf `Object`s: no allocation per operand.

use lopdf::{Dictionary, Object, StringFormat};
use std::borrow::Cow;
use std::cell::RefCell;

/// Arrays and dictionaries nested deeper than this are skipped: real
/// content streams nest two levels (a `TJ` array, a `BDC` dictionary).
const MAX_NESTING: usize = 32;

/// Operands kept for one operator; more are dropped (a valid operator
/// takes at most a handful, `TJ` takes one array).
const MAX_OPERANDS: usize = 64;

/// Byte classes (ISO 32000-1, 7.2.2): white space and delimiters; every
/// other byte is regular. A table, not a chain of comparisons: the lexer
/// asks for every byte of every content stream.
const WHITESPACE: u8 = 1;
const DELIMITER: u8 = 2;
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = match i as u8 {
            b'\0' | b'\t' | b'\n' | b'\x0C' | b'\r' | b' ' => WHITESPACE,
            b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%' => DELIMITER,
            _ => 0,
        };
        i += 1;
    }
    table
};

/// A hexadecimal digit's value by byte; [`NOT_HEX`] for any other byte.
const NOT_HEX: u8 = 0xFF;
static HEX_DIGIT: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = match i as u8 {
            b @ b'0'..=b'9' => b - b'0',
            b @ b'a'..=b'f' => b - b'a' + 10,
            b @ b'A'..=b'F' => b - b'A' + 10,
            _ => NOT_HEX,
        };
        i += 1;
    }
    table
};

fn class(b: u8) -> u8 {
    CLASS[usize::from(b)]
}

fn is_whitespace(b: u8) -> bool {
    class(b) == WHITESPACE
}

fn is_regular(b: u8) -> bool {
    class(b) == 0
}

/// A number token's value: what [`number`] reads, without the room of a
/// whole `Object` (a content stream's operands are mostly numbers, and an
/// `Object` built away from the operand list is copied into it whole).
#[derive(Clone, Copy)]
enum Number {
    Integer(i64),
    Real(f32),
}

impl From<Number> for Object {
    fn from(n: Number) -> Object {
        match n {
            Number::Integer(i) => Object::Integer(i),
            Number::Real(r) => Object::Real(r),
        }
    }
}

/// One lexical token.
enum Token<'a> {
    Object(Object),
    Keyword(&'a [u8]),
    ArrayStart,
    ArrayEnd,
    DictStart,
    DictEnd,
}

/// What a deferred value opens with (see [`skip_value`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Open {
    Array,
    Dictionary,
}

struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn skip_whitespace_and_comments(&mut self) {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        let mut i = 0;
        while let Some(&b) = rest.get(i) {
            if is_whitespace(b) {
                i += 1;
            } else if b == b'%' {
                let comment = rest.get(i..).unwrap_or_default();
                i += memchr::memchr2(b'\n', b'\r', comment).unwrap_or(comment.len());
            } else {
                break;
            }
        }
        self.pos += i;
    }

    /// Skips white space and comments, as
    /// [`Lexer::skip_whitespace_and_comments`] does, and gives the byte
    /// the next token starts with: one bounds check a byte, the position
    /// kept in place (the operator loop asks before every token).
    #[inline(always)]
    fn next_byte(&mut self) -> Option<u8> {
        loop {
            let b = *self.data.get(self.pos)?;
            if is_whitespace(b) {
                self.pos += 1;
            } else if b == b'%' {
                self.skip_comment();
            } else {
                return Some(b);
            }
        }
    }

    /// Steps over a comment from its `%` to the end of its line (the
    /// line's end itself is white space).
    #[cold]
    #[inline(never)]
    fn skip_comment(&mut self) {
        let comment = self.data.get(self.pos..).unwrap_or_default();
        self.pos += memchr::memchr2(b'\n', b'\r', comment).unwrap_or(comment.len());
    }

    /// A name's run of regular bytes after its `/` when it holds no `#`
    /// (nothing to decode), found in the one pass that finds its end (was
    /// the run, then a search of it for `#`); `None`, the position left
    /// where it was, when it holds one.
    #[inline]
    fn plain_name(&mut self) -> Option<&'a [u8]> {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        let len = rest
            .iter()
            .position(|&b| !is_regular(b) || b == b'#')
            .unwrap_or(rest.len());
        if rest.get(len) == Some(&b'#') {
            return None;
        }
        self.pos += len;
        rest.get(..len)
    }

    fn regular_run(&mut self) -> &'a [u8] {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        let len = rest
            .iter()
            .position(|&b| !is_regular(b))
            .unwrap_or(rest.len());
        self.pos += len;
        rest.get(..len).unwrap_or_default()
    }

    fn next_token(&mut self) -> Option<Token<'a>> {
        loop {
            let b = self.next_byte()?;
            return Some(match b {
                b'[' => {
                    self.pos += 1;
                    Token::ArrayStart
                }
                b']' => {
                    self.pos += 1;
                    Token::ArrayEnd
                }
                b'<' if self.data.get(self.pos + 1) == Some(&b'<') => {
                    self.pos += 2;
                    Token::DictStart
                }
                b'>' if self.data.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    Token::DictEnd
                }
                b'<' => {
                    self.pos += 1;
                    Token::Object(self.hex_string())
                }
                b'(' => {
                    self.pos += 1;
                    Token::Object(self.literal_string())
                }
                b'/' => {
                    self.pos += 1;
                    Token::Object(Object::Name(self.name()))
                }
                b'+' | b'-' | b'.' | b'0'..=b'9' => Token::Object(self.number()),
                _ if is_regular(b) => match self.regular_run() {
                    b"true" => Token::Object(Object::Boolean(true)),
                    b"false" => Token::Object(Object::Boolean(false)),
                    b"null" => Token::Object(Object::Null),
                    word => Token::Keyword(word),
                },
                _ => {
                    // A stray ')', '>', '{' or '}': skip it.
                    self.pos += 1;
                    continue;
                }
            });
        }
    }

    /// The number token at the position (a sign, a point or a digit is
    /// there), read as [`number`] reads its regular run. The commonest
    /// forms, an integer of at most [`FAST_INTEGER_MAX_DIGITS`] digits and
    /// a [`short_real`], are read in the same pass that finds the token's
    /// end (each byte was looked at twice before: once for the end, once
    /// for the value); anything else goes to [`number`].
    fn number(&mut self) -> Object {
        self.number_value().into()
    }

    /// [`Lexer::number`]'s value. Inlined where it is read (the operator
    /// loop, an array's elements): a call saved and restored more
    /// registers than the digits of a short number take. Anything but a
    /// short integer or real goes to the out-of-line [`number`].
    #[inline(always)]
    fn number_value(&mut self) -> Number {
        let data = self.data;
        let mut i = self.pos;
        let negative = match data.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        // Wrapping: past 18 digits the value is not used (the count is
        // checked after the loop, not at every digit).
        let mut mantissa = 0u64;
        let mut digits = 0usize;
        // How many digits came before the point, once there is one.
        let mut point: Option<usize> = None;
        loop {
            match data.get(i) {
                Some(&b @ b'0'..=b'9') => {
                    mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
                    digits += 1;
                }
                Some(b'.') if point.is_none() => point = Some(digits),
                Some(&b) if is_regular(b) => return self.general_number(),
                _ => break,
            }
            i += 1;
        }
        let value = match point {
            None if digits > 0 && digits <= FAST_INTEGER_MAX_DIGITS => {
                // At most 18 digits: the value fits an i64.
                let value = mantissa as i64;
                Number::Integer(if negative { -value } else { value })
            }
            Some(before) if digits > 0 && digits <= SHORT_REAL_MAX_DIGITS => {
                // At most 15 digits: the count fits a u32.
                let fraction = (digits - before) as u32;
                let Some(real) = exact_real(mantissa, fraction) else {
                    return self.general_number();
                };
                Number::Real(if negative { -real } else { real })
            }
            _ => return self.general_number(),
        };
        self.pos = i;
        value
    }

    /// The number token at the position, through [`number`].
    #[cold]
    #[inline(never)]
    fn general_number(&mut self) -> Number {
        number_value(self.regular_run())
    }

    /// A name after its `/`, with `#xx` escapes decoded.
    fn name(&mut self) -> Vec<u8> {
        self.borrowed_name().into_owned()
    }

    /// A name after its `/`, borrowed from the data unless it has a `#xx`
    /// escape to decode.
    fn borrowed_name(&mut self) -> Cow<'a, [u8]> {
        if let Some(run) = self.plain_name() {
            return Cow::Borrowed(run);
        }
        let run = self.regular_run();
        let mut out = Vec::with_capacity(run.len());
        unescape_name(run, &mut out);
        Cow::Owned(out)
    }

    /// A `<…>` string after its `<`.
    fn hex_string(&mut self) -> Object {
        Object::String(self.hex_bytes(), StringFormat::Hexadecimal)
    }

    /// [`Lexer::hex_string`]'s bytes.
    fn hex_bytes(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        self.hex_into(&mut out);
        out
    }

    /// A `<…>` string after its `<`, its bytes appended to `out`: two
    /// digits a byte up to the `>` (or the end of the data), any byte
    /// that is no hexadecimal digit passed over, an odd last digit
    /// followed by a 0.
    fn hex_into(&mut self, out: &mut Vec<u8>) {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        // A composite font's two-byte code, `<0E06>` (Chromium shows each
        // glyph so): four digits and the `>`, two bytes without the scan
        // below. A byte that is no digit reads as `NOT_HEX`, which no OR
        // of digit values (0–15) reaches.
        if let Some(&[a, b, c, d, b'>']) = rest.get(..5) {
            let [a, b, c, d] = [a, b, c, d].map(|x| HEX_DIGIT[usize::from(x)]);
            if (a | b | c | d) < 16 {
                out.extend_from_slice(&[(a << 4) | b, (c << 4) | d]);
                self.pos += 5;
                return;
            }
        }
        // The usual string, an even run of digits closed by `>` (a
        // glyph's code: `<0E06>`), read in one pass and copied as pairs;
        // the same bytes as the reading below, which takes anything else.
        let digits = rest
            .iter()
            .position(|&b| HEX_DIGIT[usize::from(b)] == NOT_HEX)
            .unwrap_or(rest.len());
        if digits % 2 == 0
            && rest.get(digits) == Some(&b'>')
            && let Some(run) = rest.get(..digits)
        {
            out.extend(run.chunks_exact(2).map(|pair| match *pair {
                [high, low] => HEX_DIGIT[usize::from(high)] << 4 | HEX_DIGIT[usize::from(low)],
                _ => 0,
            }));
            self.pos += digits + 1;
            return;
        }
        let span = memchr::memchr(b'>', rest);
        let body = rest.get(..span.unwrap_or(rest.len())).unwrap_or_default();
        // Past the `>` when there is one.
        self.pos += span.map_or(body.len(), |s| s + 1);
        out.reserve(body.len().div_ceil(2));
        let mut high: Option<u8> = None;
        for &b in body {
            let v = HEX_DIGIT[usize::from(b)];
            if v == NOT_HEX {
                continue;
            }
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
        if let Some(h) = high {
            out.push(h << 4);
        }
    }

    /// A `(…)` string after its `(`: balanced parentheses, escapes.
    fn literal_string(&mut self) -> Object {
        // Up to the first `)` is the usual whole string (escapes only
        // shorten it): one allocation, no regrowth, in the common case.
        let mut out = Vec::new();
        self.literal_into(&mut out);
        Object::String(out, StringFormat::Literal)
    }

    /// [`Lexer::literal_string`]'s bytes, appended to `out`.
    fn literal_into(&mut self, out: &mut Vec<u8>) {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        out.reserve(memchr::memchr(b')', rest).unwrap_or(rest.len()));
        let mut depth = 1usize;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                    out.push(b);
                }
                b'\\' => self.escape(out),
                _ => out.push(b),
            }
        }
    }

    fn escape(&mut self, out: &mut Vec<u8>) {
        let Some(b) = self.peek() else { return };
        self.pos += 1;
        match b {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0C),
            b'0'..=b'7' => {
                let mut v = u32::from(b - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                out.push((v & 0xFF) as u8);
            }
            // A backslash at the end of a line continues the string.
            b'\r' => {
                if self.peek() == Some(b'\n') {
                    self.pos += 1;
                }
            }
            b'\n' => {}
            other => out.push(other),
        }
    }

    /// Skips an inline image's data after `ID`, up to and including `EI`
    /// standing alone between whitespace.
    fn skip_inline_image_data(&mut self) {
        // One whitespace byte separates ID from the data.
        self.pos += 1;
        while self.pos < self.data.len() {
            let at = self.pos;
            if self.data.get(at..at + 2) == Some(b"EI")
                && at > 0
                && self.data.get(at - 1).copied().is_some_and(is_whitespace)
                && self.data.get(at + 2).is_none_or(|b| is_whitespace(*b))
            {
                self.pos = at + 2;
                return;
            }
            self.pos += 1;
        }
    }
}

/// A name's bytes with its `#xx` escapes decoded, appended to `out`.
fn unescape_name(run: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while let Some(&b) = run.get(i) {
        if b == b'#'
            && let Some(v) = run
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b);
        i += 1;
    }
}

fn number(run: &[u8]) -> Object {
    number_value(run).into()
}

/// [`number`]'s value.
fn number_value(run: &[u8]) -> Number {
    if let Some(i) = plain_integer(run) {
        return Number::Integer(i);
    }
    if let Some(r) = short_real(run) {
        return Number::Real(r);
    }
    let text = std::str::from_utf8(run).unwrap_or("0");
    if !text.contains('.')
        && let Ok(i) = text.parse::<i64>()
    {
        return Number::Integer(i);
    }
    // A well-formed real (a sign first, digits, at most one point), as
    // nearly every real in a content stream is: the lenient reading below
    // would copy it unchanged, so it is parsed where it lies.
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    if unsigned.bytes().all(|b| b == b'.' || b.is_ascii_digit())
        && unsigned.bytes().filter(|&b| b == b'.').count() <= 1
    {
        return Number::Real(unsigned_real(text));
    }
    Number::Real(unsigned_real(&lenient_real(text)))
}

/// An optional sign and one or more digits, read as `i64::from_str` would
/// (`None` past the `i64` range), without first checking the run is UTF-8:
/// most of a content stream's operands are such integers.
fn plain_integer(run: &[u8]) -> Option<i64> {
    let (negative, digits) = match run {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, run),
    };
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0i64, |acc, &b| {
        let digit = i64::from(b.checked_sub(b'0').filter(|d| *d <= 9)?);
        let acc = acc.checked_mul(10)?;
        if negative {
            acc.checked_sub(digit)
        } else {
            acc.checked_add(digit)
        }
    })
}

/// Digits a [`short_real`] may have: any 15 make an integer below 2^53,
/// exact in an `f64`.
const SHORT_REAL_MAX_DIGITS: usize = 15;

/// Digits of an integer [`Lexer::number`] reads itself: any 18 make an
/// integer that fits an `i64` (a longer run goes to [`number`]).
const FAST_INTEGER_MAX_DIGITS: usize = 18;

/// Fraction digits a [`short_real`] may have: 10^22 is the largest power
/// of ten an `f64` holds exactly.
const SHORT_REAL_MAX_FRACTION: u32 = 22;

/// 10^0 to 10^22, each exact in an `f64`.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Bits of an `f64` significand below an `f32`'s: an `f64` whose low 29
/// bits are exactly `1 << 28` lies halfway between two `f32`s.
const F64_BELOW_F32_BITS: u32 = 52 - 23;

/// A real of an optional sign, digits and one point, whose digits make an
/// integer below 2^53 (`72.023`, `-.5`, `594.95996`), as `f32::from_str`
/// reads it, without the general parser. The digits and the power of ten
/// are exact in an `f64`, so their quotient is the correctly rounded `f64`
/// (the exact fast path of decimal conversion); rounding that to `f32`
/// is the correctly rounded `f32` unless the `f64` lies exactly halfway
/// between two `f32`s (every such halfway point is an `f64`, so rounding
/// to `f64` never crosses one), which is left to the general parser. Most
/// reals in a content stream are such. `None` for any other run.
fn short_real(run: &[u8]) -> Option<f32> {
    let (negative, body) = match run {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, run),
    };
    let mut mantissa: u64 = 0;
    let mut digits = 0usize;
    let mut fraction: Option<u32> = None;
    for &b in body {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                digits += 1;
                if digits > SHORT_REAL_MAX_DIGITS {
                    return None;
                }
                if let Some(f) = fraction.as_mut() {
                    *f += 1;
                }
            }
            b'.' if fraction.is_none() => fraction = Some(0),
            _ => return None,
        }
    }
    let fraction = fraction?;
    if digits == 0 {
        return None;
    }
    let value = exact_real(mantissa, fraction)?;
    Some(if negative { -value } else { value })
}

/// `mantissa / 10^fraction` rounded to `f32` as [`short_real`] explains
/// (the mantissa below 2^53); `None` when the `f64` quotient lies exactly
/// halfway between two `f32`s or the power is past 10^22.
fn exact_real(mantissa: u64, fraction: u32) -> Option<f32> {
    if fraction > SHORT_REAL_MAX_FRACTION {
        return None;
    }
    let quotient = mantissa as f64 / *POWERS_OF_TEN.get(fraction as usize)?;
    let low = quotient.to_bits() & ((1u64 << F64_BELOW_F32_BITS) - 1);
    if low == 1 << (F64_BELOW_F32_BITS - 1) {
        return None;
    }
    Some(quotient as f32)
}

/// `text` as a real, a leading `+` dropped; 0 when it is no number.
fn unsigned_real(text: &str) -> f32 {
    text.trim_start_matches('+').parse::<f32>().unwrap_or(0.0)
}

/// Lenient: "--5" and "4.5.6" read as far as they make sense.
fn lenient_real(text: &str) -> String {
    let mut seen_dot = false;
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        match c {
            '-' | '+' if i == 0 || out.is_empty() => out.push(c),
            '-' | '+' => {}
            '.' if !seen_dot => {
                seen_dot = true;
                out.push(c);
            }
            '0'..='9' => out.push(c),
            _ => break,
        }
    }
    out
}

/// Reads one object that may be an array or a dictionary; `None` at the
/// end of the data or on a closing token with nothing open. The operator
/// loop's reading ([`OperandLists`]) is tested against it.
#[cfg(test)]
fn read_object(lexer: &mut Lexer<'_>, first: Token<'_>, depth: usize) -> Option<Object> {
    match first {
        Token::Object(o) => Some(o),
        Token::ArrayStart => {
            let mut items = Vec::new();
            while let Some(t) = lexer.next_token() {
                match t {
                    Token::ArrayEnd => break,
                    Token::Keyword(_) | Token::DictEnd => {}
                    other if depth < MAX_NESTING => {
                        if let Some(o) = read_object(lexer, other, depth + 1) {
                            items.push(o);
                        }
                    }
                    _ => {}
                }
            }
            Some(Object::Array(items))
        }
        Token::DictStart => {
            let mut dict = Dictionary::new();
            let mut key: Option<Vec<u8>> = None;
            while let Some(t) = lexer.next_token() {
                match t {
                    Token::DictEnd => break,
                    Token::Object(Object::Name(n)) if key.is_none() => key = Some(n),
                    Token::Keyword(_) | Token::ArrayEnd => {}
                    other if depth < MAX_NESTING => {
                        let value = read_object(lexer, other, depth + 1);
                        if let (Some(k), Some(v)) = (key.take(), value) {
                            dict.set(k, v);
                        }
                    }
                    _ => {}
                }
            }
            Some(Object::Dictionary(dict))
        }
        Token::ArrayEnd | Token::DictEnd | Token::Keyword(_) => None,
    }
}

/// One operand as the operator loop keeps it: numbers by value, names
/// and escape-free literal strings borrowed from the content bytes, every
/// other string decoded into one scratch buffer shared by an operator's
/// operands (`start..end` of it), an array as the range of its elements
/// in one element list, a dictionary (`BDC` properties) as the range of
/// its keys and values, alternating, in the same list. Nothing is
/// allocated per operand: the lists are cleared, not freed, after each
/// operator.
#[derive(Clone, Copy, Debug)]
enum Slot<'a> {
    Integer(i64),
    Real(f32),
    /// Its value is read by the test oracle only: an operator reads a
    /// boolean as no number, name or string.
    Boolean(#[cfg_attr(not(test), expect(dead_code))] bool),
    Null,
    Name(&'a [u8]),
    /// A name with a `#xx` escape, decoded into the scratch bytes.
    ScratchName(usize, usize),
    /// A literal string with no escape and no nested parenthesis.
    Literal(&'a [u8]),
    ScratchLiteral(usize, usize),
    Hex(usize, usize),
    /// The elements `start..end` of the element list. An array nested in
    /// an array takes one element, its own elements right after it, so an
    /// array's elements are walked by stepping over each nested range.
    Array(usize, usize),
    /// The elements `start..end`, a key (a name) and its value in turn, as
    /// [`read_object`] sets them (a key given twice is looked up last).
    Dictionary(usize, usize),
}

impl From<Number> for Slot<'_> {
    fn from(n: Number) -> Self {
        match n {
            Number::Integer(i) => Slot::Integer(i),
            Number::Real(r) => Slot::Real(r),
        }
    }
}

/// What one token of the operator loop is (see [`Lexer::next_slot`]).
enum SlotToken<'a> {
    Value(Slot<'a>),
    Keyword(&'a [u8]),
    ArrayStart,
    ArrayEnd,
    DictStart,
    DictEnd,
}

/// An operator's operands, kept by [`for_each_operator`] for the length
/// of the call.
#[derive(Clone, Copy)]
pub struct Operands<'s> {
    top: &'s [Slot<'s>],
    elements: &'s [Slot<'s>],
    scratch: &'s [u8],
}

/// One operand, as an operator reads it.
#[derive(Clone, Copy)]
pub enum Operand<'s> {
    /// An integer or a real, as `objects::number` reads either.
    Number(f64),
    Name(&'s [u8]),
    /// A literal or hexadecimal string's bytes.
    String(&'s [u8]),
    Dictionary(Dict<'s>),
    /// A boolean, null or array (an operand's array is read through
    /// [`Operands::array`]; no operator reads an array in an array).
    Other,
}

impl<'s> Operands<'s> {
    /// The operand at `i`.
    pub fn get(&self, i: usize) -> Option<Operand<'s>> {
        self.top.get(i).map(|&slot| self.view(slot))
    }

    /// The operand at `i` if it is a number.
    pub fn number(&self, i: usize) -> Option<f64> {
        match self.top.get(i)? {
            Slot::Integer(v) => Some(*v as f64),
            Slot::Real(v) => Some(f64::from(*v)),
            _ => None,
        }
    }

    /// The operand at `i` if it is a name.
    pub fn name(&self, i: usize) -> Option<&'s [u8]> {
        match *self.top.get(i)? {
            Slot::Name(n) => Some(n),
            Slot::ScratchName(s, e) => Some(self.bytes(s, e)),
            _ => None,
        }
    }

    /// The operand at `i` if it is a string.
    pub fn string(&self, i: usize) -> Option<&'s [u8]> {
        match *self.top.get(i)? {
            Slot::Literal(b) => Some(b),
            Slot::ScratchLiteral(s, e) | Slot::Hex(s, e) => Some(self.bytes(s, e)),
            _ => None,
        }
    }

    /// The operand at `i` if it is an array.
    pub fn array(&self, i: usize) -> Option<Elements<'s>> {
        match *self.top.get(i)? {
            Slot::Array(start, end) => Some(Elements {
                operands: *self,
                next: start,
                end,
            }),
            _ => None,
        }
    }

    /// Each operand as a number, `None` for one that is not.
    pub fn numbers(&self) -> impl Iterator<Item = Option<f64>> + 's {
        let this = *self;
        (0..this.top.len()).map(move |i| this.number(i))
    }

    fn bytes(&self, start: usize, end: usize) -> &'s [u8] {
        self.scratch.get(start..end).unwrap_or_default()
    }

    fn view(&self, slot: Slot<'s>) -> Operand<'s> {
        match slot {
            Slot::Integer(v) => Operand::Number(v as f64),
            Slot::Real(v) => Operand::Number(f64::from(v)),
            Slot::Boolean(_) | Slot::Null | Slot::Array(..) => Operand::Other,
            Slot::Name(n) => Operand::Name(n),
            Slot::ScratchName(s, e) => Operand::Name(self.bytes(s, e)),
            Slot::Literal(b) => Operand::String(b),
            Slot::ScratchLiteral(s, e) | Slot::Hex(s, e) => Operand::String(self.bytes(s, e)),
            Slot::Dictionary(start, end) => Operand::Dictionary(Dict {
                entries: Elements {
                    operands: *self,
                    next: start,
                    end,
                },
            }),
        }
    }

    /// The operands as lopdf objects, as the general token walk reads
    /// them (the test oracle of the operator loop).
    #[cfg(test)]
    fn to_objects(self) -> Vec<Object> {
        self.top.iter().map(|&slot| self.object(slot)).collect()
    }

    #[cfg(test)]
    fn object(&self, slot: Slot<'s>) -> Object {
        let string = |b: &[u8], format| Object::String(b.to_vec(), format);
        match slot {
            Slot::Integer(v) => Object::Integer(v),
            Slot::Real(v) => Object::Real(v),
            Slot::Boolean(v) => Object::Boolean(v),
            Slot::Null => Object::Null,
            Slot::Name(n) => Object::Name(n.to_vec()),
            Slot::ScratchName(s, e) => Object::Name(self.bytes(s, e).to_vec()),
            Slot::Literal(b) => string(b, StringFormat::Literal),
            Slot::ScratchLiteral(s, e) => string(self.bytes(s, e), StringFormat::Literal),
            Slot::Hex(s, e) => string(self.bytes(s, e), StringFormat::Hexadecimal),
            Slot::Array(start, end) => {
                let elements = Elements {
                    operands: *self,
                    next: start,
                    end,
                };
                Object::Array(elements.slots().map(|s| self.object(s)).collect())
            }
            Slot::Dictionary(start, end) => {
                let mut entries = Elements {
                    operands: *self,
                    next: start,
                    end,
                };
                let mut dict = Dictionary::new();
                while let (Some(Operand::Name(key)), Some(value)) =
                    (entries.next(), entries.next_slot())
                {
                    dict.set(key.to_vec(), self.object(value));
                }
                Object::Dictionary(dict)
            }
        }
    }
}

/// A dictionary operand's entries.
#[derive(Clone, Copy)]
pub struct Dict<'s> {
    entries: Elements<'s>,
}

impl<'s> Dict<'s> {
    /// The value under `key`.
    pub fn get(&self, key: &[u8]) -> Option<Operand<'s>> {
        let mut entries = self.entries;
        let mut found = None;
        while let (Some(k), Some(value)) = (entries.next(), entries.next()) {
            if matches!(k, Operand::Name(n) if n == key) {
                found = Some(value);
            }
        }
        found
    }
}

/// An array operand's elements, in order.
#[derive(Clone, Copy)]
pub struct Elements<'s> {
    operands: Operands<'s>,
    next: usize,
    end: usize,
}

impl<'s> Elements<'s> {
    fn next_slot(&mut self) -> Option<Slot<'s>> {
        if self.next >= self.end {
            return None;
        }
        let slot = *self.operands.elements.get(self.next)?;
        // A nested array's elements follow it: step over them.
        self.next = match slot {
            Slot::Array(_, end) | Slot::Dictionary(_, end) => end.max(self.next + 1),
            _ => self.next + 1,
        };
        Some(slot)
    }

    #[cfg(test)]
    fn slots(mut self) -> impl Iterator<Item = Slot<'s>> {
        std::iter::from_fn(move || self.next_slot())
    }
}

impl<'s> Iterator for Elements<'s> {
    type Item = Operand<'s>;

    fn next(&mut self) -> Option<Operand<'s>> {
        let slot = self.next_slot()?;
        Some(self.operands.view(slot))
    }
}

/// Where the operator loop keeps an operator's operands (see [`Slot`]).
#[derive(Default)]
struct OperandLists<'a> {
    top: Vec<Slot<'a>>,
    elements: Vec<Slot<'a>>,
    scratch: Vec<u8>,
}

impl<'a> OperandLists<'a> {
    fn clear(&mut self) {
        self.top.clear();
        self.elements.clear();
        self.scratch.clear();
    }

    fn view(&self) -> Operands<'_> {
        Operands {
            top: &self.top,
            elements: &self.elements,
            scratch: &self.scratch,
        }
    }

    /// What the lists hold now, to drop an operand read past
    /// [`MAX_OPERANDS`] with everything it put in them.
    fn marks(&self) -> (usize, usize) {
        (self.elements.len(), self.scratch.len())
    }

    /// Keeps `slot` as the next operand, or drops it past [`MAX_OPERANDS`]
    /// (with what it put in the lists since `marks`).
    #[inline]
    fn push(&mut self, slot: Slot<'a>, marks: (usize, usize)) {
        if self.top.len() < MAX_OPERANDS {
            self.top.push(slot);
        } else {
            self.truncate(marks);
        }
    }

    fn truncate(&mut self, marks: (usize, usize)) {
        self.elements.truncate(marks.0);
        self.scratch.truncate(marks.1);
    }

    /// Reads an array's elements after its `[` into the element list, as
    /// [`read_object`] reads them at `depth`.
    fn array_elements(&mut self, lexer: &mut Lexer<'a>, depth: usize) {
        while let Some(t) = lexer.next_slot(&mut self.scratch) {
            match t {
                SlotToken::ArrayEnd => break,
                SlotToken::Keyword(_) | SlotToken::DictEnd => {}
                _ if depth >= MAX_NESTING => {}
                value => self.element(lexer, value, depth),
            }
        }
    }

    /// Reads a dictionary's keys and values after its `<<` into the
    /// element list, as [`read_object`] reads them at `depth`: a value
    /// with no key before it, and a last key with no value, are dropped.
    fn dictionary_elements(&mut self, lexer: &mut Lexer<'a>, depth: usize) {
        let mut has_key = false;
        while let Some(t) = lexer.next_slot(&mut self.scratch) {
            match t {
                SlotToken::DictEnd => break,
                SlotToken::Value(key @ (Slot::Name(_) | Slot::ScratchName(..))) if !has_key => {
                    self.elements.push(key);
                    has_key = true;
                }
                SlotToken::Keyword(_) | SlotToken::ArrayEnd => {}
                _ if depth >= MAX_NESTING => {}
                value if has_key => {
                    self.element(lexer, value, depth);
                    has_key = false;
                }
                value => {
                    let marks = self.marks();
                    self.element(lexer, value, depth);
                    self.truncate(marks);
                }
            }
        }
        if has_key {
            self.elements.pop();
        }
    }

    /// Reads the value a token opens into the element list, in an array
    /// or dictionary at `depth`.
    fn element(&mut self, lexer: &mut Lexer<'a>, token: SlotToken<'a>, depth: usize) {
        match token {
            SlotToken::Value(slot) => self.elements.push(slot),
            SlotToken::ArrayStart | SlotToken::DictStart => {
                let is_array = matches!(token, SlotToken::ArrayStart);
                let at = self.elements.len();
                self.elements.push(Slot::Array(at + 1, at + 1));
                if is_array {
                    self.array_elements(lexer, depth + 1);
                } else {
                    self.dictionary_elements(lexer, depth + 1);
                }
                let end = self.elements.len();
                if let Some(slot) = self.elements.get_mut(at) {
                    *slot = if is_array {
                        Slot::Array(at + 1, end)
                    } else {
                        Slot::Dictionary(at + 1, end)
                    };
                }
            }
            SlotToken::Keyword(_) | SlotToken::ArrayEnd | SlotToken::DictEnd => {}
        }
    }
}

impl<'a> Lexer<'a> {
    /// The next token as the operator loop keeps it: [`Lexer::next_token`]
    /// with every string's bytes borrowed or decoded into `scratch`.
    fn next_slot(&mut self, scratch: &mut Vec<u8>) -> Option<SlotToken<'a>> {
        loop {
            let b = self.next_byte()?;
            return Some(match b {
                b'[' => {
                    self.pos += 1;
                    SlotToken::ArrayStart
                }
                b']' => {
                    self.pos += 1;
                    SlotToken::ArrayEnd
                }
                b'<' if self.data.get(self.pos + 1) == Some(&b'<') => {
                    self.pos += 2;
                    SlotToken::DictStart
                }
                b'>' if self.data.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    SlotToken::DictEnd
                }
                b'<' => {
                    self.pos += 1;
                    SlotToken::Value(self.hex_slot(scratch))
                }
                b'(' => {
                    self.pos += 1;
                    SlotToken::Value(self.literal_slot(scratch))
                }
                b'/' => {
                    self.pos += 1;
                    SlotToken::Value(self.name_slot(scratch))
                }
                b'+' | b'-' | b'.' | b'0'..=b'9' => SlotToken::Value(self.number_value().into()),
                _ if is_regular(b) => match self.regular_run() {
                    b"true" => SlotToken::Value(Slot::Boolean(true)),
                    b"false" => SlotToken::Value(Slot::Boolean(false)),
                    b"null" => SlotToken::Value(Slot::Null),
                    word => SlotToken::Keyword(word),
                },
                _ => {
                    // A stray ')', '>', '{' or '}': skip it.
                    self.pos += 1;
                    continue;
                }
            });
        }
    }

    /// A `<…>` string after its `<`, decoded into `scratch`.
    fn hex_slot(&mut self, scratch: &mut Vec<u8>) -> Slot<'a> {
        let start = scratch.len();
        self.hex_into(scratch);
        Slot::Hex(start, scratch.len())
    }

    /// A `(…)` string after its `(`: borrowed when it ends before any
    /// backslash or nested parenthesis, else decoded into `scratch`.
    fn literal_slot(&mut self, scratch: &mut Vec<u8>) -> Slot<'a> {
        let data = self.data;
        let rest = data.get(self.pos..).unwrap_or_default();
        if let Some(len) = memchr::memchr3(b')', b'(', b'\\', rest)
            && rest.get(len) == Some(&b')')
        {
            self.pos += len + 1;
            return Slot::Literal(rest.get(..len).unwrap_or_default());
        }
        let start = scratch.len();
        self.literal_into(scratch);
        Slot::ScratchLiteral(start, scratch.len())
    }

    /// A name after its `/`: borrowed unless a `#xx` escape is decoded
    /// into `scratch`.
    fn name_slot(&mut self, scratch: &mut Vec<u8>) -> Slot<'a> {
        if let Some(run) = self.plain_name() {
            return Slot::Name(run);
        }
        let run = self.regular_run();
        let start = scratch.len();
        unescape_name(run, scratch);
        Slot::ScratchName(start, scratch.len())
    }
}

/// Calls `on_operator` for every operator of a content stream, in order,
/// with its operands (the operator's bytes, always UTF-8). Stops early
/// when the callback returns an error.
pub fn for_each_operator<E>(
    data: &[u8],
    mut on_operator: impl FnMut(&[u8], Operands<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let mut lexer = Lexer { data, pos: 0 };
    let mut lists = OperandLists::default();
    // Numbers, the commonest token, are read here with less on the way
    // than `next_slot` takes.
    while let Some(b) = lexer.next_byte() {
        if matches!(b, b'+' | b'-' | b'.' | b'0'..=b'9') {
            let n = lexer.number_value();
            if lists.top.len() < MAX_OPERANDS {
                lists.top.push(n.into());
            }
            continue;
        }
        // Hex strings, names and operators next: read here as
        // `next_slot` reads them; anything else through it.
        let marks = lists.marks();
        let op = match b {
            b'<' if lexer.data.get(lexer.pos + 1) != Some(&b'<') => {
                lexer.pos += 1;
                let slot = lexer.hex_slot(&mut lists.scratch);
                lists.push(slot, marks);
                continue;
            }
            b'/' => {
                lexer.pos += 1;
                let slot = lexer.name_slot(&mut lists.scratch);
                lists.push(slot, marks);
                continue;
            }
            _ if is_regular(b) => match lexer.regular_run() {
                b"true" => {
                    lists.push(Slot::Boolean(true), marks);
                    continue;
                }
                b"false" => {
                    lists.push(Slot::Boolean(false), marks);
                    continue;
                }
                b"null" => {
                    lists.push(Slot::Null, marks);
                    continue;
                }
                word => word,
            },
            _ => match lexer.next_slot(&mut lists.scratch) {
                None => break,
                Some(SlotToken::Value(slot)) => {
                    lists.push(slot, marks);
                    continue;
                }
                Some(SlotToken::ArrayStart) => {
                    let start = lists.elements.len();
                    lists.array_elements(&mut lexer, 0);
                    let end = lists.elements.len();
                    lists.push(Slot::Array(start, end), marks);
                    continue;
                }
                Some(SlotToken::DictStart) => {
                    let start = lists.elements.len();
                    lists.dictionary_elements(&mut lexer, 0);
                    let end = lists.elements.len();
                    lists.push(Slot::Dictionary(start, end), marks);
                    continue;
                }
                Some(SlotToken::ArrayEnd | SlotToken::DictEnd) => continue,
                Some(SlotToken::Keyword(op)) => op,
            },
        };
        // A word that is not UTF-8 is no operator (checked only past
        // ASCII: operators are ASCII).
        if !op.is_ascii() && std::str::from_utf8(op).is_err() {
            lists.clear();
            continue;
        }
        if op == b"BI" {
            // The image dictionary, up to ID, then the raw data.
            while let Some(t) = lexer.next_token() {
                if let Token::Keyword(b"ID") = t {
                    break;
                }
            }
            lexer.skip_inline_image_data();
        }
        on_operator(op, lists.view())?;
        lists.clear();
    }
    Ok(())
}

/// Where the lazy object layer keeps values it does not convert yet (see
/// `lazy.rs`): a dictionary entry whose key [`Defer::wants`] is stepped
/// over without building its value, and [`Defer::deferred`] gives what
/// stands in for it.
pub trait Defer {
    /// Whether the array or dictionary under `key` is to be deferred.
    fn wants(&mut self, key: &[u8]) -> bool;
    /// What stands in for the value at `start..end` of the data, read at
    /// nesting `depth` (give both to [`parse_value_at`] to read it).
    fn deferred(&mut self, start: usize, end: usize, depth: usize) -> Object;
    /// Whether an object number is kept for deferred values: a file's
    /// reference to it is read as one to [`u32::MAX`], which names nothing.
    fn reserved(&self, _number: u32) -> bool {
        false
    }
}

/// Defers nothing.
pub struct NoDefer;

impl Defer for NoDefer {
    fn wants(&mut self, _: &[u8]) -> bool {
        false
    }
    fn deferred(&mut self, _: usize, _: usize, _: usize) -> Object {
        Object::Null
    }
}

/// The budget and the deferral of one conversion, and the entries of
/// the dictionaries being read (see [`with_entries`]).
struct Reading<'r> {
    budget: &'r mut usize,
    defer: &'r mut dyn Defer,
    entries: &'r mut Vec<(Vec<u8>, Object)>,
}

/// Entries [`with_entries`] keeps room for between conversions (a few
/// hundred kilobytes at most; a larger dictionary gives its room back).
const ENTRIES_KEPT: usize = 1024;

thread_local! {
    /// [`Reading::entries`], reused by every conversion of the thread.
    static ENTRIES: RefCell<Vec<(Vec<u8>, Object)>> = const { RefCell::new(Vec::new()) };
}

/// Runs one conversion with the thread's scratch list of dictionary
/// entries. A dictionary's entries are gathered there (a nested one's
/// above its parent's, taken off when it ends) and put into its map at
/// once, sized for them: inserted one by one into lopdf's `IndexMap`, a
/// font dictionary of a dozen keys grew its table and its entry vector
/// three times each (about a third of the dictionaries' insert cost,
/// callgrind). The map is the same: the same keys inserted in the same
/// order.
fn with_entries<R>(read: impl FnOnce(&mut Vec<(Vec<u8>, Object)>) -> R) -> R {
    ENTRIES.with(|cell| match cell.try_borrow_mut() {
        Ok(mut entries) => {
            entries.clear();
            let value = read(&mut entries);
            entries.clear();
            if entries.capacity() > ENTRIES_KEPT {
                *entries = Vec::new();
            }
            value
        }
        // Not reached (a conversion starts none): a list of its own.
        Err(_) => read(&mut Vec::new()),
    })
}

/// [`read_value`] from `first` with a fresh [`Reading`]: the entries list
/// lent by [`with_entries`], `budget` and `defer` as given.
fn read_fresh(
    lexer: &mut Lexer<'_>,
    first: Token<'_>,
    depth: usize,
    budget: &mut usize,
    defer: &mut dyn Defer,
) -> Option<Object> {
    with_entries(|entries| {
        read_value(
            lexer,
            first,
            depth,
            &mut Reading {
                budget,
                defer,
                entries,
            },
        )
    })
}

/// The first value of `data`, in object syntax (ISO 32000-1, 7.3):
/// `n g R` is a reference. Each value read takes one from `budget`; at
/// zero, what is left reads as nothing (`None` for the value, a shorter
/// array or dictionary). Entries `defer` wants are deferred.
pub fn parse_value(data: &[u8], budget: &mut usize, defer: &mut dyn Defer) -> Option<Object> {
    let mut lexer = Lexer { data, pos: 0 };
    let first = lexer.next_token()?;
    read_fresh(&mut lexer, first, 0, budget, defer)
}

/// The value a [`Defer`] was given at `start` and `depth`, read as it
/// would have been read in place.
pub fn parse_value_at(
    data: &[u8],
    start: usize,
    depth: usize,
    budget: &mut usize,
    defer: &mut dyn Defer,
) -> Option<Object> {
    let mut lexer = Lexer { data, pos: start };
    let first = lexer.next_token()?;
    read_fresh(&mut lexer, first, depth, budget, defer)
}

/// Where the object of `id` begins at `offset` (`n g obj`, ISO 32000-1,
/// 7.3.10), the position after its header; `None` when something else
/// is there.
pub fn object_header(data: &[u8], offset: usize, id: (u32, u16)) -> Option<usize> {
    let mut lexer = Lexer { data, pos: offset };
    let number = lexer.next_token()?;
    let generation = lexer.next_token()?;
    let keyword = lexer.next_token()?;
    match (number, generation, keyword) {
        (
            Token::Object(Object::Integer(n)),
            Token::Object(Object::Integer(g)),
            Token::Keyword(b"obj"),
        ) if n == i64::from(id.0) && g == i64::from(id.1) => Some(lexer.pos),
        _ => None,
    }
}

/// What follows the dictionary of an indirect object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterDictionary {
    /// `endobj`: a dictionary object.
    EndObj,
    /// The keyword `stream`, ending at this position: a stream object
    /// (see [`stream_data`]).
    Stream(usize),
}

/// The dictionary after an object header at `pos`, as [`parse_value`]
/// reads it, when `endobj` or `stream` follows it (`None` for any other
/// value, or a dictionary followed by anything else).
pub fn dictionary_object(
    data: &[u8],
    pos: usize,
    budget: &mut usize,
    defer: &mut dyn Defer,
) -> Option<(Object, AfterDictionary)> {
    let mut lexer = Lexer { data, pos };
    let first = lexer.next_token()?;
    if !matches!(first, Token::DictStart) {
        return None;
    }
    let value = read_fresh(&mut lexer, first, 0, budget, defer)?;
    match lexer.next_token()? {
        Token::Keyword(b"endobj") => Some((value, AfterDictionary::EndObj)),
        Token::Keyword(b"stream") => Some((value, AfterDictionary::Stream(lexer.pos))),
        _ => None,
    }
}

/// A stream's data, its keyword `stream` ending at `pos`, read as
/// hayro-syntax reads a stream whose length is right (ISO 32000-1,
/// 7.3.8.1): an end of line (LF, CR LF or CR), `length` bytes, white space
/// and `endstream`. `None` when the bytes do not agree with the length
/// (hayro-syntax then looks for `endstream` itself).
pub fn stream_data(data: &[u8], pos: usize, length: usize) -> Option<&[u8]> {
    let eol = match data.get(pos..)? {
        [b'\r', b'\n', ..] => 2,
        [b'\n' | b'\r', ..] => 1,
        _ => return None,
    };
    let start = pos + eol;
    let end = start.checked_add(length)?;
    let stream = data.get(start..end)?;
    let mut after = end;
    while data.get(after).is_some_and(|b| is_whitespace(*b)) {
        after += 1;
    }
    data.get(after..)?
        .starts_with(b"endstream")
        .then_some(stream)
}

/// The values of an array whose brackets are already stripped (what
/// hayro-syntax's `Array::data` gives), as [`parse_value`] reads them.
pub fn parse_items(data: &[u8], budget: &mut usize, defer: &mut dyn Defer) -> Vec<Object> {
    let mut lexer = Lexer { data, pos: 0 };
    with_entries(|entries| {
        read_items(
            &mut lexer,
            0,
            &mut Reading {
                budget,
                defer,
                entries,
            },
        )
    })
}

/// Elements [`plain_array`] makes room for at once (a simple font's
/// `/Widths` and `/Differences` have at most 256 and 512).
const PLAIN_ARRAY_RESERVE: usize = 1024;

/// One element of a flat array read by [`plain_array`].
#[derive(Debug, Clone, PartialEq)]
pub enum PlainItem<'a> {
    Integer(i64),
    Real(f32),
    Name(Cow<'a, [u8]>),
}

/// The array at `start` (its `[`) when it holds only numbers and names
/// (a font's `/Widths`, an encoding's `/Differences`), read without
/// building objects: each element is what [`parse_value_at`] would make of
/// it. `None` for anything else (a reference, a string, a nested value, a
/// keyword, no closing `]`), which the caller reads the general way; and
/// when the elements would take more than `budget` (left unchanged then).
pub fn plain_array<'a>(
    data: &'a [u8],
    start: usize,
    budget: &mut usize,
) -> Option<Vec<PlainItem<'a>>> {
    let mut items = Vec::with_capacity(plain_reserve(data, start));
    plain_items(data, start, budget, |item| items.push(item))?;
    Some(items)
}

/// The numbers of the array at `start`, as [`plain_array`] reads it and
/// each element converted to `f64`: `None` when [`plain_array`] gives
/// `None` (budget unchanged), `Some(None)` when it holds a name (budget
/// spent, as [`plain_array`] spends it), without the elements' list.
pub fn plain_numbers(data: &[u8], start: usize, budget: &mut usize) -> Option<Option<Vec<f64>>> {
    let mut numbers = Vec::with_capacity(plain_reserve(data, start));
    let mut name = false;
    plain_items(data, start, budget, |item| match item {
        PlainItem::Integer(i) => numbers.push(i as f64),
        PlainItem::Real(r) => numbers.push(f64::from(r)),
        PlainItem::Name(_) => name = true,
    })?;
    Some((!name).then_some(numbers))
}

/// Room for a plain array's elements at once: every element takes at
/// least two bytes (`/a/b`, `1 2`), up to a bound a real array stays under.
fn plain_reserve(data: &[u8], start: usize) -> usize {
    (data.len().saturating_sub(start) / 2 + 1).min(PLAIN_ARRAY_RESERVE)
}

/// Digits an integer read by [`plain_items`]'s own loop may have: any
/// 18 digits fit an `i64`; a longer run goes to [`number`].
const PLAIN_INTEGER_MAX_DIGITS: usize = 18;

/// [`plain_array`]'s reading, each element given to `each` in order (all
/// of them before `None` is known when the array is not plain: a caller
/// keeps nothing then). A plain array's commonest element, unsigned
/// digits ending at a delimiter or white space, is read in one pass; any
/// other number by [`number`]. No reference look-ahead: a reference's `R`
/// is a keyword, which makes the array not plain in any case.
fn plain_items<'a>(
    data: &'a [u8],
    start: usize,
    budget: &mut usize,
    mut each: impl FnMut(PlainItem<'a>),
) -> Option<()> {
    let mut lexer = Lexer { data, pos: start };
    if lexer.peek() != Some(b'[') {
        return None;
    }
    lexer.pos += 1;
    let mut left = *budget;
    loop {
        lexer.skip_whitespace_and_comments();
        let item = match lexer.peek()? {
            b']' => break,
            b'/' => {
                lexer.pos += 1;
                PlainItem::Name(lexer.borrowed_name())
            }
            b'0'..=b'9' => {
                let token = lexer.pos;
                let mut value = 0i64;
                let mut digits = 0;
                while let Some(d) = data.get(lexer.pos).and_then(|b| b.checked_sub(b'0'))
                    && d <= 9
                    && digits < PLAIN_INTEGER_MAX_DIGITS
                {
                    value = value * 10 + i64::from(d);
                    digits += 1;
                    lexer.pos += 1;
                }
                if data.get(lexer.pos).is_some_and(|b| is_regular(*b)) {
                    lexer.pos = token;
                    plain_number(lexer.regular_run())?
                } else {
                    PlainItem::Integer(value)
                }
            }
            b'+' | b'-' | b'.' => plain_number(lexer.regular_run())?,
            _ => return None,
        };
        left = left.checked_sub(1)?;
        each(item);
    }
    *budget = left;
    Some(())
}

/// A number token of a plain array; `None` for anything [`number`] does
/// not read as a number.
fn plain_number(run: &[u8]) -> Option<PlainItem<'static>> {
    match number(run) {
        Object::Integer(i) => Some(PlainItem::Integer(i)),
        Object::Real(r) => Some(PlainItem::Real(r)),
        _ => None,
    }
}

/// The object after `first`, or a reference when `first` is a
/// non-negative integer followed by another and `R`. The look-ahead reads
/// bytes, not tokens, so an array of numbers is lexed once.
fn value_or_reference(
    lexer: &mut Lexer<'_>,
    first: Token<'_>,
    depth: usize,
    reading: &mut Reading<'_>,
) -> Option<Object> {
    if let Token::Object(Object::Integer(number)) = first
        && let Ok(number) = u32::try_from(number)
        && let Some((generation, end)) = reference_tail(lexer.data, lexer.pos)
    {
        lexer.pos = end;
        *reading.budget = reading.budget.checked_sub(1)?;
        let number = if reading.defer.reserved(number) {
            u32::MAX
        } else {
            number
        };
        return Some(match u16::try_from(generation) {
            Ok(generation) => Object::Reference((number, generation)),
            Err(_) => Object::Null,
        });
    }
    read_value(lexer, first, depth, reading)
}

/// After an object number at `pos`: white space, a generation number,
/// white space and `R` ending the token; the generation and where the
/// `R` ends.
fn reference_tail(data: &[u8], pos: usize) -> Option<(u32, usize)> {
    let rest = data.get(pos..)?;
    // Most numbers are followed by one space and something that is not a
    // digit, or by a number that is not followed by `R`: one pass.
    let mut i = 0;
    while rest.get(i).is_some_and(|b| is_whitespace(*b)) {
        i += 1;
    }
    if i == 0 {
        return None;
    }
    let digits_start = i;
    let mut generation = 0u32;
    while let Some(d) = rest.get(i).filter(|b| b.is_ascii_digit()) {
        if i - digits_start == 5 {
            return None;
        }
        generation = generation * 10 + u32::from(d - b'0');
        i += 1;
    }
    if i == digits_start {
        return None;
    }
    let gap_start = i;
    while rest.get(i).is_some_and(|b| is_whitespace(*b)) {
        i += 1;
    }
    if i == gap_start || rest.get(i) != Some(&b'R') {
        return None;
    }
    if rest.get(i + 1).is_some_and(|b| is_regular(*b)) {
        return None;
    }
    Some((generation, pos + i + 1))
}

fn read_value(
    lexer: &mut Lexer<'_>,
    first: Token<'_>,
    depth: usize,
    reading: &mut Reading<'_>,
) -> Option<Object> {
    *reading.budget = reading.budget.checked_sub(1)?;
    match first {
        Token::Object(o) => Some(o),
        Token::ArrayStart => Some(Object::Array(read_items(lexer, depth + 1, reading))),
        Token::DictStart => {
            // This dictionary's entries, from here on in the list.
            let first_entry = reading.entries.len();
            let mut key: Option<Vec<u8>> = None;
            while let Some(t) = lexer.next_token() {
                match t {
                    Token::DictEnd => break,
                    Token::Object(Object::Name(n)) if key.is_none() => key = Some(n),
                    Token::Keyword(_) | Token::ArrayEnd => {}
                    other if depth < MAX_NESTING => {
                        let value = match (&key, &other) {
                            (Some(k), Token::ArrayStart | Token::DictStart)
                                if reading.defer.wants(k) =>
                            {
                                let open = if matches!(other, Token::ArrayStart) {
                                    (1, Open::Array)
                                } else {
                                    (2, Open::Dictionary)
                                };
                                let start = lexer.pos.saturating_sub(open.0);
                                skip_value(lexer, open.1, depth + 1);
                                reading.budget.checked_sub(1).map(|left| {
                                    *reading.budget = left;
                                    reading.defer.deferred(start, lexer.pos, depth + 1)
                                })
                            }
                            _ => value_or_reference(lexer, other, depth + 1, reading),
                        };
                        match (key.take(), value) {
                            (Some(k), Some(v)) => reading.entries.push((k, v)),
                            (_, None) if *reading.budget == 0 => break,
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
            let mut dict = Dictionary::new();
            let map = dict.as_hashmap_mut();
            let entries = reading
                .entries
                .drain(first_entry.min(reading.entries.len())..);
            map.reserve(entries.len());
            for (k, v) in entries {
                // `Dictionary::set`: a repeated key keeps its place and
                // takes the later value.
                map.insert(k, v);
            }
            Some(Object::Dictionary(dict))
        }
        Token::ArrayEnd | Token::DictEnd | Token::Keyword(_) => None,
    }
}

/// Values up to `]` or the end of the data.
fn read_items(lexer: &mut Lexer<'_>, depth: usize, reading: &mut Reading<'_>) -> Vec<Object> {
    let mut items = Vec::new();
    while let Some(t) = lexer.next_token() {
        match t {
            Token::ArrayEnd => break,
            Token::Keyword(_) | Token::DictEnd => {}
            other if depth < MAX_NESTING => {
                match value_or_reference(lexer, other, depth, reading) {
                    Some(o) => items.push(o),
                    None if *reading.budget == 0 => break,
                    None => {}
                }
            }
            _ => {}
        }
    }
    items
}

/// Bytes [`skip_value`] steps over at once when none of them can end
/// or open anything (a deferred `/Widths` is hundreds of digits and
/// spaces with no such byte): eight, one machine word.
const SKIP_CHUNK: usize = 8;

/// The bytes that can change where a skipped value ends (1): a comment,
/// a string's or a level's opening or closing mark. A `)` or `\` matters
/// only inside a string, which [`skip_value`] reads byte by byte.
static SKIP_STOP: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = matches!(i as u8, b'%' | b'(' | b'<' | b'>' | b'[' | b']') as u8;
        i += 1;
    }
    table
};

/// Steps over the value whose opening token (`first`) was just read, at
/// nesting `depth`, ending where [`read_value`] at `depth` ends (the same
/// nesting cut), building nothing: one pass over the bytes. Only
/// brackets, dictionary marks, strings and comments can change where a
/// value ends, so every other byte (a name, a number, a keyword, white
/// space) is stepped over alone, without finding its token's end; the
/// values deferred this way are a font's `/Widths` and `/Differences`,
/// hundreds of numbers and names. Reads as a token-by-token walk would
/// (the tests keep one): a nested array or dictionary opens a level only
/// where [`read_value`] would read it (below [`MAX_NESTING`]); otherwise
/// its opening mark is stepped over like any token, and a closing mark
/// of the other kind than the level's is too.
fn skip_value(lexer: &mut Lexer<'_>, first: Open, depth: usize) {
    // The open levels, innermost highest: bit k set when level k is an
    // array. Level k is read at nesting `depth + k`; an array's items one
    // deeper, a dictionary's values at its own (as `read_value` passes
    // them on).
    const _: () = assert!(MAX_NESTING < 64);
    let data = lexer.data;
    let mut arrays: u64 = u64::from(first == Open::Array);
    let mut levels = 1usize;
    let mut i = lexer.pos;
    loop {
        // Ordinary bytes eight at a time, without a branch per byte.
        while let Some(chunk) = data
            .get(i..)
            .and_then(|rest| rest.first_chunk::<SKIP_CHUNK>())
        {
            if chunk
                .iter()
                .fold(0, |any, &c| any | SKIP_STOP[usize::from(c)])
                != 0
            {
                break;
            }
            i += SKIP_CHUNK;
        }
        let Some(&b) = data.get(i) else {
            break;
        };
        i += 1;
        match b {
            b'%' => {
                let comment = data.get(i..).unwrap_or_default();
                i += memchr::memchr2(b'\n', b'\r', comment).unwrap_or(comment.len());
            }
            b'(' => {
                // As `literal_string`: balanced parentheses, and an
                // escaped byte never counts.
                let mut open = 1usize;
                while let Some(&c) = data.get(i) {
                    i += 1;
                    match c {
                        b'(' => open += 1,
                        b')' => {
                            open -= 1;
                            if open == 0 {
                                break;
                            }
                        }
                        b'\\' if i < data.len() => i += 1,
                        _ => {}
                    }
                }
            }
            b'<' if data.get(i) != Some(&b'<') => {
                // As `hex_string`: up to and including the first `>`.
                match memchr::memchr(b'>', data.get(i..).unwrap_or_default()) {
                    Some(at) => i += at + 1,
                    None => i = data.len(),
                }
            }
            b'[' | b'<' => {
                if b == b'<' {
                    i += 1;
                }
                let top = levels - 1;
                let in_array = arrays >> top & 1 == 1;
                let nesting = depth + top + usize::from(in_array);
                if nesting < MAX_NESTING {
                    if b == b'[' {
                        arrays |= 1 << levels;
                    } else {
                        arrays &= !(1 << levels);
                    }
                    levels += 1;
                }
            }
            b']' | b'>' => {
                let is_array_end = b == b']';
                if !is_array_end {
                    if data.get(i) != Some(&b'>') {
                        // A stray `>`.
                        continue;
                    }
                    i += 1;
                }
                let top = levels - 1;
                if (arrays >> top & 1 == 1) == is_array_end {
                    levels -= 1;
                    if levels == 0 {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    lexer.pos = i.min(data.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(data: &[u8]) -> Vec<(String, Vec<Object>)> {
        let mut out = Vec::new();
        let _: Result<(), ()> = for_each_operator(data, |op, args| {
            out.push((String::from_utf8_lossy(op).into_owned(), args.to_objects()));
            Ok(())
        });
        out
    }

    /// The operator loop by the general token walk alone: every token
    /// through `next_token` and `read_object`, the operands kept as the
    /// loop keeps them.
    fn ops_by_tokens(data: &[u8]) -> Vec<(String, Vec<Object>)> {
        let mut out = Vec::new();
        let mut lexer = Lexer { data, pos: 0 };
        let mut operands = Vec::new();
        while let Some(token) = lexer.next_token() {
            match token {
                Token::Keyword(op) => {
                    if !op.is_ascii() && std::str::from_utf8(op).is_err() {
                        operands.clear();
                        continue;
                    }
                    if op == b"BI" {
                        while let Some(t) = lexer.next_token() {
                            if let Token::Keyword(b"ID") = t {
                                break;
                            }
                        }
                        lexer.skip_inline_image_data();
                    }
                    out.push((String::from_utf8_lossy(op).into_owned(), operands.clone()));
                    operands.clear();
                }
                other => {
                    if let Some(o) = read_object(&mut lexer, other, 0)
                        && operands.len() < MAX_OPERANDS
                    {
                        operands.push(o);
                    }
                }
            }
        }
        out
    }

    /// Numbers, names and hex strings read in the operator loop give the
    /// operands the general token walk gives, on generated content of
    /// every token kind (more operands than are kept, too).
    #[test]
    fn operands_read_in_the_loop_are_the_token_walks() {
        let pieces: [&[u8]; 35] = [
            b"<< /A >>",
            b"<< 1 /A 2 /B [3 <<>>] >>",
            b"<< /A /B /C [1 2] /D << /E (x) >> /A (dup) >>",
            b"<< [1 (q)] /K 3 << /L 4 >> /M <</N [5]>> >>",
            b"(plain)",
            b"(a(b)c)",
            b"[[1 (x) [/n]] 2 <<>>]",
            b"[ << /A [1 (y)] /B (z) >> (s) -4 ]",
            b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1 (d) 2]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
            b"(x\\(y)",
            b"(p)q)",
            b"12",
            b"-3.5",
            b"+.25",
            b"1e5",
            b"--2",
            b"0.000000000000000001",
            b"/F1",
            b"/A#42",
            b"/",
            b"<0041>",
            b"<4 1 g>",
            b"<>",
            b"(a\\)b)",
            b"[1 /x <00>]",
            b"<< /K 1 >>",
            b"Tj",
            b"TJ",
            b"Tf",
            b"true",
            b"null",
            b"%c\n",
            b"]",
            b"BI /W 1 ID x EI",
            b"\xff\xfe",
        ];
        let mut state = 0x5EED_0DDB_u64;
        for round in 0..5_000 {
            let mut data = Vec::new();
            let count = if round % 50 == 0 { 200 } else { 12 };
            for _ in 0..count {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                data.extend_from_slice(pieces[(state % pieces.len() as u64) as usize]);
                data.push(if state & 0x100 == 0 { b' ' } else { b'\n' });
            }
            assert_eq!(
                ops(&data),
                ops_by_tokens(&data),
                "{:?}",
                String::from_utf8_lossy(&data)
            );
        }
    }

    /// A `<…>` string's bytes as ISO 32000-1, 7.3.4.3 reads them, byte by
    /// byte (the oracle of `hex_into`): digits in pairs up to the `>` or
    /// the end, other bytes passed over, an odd last digit followed by 0.
    fn hex_by_bytes(data: &[u8]) -> (Vec<u8>, usize) {
        let end = data.iter().position(|&b| b == b'>');
        let body = &data[..end.unwrap_or(data.len())];
        let digits: Vec<u8> = body
            .iter()
            .filter_map(|&b| (b as char).to_digit(16).map(|d| d as u8))
            .collect();
        let bytes = digits
            .chunks(2)
            .map(|p| p[0] << 4 | p.get(1).copied().unwrap_or(0))
            .collect();
        (bytes, end.map_or(data.len(), |e| e + 1))
    }

    /// A name read in one pass is the regular run, and found plain exactly
    /// when the run holds no `#`, on generated names.
    #[test]
    fn plain_names_are_the_runs_without_an_escape() {
        let alphabet = b"aZ09#-.+_ /[(<%\x80";
        let mut state = 0x6E61_6D65_u64;
        for round in 0..20_000 {
            let mut data = Vec::new();
            for _ in 0..round % 9 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                data.push(alphabet[(state >> 16) as usize % alphabet.len()]);
            }
            let mut by_run = Lexer {
                data: &data,
                pos: 0,
            };
            let run = by_run.regular_run();
            let mut plain = Lexer {
                data: &data,
                pos: 0,
            };
            match plain.plain_name() {
                Some(name) => {
                    assert!(!run.contains(&b'#'), "{data:?}");
                    assert_eq!((name, plain.pos), (run, by_run.pos), "{data:?}");
                }
                None => {
                    assert!(run.contains(&b'#'), "{data:?}");
                    assert_eq!(plain.pos, 0, "{data:?}");
                }
            }
        }
    }

    /// The even run of digits read in one pass gives the bytes and the end
    /// the byte-by-byte reading gives, on generated strings of digits,
    /// spaces, other bytes, odd counts and missing `>`.
    #[test]
    fn hex_strings_read_as_the_byte_reading_reads_them() {
        let alphabet = b"0123456789abcdefABCDEF> \ng\x00)";
        let mut state = 0x4E58_0DD5_u64;
        for round in 0..20_000 {
            let mut data = Vec::new();
            let len = round % 13;
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Mostly digits, as real strings are.
                let i = if state & 0x300 == 0 {
                    (state >> 16) as usize % alphabet.len()
                } else {
                    (state >> 16) as usize % 22
                };
                data.push(alphabet[i]);
            }
            if state & 0x400 != 0 {
                data.push(b'>');
            }
            data.extend_from_slice(b" Tj");
            let mut lexer = Lexer {
                data: &data,
                pos: 0,
            };
            let mut out = vec![7];
            lexer.hex_into(&mut out);
            let (bytes, end) = hex_by_bytes(&data);
            assert_eq!(out[1..], bytes[..], "{:?}", String::from_utf8_lossy(&data));
            assert_eq!(lexer.pos, end, "{:?}", String::from_utf8_lossy(&data));
        }
    }

    #[test]
    fn well_formed_reals_read_as_the_lenient_reading_would() {
        for text in [
            "72.5",
            "-.5",
            "+3.25",
            "5.",
            ".",
            "-",
            "+",
            "0.000001",
            "99999999999999999999",
        ] {
            assert_eq!(
                number(text.as_bytes()),
                Object::Real(unsigned_real(&lenient_real(text))),
                "{text}"
            );
        }
        assert_eq!(number(b"-.5"), Object::Real(-0.5));
        assert_eq!(number(b"+3.25"), Object::Real(3.25));
        assert_eq!(number(b"."), Object::Real(0.0));
        // Not well-formed: read as far as it makes sense.
        assert_eq!(number(b"--5"), Object::Real(-5.0));
        assert_eq!(number(b"4.5.6"), Object::Real(4.5));
        assert_eq!(number(b"+-2.5"), Object::Real(2.5));
    }

    #[test]
    fn short_reals_read_as_the_standard_parse_would() {
        let mut cases: Vec<String> = [
            "72.023",
            "-.5",
            "+3.25",
            "5.",
            ".5",
            "0.0",
            "-0.0",
            "16777215.",
            "1677721.5",
            "0.1234567891",
            "9.999999999",
            "-841.91998",
            "594.95996",
            ".00100000005",
            "1.2.3",
            ".",
            "-.",
            "+",
            "12a.5",
            "16777216.0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // A pseudo-random spread of digit counts and point positions.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 18) as usize + 1;
            let point = (x >> 8) as usize % (digits + 1);
            let mut s = String::new();
            if x & (1 << 40) != 0 {
                s.push('-');
            }
            let mut y = x >> 16;
            for i in 0..digits {
                if i == point {
                    s.push('.');
                }
                s.push(char::from(b'0' + (y % 10) as u8));
                y /= 10;
            }
            if point == digits {
                s.push('.');
            }
            cases.push(s);
        }
        for text in &cases {
            if let Some(r) = short_real(text.as_bytes()) {
                let standard = text.parse::<f32>().unwrap();
                assert_eq!(r.to_bits(), standard.to_bits(), "{text}");
            }
        }
        assert_eq!(short_real(b"72.023"), Some(72.023));
        assert_eq!(short_real(b".00100000005"), ".00100000005".parse().ok());
        assert_eq!(short_real(b"1234567890.1234567"), None);
        // Exactly halfway between two f32s: left to the general parser.
        assert_eq!(short_real(b"16777217."), None);
        assert_eq!(short_real(b"1.00000005960464477539"), None);
        assert_eq!(number(b"16777217.0"), Object::Real(16_777_216.0));
        for i in (1u32 << 24)..(1 << 24) + 2000 {
            let text = format!("{i}.0");
            let expected = text.parse::<f32>().unwrap();
            assert_eq!(number(text.as_bytes()), Object::Real(expected), "{text}");
        }
        assert_eq!(short_real(b"12"), None);
        assert_eq!(short_real(b"."), None);
    }

    #[test]
    fn numbers_read_in_place_as_their_run_reads() {
        let mut cases: Vec<Vec<u8>> = [
            "0",
            "-0",
            "+0",
            "12",
            "-7",
            "+5",
            "007",
            "72.023",
            "-.5",
            "+3.25",
            "5.",
            ".",
            "-.",
            "-",
            "+",
            "--5",
            "4.5.6",
            "+-2.5",
            "1e5",
            "12a",
            "999999999999999999",
            "9999999999999999999",
            "-9223372036854775808",
            "123456789012345.",
            "1234567890123456.",
            "16777217.",
            "0.000000000000001",
            "1.00000005960464477539",
            "-.0",
            "-0.",
            "+.5",
            "1..",
            ".5.",
            "-1.-",
            "0000000000000000000000001",
            "1.0000000000000000000000000",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        // Runs of signs, digits, points and letters of every length.
        let alphabet = b"0123456789.-+e";
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 22) as usize + 1;
            let mut y = x >> 8;
            let mut run = Vec::new();
            for i in 0..len {
                // Mostly digits, so that long numbers come up.
                let pick = if i > 0 && !y.is_multiple_of(4) {
                    (y >> 2) % 10
                } else {
                    (y >> 2) % 14
                };
                run.push(alphabet[pick as usize]);
                y = y.rotate_right(5) ^ x;
            }
            if run[0].is_ascii_digit() || matches!(run[0], b'.' | b'-' | b'+') {
                cases.push(run);
            }
        }
        for run in &cases {
            for end in [&b""[..], b" ", b"/", b"]", b"(", b"%"] {
                let data = [run.as_slice(), end].concat();
                let mut lexer = Lexer {
                    data: &data,
                    pos: 0,
                };
                let got = lexer.number();
                let text = String::from_utf8_lossy(run);
                let expected = number(run);
                assert_eq!(got, expected, "{text}");
                // `==` holds between 0.0 and -0.0: the bits must match too.
                if let (Object::Real(a), Object::Real(b)) = (&got, &expected) {
                    assert_eq!(a.to_bits(), b.to_bits(), "{text}");
                }
                assert_eq!(lexer.pos, run.len(), "{text}");
            }
        }
    }

    #[test]
    fn plain_integers_read_as_the_standard_parse_would() {
        for text in [
            "0",
            "12",
            "-7",
            "+5",
            "007",
            "-0",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "-9223372036854775809",
            "-",
            "+",
            "1.5",
            "1-2",
            "+-3",
        ] {
            assert_eq!(
                plain_integer(text.as_bytes()),
                text.parse::<i64>().ok(),
                "{text}"
            );
        }
        assert_eq!(number(b"9223372036854775808"), Object::Real(9.223_372e18));
    }

    #[test]
    fn operators_and_operands() {
        let got =
            ops(b"BT/F1 12 Tf 1 0 0 1 72.5 -.5 Tm(a\\(b\\)\\101)Tj[<0041>-250(c)]TJ ET % done");
        let names: Vec<&str> = got.iter().map(|(o, _)| o.as_str()).collect();
        assert_eq!(names, ["BT", "Tf", "Tm", "Tj", "TJ", "ET"]);
        assert_eq!(
            got[1].1,
            vec![Object::Name(b"F1".to_vec()), Object::Integer(12)]
        );
        assert_eq!(got[2].1[5], Object::Real(-0.5));
        assert_eq!(
            got[3].1,
            vec![Object::String(b"a(b)A".to_vec(), StringFormat::Literal)]
        );
        let Object::Array(items) = &got[4].1[0] else {
            panic!("TJ takes an array")
        };
        assert_eq!(items.len(), 3);
        assert_eq!(
            items[0],
            Object::String(vec![0, 0x41], StringFormat::Hexadecimal)
        );
    }

    #[test]
    fn marked_content_dictionaries_and_inline_images() {
        let got = ops(b"/Span<</ActualText<FEFF7528>>>BDC EMC BI /W 2 /H 2 ID \x00EI\xffEI EI Q");
        let names: Vec<&str> = got.iter().map(|(o, _)| o.as_str()).collect();
        assert_eq!(names, ["BDC", "EMC", "BI", "Q"]);
        let Object::Dictionary(d) = &got[0].1[1] else {
            panic!("BDC takes a dictionary")
        };
        assert!(d.get(b"ActualText").is_ok());
    }

    /// Dictionaries gathered in the scratch list (`with_entries`) are the
    /// maps `Dictionary::set` makes entry by entry: nested ones, a repeated
    /// key (first place, last value), one cut short by the budget.
    #[test]
    fn dictionaries_read_as_set_builds_them() {
        fn set(entries: &[(&str, Object)]) -> Object {
            let mut dict = Dictionary::new();
            for (k, v) in entries {
                dict.set(k.as_bytes().to_vec(), v.clone());
            }
            Object::Dictionary(dict)
        }
        let keys = |o: &Object| match o {
            Object::Dictionary(d) => d.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
            _ => vec![],
        };
        let data = b"<< /A 1 /B << /C 2 /A 3 /C << >> >> /A 4 /D [<< /E 5 >> << >>] /F 6 >>";
        let inner = set(&[("C", set(&[])), ("A", Object::Integer(3))]);
        let expected = set(&[
            ("A", Object::Integer(1)),
            ("B", inner),
            ("A", Object::Integer(4)),
            (
                "D",
                Object::Array(vec![set(&[("E", Object::Integer(5))]), set(&[])]),
            ),
            ("F", Object::Integer(6)),
        ]);
        let mut budget = 100;
        let got = parse_value(data, &mut budget, &mut NoDefer).unwrap();
        assert_eq!(got, expected);
        assert_eq!(keys(&got), keys(&expected));
        // The budget runs out inside `/B`: what was read so far, at every
        // level, and the scratch list is left empty for the next reading.
        for cut in 1..12 {
            let mut budget = cut;
            let got = parse_value(data, &mut budget, &mut NoDefer);
            if let Some(got) = &got {
                assert!(matches!(got, Object::Dictionary(_)), "{cut}: {got:?}");
            }
            let mut budget = 100;
            assert_eq!(
                parse_value(data, &mut budget, &mut NoDefer).unwrap(),
                expected
            );
        }
    }

    #[test]
    fn object_syntax_reads_references_only_where_they_are() {
        let mut budget = 100;
        let got = parse_value(
            b"<< /K [1 0 R 2 0 Rx 3 4] /P 5 0 R/Q 6 %c\n 0 R >>",
            &mut budget,
            &mut NoDefer,
        );
        let Some(Object::Dictionary(d)) = got else {
            panic!("{got:?}");
        };
        assert_eq!(
            d.get(b"K").unwrap(),
            &Object::Array(vec![
                Object::Reference((1, 0)),
                Object::Integer(2),
                Object::Integer(0),
                Object::Integer(3),
                Object::Integer(4),
            ])
        );
        assert_eq!(d.get(b"P").unwrap(), &Object::Reference((5, 0)));
        // A comment between the numbers is not white space to the look-ahead:
        // read as two numbers, never a wrong reference.
        assert!(d.get(b"Q").is_ok());
        assert_eq!(parse_items(b"1 0 R 7", &mut budget, &mut NoDefer).len(), 2);
        // The budget ends the reading.
        let mut small = 3;
        assert_eq!(
            parse_items(b"1 2 3 4 5 6", &mut small, &mut NoDefer).len(),
            3
        );
        assert_eq!(small, 0);
    }

    /// Defers every array or dictionary under `/D`, keeping what it was
    /// given.
    struct Recorder(Vec<(usize, usize, usize)>);

    impl Defer for Recorder {
        fn wants(&mut self, key: &[u8]) -> bool {
            key == b"D"
        }
        fn deferred(&mut self, start: usize, end: usize, depth: usize) -> Object {
            self.0.push((start, end, depth));
            Object::Reference((1000 + self.0.len() as u32, 0))
        }
        fn reserved(&self, number: u32) -> bool {
            number >= 1000
        }
    }

    #[test]
    fn a_deferred_value_reads_later_as_it_would_have_in_place() {
        for data in [
            &b"<< /A 1 /D [1 (a]b\\) <5D3E3E> 2 0 R << /X [3] >> % ] >>\n 4] /Z /z >>"[..],
            b"<< /D << /K (()) /L <<>> /M [[[]]] >> /Z 5 >>",
            b"<< /D [ (unbalanced\\) ] ) ] /Z 6 >>",
            b"<< /D [ 1 2 ",
            b"<< /D [ ] >> ] /Z 7 >>",
            b"<< /Q 1000 0 R /D [1001 0 R] >>",
        ] {
            let (mut b1, mut b2) = (1000, 1000);
            let plain = parse_value(data, &mut b1, &mut NoDefer);
            let mut recorder = Recorder(Vec::new());
            let deferred = parse_value(data, &mut b2, &mut recorder);
            let (Some(Object::Dictionary(plain)), Some(Object::Dictionary(deferred))) =
                (plain, deferred)
            else {
                panic!("dictionaries");
            };
            assert_eq!(recorder.0.len(), 1, "{}", String::from_utf8_lossy(data));
            let (start, end, depth) = recorder.0[0];
            // The rest of the dictionary reads the same.
            for (key, value) in plain.iter() {
                if key.as_slice() != b"D" && key.as_slice() != b"Q" {
                    assert_eq!(deferred.get(key).ok(), Some(value));
                }
            }
            // The deferred value, read alone, is the value read in place.
            let mut b3 = 1000;
            let later = parse_value_at(&data[..end], start, depth, &mut b3, &mut NoDefer);
            assert_eq!(later.as_ref(), plain.get(b"D").ok());
        }
        // A file's own reference to a reserved number names nothing.
        let mut budget = 100;
        let got = parse_value(b"<< /Q 1000 0 R >>", &mut budget, &mut Recorder(Vec::new()));
        let Some(Object::Dictionary(d)) = got else {
            panic!("a dictionary");
        };
        assert_eq!(d.get(b"Q").unwrap(), &Object::Reference((u32::MAX, 0)));
    }

    /// A token's kind alone (the reference walk's tokens).
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Kind {
        /// A number, name, string, boolean, null or keyword.
        Atom,
        ArrayStart,
        ArrayEnd,
        DictStart,
        DictEnd,
    }

    impl Lexer<'_> {
        /// The kind of the next token, stepping over it exactly as
        /// [`Lexer::next_token`] would, without building its value: how a
        /// deferred value is stepped over (names and strings are not copied).
        fn next_kind(&mut self) -> Option<Kind> {
            loop {
                self.skip_whitespace_and_comments();
                let b = self.peek()?;
                let next = self.data.get(self.pos + 1).copied();
                self.pos += 1;
                return Some(match b {
                    b'[' => Kind::ArrayStart,
                    b']' => Kind::ArrayEnd,
                    b'<' if next == Some(b'<') => {
                        self.pos += 1;
                        Kind::DictStart
                    }
                    b'>' if next == Some(b'>') => {
                        self.pos += 1;
                        Kind::DictEnd
                    }
                    b'<' => {
                        // As `hex_string`: up to and including the first `>`.
                        match memchr::memchr(b'>', self.data.get(self.pos..).unwrap_or_default()) {
                            Some(at) => self.pos += at + 1,
                            None => self.pos = self.data.len(),
                        }
                        Kind::Atom
                    }
                    b'(' => {
                        // As `literal_string`: balanced parentheses, and an
                        // escaped byte never counts (an octal escape's digits
                        // and a line end are no parentheses).
                        let mut depth = 1usize;
                        while let Some(c) = self.peek() {
                            self.pos += 1;
                            match c {
                                b'(' => depth += 1,
                                b')' => {
                                    depth -= 1;
                                    if depth == 0 {
                                        break;
                                    }
                                }
                                b'\\' if self.peek().is_some() => self.pos += 1,
                                _ => {}
                            }
                        }
                        Kind::Atom
                    }
                    b'/' => {
                        self.regular_run();
                        Kind::Atom
                    }
                    _ if is_regular(b) => {
                        self.pos -= 1;
                        self.regular_run();
                        Kind::Atom
                    }
                    // A stray ')', '>', '{' or '}': skip it.
                    _ => continue,
                });
            }
        }
    }

    /// [`skip_value`] as first written: token by token, the nesting by
    /// recursion.
    fn skip_value_by_tokens(lexer: &mut Lexer<'_>, first: Kind, depth: usize) {
        match first {
            Kind::ArrayStart => skip_items_by_tokens(lexer, depth + 1),
            Kind::DictStart => {
                while let Some(kind) = lexer.next_kind() {
                    match kind {
                        Kind::DictEnd => break,
                        Kind::ArrayStart | Kind::DictStart if depth < MAX_NESTING => {
                            skip_value_by_tokens(lexer, kind, depth + 1);
                        }
                        _ => {}
                    }
                }
            }
            Kind::Atom | Kind::ArrayEnd | Kind::DictEnd => {}
        }
    }

    fn skip_items_by_tokens(lexer: &mut Lexer<'_>, depth: usize) {
        while let Some(kind) = lexer.next_kind() {
            match kind {
                Kind::ArrayEnd => break,
                Kind::ArrayStart | Kind::DictStart if depth < MAX_NESTING => {
                    skip_value_by_tokens(lexer, kind, depth);
                }
                _ => {}
            }
        }
    }

    #[test]
    fn skipping_a_value_ends_where_the_token_walk_ends() {
        let mut cases: Vec<Vec<u8>> = [
            &b"1 (a]b\\) <5D3E3E> 2 0 R << /X [3] >> % ] >>\n 4] /Z"[..],
            b"/K (()) /L <<>> /M [[[]]] >> /Z 5 >>",
            b" (unbalanced\\) ] ) ] /Z 6 >>",
            b" 1 2 ",
            b" ] >> ] /Z 7 >>",
            b"1 0 R ] >> (a\\",
            b"<<<<>>>>]>>]",
            b"%\r]",
            b"<",
            b"(",
        ]
        .iter()
        .map(|c| c.to_vec())
        .collect();
        // Nesting past the cut, both kinds.
        cases.push([b"[".repeat(40), b"]".repeat(45)].concat());
        cases.push([b"<<".repeat(40), b">>".repeat(45)].concat());
        cases.push(
            b"[<<"
                .repeat(20)
                .into_iter()
                .chain(b"]>>".repeat(25))
                .collect(),
        );
        // Random strings of the bytes that matter.
        let alphabet = b"[]<>()%/\\ \n\r1a{}";
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 40) as usize;
            let mut y = x;
            let mut case = Vec::new();
            for _ in 0..len {
                y ^= y << 13;
                y ^= y >> 7;
                y ^= y << 17;
                case.push(alphabet[(y % alphabet.len() as u64) as usize]);
            }
            cases.push(case);
        }
        // Longer ones, mostly ordinary bytes, so that the eight-byte steps
        // meet every special byte at every offset in a word.
        let ordinary = b" 0123456789/abc\n\r)\\{}";
        let special = b"[]<>()%";
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 120) as usize;
            let mut y = x;
            let mut case = Vec::new();
            for _ in 0..len {
                y ^= y << 13;
                y ^= y >> 7;
                y ^= y << 17;
                let pool: &[u8] = if y.is_multiple_of(9) {
                    special
                } else {
                    ordinary
                };
                case.push(pool[((y >> 8) % pool.len() as u64) as usize]);
            }
            cases.push(case);
        }
        for case in &cases {
            for depth in [1, 2, 20, 30, 31, 32, 33] {
                for (open, kind) in [
                    (Open::Array, Kind::ArrayStart),
                    (Open::Dictionary, Kind::DictStart),
                ] {
                    let mut fast = Lexer { data: case, pos: 0 };
                    skip_value(&mut fast, open, depth);
                    let mut walk = Lexer { data: case, pos: 0 };
                    skip_value_by_tokens(&mut walk, kind, depth);
                    assert_eq!(
                        fast.pos,
                        walk.pos,
                        "{:?} at {depth} in {}",
                        open,
                        String::from_utf8_lossy(case)
                    );
                }
            }
        }
    }

    /// The reference look-ahead as first written, with iterators.
    fn reference_tail_by_iterators(data: &[u8], pos: usize) -> Option<(u32, usize)> {
        let rest = data.get(pos..)?;
        let gap = rest.iter().take_while(|b| is_whitespace(**b)).count();
        if gap == 0 {
            return None;
        }
        let digits = rest
            .get(gap..)?
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > 5 {
            return None;
        }
        let generation = rest
            .get(gap..gap + digits)?
            .iter()
            .fold(0u32, |g, d| g * 10 + u32::from(d - b'0'));
        let after = rest.get(gap + digits..)?;
        let gap2 = after.iter().take_while(|b| is_whitespace(**b)).count();
        if gap2 == 0 || after.get(gap2) != Some(&b'R') {
            return None;
        }
        if after.get(gap2 + 1).is_some_and(|b| is_regular(*b)) {
            return None;
        }
        Some((generation, pos + gap + digits + gap2 + 1))
    }

    #[test]
    fn the_reference_look_ahead_reads_as_first_written() {
        let alphabet = b" \n0123R9/x[";
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 12) as usize;
            let data: Vec<u8> = (0..len)
                .map(|i| alphabet[((x >> (4 * i + 8)) % alphabet.len() as u64) as usize])
                .collect();
            for pos in 0..=len + 1 {
                assert_eq!(
                    reference_tail(&data, pos),
                    reference_tail_by_iterators(&data, pos),
                    "{:?} at {pos}",
                    String::from_utf8_lossy(&data)
                );
            }
        }
        assert_eq!(reference_tail(b"1 0 R", 1), Some((0, 5)));
        assert_eq!(reference_tail(b"1 123456 R", 1), None);
    }

    #[test]
    fn plain_arrays_read_as_the_general_reading_or_not_at_all() {
        for data in [
            &b"[0 /g0 /g#41 5 /space 1.5 -.25 +3]"[..],
            b"[ 250 % comment\n 500 ]",
            b"[]",
        ] {
            let mut budget = 100;
            let items = plain_array(data, 0, &mut budget).expect("plain");
            let mut b2 = 100;
            let Some(Object::Array(general)) = parse_value(data, &mut b2, &mut NoDefer) else {
                panic!("an array");
            };
            assert_eq!(budget - 1, b2, "the same values spent");
            let as_objects: Vec<Object> = items
                .into_iter()
                .map(|i| match i {
                    PlainItem::Integer(i) => Object::Integer(i),
                    PlainItem::Real(r) => Object::Real(r),
                    PlainItem::Name(n) => Object::Name(n.into_owned()),
                })
                .collect();
            assert_eq!(as_objects, general);
        }
        for data in [
            &b"[1 0 R]"[..],
            b"[(s)]",
            b"[[1]]",
            b"[1 true]",
            b"[1 2",
            b"<< >>",
        ] {
            let mut budget = 100;
            assert!(plain_array(data, 0, &mut budget).is_none());
            assert_eq!(budget, 100, "nothing spent");
        }
        let mut small = 2;
        assert!(plain_array(b"[1 2 3]", 0, &mut small).is_none());
        assert_eq!(small, 2);
    }

    /// What [`plain_array`] and [`plain_numbers`] make of `data`, checked
    /// against the general reading: when plain, the same elements and the
    /// same values spent; the numbers reader agrees with the array reader
    /// in every case. Whether the array was plain.
    fn check_plain_against_general(data: &[u8], budget: usize) -> bool {
        let mut plain_budget = budget;
        let plain = plain_array(data, 0, &mut plain_budget);
        let mut numbers_budget = budget;
        let numbers = plain_numbers(data, 0, &mut numbers_budget);
        assert_eq!(
            plain_budget,
            numbers_budget,
            "{:?}",
            String::from_utf8_lossy(data)
        );
        let Some(items) = plain else {
            assert!(numbers.is_none(), "{:?}", String::from_utf8_lossy(data));
            assert_eq!(plain_budget, budget, "nothing spent");
            return false;
        };
        let expected_numbers: Option<Vec<f64>> = items
            .iter()
            .map(|i| match i {
                PlainItem::Integer(i) => Some(*i as f64),
                PlainItem::Real(r) => Some(f64::from(*r)),
                PlainItem::Name(_) => None,
            })
            .collect();
        assert_eq!(
            numbers,
            Some(expected_numbers),
            "{:?}",
            String::from_utf8_lossy(data)
        );
        // The array's own value was spent when it was deferred.
        let mut general_budget = budget + 1;
        let Some(Object::Array(general)) = parse_value(data, &mut general_budget, &mut NoDefer)
        else {
            panic!("an array: {:?}", String::from_utf8_lossy(data));
        };
        assert_eq!(plain_budget, general_budget, "the same values spent");
        let as_objects: Vec<Object> = items
            .into_iter()
            .map(|i| match i {
                PlainItem::Integer(i) => Object::Integer(i),
                PlainItem::Real(r) => Object::Real(r),
                PlainItem::Name(n) => Object::Name(n.into_owned()),
            })
            .collect();
        assert_eq!(as_objects, general, "{:?}", String::from_utf8_lossy(data));
        true
    }

    #[test]
    fn plain_readers_agree_with_the_general_reading_on_varied_arrays() {
        for data in [
            &b"[0 1 22 333 2048 0 0 0]"[..],
            b"[-5 +7 -0 .5 -.25 1.5 3. 007 250.125]",
            b"[999999999999999999 1000000000000000000 9223372036854775807]",
            b"[9223372036854775808 -9223372036854775809 123456789012345678901234]",
            b"[12abc 1.2.3 --4 5/g0 6]7]",
            b"[1\t2\r\n3\x0c4\x005]",
            b"[ 250 % comment\n 500 %another\r600]",
            b"[0 /g0 /g0 /g#41 /#20 /a#zz 5 /space/A/B]",
        ] {
            assert!(check_plain_against_general(data, 1_000), "plain: {data:?}");
        }
        for data in [
            &b"[1 0 R]"[..],
            b"[5 1 0 R 6]",
            b"[1 0 %c\nR]",
            b"[1 0 Rx]",
            b"[(s) 1]",
            b"[<41>]",
            b"[[1] 2]",
            b"[1 true]",
            b"[1 null]",
            b"[1 2",
            b"[12",
            b"[/a",
            b"[",
            b"",
            b"<< >>",
            b"1 2]",
        ] {
            assert!(
                !check_plain_against_general(data, 1_000),
                "not plain: {data:?}"
            );
        }
        // A budget of exactly the elements, and one short of them.
        assert!(check_plain_against_general(b"[1 2 3]", 3));
        assert!(!check_plain_against_general(b"[1 2 3]", 2));
    }

    #[test]
    fn plain_readers_agree_with_the_general_reading_on_generated_arrays() {
        const PIECES: [&str; 24] = [
            "0",
            "7",
            "2048",
            "-12",
            "+3",
            ".5",
            "-.75",
            "1.25",
            "12345678901234567890",
            "/g0",
            "/space",
            "/a#41",
            " ",
            "  ",
            "\n",
            "%c\n",
            "R",
            "[",
            "]",
            "(s)",
            "1 0 R",
            "3x",
            "/",
            "true",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut plain = 0;
        for _ in 0..5_000 {
            let mut text = String::from("[");
            for _ in 0..next() % 12 {
                let piece = PIECES[(next() % PIECES.len() as u64) as usize];
                text.push_str(piece);
                if next() % 3 != 0 {
                    text.push(' ');
                }
            }
            if next() % 8 != 0 {
                text.push(']');
            }
            let budget = (next() % 16) as usize;
            if check_plain_against_general(text.as_bytes(), budget) {
                plain += 1;
            }
        }
        assert!(
            plain > 500,
            "the generated arrays exercise the plain path ({plain})"
        );
    }

    #[test]
    fn garbage_never_loops_or_panics() {
        for data in [
            &b")))>>]]}{"[..],
            b"(unterminated",
            b"<abc",
            b"[[[[[[[",
            b"/#",
            b"1.2.3 --4 Tz",
        ] {
            let _ = ops(data);
        }
        assert!(ops(")".repeat(1_000_000).as_bytes()).is_empty());
        let deep = "[".repeat(10_000);
        assert!(ops(deep.as_bytes()).is_empty());
    }
}
