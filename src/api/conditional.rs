//! `ETag` and `If-Match`: every entity's version is its strong entity tag.

use actix_web::http::header::{self, HeaderValue};
use actix_web::HttpRequest;

use crate::catalogue::ops::Precondition;
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

/// The versions an `If-Match` names. Entity tags are compared strongly
/// (RFC 9110, section 13.1.1): a weak tag, or anything that is not one of
/// Vitrine's tags, matches no version, so the request fails with 412.
fn if_match(value: Option<&HeaderValue>) -> Precondition {
    let Some(value) = value else {
        return Precondition::None;
    };
    let value = value.to_str().unwrap_or("");
    if value.trim() == "*" {
        return Precondition::Any;
    }
    let versions = value
        .split(',')
        .filter_map(|tag| {
            tag.trim()
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|t| t.parse::<i32>().ok())
        })
        .collect();
    Precondition::Versions(versions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_lists_strong_tags_and_nothing_else_matches() {
        let parse = |s: &'static str| if_match(Some(&HeaderValue::from_static(s)));
        assert_eq!(parse("\"3\""), Precondition::Versions(vec![3]));
        assert_eq!(parse("\"3\", \"4\""), Precondition::Versions(vec![3, 4]));
        assert_eq!(parse("*"), Precondition::Any);
        assert_eq!(if_match(None), Precondition::None);
        for nothing in [
            "W/\"3\"",
            "3",
            "\"three\"",
            "null",
            "",
            "\"3",
            "\"\"",
            "\"+3\"",
        ] {
            assert_eq!(parse(nothing), Precondition::Versions(vec![]), "{nothing}");
        }
    }
}
