//! Logs: `tracing` with an `EnvFilter` (`RUST_LOG`, `info` by default), as
//! text or, with `VITRINE_LOG_FORMAT=json`, one JSON object per line; and
//! the span of each request, named by its request id.

use std::io::IsTerminal;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::HttpMessage;
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;
use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global subscriber, logging at `default_level` unless
/// `RUST_LOG` says otherwise; a second call changes nothing.
pub fn init(json: bool, default_level: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    // Colour codes are for people at a terminal, not for log collectors.
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
}

/// The id of one request: the caller's `X-Request-Id` when it is a sane
/// token, so that a caller's trace id follows the request; a new UUID
/// otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// The longest request id taken from a caller.
    pub const MAX_LEN: usize = 128;

    /// The id of a request that sent `header` as its `X-Request-Id`.
    pub fn of(header: Option<&[u8]>) -> RequestId {
        match header {
            Some(value)
                if (1..=Self::MAX_LEN).contains(&value.len())
                    && value.iter().all(|b| (0x21..=0x7e).contains(b)) =>
            {
                RequestId(String::from_utf8_lossy(value).into_owned())
            }
            _ => RequestId(uuid::Uuid::new_v4().to_string()),
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The span of a request: method, route, path and request id; the status
/// is recorded when the answer is known.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let id = RequestId::of(
            request
                .headers()
                .get("x-request-id")
                .map(actix_web::http::header::HeaderValue::as_bytes),
        );
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "default".to_owned());
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            route = %route,
            path = %request.path(),
            request_id = %id.as_str(),
        );
        request.extensions_mut().insert(id);
        span
    }

    fn on_request_end<B: MessageBody>(
        _span: Span,
        _outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        // The line "request served" names the status, the time and the key.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sane_request_id_is_kept_and_anything_else_replaced() {
        assert_eq!(
            RequestId::of(Some(b"trace-42/abc")).as_str(),
            "trace-42/abc"
        );
        let long = "x".repeat(RequestId::MAX_LEN);
        assert_eq!(RequestId::of(Some(long.as_bytes())).as_str(), long);
        for insane in [
            &b""[..],
            b"two words",
            b"tab\there",
            "caf\u{e9}".as_bytes(),
            "x".repeat(RequestId::MAX_LEN + 1).as_bytes(),
        ] {
            let id = RequestId::of(Some(insane));
            assert!(uuid::Uuid::parse_str(id.as_str()).is_ok(), "{insane:?}");
        }
        assert!(uuid::Uuid::parse_str(RequestId::of(None).as_str()).is_ok());
    }
}
