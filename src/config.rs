//! Configuration, read once at start-up from the environment.

use std::time::Duration;

use secrecy::SecretString;

/// The service's configuration. Every variable is optional:
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `VITRINE_DATABASE_URL` | `vitrine.db` | an SQLite file, or `postgres://...` |
/// | `VITRINE_BIND` | `127.0.0.1:8080` | the address to listen on |
/// | `VITRINE_ADMIN_KEY` | none | an admin API key |
/// | `VITRINE_LOG_FORMAT` | `text` | `json` for one JSON object per line |
/// | `VITRINE_DB_POOL_SIZE` | `10` | database connections held at most |
/// | `VITRINE_DB_ACQUIRE_TIMEOUT_MS` | `2000` | wait for a free connection before 503 |
/// | `VITRINE_MAX_BODY_BYTES` | `262144` | the largest request body accepted |
/// | `VITRINE_WORKERS` | the number of cores | HTTP worker threads |
/// | `VITRINE_REQUEST_TIMEOUT_MS` | `10000` | time a client has to send a request's head |
/// | `RUST_LOG` | `info` | log filter |
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the catalogue is stored.
    pub database_url: String,
    /// Where to listen.
    pub bind: String,
    /// An admin key, when set.
    pub admin_key: Option<SecretString>,
    /// JSON logs instead of text.
    pub json_logs: bool,
    /// The pool's size.
    pub pool_size: u32,
    /// How long a request waits for a connection.
    pub acquire_timeout: Duration,
    /// The largest body accepted, in bytes.
    pub max_body_bytes: usize,
    /// HTTP worker threads; the number of cores when none.
    pub workers: Option<usize>,
    /// How long a client has to send a request's head before it gets 408.
    pub request_timeout: Duration,
}

/// A variable with a value that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    /// The variable.
    pub variable: &'static str,
    /// What is wrong with its value.
    pub message: String,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let number =
            |name: &'static str, default: u64, min: u64, max: u64| -> Result<u64, ConfigError> {
                match get(name) {
                    None => Ok(default),
                    Some(v) => v
                        .trim()
                        .parse::<u64>()
                        .ok()
                        .filter(|n| (min..=max).contains(n))
                        .ok_or_else(|| ConfigError {
                            variable: name,
                            message: format!(
                                "must be a whole number from {min} to {max}, not `{v}`"
                            ),
                        }),
                }
            };
        let json_logs = match get("VITRINE_LOG_FORMAT").as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => {
                return Err(ConfigError {
                    variable: "VITRINE_LOG_FORMAT",
                    message: format!("must be `text` or `json`, not `{other}`"),
                })
            }
        };
        let admin_key = get("VITRINE_ADMIN_KEY");
        if let Some(key) = &admin_key {
            if key.len() < 16 {
                return Err(ConfigError {
                    variable: "VITRINE_ADMIN_KEY",
                    message: "must be at least 16 characters long".to_owned(),
                });
            }
        }
        Ok(Config {
            database_url: get("VITRINE_DATABASE_URL").unwrap_or_else(|| "vitrine.db".to_owned()),
            bind: get("VITRINE_BIND").unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            admin_key: admin_key.map(SecretString::from),
            json_logs,
            pool_size: number("VITRINE_DB_POOL_SIZE", 10, 1, 1000)? as u32,
            acquire_timeout: Duration::from_millis(number(
                "VITRINE_DB_ACQUIRE_TIMEOUT_MS",
                2000,
                10,
                60_000,
            )?),
            max_body_bytes: number("VITRINE_MAX_BODY_BYTES", 256 * 1024, 1024, 64 * 1024 * 1024)?
                as usize,
            request_timeout: Duration::from_millis(number(
                "VITRINE_REQUEST_TIMEOUT_MS",
                10_000,
                100,
                600_000,
            )?),
            workers: match get("VITRINE_WORKERS") {
                None => None,
                Some(_) => Some(number("VITRINE_WORKERS", 1, 1, 256)? as usize),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_hold_when_nothing_is_set() {
        let config = Config::from_lookup(|_| None).expect("defaults are valid");
        assert_eq!(config.database_url, "vitrine.db");
        assert_eq!(config.bind, "127.0.0.1:8080");
        assert!(config.admin_key.is_none());
        assert_eq!(config.pool_size, 10);
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = Config::from_lookup(|n| (n == "VITRINE_DB_POOL_SIZE").then(|| "many".to_owned()))
            .expect_err("a word is not a size");
        assert_eq!(err.variable, "VITRINE_DB_POOL_SIZE");
        let err = Config::from_lookup(|n| (n == "VITRINE_ADMIN_KEY").then(|| "short".to_owned()))
            .expect_err("a short admin key is refused");
        assert_eq!(err.variable, "VITRINE_ADMIN_KEY");
    }
}
