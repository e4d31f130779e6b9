//! Configuration, read once at start-up from the environment.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use secrecy::SecretString;

use crate::catalogue::webhook::{Destinations, Network};

/// One setting: its variable, its default and what it means. [`SETTINGS`]
/// lists them all, for `vitrine --help` and the README.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// The environment variable.
    pub variable: &'static str,
    /// Its value when unset.
    pub default: &'static str,
    /// What it sets.
    pub meaning: &'static str,
}

/// Every variable the service reads.
pub const SETTINGS: &[Setting] = &[
    Setting {
        variable: "VITRINE_DATABASE_URL",
        default: "vitrine.db",
        meaning: "an SQLite file (a path, or sqlite://path), or postgres://user@host:port/database",
    },
    Setting {
        variable: "VITRINE_BIND",
        default: "127.0.0.1:8080",
        meaning: "the address to listen on, host:port",
    },
    Setting {
        variable: "VITRINE_ADMIN_KEY",
        default: "none",
        meaning: "an admin API key, 16 characters at least",
    },
    Setting {
        variable: "VITRINE_LOG_FORMAT",
        default: "text",
        meaning: "`json` for one JSON object per line",
    },
    Setting {
        variable: "VITRINE_DB_POOL_SIZE",
        default: "10",
        meaning: "database connections held at most",
    },
    Setting {
        variable: "VITRINE_DB_ACQUIRE_TIMEOUT_MS",
        default: "2000",
        meaning: "how long a request waits for a free connection before 503",
    },
    Setting {
        variable: "VITRINE_DB_CONNECT_TIMEOUT_SECS",
        default: "5",
        meaning: "how long opening a PostgreSQL connection may take (2 at least)",
    },
    Setting {
        variable: "VITRINE_DB_STATEMENT_TIMEOUT_MS",
        default: "10000",
        meaning: "the longest a statement may run, or wait for a lock, before it is given up (503)",
    },
    Setting {
        variable: "VITRINE_MAX_BODY_BYTES",
        default: "262144",
        meaning: "the largest request body accepted (413 above)",
    },
    Setting {
        variable: "VITRINE_MAX_IMPORT_BYTES",
        default: "1073741824",
        meaning: "the largest document an import takes (413 above)",
    },
    Setting {
        variable: "VITRINE_BODY_TIMEOUT_MS",
        default: "10000",
        meaning: "the time a client has to send a request's whole body (408 after)",
    },
    Setting {
        variable: "VITRINE_MAX_BODIES_IN_FLIGHT",
        default: "64",
        meaning: "request bodies read at once; one more gets 503",
    },
    Setting {
        variable: "VITRINE_EVENT_RETENTION_DAYS",
        default: "30",
        meaning: "how long the change feed keeps an event",
    },
    Setting {
        variable: "VITRINE_IDEMPOTENCY_TTL_HOURS",
        default: "24",
        meaning: "how long a POST's first answer is replayed for its Idempotency-Key",
    },
    Setting {
        variable: "VITRINE_WEBHOOK_TIMEOUT_MS",
        default: "10000",
        meaning: "how long a webhook receiver has to answer one delivery",
    },
    Setting {
        variable: "VITRINE_WEBHOOK_RETRY_BASE_MS",
        default: "1000",
        meaning: "the wait after a webhook delivery's first failure; it doubles at each failure, up to an hour",
    },
    Setting {
        variable: "VITRINE_WEBHOOK_PAUSE_AFTER_SECS",
        default: "86400",
        meaning: "how long a webhook may fail without a success before it is paused",
    },
    Setting {
        variable: "VITRINE_WEBHOOK_ALLOWED_NETWORKS",
        default: "none",
        meaning: "networks webhooks may deliver to besides public addresses, such as 10.1.0.0/16,::1",
    },
    Setting {
        variable: "VITRINE_PUBLIC_BASE_URL",
        default: "none",
        meaning: "the URL clients reach this service at, such as https://catalogue.example.com: the base of the TM Forum facades' href (the request's scheme and host when unset; http://VITRINE_BIND in webhook events)",
    },
    Setting {
        variable: "VITRINE_VIEW_CACHE_MIB",
        default: "32",
        meaning: "the memory, in MiB, for the views each replica keeps between reads (each served only while nothing committed has changed the catalogue since it was read); 0 reads every view from the database",
    },
    Setting {
        variable: "VITRINE_WORKERS",
        default: "the number of cores",
        meaning: "HTTP worker threads",
    },
    Setting {
        variable: "VITRINE_REQUEST_TIMEOUT_MS",
        default: "10000",
        meaning: "the time a client has to send a request's head (408 after)",
    },
    Setting {
        variable: "VITRINE_METRICS_BIND",
        default: "none",
        meaning: "the address, host:port, to serve /metrics on (Prometheus text format), apart from the API's; none served when unset",
    },
    Setting {
        variable: "VITRINE_SHUTDOWN_TIMEOUT_SECS",
        default: "10",
        meaning: "on SIGTERM, the time the requests under way have to finish, no connection being accepted meanwhile",
    },
    Setting {
        variable: "RUST_LOG",
        default: "info",
        meaning: "the log filter",
    },
];

