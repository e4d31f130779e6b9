//! Webhook subscriptions in the store, where each one's delivery stands in
//! the change feed, and the record of every attempt.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{delete_row, find_and_list, update_row};
use super::schema::{webhook_deliveries, webhooks};
use super::{
    after_key, form, from_db_time, meta_of, parse_id, parse_text, to_db_time, DbConnection,
    Removed, StoreError, Table,
};
use crate::catalogue::event::EventKind;
use crate::catalogue::page::{Page, PageRequest};
use crate::catalogue::webhook::{Delivery, EventFormat, Webhook, WebhookInput, WebhookStatus};
use crate::catalogue::Meta;

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhooks)]
struct WebhookRow {
    id: String,
    url: String,
    description: Option<String>,
    filter: String,
    status: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
    failing_since: Option<NaiveDateTime>,
    paused_reason: Option<String>,
}

form! {
    /// The writable columns of a subscription.
    WebhookForm<'a> for webhooks from WebhookInput as (meta, input) {
        url: &'a str = &input.url,
        description: Option<&'a str> = input.description.as_deref(),
        filter: String = filter_text(input),
        status: &'a str = input.status.as_str(),
    }
}

/// The events a subscription asks for, as stored in one column.
#[derive(serde::Serialize, serde::Deserialize)]
struct Filter {
    entity_types: Vec<String>,
    kinds: Vec<EventKind>,
    #[serde(default = "vitrine_format")]
    format: EventFormat,
    #[serde(default)]
    event_types: Vec<String>,
}

fn vitrine_format() -> EventFormat {
    EventFormat::Vitrine
}

fn filter_text(input: &WebhookInput) -> String {
    let filter = Filter {
        entity_types: input.entity_types.clone(),
        kinds: input.kinds.clone(),
        format: input.format,
        event_types: input.event_types.clone(),
    };
    serde_json::to_string(&filter).unwrap_or_else(|_| "{}".to_owned())
}

fn input_of(
    url: String,
    description: Option<String>,
    filter: &str,
    status: &str,
) -> Result<WebhookInput, StoreError> {
    let filter: Filter = serde_json::from_str(filter)
        .map_err(|e| StoreError::Query(diesel::result::Error::DeserializationError(Box::new(e))))?;
    Ok(WebhookInput {
        url,
        description,
        entity_types: filter.entity_types,
        kinds: filter.kinds,
        format: filter.format,
        event_types: filter.event_types,
        status: parse_text(status, WebhookStatus::parse)?,
    })
}

fn assemble(_: &mut DbConnection, rows: Vec<WebhookRow>) -> Result<Vec<Webhook>, StoreError> {
    rows.into_iter()
        .map(|row| {
            Ok(Webhook {
                meta: meta_of(&row.id, row.created_at, row.updated_at, row.version)?,
                fields: input_of(row.url, row.description, &row.filter, &row.status)?,
                failing_since: row.failing_since.map(from_db_time),
                paused_reason: row.paused_reason,
            })
        })
        .collect()
}

impl Table for Webhook {
    const TABLE: &'static str = "webhooks";

    find_and_list!(without refs webhooks, WebhookRow, assemble, |query, filter| {
        if let Some(status) = filter.status {
            query = query.filter(webhooks::status.eq(status.as_str()));
        }
    });

    fn remove(
        conn: &mut DbConnection,
        id: Uuid,
        version: Option<i32>,
    ) -> Result<Option<Removed>, StoreError> {
        diesel::delete(
            webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(id.to_string())),
        )
        .execute(conn)?;
        Ok(delete_row!(conn, webhooks, id, version).then(Removed::default))
    }
}

/// Writes a new subscription that delivers the events after `position`.
pub fn insert(
    conn: &mut DbConnection,
    meta: &Meta,
    input: &WebhookInput,
    secret: &str,
    position: i64,
) -> Result<(), StoreError> {
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(meta.id.to_string()),
            webhooks::created_at.eq(to_db_time(meta.created_at)),
            WebhookForm::new(meta, input),
            webhooks::secret.eq(secret),
            webhooks::position.eq(position),
            webhooks::attempts.eq(0),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replaces the writable fields at `expected_version`; when `resume`, the
/// failures are forgotten and delivery starts again at once. Returns
/// whether that version was current.
pub fn update(
    conn: &mut DbConnection,
    meta: &Meta,
    expected_version: i32,
    input: &WebhookInput,
    resume: bool,
) -> Result<bool, StoreError> {
    if !update_row!(
        conn,
        webhooks,
        meta.id,
        expected_version,
        WebhookForm::new(meta, input)
    ) {
        return Ok(false);
    }
    if resume {
        diesel::update(webhooks::table.find(meta.id.to_string()))
            .set((
                webhooks::attempts.eq(0),
                webhooks::next_attempt_at.eq(None::<NaiveDateTime>),
                webhooks::failing_since.eq(None::<NaiveDateTime>),
                webhooks::paused_reason.eq(None::<String>),
            ))
            .execute(conn)?;
    }
    Ok(true)
}

/// A subscription claimed for delivery: what sending needs, and where it
/// stands.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The subscription's id.
    pub id: Uuid,
    /// Its URL, filters and status.
    pub fields: WebhookInput,
    /// The key of its signatures.
    pub secret: String,
    /// The last event handled.
    pub position: i64,
    /// Failed attempts at the next event.
    pub attempts: i32,
    /// Since when every attempt failed.
    pub failing_since: Option<DateTime<Utc>>,
}

