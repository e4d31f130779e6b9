//! The webhook worker: delivers the change feed's events to each active
//! subscription, in feed order, at least once.
//!
//! A replica leases a subscription (a row lock taken with `SKIP LOCKED` on
//! PostgreSQL, so replicas never wait for one another and never deliver
//! the same subscription at once), POSTs its next events one by one, and
//! moves its position forward after each 2xx. A failure is recorded, and
//! the next attempt waits twice as long as the last, up to an hour; a
//! subscription that fails for `VITRINE_WEBHOOK_PAUSE_AFTER_SECS` is
//! paused. A replica killed mid-delivery leaves its lease to expire: the
//! event is delivered again by whoever takes the subscription next.

use std::error::Error as StdError;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use futures_util::future::{join_all, LocalBoxFuture};
use uuid::Uuid;

use crate::catalogue::event::Event;
use crate::catalogue::webhook::{backoff, signature, Delivery, Destinations, EventFormat, Target};
use crate::service::Catalogue;
use crate::shutdown::Stopping;
use crate::store::webhooks::{Claimed, Failure};

/// How deliveries are made.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a receiver has to answer one delivery.
    pub timeout: Duration,
    /// The wait after the first failure; it doubles at each one after.
    pub retry_base: Duration,
    /// How long a subscription may fail before it is paused.
    pub pause_after: Duration,
    /// Where deliveries may go.
    pub destinations: Destinations,
    /// The URL clients reach the service at, for the `href` of the events
    /// of the TMF formats.
    pub public_base: String,
    /// What writes the events of the TMF formats (the TMF facades'
    /// `event_body`, set at start-up); such events fail to deliver without
    /// it.
    pub tmf_events: Option<TmfEvents>,
}

/// Writes the TMF event of a type for a change of the feed, with the
/// `href` of its resource under a base URL.
pub type TmfEvents =
    fn(&Catalogue, &Event, &str, &str) -> Result<serde_json::Value, crate::service::Error>;

/// How often the worker looks for events to deliver.
const POLL: Duration = Duration::from_millis(250);
/// Subscriptions one replica delivers at once.
const CLAIMS: i64 = 16;
/// Events read at a time.
const BATCH: i64 = 100;