/// The service's configuration; [`SETTINGS`] lists its variables, every one
/// optional.
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
    /// How long opening a connection may take.
    pub connect_timeout: Duration,
    /// How long one statement may run (PostgreSQL).
    pub statement_timeout: Duration,
    /// The largest body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The largest document an import takes, in bytes.
    pub max_import_bytes: usize,
    /// How long a client has to send a whole body before it gets 408.
    pub body_timeout: Duration,
    /// How many bodies are read at once.
    pub max_bodies_in_flight: usize,
    /// How long the change feed keeps an event.
    pub event_retention: Duration,
    /// How long the first answer to a POST with an `Idempotency-Key` is kept.
    pub idempotency_ttl: Duration,
    /// How webhooks are delivered.
    pub webhooks: crate::delivery::Settings,
    /// The URL clients reach this service at, when set: the base of the
    /// facades' `href`.
    pub public_base_url: Option<String>,
    /// The memory for the views kept between reads, in bytes; none kept
    /// at 0.
    pub view_cache_bytes: usize,
    /// HTTP worker threads; the number of cores when none.
    pub workers: Option<usize>,
    /// How long a client has to send a request's head before it gets 408.
    pub request_timeout: Duration,
    /// On SIGTERM, how long the requests under way have to finish.
    pub shutdown_timeout: Duration,
    /// Where `/metrics` is served, when it is.
    pub metrics_bind: Option<String>,
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
        let millis = |name: &'static str, default: u64, min: u64, max: u64| {
            number(name, default, min, max).map(Duration::from_millis)
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
        let database_url = get("VITRINE_DATABASE_URL").unwrap_or_else(|| "vitrine.db".to_owned());
        check_database_url(&database_url).map_err(|message| ConfigError {
            variable: "VITRINE_DATABASE_URL",
            message,
        })?;
        let bind = get("VITRINE_BIND").unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        check_bind(&bind).map_err(|message| ConfigError {
            variable: "VITRINE_BIND",
            message,
        })?;
        let metrics_bind = match get("VITRINE_METRICS_BIND") {
            None => None,
            Some(metrics) if metrics == bind => {
                return Err(ConfigError {
                    variable: "VITRINE_METRICS_BIND",
                    message: format!(
                    "must differ from VITRINE_BIND ({bind}): /metrics is served apart from the API"
                ),
                })
            }
            Some(metrics) => {
                check_bind(&metrics).map_err(|message| ConfigError {
                    variable: "VITRINE_METRICS_BIND",
                    message,
                })?;
                Some(metrics)
            }
        };
        let public_base_url = match get("VITRINE_PUBLIC_BASE_URL") {
            None => None,
            Some(url) => Some(check_base_url(&url).map_err(|message| ConfigError {
                variable: "VITRINE_PUBLIC_BASE_URL",
                message,
            })?),
        };
        let public_base = public_base_url
            .clone()
            .unwrap_or_else(|| format!("http://{bind}"));
        Ok(Config {
            metrics_bind,
            public_base_url,
            database_url,
            bind,
            admin_key: admin_key.map(SecretString::from),
            json_logs,
            pool_size: number("VITRINE_DB_POOL_SIZE", 10, 1, 1000)? as u32,
            acquire_timeout: millis("VITRINE_DB_ACQUIRE_TIMEOUT_MS", 2000, 10, 60_000)?,
            connect_timeout: Duration::from_secs(number(
                "VITRINE_DB_CONNECT_TIMEOUT_SECS",
                5,
                2,
                600,
            )?),
            statement_timeout: millis("VITRINE_DB_STATEMENT_TIMEOUT_MS", 10_000, 100, 3_600_000)?,
            max_body_bytes: number("VITRINE_MAX_BODY_BYTES", 256 * 1024, 1024, 64 * 1024 * 1024)?
                as usize,
            max_import_bytes: number("VITRINE_MAX_IMPORT_BYTES", 1 << 30, 1024, 1 << 40)? as usize,
            body_timeout: millis("VITRINE_BODY_TIMEOUT_MS", 10_000, 100, 600_000)?,
            max_bodies_in_flight: number("VITRINE_MAX_BODIES_IN_FLIGHT", 64, 1, 100_000)? as usize,
            request_timeout: millis("VITRINE_REQUEST_TIMEOUT_MS", 10_000, 100, 600_000)?,
            shutdown_timeout: Duration::from_secs(number(
                "VITRINE_SHUTDOWN_TIMEOUT_SECS",
                10,
                1,
                3600,
            )?),
            idempotency_ttl: Duration::from_secs(
                number("VITRINE_IDEMPOTENCY_TTL_HOURS", 24, 1, 8760)? * 3600,
            ),
            event_retention: Duration::from_secs(
                number("VITRINE_EVENT_RETENTION_DAYS", 30, 1, 36_500)? * 86_400,
            ),
            webhooks: crate::delivery::Settings {
                timeout: millis("VITRINE_WEBHOOK_TIMEOUT_MS", 10_000, 100, 120_000)?,
                retry_base: millis("VITRINE_WEBHOOK_RETRY_BASE_MS", 1000, 10, 3_600_000)?,
                pause_after: Duration::from_secs(number(
                    "VITRINE_WEBHOOK_PAUSE_AFTER_SECS",
                    86_400,
                    1,
                    365 * 86_400,
                )?),
                destinations: networks(get("VITRINE_WEBHOOK_ALLOWED_NETWORKS").as_deref())?,
                public_base,
                tmf_events: None,
            },
            view_cache_bytes: number("VITRINE_VIEW_CACHE_MIB", 32, 0, 65_536)? as usize
                * 1024
                * 1024,
            workers: match get("VITRINE_WORKERS") {
                None => None,
                Some(_) => Some(number("VITRINE_WORKERS", 1, 1, 256)? as usize),
            },
        })
    }
}

