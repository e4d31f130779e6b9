//! `ETag` and `If-Match`: every entity's version is its strong entity tag.

use actix_web::http::header::{self, HeaderValue};
use actix_web::HttpRequest;

use crate::catalogue::patch::Precondition;
use crate::error::ApiError;

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
/// the request fails with 412.
fn if_match(value: Option<&HeaderValue>) -> Precondition {
    let Some(value) = value else {
        return Precondition::None;
    };
    let value = value.to_str().unwrap_or("");
    if value.trim() == "*" {
        return Precondition::Any;
    }
    let tags = value
        .split(',')
        .filter_map(|tag| {
            tag.trim()
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .filter(|t| !t.is_empty() && !t.contains('"'))
                .map(str::to_owned)
        })
        .collect();
    Precondition::Tags(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_lists_strong_tags_and_nothing_else_matches() {
        let parse = |s: &'static str| if_match(Some(&HeaderValue::from_static(s)));
        let tags = |t: &[&str]| Precondition::Tags(t.iter().map(|s| s.to_string()).collect());
        assert_eq!(parse("\"3\""), tags(&["3"]));
        assert_eq!(parse("\"3\", \"4\""), tags(&["3", "4"]));
        assert_eq!(
            parse("\"01\""),
            tags(&["01"]),
            "kept as sent, to compare as text"
        );
        assert_eq!(parse("*"), Precondition::Any);
        assert_eq!(if_match(None), Precondition::None);
        for nothing in ["W/\"3\"", "3", "null", "", "\"3", "\"\""] {
            assert_eq!(parse(nothing), tags(&[]), "{nothing}");
        }
    }
}
