//! What each customer's view was when last compared, and how far in the
//! change feed the comparison has gone.

use std::collections::HashMap;

use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{customer_view_digests, customers, events, view_watch};
use super::{parse_id, DbConnection, StoreError};
use crate::catalogue::webhook::CUSTOMER_VIEW;

/// The last event taken into account.
pub fn position(conn: &mut DbConnection) -> Result<i64, StoreError> {
    Ok(view_watch::table
        .find(1)
        .select(view_watch::position)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// The last event taken into account, locked until the transaction ends;
/// none when another transaction holds it (another replica comparing), on
/// PostgreSQL: that one is not waited for.
pub fn lock_position(conn: &mut DbConnection) -> Result<Option<i64>, StoreError> {
    let query = view_watch::table.find(1).select(view_watch::position);
    Ok(match conn {
        DbConnection::Pg(pg) => query.for_update().skip_locked().first(pg).optional()?,
        // SQLite's write transaction holds the one write lock already.
        DbConnection::Sqlite(lite) => query.first(lite).optional()?,
    })
}

/// Records that the events up to `position` are taken into account.
pub fn set_position(conn: &mut DbConnection, position: i64) -> Result<(), StoreError> {
    diesel::update(view_watch::table.find(1))
        .set(view_watch::position.eq(position))
        .execute(conn)?;
    Ok(())
}

/// The last event, when one after `position` is not itself a
/// `customer_view` event: a change of the catalogue not yet compared.
pub fn pending(conn: &mut DbConnection, position: i64) -> Result<Option<i64>, StoreError> {
    let changed: Option<i64> = events::table
        .filter(events::seq.gt(position))
        .filter(events::entity_type.ne(CUSTOMER_VIEW))
        .select(diesel::dsl::max(events::seq))
        .first(conn)?;
    if changed.is_none() {
        return Ok(None);
    }
    Ok(events::table
        .select(diesel::dsl::max(events::seq))
        .first(conn)?)
}

/// Every customer's id.
pub fn customer_ids(conn: &mut DbConnection) -> Result<Vec<Uuid>, StoreError> {
    customers::table
        .select(customers::id)
        .order(customers::id)
        .load::<String>(conn)?
        .iter()
        .map(|id| parse_id(id))
        .collect()
}

/// The digest and version of each customer's view as last compared.
pub fn digests(conn: &mut DbConnection) -> Result<HashMap<Uuid, (String, i32)>, StoreError> {
    customer_view_digests::table
        .select((
            customer_view_digests::customer_id,
            customer_view_digests::digest,
            customer_view_digests::version,
        ))
        .load::<(String, String, i32)>(conn)?
        .into_iter()
        .map(|(id, digest, version)| Ok((parse_id(&id)?, (digest, version))))
        .collect()
}

/// Records a customer's view as compared now.
pub fn put(
    conn: &mut DbConnection,
    customer_id: Uuid,
    digest: &str,
    version: i32,
) -> Result<(), StoreError> {
    remove(conn, customer_id)?;
    diesel::insert_into(customer_view_digests::table)
        .values((
            customer_view_digests::customer_id.eq(customer_id.to_string()),
            customer_view_digests::digest.eq(digest),
            customer_view_digests::version.eq(version),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets the view of a customer that is gone.
pub fn remove(conn: &mut DbConnection, customer_id: Uuid) -> Result<(), StoreError> {
    diesel::delete(customer_view_digests::table.find(customer_id.to_string())).execute(conn)?;
    Ok(())
}