type ClaimRow = (
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    i64,
    i32,
    Option<NaiveDateTime>,
);

/// The active subscriptions with events after their position (the last
/// being `last`), not waiting for a retry and not leased by another at `now`.
#[diesel::dsl::auto_type]
fn due(last: i64, now: NaiveDateTime) -> _ {
    let active: &'static str = WebhookStatus::Active.as_str();
    webhooks::table
        .filter(webhooks::status.eq(active))
        .filter(webhooks::position.lt(last))
        .filter(
            webhooks::next_attempt_at
                .is_null()
                .or(webhooks::next_attempt_at.le(now)),
        )
        .filter(
            webhooks::leased_until
                .is_null()
                .or(webhooks::leased_until.lt(now)),
        )
}

/// Events after each active subscription's position, counted and summed:
/// what the webhooks have yet to be sent or to skip.
pub fn backlog(conn: &mut DbConnection) -> Result<i64, StoreError> {
    use super::schema::events;
    let active: &'static str = WebhookStatus::Active.as_str();
    Ok(events::table
        .inner_join(webhooks::table.on(events::seq.gt(webhooks::position)))
        .filter(webhooks::status.eq(active))
        .count()
        .get_result(conn)?)
}

/// Whether any subscription is due for delivery at `now`: a read, so that
/// looking for work takes no write lock.
pub fn any_due(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let Some(last) = super::events::bounds(conn)?.map(|(_, last)| last) else {
        return Ok(false);
    };
    Ok(diesel::select(diesel::dsl::exists(due(last, to_db_time(now)))).get_result(conn)?)
}