/// A base URL: `http` or `https`, a host, and no query or fragment; without
/// its trailing slash.
fn check_base_url(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("must start with http:// or https://")?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err("must name a host, such as https://catalogue.example.com".to_owned());
    }
    if rest.contains(['?', '#', ' ']) {
        return Err("must hold no query, fragment or space".to_owned());
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// The destinations of `VITRINE_WEBHOOK_ALLOWED_NETWORKS`: comma-separated
/// networks (`10.0.0.0/8`) or addresses.
fn networks(value: Option<&str>) -> Result<Destinations, ConfigError> {
    let mut allowed = Vec::new();
    for item in value.unwrap_or_default().split(',').map(str::trim) {
        if item.is_empty() {
            continue;
        }
        allowed.push(Network::parse(item).ok_or_else(|| ConfigError {
            variable: "VITRINE_WEBHOOK_ALLOWED_NETWORKS",
            message: format!(
                "`{item}` is not a network: give addresses or networks such as 10.1.0.0/16 or ::1, \
                 separated by commas"
            ),
        })?);
    }
    Ok(Destinations::new(allowed))
}

/// Where a database URL points, without its user name and password:
/// `host:port/database` for PostgreSQL, the file's path for SQLite.
pub fn database_place(url: &str) -> &str {
    match url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    {
        Some(rest) => {
            let rest = rest.split('?').next().unwrap_or(rest);
            rest.rsplit_once('@').map_or(rest, |(_, place)| place)
        }
        None => sqlite_path(url),
    }
}

/// The file of an SQLite database URL.
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").unwrap_or(url)
}

/// Checks that a database URL names PostgreSQL or an SQLite file, so that a
/// typing error is refused instead of becoming a new SQLite file.
fn check_database_url(url: &str) -> Result<(), String> {
    let scheme = url.split_once("://").map(|(scheme, _)| scheme).filter(|s| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    });
    match scheme {
        Some("postgres" | "postgresql") => {
            let rest = &url[url.find("://").map_or(0, |i| i + 3)..];
            if rest.is_empty() {
                return Err(
                    "names no PostgreSQL server: postgres://user@host:port/database".into(),
                );
            }
            Ok(())
        }
        Some("sqlite") => check_sqlite_path(&url["sqlite://".len()..]),
        Some(other) => Err(format!(
            "`{other}://` is not a database Vitrine knows: use postgres://user@host:port/database, \
             or an SQLite file as a path or sqlite://path"
        )),
        None => check_sqlite_path(url),
    }
}

