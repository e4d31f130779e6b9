//! The numbers that tell a replica whether what it keeps in memory is still
//! what the database holds: the catalogue's is the last event of the change
//! feed (every committed change of the catalogue appends one, numbered in
//! commit order, and the last is never pruned); the keys' is raised by every
//! committed change of the API keys.

use diesel::prelude::*;

use super::schema::{events, key_generation};
use super::{DbConnection, StoreError};

/// The catalogue's and the keys' numbers, as one statement reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generations {
    /// The last event of the change feed; 0 before the first.
    pub catalogue: i64,
    /// How many times the API keys have changed.
    pub keys: i64,
}

/// Both numbers, in one statement.
pub fn read(conn: &mut DbConnection) -> Result<Generations, StoreError> {
    let last_event = events::table
        .select(diesel::dsl::max(events::seq))
        .single_value();
    let (catalogue, keys): (Option<i64>, i64) = key_generation::table
        .find(1)
        .select((last_event, key_generation::value))
        .first(conn)?;
    Ok(Generations {
        catalogue: catalogue.unwrap_or(0),
        keys,
    })
}

/// Raises the keys' number, in the transaction that changes a key.
pub fn keys_changed(conn: &mut DbConnection) -> Result<(), StoreError> {
    diesel::update(key_generation::table.find(1))
        .set(key_generation::value.eq(key_generation::value + 1))
        .execute(conn)?;
    Ok(())
}