/// Leases to `token`, until `until`, up to `limit` active subscriptions
/// that have events after their position, are not waiting for a retry and
/// are not leased by another: rows another replica is claiming at the same
/// moment are skipped, not waited for.
pub fn claim(
    conn: &mut DbConnection,
    token: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Claimed>, StoreError> {
    let Some(last) = super::events::bounds(conn)?.map(|(_, last)| last) else {
        return Ok(Vec::new());
    };
    let due = due(last, to_db_time(now))
        .order(webhooks::id)
        .limit(limit)
        .select((
            webhooks::id,
            webhooks::url,
            webhooks::description,
            webhooks::filter,
            webhooks::status,
            webhooks::secret,
            webhooks::position,
            webhooks::attempts,
            webhooks::failing_since,
        ));
    let rows: Vec<ClaimRow> = match conn {
        DbConnection::Pg(pg) => due.for_update().skip_locked().load(pg)?,
        // SQLite's write transaction holds the one write lock already.
        DbConnection::Sqlite(lite) => due.load(lite)?,
    };
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&String> = rows.iter().map(|r| &r.0).collect();
    diesel::update(webhooks::table.filter(webhooks::id.eq_any(ids)))
        .set((
            webhooks::lease_token.eq(token),
            webhooks::leased_until.eq(to_db_time(until)),
        ))
        .execute(conn)?;
    rows.into_iter()
        .map(
            |(id, url, description, filter, status, secret, position, attempts, failing_since)| {
                Ok(Claimed {
                    id: parse_id(&id)?,
                    fields: input_of(url, description, &filter, &status)?,
                    secret,
                    position,
                    attempts,
                    failing_since: failing_since.map(from_db_time),
                })
            },
        )
        .collect()
}

/// The subscription `id` while the lease of `token` holds on it.
#[diesel::dsl::auto_type]
fn leased(id: String, token: String) -> _ {
    webhooks::table
        .filter(webhooks::id.eq(id))
        .filter(webhooks::lease_token.eq(token))
}

/// Marks the events up to `position` handled, and the failures over, while
/// the lease of `token` holds, and extends it to `until`. Returns whether
/// it held (a subscription deleted or leased by another since is left
/// alone).
pub fn advance(
    conn: &mut DbConnection,
    id: Uuid,
    token: &str,
    position: i64,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let updated = diesel::update(leased(id.to_string(), token.to_owned()))
        .set((
            webhooks::position.eq(position),
            webhooks::attempts.eq(0),
            webhooks::next_attempt_at.eq(None::<NaiveDateTime>),
            webhooks::failing_since.eq(None::<NaiveDateTime>),
            webhooks::leased_until.eq(to_db_time(until)),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Moves the subscription past events it does not ask for, while the
/// lease of `token` holds, extending it to `until`.
pub fn skip(
    conn: &mut DbConnection,
    id: Uuid,
    token: &str,
    position: i64,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let updated = diesel::update(leased(id.to_string(), token.to_owned()))
        .set((
            webhooks::position.eq(position),
            webhooks::leased_until.eq(to_db_time(until)),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// What a failed attempt leaves for the next one.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Failed attempts at the event so far.
    pub attempts: i32,
    /// When to try again.
    pub retry_at: DateTime<Utc>,
    /// Since when every attempt failed.
    pub failing_since: DateTime<Utc>,
    /// Why the subscription is paused, when it failed for too long.
    pub paused: Option<String>,
}

/// Records a failure at the next event and releases the lease of `token`;
/// pauses the subscription (a change of its status, so one more version)
/// when the failure says so.
pub fn fail(
    conn: &mut DbConnection,
    id: Uuid,
    token: &str,
    failure: &Failure,
) -> Result<bool, StoreError> {
    let updated = diesel::update(leased(id.to_string(), token.to_owned()))
        .set((
            webhooks::attempts.eq(failure.attempts),
            webhooks::next_attempt_at.eq(to_db_time(failure.retry_at)),
            webhooks::failing_since.eq(to_db_time(failure.failing_since)),
            webhooks::lease_token.eq(None::<String>),
            webhooks::leased_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    if updated == 1 {
        if let Some(reason) = &failure.paused {
            diesel::update(webhooks::table.filter(webhooks::id.eq(id.to_string())))
                .set((
                    webhooks::status.eq(WebhookStatus::Paused.as_str()),
                    webhooks::paused_reason.eq(reason),
                    webhooks::version.eq(webhooks::version + 1),
                    webhooks::updated_at.eq(to_db_time(crate::catalogue::now())),
                ))
                .execute(conn)?;
        }
    }
    Ok(updated == 1)
}

/// Releases the lease of `token`, when it holds.
pub fn release(conn: &mut DbConnection, id: Uuid, token: &str) -> Result<(), StoreError> {
    diesel::update(leased(id.to_string(), token.to_owned()))
        .set((
            webhooks::lease_token.eq(None::<String>),
            webhooks::leased_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records one attempt of the subscription `webhook_id`.
pub fn record(
    conn: &mut DbConnection,
    webhook_id: Uuid,
    event_seq: i64,
    delivery: &Delivery,
) -> Result<(), StoreError> {
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::id.eq(delivery.id.to_string()),
            webhook_deliveries::webhook_id.eq(webhook_id.to_string()),
            webhook_deliveries::event_id.eq(delivery.event_id.to_string()),
            webhook_deliveries::event_seq.eq(event_seq),
            webhook_deliveries::attempt.eq(delivery.attempt),
            webhook_deliveries::attempted_at.eq(to_db_time(delivery.attempted_at)),
            webhook_deliveries::duration_ms
                .eq(i32::try_from(delivery.duration_ms).unwrap_or(i32::MAX)),
            webhook_deliveries::status_code.eq(delivery.status_code),
            webhook_deliveries::error.eq(delivery.error.as_deref()),
            webhook_deliveries::delivered.eq(delivery.delivered),
        ))
        .execute(conn)?;
    Ok(())
}

type DeliveryRow = (
    String,
    String,
    i32,
    NaiveDateTime,
    i32,
    Option<i32>,
    Option<String>,
    bool,
);

/// One page of the attempts of the subscription `webhook_id`, oldest first.
pub fn deliveries(
    conn: &mut DbConnection,
    webhook_id: Uuid,
    page: &PageRequest,
) -> Result<Page<Delivery>, StoreError> {
    let rows: Vec<DeliveryRow> = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook_id.to_string()))
        .filter(webhook_deliveries::id.gt(after_key(page)))
        .order(webhook_deliveries::id)
        .limit(page.fetch())
        .select((
            webhook_deliveries::id,
            webhook_deliveries::event_id,
            webhook_deliveries::attempt,
            webhook_deliveries::attempted_at,
            webhook_deliveries::duration_ms,
            webhook_deliveries::status_code,
            webhook_deliveries::error,
            webhook_deliveries::delivered,
        ))
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(
            |(id, event_id, attempt, attempted_at, duration_ms, status_code, error, delivered)| {
                Ok(Delivery {
                    id: parse_id(&id)?,
                    event_id: parse_id(&event_id)?,
                    attempt,
                    attempted_at: from_db_time(attempted_at),
                    duration_ms: i64::from(duration_ms),
                    status_code,
                    error,
                    delivered,
                })
            },
        )
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Page::from_rows(items, page, |d| d.id))
}

/// Forgets the attempts recorded before `cutoff`.
pub fn prune_deliveries(
    conn: &mut DbConnection,
    cutoff: DateTime<Utc>,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        webhook_deliveries::table.filter(webhook_deliveries::attempted_at.lt(to_db_time(cutoff))),
    )
    .execute(conn)?)
}
