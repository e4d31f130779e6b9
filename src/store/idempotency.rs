//! The first answers to POSTs sent with an `Idempotency-Key`.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::schema::idempotency_keys;
use super::{to_db_time, DbConnection, StoreError};

/// An answer as it was first given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// The HTTP status.
    pub status: i32,
    /// Its `Location`, when it had one.
    pub location: Option<String>,
    /// Its `ETag`, when it had one.
    pub etag: Option<String>,
    /// Its body, JSON.
    pub body: String,
}

/// The columns of a recorded use: digest, status, location, ETag, body.
type AnswerRow = (String, i32, Option<String>, Option<String>, String);

/// A recorded use of a key: what the request was, and what it was answered.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The digest of the request that first used the key.
    pub request_digest: String,
    /// The answer it got.
    pub answer: StoredAnswer,
}

/// Makes concurrent requests with one key wait for each other until the
/// first commits (PostgreSQL; SQLite holds its one write lock already).
pub fn lock(conn: &mut DbConnection, owner: &str, key: &str) -> Result<(), StoreError> {
    if let DbConnection::Pg(pg) = conn {
        let digest = Sha256::digest(format!("{owner}\n{key}").as_bytes());
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        diesel::sql_query(format!(
            "SELECT pg_advisory_xact_lock({})",
            i64::from_be_bytes(bytes)
        ))
        .execute(pg)?;
    }
    Ok(())
}

/// The use of `key` by `owner` that has not expired at `now`.
pub fn find(
    conn: &mut DbConnection,
    owner: &str,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<Recorded>, StoreError> {
    let row: Option<AnswerRow> = idempotency_keys::table
        .find((owner, key))
        .filter(idempotency_keys::expires_at.gt(to_db_time(now)))
        .select((
            idempotency_keys::request_digest,
            idempotency_keys::status,
            idempotency_keys::location,
            idempotency_keys::etag,
            idempotency_keys::body,
        ))
        .first(conn)
        .optional()?;
    Ok(
        row.map(|(request_digest, status, location, etag, body)| Recorded {
            request_digest,
            answer: StoredAnswer {
                status,
                location,
                etag,
                body,
            },
        }),
    )
}

/// Records the first use of `key` by `owner`, replacing an expired one.
pub fn record(
    conn: &mut DbConnection,
    owner: &str,
    key: &str,
    recorded: &Recorded,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::delete(idempotency_keys::table.find((owner, key))).execute(conn)?;
    let answer = &recorded.answer;
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::owner.eq(owner),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_digest.eq(&recorded.request_digest),
            idempotency_keys::status.eq(answer.status),
            idempotency_keys::location.eq(answer.location.as_deref()),
            idempotency_keys::etag.eq(answer.etag.as_deref()),
            idempotency_keys::body.eq(&answer.body),
            idempotency_keys::created_at.eq(to_db_time(now)),
            idempotency_keys::expires_at.eq(to_db_time(expires_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes the records expired at `now`; returns how many.
pub fn prune(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let now: NaiveDateTime = to_db_time(now);
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::expires_at.le(now)))
            .execute(conn)?,
    )
}
