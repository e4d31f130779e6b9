//! Field checks shared by every entity. Each check names the field it
//! refused, so that a client can show the message next to it.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{CatalogueError, Money};

/// The longest name.
pub const NAME_MAX: usize = 200;
/// The longest short text (owner, role, label, metric...).
pub const SHORT_MAX: usize = 200;
/// The longest description.
pub const TEXT_MAX: usize = 10_000;
/// The most items in a list of ids or child rows.
pub const LIST_MAX: usize = 200;

/// One refused field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"field": "name", "message": "must not be empty"}))]
pub struct FieldError {
    /// The field's path in the request body, such as `elements[0].kind`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// A refused field.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The refused fields of one input.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    /// Refuses `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Ok when nothing was refused.
    pub fn into_result(self) -> Result<(), CatalogueError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(CatalogueError::Invalid(self.0))
        }
    }

    /// A name: not blank, at most [`NAME_MAX`] characters.
    pub fn name(&mut self, field: &str, value: &str) {
        self.required_text(field, value, NAME_MAX);
    }

    /// An optional text of at most `max` characters.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(value) = value {
            self.max_len(field, value, max);
        }
    }

    /// A text that is not blank, of at most `max` characters.
    pub fn required_text(&mut self, field: &str, value: &str, max: usize) {
        if is_blank(value) {
            self.add(field, "must hold more than white space");
        } else {
            self.max_len(field, value, max);
        }
    }

    fn max_len(&mut self, field: &str, value: &str, max: usize) {
        let len = value.chars().count();
        if len > max {
            self.add(
                field,
                format!("must be at most {max} characters (is {len})"),
            );
        }
    }

    /// A list of at most [`LIST_MAX`] items.
    pub fn list_len<T>(&mut self, field: &str, items: &[T]) {
        if items.len() > LIST_MAX {
            self.add(field, format!("must hold at most {LIST_MAX} items"));
        }
    }

    /// A list of ids: no id twice, at most [`LIST_MAX`], and at least
    /// `min` of them.
    pub fn ids(&mut self, field: &str, ids: &[Uuid], min: usize) {
        if ids.len() < min {
            self.add(field, format!("must hold at least {min} id"));
        }
        self.list_len(field, ids);
        let mut seen = HashSet::new();
        for (i, id) in ids.iter().enumerate() {
            if !seen.insert(id) {
                self.add(format!("{field}[{i}]"), format!("{id} is listed twice"));
            }
        }
    }

    /// Money: a non-negative decimal amount and an ISO 4217 currency.
    pub fn money(&mut self, field: &str, money: Option<&Money>) {
        let Some(money) = money else { return };
        if !is_decimal(&money.amount, 13, 4) {
            self.add(
                format!("{field}.amount"),
                "must be a non-negative decimal string such as \"12.50\" (at most 13 digits, 4 decimals)",
            );
        }
        if money.currency.len() != 3 || !money.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            self.add(
                format!("{field}.currency"),
                "must be an ISO 4217 code: three capital letters such as \"EUR\"",
            );
        }
    }

    /// A date range: each date in the years 0000 to 9999 (RFC 3339), and
    /// `from` not after `to`.
    pub fn date_range(
        &mut self,
        from_field: &str,
        from: Option<NaiveDate>,
        to_field: &str,
        to: Option<NaiveDate>,
    ) {
        for (field, date) in [(from_field, from), (to_field, to)] {
            if date.is_some_and(|d| !(0..=9999).contains(&d.year())) {
                self.add(field, "must be a date of the years 0000 to 9999");
            }
        }
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                self.add(
                    to_field,
                    format!("must not be before {from_field} ({from})"),
                );
            }
        }
    }
}

/// Parses a JSON document into an input type; a refusal names the field
/// (`elements[0].kind`), and unknown fields are refused by name.
pub fn parse_input<T: DeserializeOwned>(value: Value) -> Result<T, CatalogueError> {
    if let Some(field) = nul_at(&value, "") {
        return Err(CatalogueError::invalid(
            field,
            "must not contain the NUL character (U+0000)",
        ));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let path = if path == "." { String::new() } else { path };
        // serde names the unknown or missing member in its message, not in
        // the path: move it to the field, where a client looks for it.
        let named = ["unknown field `", "missing field `"]
            .iter()
            .find_map(|prefix| message.strip_prefix(prefix))
            .and_then(|rest| rest.split_once('`'))
            .map(|(name, _)| name.to_owned());
        // serde_path_to_error already ends the path with an unknown field,
        // but stops at the parent of a missing one.
        let field = match named {
            Some(name) if path.is_empty() => name,
            Some(name) if !(path == name || path.ends_with(&format!(".{name}"))) => {
                format!("{path}.{name}")
            }
            _ => path,
        };
        let message = if message.starts_with("unknown field") {
            format!("{message}; fields set by the service (id, created_at, updated_at, version) cannot be written")
        } else {
            message
        };
        CatalogueError::Invalid(vec![FieldError::new(field, message)])
    })
}

/// The path of the first member name or string of `value` that holds a NUL
/// character, which no database stores as text.
fn nul_at(value: &Value, path: &str) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => Some(path.to_owned()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_at(v, &format!("{path}[{i}]"))),
        Value::Object(members) => members.iter().find_map(|(k, v)| {
            let field = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if k.contains('\0') {
                Some(field)
            } else {
                nul_at(v, &field)
            }
        }),
        _ => None,
    }
}