fn check_sqlite_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("names no SQLite file: give a path, or sqlite://path".into());
    }
    // A path with a colon, a percent sign or a control character is almost
    // always a mistyped URL; SQLite would take it as a file name.
    if let Some(c) = path
        .chars()
        .find(|c| *c == ':' || *c == '%' || c.is_control())
    {
        // A mistyped URL may hold a password: what comes before `@` is
        // not repeated.
        let shown = path
            .rsplit_once('@')
            .map_or(path.to_owned(), |(_, place)| format!("...@{place}"));
        return Err(format!(
            "`{shown}` is neither a PostgreSQL URL nor an SQLite file path (it holds {c:?}): \
             use postgres://user@host:port/database, or a path such as vitrine.db"
        ));
    }
    Ok(())
}

fn check_bind(bind: &str) -> Result<(), String> {
    if bind.parse::<SocketAddr>().is_ok() {
        return Ok(());
    }
    let has_port = bind
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if has_port && bind.to_socket_addrs().is_ok_and(|mut a| a.next().is_some()) {
        return Ok(());
    }
    Err(format!(
        "`{bind}` is not an address to listen on: use host:port, such as 127.0.0.1:8080"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: &'static str, value: &'static str) -> Result<Config, ConfigError> {
        Config::from_lookup(|n| (n == name).then(|| value.to_owned()))
    }

    #[test]
    fn defaults_hold_when_nothing_is_set() {
        let config = Config::from_lookup(|_| None).expect("defaults are valid");
        assert_eq!(config.database_url, "vitrine.db");
        assert_eq!(config.bind, "127.0.0.1:8080");
        assert!(config.admin_key.is_none());
        assert_eq!(config.pool_size, 10);
        assert_eq!(config.body_timeout, Duration::from_secs(10));
        assert_eq!(config.connect_timeout, Duration::from_secs(5));
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = with("VITRINE_DB_POOL_SIZE", "many").expect_err("a word is not a size");
        assert_eq!(err.variable, "VITRINE_DB_POOL_SIZE");
        let err = with("VITRINE_ADMIN_KEY", "short").expect_err("a short admin key is refused");
        assert_eq!(err.variable, "VITRINE_ADMIN_KEY");
    }

    #[test]
    fn a_database_url_names_postgresql_or_an_sqlite_file() {
        for good in [
            "vitrine.db",
            "/var/lib/vitrine/catalogue.db",
            "sqlite://data/vitrine.db",
            "postgres://postgres@127.0.0.1:5432/vitrine",
            "postgresql://u:p@db/vitrine?sslmode=disable",
        ] {
            assert!(with("VITRINE_DATABASE_URL", good).is_ok(), "{good}");
        }
        for bad in [
            "mysql://root@localhost/vitrine",
            "postgress://postgres@127.0.0.1/vitrine",
            "::garbage::%%",
            "sqlite://",
            "postgres://",
            "http://example.com/db",
            "c:vitrine.db",
        ] {
            let err = with("VITRINE_DATABASE_URL", bad).expect_err(bad);
            assert_eq!(err.variable, "VITRINE_DATABASE_URL", "{bad}");
            assert!(!err.message.contains('\n'), "one line: {}", err.message);
        }
    }

    #[test]
    fn a_bind_address_is_host_and_port() {
        for good in [
            "127.0.0.1:0",
            "0.0.0.0:8080",
            "[::1]:8080",
            "localhost:8080",
        ] {
            assert!(with("VITRINE_BIND", good).is_ok(), "{good}");
        }
        for bad in [
            "8080",
            "localhost",
            "127.0.0.1:99999",
            ":8080",
            "not an address",
        ] {
            assert_eq!(
                with("VITRINE_BIND", bad).expect_err(bad).variable,
                "VITRINE_BIND"
            );
        }
    }

    #[test]
    fn every_setting_is_read() {
        // Each variable, set to a value it refuses, is named in the error:
        // a setting listed but never read would pass silently.
        for setting in SETTINGS {
            if ["RUST_LOG", "VITRINE_ADMIN_KEY"].contains(&setting.variable) {
                continue;
            }
            let err = with(setting.variable, "::not a value::")
                .expect_err(setting.variable)
                .variable;
            assert_eq!(err, setting.variable);
        }
    }
}