/// Starts the worker on a thread of its own; it ends once `stopping` is
/// raised, after the attempts under way, each subscription it held handed
/// back.
pub fn start(
    catalogue: Catalogue,
    settings: Settings,
    stopping: Stopping,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(run(catalogue, settings, stopping));
    })
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::service::Error> + Send + 'static,
) -> Result<T, String> {
    match actix_web::rt::task::spawn_blocking(f).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

async fn run(catalogue: Catalogue, settings: Settings, stopping: Stopping) {
    // This process's leases; a restarted process takes new ones.
    let token = Uuid::now_v7().to_string();
    let client = client(&settings);
    let lease = settings.timeout * 2 + Duration::from_secs(2);
    while !stopping.is_raised() {
        let until = lease_end(lease);
        let claimed = {
            let (catalogue, token) = (catalogue.clone(), token.clone());
            blocking(move || catalogue.claim_webhooks(&token, until, CLAIMS)).await
        };
        match claimed {
            Ok(claimed) if !claimed.is_empty() => {
                join_all(claimed.into_iter().map(|webhook| {
                    deliver(
                        &catalogue, &client, &settings, &stopping, &token, lease, webhook,
                    )
                }))
                .await;
            }
            Ok(_) => actix_web::rt::time::sleep(POLL).await,
            Err(e) => {
                tracing::warn!(error = %e, "webhooks could not be claimed");
                actix_web::rt::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}

fn lease_end(lease: Duration) -> chrono::DateTime<chrono::Utc> {
    crate::catalogue::now()
        + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::hours(1))
}

/// Delivers the events after a claimed subscription's position until none
/// is left, an attempt fails or the lease is lost.
async fn deliver(
    catalogue: &Catalogue,
    client: &awc::Client,
    settings: &Settings,
    stopping: &Stopping,
    token: &str,
    lease: Duration,
    webhook: Claimed,
) {
    let id = webhook.id;
    let mut position = webhook.position;
    let (mut attempts, mut failing_since) = (webhook.attempts, webhook.failing_since);
    'batches: while !stopping.is_raised() {
        let events = {
            let catalogue = catalogue.clone();
            blocking(move || catalogue.events_after(position, BATCH)).await
        };
        let events = match events {
            Ok(events) if !events.is_empty() => events,
            Ok(_) => break,
            Err(e) => {
                tracing::warn!(webhook_id = %id, error = %e, "events could not be read");
                break;
            }
        };
        for (seq, event) in events {
            if stopping.is_raised() {
                break 'batches;
            }
            let body = if webhook.fields.wants(&event.entity_type, event.kind) {
                body_of(catalogue, settings, &webhook, &event).await
            } else {
                None
            };
            let body = match body {
                Some(Ok(body)) => body,
                None => {
                    position = seq;
                    continue;
                }
                // The service could not write the event (its database busy,
                // or this replica without a TMF writer): nothing the receiver
                // did, so no attempt is held against it; it is tried again
                // at the next look.
                Some(Err(e)) => {
                    tracing::warn!(webhook_id = %id, event_id = %event.id, error = %e,
                        "an event could not be written for a webhook");
                    break 'batches;
                }
            };
            let attempt = attempts + 1;
            let delivery = send(client, settings, &webhook, &event, body, attempt).await;
            crate::metrics::webhook_attempt(delivery.delivered);
            let held = if delivery.delivered {
                let (catalogue, token) = (catalogue.clone(), token.to_owned());
                let until = lease_end(lease);
                blocking(move || {
                    catalogue.webhook_advanced(id, &token, seq, until, Some((seq, &delivery)))
                })
                .await
            } else {
                tracing::info!(webhook_id = %id, event_id = %event.id, attempt,
                    error = delivery.error.as_deref().unwrap_or_default(), "a webhook delivery failed");
                let failure = failure(settings, attempts, failing_since, &delivery);
                let (catalogue, token) = (catalogue.clone(), token.to_owned());
                let skipped_to = position;
                let _ = blocking(move || {
                    // The events skipped before this one are handled.
                    let until = lease_end(lease);
                    if skipped_to > webhook.position {
                        catalogue.webhook_skipped(id, &token, skipped_to, until)?;
                    }
                    catalogue.webhook_failed(id, &token, seq, &delivery, &failure)
                })
                .await;
                return;
            };
            match held {
                Ok(true) => {
                    position = seq;
                    (attempts, failing_since) = (0, None);
                }
                Ok(false) => return,
                Err(e) => {
                    tracing::warn!(webhook_id = %id, error = %e, "a delivery could not be recorded");
                    return;
                }
            }
        }
    }
    let (catalogue, token) = (catalogue.clone(), token.to_owned());
    let _ = blocking(move || {
        if position > webhook.position {
            catalogue.webhook_skipped(id, &token, position, lease_end(lease))?;
        }
        catalogue.webhook_released(id, &token)
    })
    .await;
}

/// What a subscription is sent for `event`, in its format; none when the
/// format has nothing to say of it.
async fn body_of(
    catalogue: &Catalogue,
    settings: &Settings,
    webhook: &Claimed,
    event: &Event,
) -> Option<Result<Vec<u8>, String>> {
    match webhook.fields.format {
        EventFormat::Vitrine => Some(serde_json::to_vec(event).map_err(|e| e.to_string())),
        EventFormat::Tmf620 | EventFormat::Tmf633 => {
            let event_type = webhook.fields.tmf_event_type(event)?;
            let Some(write) = settings.tmf_events else {
                return Some(Err("this replica cannot write TMF events".to_owned()));
            };
            let (catalogue, event, base) = (
                catalogue.clone(),
                event.clone(),
                settings.public_base.clone(),
            );
            let body = blocking(move || write(&catalogue, &event, &event_type, &base)).await;
            Some(
                body.map_err(|e| format!("the event could not be written: {e}"))
                    .and_then(|body| serde_json::to_vec(&body).map_err(|e| e.to_string())),
            )
        }
    }
}

/// When to try again after `delivery` failed, and whether to give up.
fn failure(
    settings: &Settings,
    attempts: i32,
    failing_since: Option<chrono::DateTime<chrono::Utc>>,
    delivery: &Delivery,
) -> Failure {
    let now = crate::catalogue::now();
    let attempts = attempts + 1;
    let failing_since = failing_since.unwrap_or(delivery.attempted_at);
    let wait = backoff(settings.retry_base, attempts.unsigned_abs());
    let failing_for = (now - failing_since).to_std().unwrap_or_default();
    let paused = (failing_for >= settings.pause_after).then(|| {
        format!(
            "every delivery failed for {} s (the last: {}); set `status` to `active` to resume",
            failing_for.as_secs(),
            delivery.error.as_deref().unwrap_or("no answer")
        )
    });
    Failure {
        attempts,
        retry_at: now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1)),
        failing_since,
        paused,
    }
}

/// The headers a delivery carries besides its signature.
pub const EVENT_ID_HEADER: &str = "X-Vitrine-Event-Id";

/// POSTs one event and says how it went.
async fn send(
    client: &awc::Client,
    settings: &Settings,
    webhook: &Claimed,
    event: &Event,
    body: Vec<u8>,
    attempt: i32,
) -> Delivery {
    let attempted_at = crate::catalogue::now();
    let started = Instant::now();
    let outcome = post(client, settings, webhook, event, body).await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (status_code, error) = match outcome {
        Ok(status) if (200..300).contains(&status) => (Some(i32::from(status)), None),
        Ok(status) => (
            Some(i32::from(status)),
            Some(format!("the receiver answered {status}")),
        ),
        Err(e) => (None, Some(e)),
    };
    Delivery {
        id: Uuid::now_v7(),
        event_id: event.id,
        attempt,
        attempted_at,
        duration_ms,
        delivered: error.is_none(),
        status_code,
        error,
    }
}

