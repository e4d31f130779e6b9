//! Logs: `tracing` with an `EnvFilter` (`RUST_LOG`, `info` by default), as
//! text or, with `VITRINE_LOG_FORMAT=json`, one JSON object per line.

use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global subscriber; a second call changes nothing.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init()
    } else {
        builder.try_init()
    };
}
