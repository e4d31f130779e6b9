//! API keys in the store: the key, its role and customer, and the salted
//! hash of its secret.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{check_one, delete_row, find_and_list};
use super::schema::api_keys;
use super::{meta_of, parse_id, parse_text, to_db_time, DbConnection, Removed, StoreError, Table};
use crate::catalogue::api_key::{display_prefix, ApiKey, ApiKeyInput, Role};
use crate::catalogue::{Errors, Meta};

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_keys)]
struct ApiKeyRow {
    id: String,
    name: Option<String>,
    role: String,
    customer_id: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

fn assemble(_: &mut DbConnection, rows: Vec<ApiKeyRow>) -> Result<Vec<ApiKey>, StoreError> {
    rows.into_iter()
        .map(|row| {
            let meta = meta_of(&row.id, row.created_at, row.updated_at, row.version)?;
            Ok(ApiKey {
                prefix: display_prefix(meta.id),
                fields: ApiKeyInput {
                    name: row.name,
                    role: parse_text(&row.role, Role::parse)?,
                    customer_id: row.customer_id.as_deref().map(parse_id).transpose()?,
                },
                meta,
            })
        })
        .collect()
}

impl Table for ApiKey {
    const TABLE: &'static str = "api_keys";

    find_and_list!(without refs api_keys, ApiKeyRow, assemble, |query, filter| {
        if let Some(role) = filter.role {
            query = query.filter(api_keys::role.eq(role.as_str()));
        }
        if let Some(customer_id) = filter.customer_id {
            query = query.filter(api_keys::customer_id.eq(customer_id.to_string()));
        }
    });

    fn remove(
        conn: &mut DbConnection,
        id: Uuid,
        version: Option<i32>,
    ) -> Result<Option<Removed>, StoreError> {
        Ok(delete_row!(conn, api_keys, id, version).then(Removed::default))
    }
}

/// What verifying a key needs.
pub struct StoredSecret {
    /// The key's role.
    pub role: Role,
    /// Its customer.
    pub customer_id: Option<Uuid>,
    /// The salt of its hash.
    pub salt: String,
    /// The salted hash of its secret.
    pub secret_hash: String,
}

/// The stored hash of a key.
pub fn find_secret(conn: &mut DbConnection, id: Uuid) -> Result<Option<StoredSecret>, StoreError> {
    let row: Option<(String, Option<String>, String, String)> = api_keys::table
        .find(id.to_string())
        .select((
            api_keys::role,
            api_keys::customer_id,
            api_keys::salt,
            api_keys::secret_hash,
        ))
        .first(conn)
        .optional()?;
    row.map(|(role, customer_id, salt, secret_hash)| {
        Ok(StoredSecret {
            role: parse_text(&role, Role::parse)?,
            customer_id: customer_id.as_deref().map(parse_id).transpose()?,
            salt,
            secret_hash,
        })
    })
    .transpose()
}

/// Writes a new key, with the salted hash of its secret.
pub fn insert(
    conn: &mut DbConnection,
    meta: &Meta,
    input: &ApiKeyInput,
    salt: &str,
    secret_hash: &str,
) -> Result<(), StoreError> {
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::id.eq(meta.id.to_string()),
            api_keys::name.eq(input.name.as_deref()),
            api_keys::role.eq(input.role.as_str()),
            api_keys::customer_id.eq(input.customer_id.map(|c| c.to_string())),
            api_keys::salt.eq(salt),
            api_keys::secret_hash.eq(secret_hash),
            api_keys::created_at.eq(to_db_time(meta.created_at)),
            api_keys::updated_at.eq(to_db_time(meta.updated_at)),
            api_keys::version.eq(meta.version),
        ))
        .execute(conn)?;
    Ok(())
}

/// Refuses `customer_id` unless a customer has that id.
pub fn check_customer(
    conn: &mut DbConnection,
    customer_id: Uuid,
    errors: &mut Errors,
) -> Result<(), StoreError> {
    check_one!(
        conn,
        errors,
        customers,
        "customer_id",
        "customer",
        customer_id
    );
    Ok(())
}