async fn post(
    client: &awc::Client,
    settings: &Settings,
    webhook: &Claimed,
    event: &Event,
    body: Vec<u8>,
) -> Result<u16, String> {
    let target = Target::parse(&webhook.fields.url)?;
    // A name is checked as it is resolved, in the connector; an address
    // here, since it is never resolved.
    if let Some(ip) = target.ip() {
        if let Some(why) = settings.destinations.refusal(ip) {
            return Err(format!("refused: {ip} is {why}"));
        }
    }
    let timestamp = chrono::Utc::now().timestamp();
    let mut response = client
        .post(&webhook.fields.url)
        .insert_header(("Content-Type", "application/json"))
        .insert_header(("User-Agent", concat!("vitrine/", env!("CARGO_PKG_VERSION"))))
        .insert_header((EVENT_ID_HEADER, event.id.to_string()))
        .insert_header(("X-Vitrine-Webhook-Id", webhook.id.to_string()))
        .insert_header(("X-Vitrine-Timestamp", timestamp.to_string()))
        .insert_header((
            "X-Vitrine-Signature",
            signature(&webhook.secret, timestamp, &body),
        ))
        .timeout(settings.timeout)
        .send_body(body)
        .await
        .map_err(|e| match e {
            awc::error::SendRequestError::Timeout => {
                format!("no answer within {} ms", settings.timeout.as_millis())
            }
            other => other.to_string(),
        })?;
    // What the receiver says is read and dropped, up to a bound, so that
    // the connection can serve the next delivery.
    let _ = response.body().limit(64 * 1024).await;
    Ok(response.status().as_u16())
}

/// A client that follows no redirect and connects only to the addresses
/// `settings` allow, checked on the addresses a name resolves to, so that
/// a name cannot be pointed at a private address after it was accepted.
fn client(settings: &Settings) -> awc::Client {
    let resolver = actix_tls::connect::Resolver::custom(Guarded(settings.destinations.clone()));
    let connector = awc::Connector::new()
        .connector(actix_tls::connect::Connector::new(resolver).service())
        .timeout(settings.timeout);
    awc::Client::builder()
        .connector(connector)
        .disable_redirects()
        .timeout(settings.timeout)
        .finish()
}

/// Resolves names, keeping the addresses deliveries may go to.
struct Guarded(Destinations);

impl actix_tls::connect::Resolve for Guarded {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> LocalBoxFuture<'a, Result<Vec<SocketAddr>, Box<dyn StdError>>> {
        Box::pin(async move {
            let name = format!("{host}:{port}");
            let found = actix_web::rt::task::spawn_blocking(move || {
                name.to_socket_addrs().map(Iterator::collect::<Vec<_>>)
            })
            .await
            .map_err(|e| e.to_string())??;
            allowed(&self.0, host, &found).map_err(Into::into)
        })
    }
}

/// The addresses of `found` that deliveries may go to; an error naming the
/// first refused when none may.
pub fn allowed(
    destinations: &Destinations,
    host: &str,
    found: &[SocketAddr],
) -> Result<Vec<SocketAddr>, String> {
    let kept: Vec<SocketAddr> = found
        .iter()
        .filter(|a| destinations.refusal(a.ip()).is_none())
        .copied()
        .collect();
    if kept.is_empty() {
        let why = found
            .iter()
            .find_map(|a| {
                destinations
                    .refusal(a.ip())
                    .map(|why| format!("{} is {why}", a.ip()))
            })
            .unwrap_or_else(|| "it resolves to no address".to_owned());
        return Err(format!("refused: {host}: {why}"));
    }
    Ok(kept)
}

/// Checks, as a subscription is written, that its URL may be delivered to:
/// an address, or a name that resolves to at least one allowed address. A
/// name that does not resolve yet is accepted; it is checked again at each
/// delivery.
pub fn check_url(destinations: &Destinations, url: &str) -> Result<(), String> {
    let Ok(target) = Target::parse(url) else {
        // The entity's validation names what is wrong with it.
        return Ok(());
    };
    if let Some(ip) = target.ip() {
        return match destinations.refusal(ip) {
            Some(why) => Err(format!(
                "{ip} is {why}: deliveries go to public addresses, and to the networks of \
                 VITRINE_WEBHOOK_ALLOWED_NETWORKS"
            )),
            None => Ok(()),
        };
    }
    match (target.host.as_str(), target.port).to_socket_addrs() {
        Ok(found) => {
            let found: Vec<SocketAddr> = found.collect();
            if found.is_empty() {
                return Ok(());
            }
            allowed(destinations, &target.host, &found)
                .map(|_| ())
                .map_err(|e| {
                    format!(
                        "{e}: deliveries go to public addresses, and to the networks of \
                     VITRINE_WEBHOOK_ALLOWED_NETWORKS"
                    )
                })
        }
        Err(_) => Ok(()),
    }
}