/// The marker pattern the input types put on texts that must not be blank
/// (`#[schema(pattern = ...)]` takes a literal); the spec replaces it with
/// [`not_blank_pattern`], which knows every blank character.
pub const NOT_BLANK: &str = "[^\\t\\n\\f\\r ]";

/// The characters a text may be made of and still be blank: Unicode white
/// space, and the invisible characters (zero-width spaces and joiners,
/// direction marks, the byte order mark, fillers).
pub const BLANK_CHARACTERS: &[(char, char)] = &[
    ('\u{0009}', '\u{000D}'),
    ('\u{0020}', '\u{0020}'),
    ('\u{0085}', '\u{0085}'),
    ('\u{00A0}', '\u{00A0}'),
    ('\u{00AD}', '\u{00AD}'),
    ('\u{034F}', '\u{034F}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{115F}', '\u{1160}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{17B4}', '\u{17B5}'),
    ('\u{180B}', '\u{180F}'),
    ('\u{2000}', '\u{200F}'),
    ('\u{2028}', '\u{202F}'),
    ('\u{205F}', '\u{206F}'),
    ('\u{3000}', '\u{3000}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{FE00}', '\u{FE0F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFA0}', '\u{FFA0}'),
];

/// Whether a text is empty or made only of [`BLANK_CHARACTERS`].
pub fn is_blank(s: &str) -> bool {
    s.chars().all(is_blank_char)
}

fn is_blank_char(c: char) -> bool {
    BLANK_CHARACTERS
        .iter()
        .any(|(from, to)| (*from..=*to).contains(&c))
}

/// The characters of [`BLANK_CHARACTERS`] as the inside of a regular
/// expression's character class, in `\uXXXX` escapes that ECMA-262 and
/// Python read alike.
pub fn blank_class() -> String {
    BLANK_CHARACTERS
        .iter()
        .map(|(from, to)| {
            if from == to {
                format!("\\u{:04X}", u32::from(*from))
            } else {
                format!("\\u{:04X}-\\u{:04X}", u32::from(*from), u32::from(*to))
            }
        })
        .collect()
}

/// A day: exactly `YYYY-MM-DD`, years 0000 to 9999, as RFC 3339's
/// `full-date`. Looser forms (`2026-1-1`, `+10000-01-01`) are refused.
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Deserialises an optional day with [`parse_day`]:
/// `#[serde(default, deserialize_with = "optional_day")]`.
pub fn optional_day<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<NaiveDate>, D::Error> {
    let text: Option<String> = serde::Deserialize::deserialize(deserializer)?;
    text.map(|t| {
        parse_day(&t).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{t}` is not a date: use YYYY-MM-DD, years 0000 to 9999"
            ))
        })
    })
    .transpose()
}

/// Whether `s` is a plain non-negative decimal: at most `int_digits` digits,
/// then optionally a point and 1 to `frac_digits` digits.
pub fn is_decimal(s: &str, int_digits: usize, frac_digits: usize) -> bool {
    let (int, frac) = match s.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (s, None),
    };
    let digits = |p: &str, max: usize| {
        !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit())
    };
    digits(int, int_digits) && frac.is_none_or(|f| digits(f, frac_digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_plain_and_bounded() {
        assert!(is_decimal("12.50", 13, 4));
        assert!(is_decimal("0", 13, 4));
        assert!(!is_decimal("-1", 13, 4));
        assert!(!is_decimal("1.", 13, 4));
        assert!(!is_decimal(".5", 13, 4));
        assert!(!is_decimal("1e3", 13, 4));
        assert!(!is_decimal("1.23456", 13, 4));
        assert!(!is_decimal("12345678901234", 13, 4));
    }

    #[test]
    fn a_text_of_white_space_or_invisible_characters_is_blank() {
        for blank in [
            "",
            " ",
            "\t\n",
            "\u{200B}",
            "\u{00A0}",
            "\u{3000}",
            "\u{FEFF}",
            "\u{200B}\u{00A0} \u{2060}",
        ] {
            assert!(is_blank(blank), "{blank:?}");
        }
        for text in ["a", " a ", "\u{200B}x", "\u{1F600}", "0"] {
            assert!(!is_blank(text), "{text:?}");
        }
        assert!(blank_class().starts_with("\\u0009-\\u000D\\u0020"));
    }

    #[test]
    fn a_day_is_yyyy_mm_dd_only() {
        assert_eq!(
            parse_day("2026-01-31"),
            NaiveDate::from_ymd_opt(2026, 1, 31)
        );
        assert_eq!(parse_day("0000-01-01"), NaiveDate::from_ymd_opt(0, 1, 1));
        assert_eq!(
            parse_day("9999-12-31"),
            NaiveDate::from_ymd_opt(9999, 12, 31)
        );
        for bad in [
            "2026-1-1",
            "+10000-01-01",
            "-0001-01-01",
            "2026-02-30",
            "2026-01-01T00:00:00Z",
            " 2026-01-01",
            "２０２６-01-01",
        ] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn duplicate_ids_are_named_by_position() {
        let id = Uuid::now_v7();
        let mut errors = Errors::default();
        errors.ids("product_ids", &[id, id], 1);
        let Err(CatalogueError::Invalid(list)) = errors.into_result() else {
            panic!("duplicates must be refused");
        };
        assert_eq!(list[0].field, "product_ids[1]");
    }
}
