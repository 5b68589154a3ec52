//! `--format yaml`: records as YAML that YAML 1.1 and 1.2 readers load the
//! same way.
//!
//! Why our own emitter? A YAML 1.1 reader (PyYAML's `safe_load`, Ruby's
//! Psych, many CI tools) reads the plain scalars `no`, `yes`, `on`, `off`,
//! `y`, `n` as booleans, `1:20` as a sexagesimal number and `2024-01-01` as
//! a date; YAML 1.2 emitters (serde_yaml_ng) write them plain because in
//! 1.2 they are strings. So: every string value is double-quoted (JSON's
//! escapes are YAML's), characters YAML 1.1 does not allow in a stream or
//! reads as line breaks are escaped, and a key is written plain only when
//! it is a lowercase identifier that no YAML version reads as anything but
//! a string. The layout stays block style, as people expect to read YAML.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A JSON value that keeps its keys in the serialised order (a record's
/// `source` first, its notice's fields in contract order), unlike
/// `serde_json::Value`, whose map is sorted.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

impl Value {
    /// The value of something serialisable, keys in order.
    pub(super) fn of(value: &impl serde::Serialize) -> serde_json::Result<Value> {
        serde_json::from_str(&serde_json::to_string(value)?)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_none<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
                Ok(Value::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
                Ok(Value::Number(n.into()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
                Ok(Value::Number(n.into()))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
                Ok(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
            }
            fn visit_str<E>(self, s: &str) -> Result<Value, E> {
                Ok(Value::String(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Value, E> {
                Ok(Value::String(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
                let mut items = Vec::new();
                while let Some(v) = a.next_element()? {
                    items.push(v);
                }
                Ok(Value::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = a.next_entry()? {
                    entries.push(entry);
                }
                Ok(Value::Object(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// Keys YAML 1.1 reads as a boolean or null when plain (case-insensitive;
/// the 1.1 bool type also lists `y` and `n`).
const YAML11_SPECIAL_WORDS: [&str; 12] = [
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "_",
];

/// Indentation step.
const INDENT: usize = 2;

/// One YAML document (`---` and a newline-terminated block).
pub fn document(value: &Value) -> String {
    let mut out = String::from("---\n");
    match value {
        Value::Object(m) if !m.is_empty() => block(value, 0, &mut out),
        Value::Array(a) if !a.is_empty() => block(value, 0, &mut out),
        scalar => {
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
    out
}

/// A non-empty collection in block style at `indent`.
fn block(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.push_str(&pad);
                out.push_str(&key(k));
                out.push(':');
                push_value(v, indent + INDENT, out);
            }
        }
        Value::Array(items) => {
            for v in items {
                // Render at the item's indent, then put the dash in the
                // place of the first line's padding.
                let mut item = String::new();
                push_value(v, indent + INDENT, &mut item);
                let item = item.trim_start_matches([' ', '\n']);
                out.push_str(&pad);
                out.push_str("- ");
                out.push_str(item);
            }
        }
        scalar => {
            out.push_str(&pad);
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
}

/// A value after `key:` or `- `: inline when it is a scalar or empty, else
/// a nested block on the next lines.
fn push_value(v: &Value, indent: usize, out: &mut String) {
    let nested = match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    };
    if nested {
        out.push('\n');
        block(v, indent, out);
    } else {
        out.push(' ');
        out.push_str(&inline(v));
        out.push('\n');
    }
}

fn inline(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number(n),
        Value::String(s) => quoted(s),
        Value::Array(_) => "[]".to_string(),
        Value::Object(_) => "{}".to_string(),
    }
}

/// A number YAML 1.1 reads as one: its float syntax needs a `.` in the
/// mantissa and a sign in the exponent (`1e-7` would be a string), which
/// YAML 1.2 accepts too. (A `provenance` bbox may hold such a float.)
fn number(n: &serde_json::Number) -> String {
    let text = n.to_string();
    if !n.is_f64() {
        return text;
    }
    let Some((mantissa, exponent)) = text.split_once(['e', 'E']) else {
        return text;
    };
    let mantissa = if mantissa.contains('.') {
        mantissa.to_string()
    } else {
        format!("{mantissa}.0")
    };
    let exponent = if exponent.starts_with(['-', '+']) {
        exponent.to_string()
    } else {
        format!("+{exponent}")
    };
    format!("{mantissa}e{exponent}")
}

fn key(k: &str) -> String {
    let identifier = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if identifier && !YAML11_SPECIAL_WORDS.contains(&k) {
        k.to_string()
    } else {
        quoted(k)
    }
}

/// A double-quoted scalar. Escaped: what JSON escapes, and what YAML 1.1
/// does not accept raw (C1 controls, U+FFFE/U+FFFF) or reads as a line
/// break (U+0085, U+2028, U+2029), and the byte-order mark.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20
                || ('\u{7F}'..='\u{9F}').contains(&c)
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}'
                ) =>
            {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ordered(v: &serde_json::Value) -> Value {
        Value::of(v).unwrap_or(Value::Null)
    }

    #[test]
    fn keys_and_values_yaml_11_misreads_are_quoted() {
        let v = json!({"no": 1, "yes": "no", "users": [{"no": 2, "name": "on"}], "e": [], "o": {}});
        let text = document(&ordered(&v));
        assert!(text.contains("\"no\": 1"), "{text}");
        assert!(text.contains("\"yes\": \"no\""), "{text}");
        assert!(text.contains("- name: \"on\"\n    \"no\": 2"), "{text}");
        assert!(text.contains("e: []") && text.contains("o: {}"), "{text}");
    }

    #[test]
    fn yaml_12_reader_gets_the_same_value_back() {
        let v = json!({
            "source": "a\u{85}b\u{2028}c\"d\\e\tf",
            "list": [[1, 2], {"k": null, "b": true}, "1:20", "2024-01-01", "~", "#x", "- y"],
            "users[0].name": {"page": 1, "bbox": [0.5, 1.0, 2.25, 3.0, 1e-7, 1.5e300]},
        });
        let text = document(&ordered(&v));
        let back: serde_json::Value =
            serde_yaml_ng::from_str(&text).unwrap_or(serde_json::Value::Null);
        assert_eq!(back, v, "{text}");
    }

    #[test]
    fn floats_use_the_syntax_yaml_11_reads_as_floats() {
        let text = document(&ordered(&json!([1e-7, 1.5e300, 2.0, 7])));
        assert_eq!(text, "---\n- 1.0e-7\n- 1.5e+300\n- 2.0\n- 7\n");
    }

    #[test]
    fn keys_keep_the_serialised_order() {
        #[derive(serde::Serialize)]
        struct R {
            source: &'static str,
            b: u32,
            a: u32,
        }
        let text = document(
            &Value::of(&R {
                source: "s",
                b: 1,
                a: 2,
            })
            .unwrap_or(Value::Null),
        );
        assert_eq!(text, "---\nsource: \"s\"\nb: 1\na: 2\n");
    }
}
