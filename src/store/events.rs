//! The change feed's table: events appended by each unit of work before it
//! commits, numbered in commit order.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::events;
use super::{from_db_time, parse_id, parse_text, to_db_time, DbConnection, StoreError};
use crate::catalogue::event::{ActorKind, Event, EventKind};

/// The advisory lock under which PostgreSQL numbers events: held from the
/// numbering to the commit, so that a number is visible only once every
/// smaller one is.
const NUMBERING_LOCK: i64 = 0x0056_4954_5249_4e45; // "VITRINE" in ASCII

#[derive(Queryable, Selectable)]
#[diesel(table_name = events)]
struct EventRow {
    seq: i64,
    id: String,
    entity_type: String,
    entity_id: String,
    kind: String,
    version: i32,
    actor: String,
    actor_key_id: Option<String>,
    occurred_at: NaiveDateTime,
    changed_fields: Option<String>,
}

/// Appends `batch`, numbered after the last event, in the transaction of
/// the changes they record; returns the number given to its first event.
pub fn append(conn: &mut DbConnection, batch: &[Event]) -> Result<Option<i64>, StoreError> {
    if batch.is_empty() {
        return Ok(None);
    }
    // SQLite holds its one write lock already (BEGIN IMMEDIATE).
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({NUMBERING_LOCK})")).execute(pg)?;
    }
    let last: Option<i64> = events::table
        .select(diesel::dsl::max(events::seq))
        .first(conn)?;
    let mut seq = last.unwrap_or(0);
    let first = seq + 1;
    for event in batch {
        seq += 1;
        diesel::insert_into(events::table)
            .values((
                events::seq.eq(seq),
                events::id.eq(event.id.to_string()),
                events::entity_type.eq(&event.entity_type),
                events::entity_id.eq(event.entity_id.to_string()),
                events::kind.eq(event.kind.as_str()),
                events::version.eq(event.version),
                events::actor.eq(event.actor.as_str()),
                events::actor_key_id.eq(event.actor_key_id.map(|k| k.to_string())),
                events::occurred_at.eq(to_db_time(event.occurred_at)),
                events::changed_fields.eq((!event.changed_fields.is_empty())
                    .then(|| serde_json::to_string(&event.changed_fields).unwrap_or_default())),
            ))
            .execute(conn)?;
    }
    Ok(Some(first))
}

/// Up to `limit` events after `seq`, in order, each with its number.
pub fn after(
    conn: &mut DbConnection,
    seq: i64,
    limit: i64,
) -> Result<Vec<(i64, Event)>, StoreError> {
    events::table
        .filter(events::seq.gt(seq))
        .order(events::seq)
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| {
            Ok((
                row.seq,
                Event {
                    id: parse_id(&row.id)?,
                    entity_type: row.entity_type,
                    entity_id: parse_id(&row.entity_id)?,
                    kind: parse_text(&row.kind, EventKind::parse)?,
                    version: row.version,
                    actor: parse_text(&row.actor, ActorKind::parse)?,
                    actor_key_id: row.actor_key_id.as_deref().map(parse_id).transpose()?,
                    occurred_at: from_db_time(row.occurred_at),
                    changed_fields: row
                        .changed_fields
                        .as_deref()
                        .map(serde_json::from_str)
                        .transpose()
                        .map_err(|e| {
                            StoreError::Query(diesel::result::Error::DeserializationError(
                                Box::new(e),
                            ))
                        })?
                        .unwrap_or_default(),
                },
            ))
        })
        .collect()
}

/// The numbers of the first and the last event kept; none when there is
/// none yet.
pub fn bounds(conn: &mut DbConnection) -> Result<Option<(i64, i64)>, StoreError> {
    let (first, last): (Option<i64>, Option<i64>) = events::table
        .select((diesel::dsl::min(events::seq), diesel::dsl::max(events::seq)))
        .first(conn)?;
    Ok(first.zip(last))
}

/// Deletes the events that occurred before `cutoff`, but never the last
/// one, which the numbering continues from. Returns how many went.
pub fn prune(conn: &mut DbConnection, cutoff: DateTime<Utc>) -> Result<usize, StoreError> {
    let last: Option<i64> = events::table
        .select(diesel::dsl::max(events::seq))
        .first(conn)?;
    let Some(last) = last else {
        return Ok(0);
    };
    Ok(diesel::delete(
        events::table
            .filter(events::occurred_at.lt(to_db_time(cutoff)))
            .filter(events::seq.lt(last)),
    )
    .execute(conn)?)
}
