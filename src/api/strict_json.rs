//! JSON parsing that refuses an object naming one member twice. RFC 8259
//! leaves such objects' meaning open, and parsers disagree on which value
//! wins: a body that means two things is refused, naming the member.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Parses `body` as one JSON document; a member named twice in an object
/// is an error naming it and where it is.
pub fn from_slice(body: &[u8]) -> Result<Value, String> {
    let mut parser = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize::<_, Strict>(&mut parser).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        if path == "." || !inner.starts_with("the member") {
            inner
        } else {
            format!("{inner} (in `{path}`)")
        }
    })?;
    parser.end().map_err(|e| e.to_string())?;
    Ok(value.0)
}

/// A JSON value parsed with no duplicate member names.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if members.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "the member `{key}` appears twice in one object"
                )));
            }
            let Strict(value) = map.next_value()?;
            members.insert(key, value);
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_member_named_twice_is_refused_by_name_at_any_depth() {
        let err = from_slice(br#"{"name": "a", "name": "b"}"#).expect_err("a duplicate");
        assert!(err.contains("`name` appears twice"), "{err}");
        let err = from_slice(br#"{"elements": [{"kind": "goods", "kind": "goods"}]}"#)
            .expect_err("a nested duplicate");
        assert!(
            err.contains("`kind` appears twice") && err.contains("elements[0]"),
            "{err}"
        );
    }

    #[test]
    fn documents_without_duplicates_parse_as_serde_json_does() {
        for text in [
            r#"{"a": [1, -2, 3.5, "x", null, true, {"b": {}}], "c": 18446744073709551615}"#,
            "[]",
            "\"s\"",
            "0",
        ] {
            let strict = from_slice(text.as_bytes()).expect(text);
            let plain: Value = serde_json::from_str(text).expect(text);
            assert_eq!(strict, plain, "{text}");
        }
        assert_eq!(from_slice(b"{\"a\": 1}").expect("one"), json!({"a": 1}));
        assert!(from_slice(b"{} {}").is_err(), "one document only");
        assert!(from_slice(b"{").is_err());
    }
}
