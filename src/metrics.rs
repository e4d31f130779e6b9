//! What the process counts, written in the Prometheus text format (0.0.4)
//! for `/metrics`: requests by method, route template and status, their
//! latency, the customer views built and served from memory, webhook
//! delivery outcomes. What is read at the scrape (the pool, the webhook
//! backlog) is passed to [`render`].

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The upper bounds of the latency histograms, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Observations of a duration, by bucket.
#[derive(Debug, Clone, Default)]
struct Histogram {
    /// How many fell at or under each of [`BUCKETS`] (not cumulated).
    counts: [u64; BUCKETS.len()],
    /// How many fell above the last bucket.
    over: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, took: Duration) {
        let seconds = took.as_secs_f64();
        match BUCKETS.iter().position(|bound| seconds <= *bound) {
            Some(i) => self.counts[i] += 1,
            None => self.over += 1,
        }
        self.sum += seconds;
    }

    fn count(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.over
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulated = 0;
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, count) in BUCKETS.iter().zip(self.counts) {
            cumulated += count;
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulated}"
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count()
        );
        let labels = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{labels} {}", self.sum);
        let _ = writeln!(out, "{name}_count{labels} {}", self.count());
    }
}

/// One request's labels: method, route template, status.
type RequestLabels = (String, String, u16);

#[derive(Debug, Default)]
struct Registry {
    requests: Mutex<BTreeMap<RequestLabels, u64>>,
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
    view_builds: Mutex<Histogram>,
    views_from_memory: AtomicU64,
    pool_waits: AtomicU64,
    pool_timeouts: AtomicU64,
    deliveries: Mutex<BTreeMap<&'static str, u64>>,
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::default)
}

/// Counts a request answered with `status` after `took`; `route` is its
/// route template (`/api/v1/products/{id}`), never its path, so that the
/// series stay few.
pub fn request(method: &str, route: &str, status: u16, took: Duration) {
    let registry = registry();
    *registry
        .requests
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry((method.to_owned(), route.to_owned(), status))
        .or_default() += 1;
    registry
        .latency
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry((method.to_owned(), route.to_owned()))
        .or_default()
        .observe(took);
}

/// Counts a customer view read from the database and serialised in `took`.
pub fn view_built(took: Duration) {
    registry()
        .view_builds
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .observe(took);
}

/// Counts a view served from memory.
pub fn view_from_memory() {
    registry().views_from_memory.fetch_add(1, Ordering::Relaxed);
}

/// Counts a request that found every connection in use and waited; and,
/// when `timed_out`, gave up.
pub fn pool_waited(timed_out: bool) {
    let registry = registry();
    registry.pool_waits.fetch_add(1, Ordering::Relaxed);
    if timed_out {
        registry.pool_timeouts.fetch_add(1, Ordering::Relaxed);
    }
}

/// Counts an attempt to deliver an event to a webhook: `delivered` (a 2xx)
/// or `failed`.
pub fn webhook_attempt(delivered: bool) {
    let outcome = if delivered { "delivered" } else { "failed" };
    *registry()
        .deliveries
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(outcome)
        .or_default() += 1;
}

/// What is read when the metrics are scraped.
#[derive(Debug, Clone, Default)]
pub struct Scraped {
    /// Connections of the pool lent out.
    pub pool_in_use: u32,
    /// Connections of the pool idle.
    pub pool_idle: u32,
    /// The pool's size at most.
    pub pool_max: u32,
    /// Events after each active webhook's position, summed; none when it
    /// could not be read.
    pub webhook_backlog: Option<i64>,
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A family of samples, each with its labels (none when empty).
fn family<V: std::fmt::Display>(
    out: &mut String,
    (name, kind, help): (&str, &str, &str),
    samples: impl IntoIterator<Item = (String, V)>,
) {
    header(out, name, kind, help);
    for (labels, value) in samples {
        let _ = if labels.is_empty() {
            writeln!(out, "{name} {value}")
        } else {
            writeln!(out, "{name}{{{labels}}} {value}")
        };
    }
}

/// Everything counted, and `scraped`, in the Prometheus text format.
pub fn render(scraped: &Scraped) -> String {
    let registry = registry();
    let counted = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
    let mut out = String::new();
    family(
        &mut out,
        (
            "vitrine_build_info",
            "gauge",
            "The running build: 1, labelled with its version.",
        ),
        [(format!("version=\"{}\"", env!("CARGO_PKG_VERSION")), 1)],
    );

    let requests = registry.requests.lock().unwrap_or_else(|e| e.into_inner());
    family(
        &mut out,
        (
            "vitrine_http_requests_total",
            "counter",
            "Requests answered, by method, route template and status.",
        ),
        requests.iter().map(|((method, route, status), count)| {
            (
                format!(
                    "method=\"{}\",route=\"{}\",status=\"{status}\"",
                    escape(method),
                    escape(route)
                ),
                *count,
            )
        }),
    );
    drop(requests);
    let latency = "vitrine_http_request_duration_seconds";
    header(
        &mut out,
        latency,
        "histogram",
        "The time from a request's head to its answer, by method and route template.",
    );
    for ((method, route), histogram) in registry
        .latency
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        let labels = format!("method=\"{}\",route=\"{}\"", escape(method), escape(route));
        histogram.write(&mut out, latency, &labels);
    }

