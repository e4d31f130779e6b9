//! `ETag` and `If-Match`: every entity's version is its strong entity tag.

use actix_web::http::header::{self, HeaderValue};
use actix_web::HttpRequest;

use crate::catalogue::patch::Precondition;
use crate::error::ApiError;

/// The header's name.
pub const HEADER: &str = "If-Match";

/// What an `If-Match` may be, as the spec states it: `*`, or a list of one
/// entity tag or more (RFC 9110, sections 8.8.3 and 13.1.1), whose empty
/// elements are skipped (section 5.6.1.2). Anything else names no version.
pub const PATTERN: &str = r#"^(\*|(,[ \t]*)*(W/)?"[!#-~]*"([ \t]*,([ \t]*(W/)?"[!#-~]*")?)*)$"#;

/// The `ETag` of a version.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The `If-Match` of a request, required: 428 when absent.
pub fn required_if_match(req: &HttpRequest) -> Result<Precondition, ApiError> {
    match if_match(req.headers().get(header::IF_MATCH)) {
        Precondition::None => Err(ApiError::PreconditionRequired(
            "This change needs `If-Match` with the entity's current ETag, so that it cannot \
             overwrite a change it has not seen."
                .to_owned(),
        )),
        precondition => Ok(precondition),
    }
}

/// The `If-Match` of a request, when one is sent.
pub fn optional_if_match(req: &HttpRequest) -> Precondition {
    if_match(req.headers().get(header::IF_MATCH))
}

/// The entity tags an `If-Match` names. Tags are compared strongly and as
/// strings (RFC 9110, sections 8.8.3.2 and 13.1.1): a weak tag, or a tag
/// that is not the exact text of a version's tag, matches no version, so
/// the request fails with 412. So does a value that is not `*` or a list of
/// entity tags ([`PATTERN`]) as a whole: read as the tags that could be
/// parsed, `*, "7"` or `"7", 8` would match version 7 although the client
/// sent something else.
fn if_match(value: Option<&HeaderValue>) -> Precondition {
    let Some(value) = value else {
        return Precondition::None;
    };
    match value.to_str().map(|v| v.trim_matches([' ', '\t'])) {
        Ok("*") => Precondition::Any,
        Ok(list) => Precondition::Tags(strong_tags(list).unwrap_or_default()),
        Err(_) => Precondition::Tags(Vec::new()),
    }
}

/// The strong tags of a list of entity tags (trimmed of spaces and tabs),
/// without their quotes; `None` when the text is not such a list of one tag
/// or more.
fn strong_tags(list: &str) -> Option<Vec<String>> {
    let separators = [' ', '\t', ','];
    let mut tags = Vec::new();
    let mut rest = list.trim_start_matches(separators);
    loop {
        let (weak, tagged) = match rest.strip_prefix("W/") {
            Some(tagged) => (true, tagged),
            None => (false, rest),
        };
        let quoted = tagged.strip_prefix('"')?;
        let end = quoted.find('"')?;
        let tag = &quoted[..end];
        if !tag.bytes().all(|b| b == b'!' || (b'#'..=b'~').contains(&b)) {
            return None;
        }
        if !weak {
            tags.push(tag.to_owned());
        }
        let after = quoted[end + 1..].trim_start_matches([' ', '\t']);
        if after.is_empty() {
            return Some(tags);
        }
        rest = after.strip_prefix(',')?.trim_start_matches(separators);
        if rest.is_empty() {
            return Some(tags);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: &'static str) -> Precondition {
        if_match(Some(&HeaderValue::from_static(value)))
    }

    fn tags(tags: &[&str]) -> Precondition {
        Precondition::Tags(tags.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn if_match_lists_strong_tags_and_weak_ones_match_nothing() {
        assert_eq!(parse("\"3\""), tags(&["3"]));
        assert_eq!(parse("\"3\", \"4\""), tags(&["3", "4"]));
        assert_eq!(parse("\"3\",\t\"4\""), tags(&["3", "4"]));
        assert_eq!(parse("\"01\""), tags(&["01"]), "kept as sent");
        assert_eq!(parse("\"a,b\""), tags(&["a,b"]), "a comma in a tag");
        assert_eq!(parse("W/\"3\""), tags(&[]));
        assert_eq!(parse("W/\"3\", \"4\""), tags(&["4"]));
        assert_eq!(parse("\"\""), tags(&[""]));
        assert_eq!(parse("*"), Precondition::Any);
        assert_eq!(if_match(None), Precondition::None);
    }

    #[test]
    fn empty_list_elements_are_skipped() {
        for value in ["\"3\",", ",\"3\"", ", ,\"3\"", "\"3\" , ,", "\"3\",,\"4\""] {
            let expected = if value.contains('4') {
                tags(&["3", "4"])
            } else {
                tags(&["3"])
            };
            assert_eq!(parse(value), expected, "{value}");
        }
    }

    #[test]
    fn anything_but_star_or_a_list_of_entity_tags_names_no_version() {
        for value in [
            "",
            ",",
            "3",
            "\"3",
            "\"3\"x",
            "\"3\" \"4\"",
            "\"3\";\"4\"",
            "*, \"3\"",
            "\"3\", *",
            "w/\"3\"",
            "W/ \"3\"",
            "W/3",
            "\"3\", 4",
            "\"a b\"",
            "null",
        ] {
            assert_eq!(parse(value), tags(&[]), "{value:?}");
        }
        let latin1 = HeaderValue::from_bytes(b"\"\xe9\"").expect("obs-text is a header value");
        assert_eq!(if_match(Some(&latin1)), tags(&[]));
    }
}