    header(
        &mut out,
        "vitrine_view_build_seconds",
        "histogram",
        "The time to read a customer's or a group's view from the database and serialise it.",
    );
    registry
        .view_builds
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .write(&mut out, "vitrine_view_build_seconds", "");
    family(
        &mut out,
        (
            "vitrine_views_from_memory_total",
            "counter",
            "Views served from this replica's memory, unchanged since they were read.",
        ),
        [(String::new(), counted(&registry.views_from_memory))],
    );

    family(
        &mut out,
        (
            "vitrine_db_pool_connections",
            "gauge",
            "The database connections held, by state.",
        ),
        [
            ("state=\"in_use\"".to_owned(), scraped.pool_in_use),
            ("state=\"idle\"".to_owned(), scraped.pool_idle),
        ],
    );
    family(
        &mut out,
        (
            "vitrine_db_pool_max_connections",
            "gauge",
            "The database connections held at most (VITRINE_DB_POOL_SIZE).",
        ),
        [(String::new(), scraped.pool_max)],
    );
    family(
        &mut out,
        (
            "vitrine_db_pool_waits_total",
            "counter",
            "Requests that found every connection in use and waited for one.",
        ),
        [(String::new(), counted(&registry.pool_waits))],
    );
    family(
        &mut out,
        (
            "vitrine_db_pool_timeouts_total",
            "counter",
            "Requests that waited VITRINE_DB_ACQUIRE_TIMEOUT_MS for a connection in vain (503).",
        ),
        [(String::new(), counted(&registry.pool_timeouts))],
    );

    let deliveries = registry
        .deliveries
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    family(
        &mut out,
        (
            "vitrine_webhook_deliveries_total",
            "counter",
            "Attempts to deliver an event to a webhook by this replica, by outcome.",
        ),
        ["delivered", "failed"].map(|outcome| {
            (
                format!("outcome=\"{outcome}\""),
                deliveries.get(outcome).copied().unwrap_or(0),
            )
        }),
    );
    drop(deliveries);
    if let Some(backlog) = scraped.webhook_backlog {
        family(
            &mut out,
            (
                "vitrine_webhook_backlog_events",
                "gauge",
                "Events of the change feed after each active webhook's position, counted and summed.",
            ),
            [(String::new(), backlog)],
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_cumulates_its_buckets_and_counts_what_is_over_them() {
        let mut histogram = Histogram::default();
        for ms in [0, 3, 3, 40, 20_000] {
            histogram.observe(Duration::from_millis(ms));
        }
        let mut out = String::new();
        histogram.write(&mut out, "h", "route=\"/x\"");
        assert!(
            out.contains("h_bucket{route=\"/x\",le=\"0.0005\"} 1\n"),
            "{out}"
        );
        assert!(
            out.contains("h_bucket{route=\"/x\",le=\"0.005\"} 3\n"),
            "{out}"
        );
        assert!(
            out.contains("h_bucket{route=\"/x\",le=\"0.05\"} 4\n"),
            "{out}"
        );
        assert!(
            out.contains("h_bucket{route=\"/x\",le=\"10\"} 4\n"),
            "{out}"
        );
        assert!(
            out.contains("h_bucket{route=\"/x\",le=\"+Inf\"} 5\n"),
            "{out}"
        );
        assert!(out.contains("h_count{route=\"/x\"} 5\n"), "{out}");
        assert!(out.contains("h_sum{route=\"/x\"} 20.046\n"), "{out}");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
