//! API keys: a role, for a customer key its customer, and a secret that is
//! shown once and stored only as a salted SHA-256 hash.
//!
//! A key reads `vit_<key id>_<secret>`: the id finds the stored hash in one
//! indexed read, and the secret is checked against it in constant time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::validate::{Errors, SHORT_MAX};
use super::{text_enum, CatalogueError, Change, Meta, Operation};
use crate::store::{api_keys as rows, Page, PageRequest, Store, StoreError};

text_enum! {
    /// What a key may do.
    Role {
        /// Everything, API keys too.
        Admin => "admin",
        /// Read and change the catalogue.
        Editor => "editor",
        /// Read the catalogue.
        Viewer => "viewer",
        /// Bound to one customer: read that customer's view only.
        Customer => "customer",
    }
}

/// An API key, without its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a10", "name": "ServiceNow sync", "role": "editor",
    "customer_id": null, "prefix": "vit_0193a5c47d2e7c419a402f6e1d3b8a10",
    "created_at": "2026-11-26T10:00:00Z", "updated_at": "2026-11-26T10:00:00Z", "version": 1
}))]
pub struct ApiKey {
    /// The key's id.
    pub id: Uuid,
    /// What the key is for.
    pub name: Option<String>,
    /// What the key may do.
    pub role: Role,
    /// For a `customer` key, its customer.
    pub customer_id: Option<Uuid>,
    /// The start of the key, to recognise it; the secret part is never shown again.
    pub prefix: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Its version.
    pub version: i32,
}

/// A new API key, with its secret: the only time the secret is shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedApiKey {
    /// The key.
    #[serde(flatten)]
    pub key: ApiKey,
    /// The key to send as `Authorization: Bearer <secret>`. Keep it: it is
    /// stored hashed and cannot be shown again.
    pub secret: String,
}

/// The fields of a new API key.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "ServiceNow sync", "role": "editor"}))]
pub struct ApiKeyInput {
    /// What the key is for; at most 200 characters.
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// What the key may do.
    pub role: Role,
    /// Required for role `customer`, refused for the others.
    pub customer_id: Option<Uuid>,
}

/// Filters of the key list.
#[derive(Debug, Default)]
pub struct ApiKeyFilter {
    /// This role.
    pub role: Option<Role>,
    /// Bound to this customer.
    pub customer_id: Option<Uuid>,
}

/// A verified key: who is calling.
#[derive(Debug, Clone, Copy)]
pub struct VerifiedKey {
    /// The key's id.
    pub id: Uuid,
    /// Its role.
    pub role: Role,
    /// Its customer, for a customer key.
    pub customer_id: Option<Uuid>,
}

/// The key from `VITRINE_ADMIN_KEY`, held as its hash.
#[derive(Clone)]
pub struct AdminKey([u8; 32]);

impl AdminKey {
    /// Holds the hash of `key`.
    pub fn new(key: &str) -> AdminKey {
        AdminKey(Sha256::digest(key.as_bytes()).into())
    }

    /// Whether `presented` is this key, compared in constant time.
    pub fn matches(&self, presented: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        constant_time_eq(&self.0, &presented)
    }
}

const KEY_PREFIX: &str = "vit_";

/// The salted hash of a secret, as stored.
pub fn hash_secret(salt: &str, secret: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update(secret.as_bytes());
    hex(&hasher.finalize())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_hex(len: usize) -> Result<String, CatalogueError> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|e| {
        CatalogueError::Store(StoreError::Connect(format!("no randomness for a key: {e}")))
    })?;
    Ok(hex(&bytes))
}

/// The prefix shown for a key id.
pub fn display_prefix(id: Uuid) -> String {
    format!("{KEY_PREFIX}{}", id.simple())
}

/// Checks a presented key: the key when it is valid, none otherwise.
pub fn verify(store: &Store, presented: &str) -> Result<Option<VerifiedKey>, StoreError> {
    let Some((id, secret)) = presented
        .strip_prefix(KEY_PREFIX)
        .and_then(|rest| rest.split_once('_'))
    else {
        return Ok(None);
    };
    let Ok(id) = Uuid::try_parse(id) else {
        return Ok(None);
    };
    let Some(stored) = store.read(|conn| rows::find_secret(conn, id))? else {
        return Ok(None);
    };
    let hash = hash_secret(&stored.salt, secret);
    Ok(
        constant_time_eq(hash.as_bytes(), stored.secret_hash.as_bytes()).then_some(VerifiedKey {
            id,
            role: stored.role,
            customer_id: stored.customer_id,
        }),
    )
}

/// Creates a key and returns it with its secret.
pub fn create(store: &Store, input: ApiKeyInput) -> Result<CreatedApiKey, CatalogueError> {
    let mut errors = Errors::default();
    errors.optional_text("name", input.name.as_deref(), SHORT_MAX);
    match (input.role, input.customer_id) {
        (Role::Customer, None) => errors.add(
            "customer_id",
            "a `customer` key is bound to one customer: name it here",
        ),
        (Role::Admin | Role::Editor | Role::Viewer, Some(_)) => errors.add(
            "customer_id",
            "only a `customer` key is bound to a customer",
        ),
        _ => {}
    }
    errors.into_result()?;
    let salt = random_hex(16)?;
    let secret_part = random_hex(32)?;
    store.write(|conn| {
        if let Some(customer_id) = input.customer_id {
            let mut errors = Errors::default();
            rows::check_customer(conn, customer_id, &mut errors)?;
            errors.into_result()?;
        }
        let meta = Meta::new_entity();
        let hash = hash_secret(&salt, &secret_part);
        rows::insert(conn, &meta, &input, &salt, &hash)?;
        let key =
            rows::find(conn, meta.id)?.ok_or(CatalogueError::NotFound { entity: "api_key" })?;
        let secret = format!("{}_{secret_part}", display_prefix(meta.id));
        let change = Change {
            entity: "api_key",
            id: meta.id,
            operation: Operation::Created,
            version: 1,
        };
        Ok((CreatedApiKey { key, secret }, change))
    })
}

/// Reads one key.
pub fn get(store: &Store, id: Uuid) -> Result<ApiKey, CatalogueError> {
    store.read(|conn| rows::find(conn, id)?.ok_or(CatalogueError::NotFound { entity: "api_key" }))
}

/// Reads one page of keys.
pub fn list(
    store: &Store,
    filter: &ApiKeyFilter,
    page: &PageRequest,
) -> Result<Page<ApiKey>, CatalogueError> {
    store.read(|conn| Ok(rows::list(conn, filter, page)?))
}

/// Whether any admin key is stored.
pub fn admin_exists(store: &Store) -> Result<bool, CatalogueError> {
    let filter = ApiKeyFilter {
        role: Some(Role::Admin),
        customer_id: None,
    };
    let page = PageRequest {
        after: None,
        limit: 1,
    };
    Ok(!list(store, &filter, &page)?.items.is_empty())
}

/// Revokes a key: it no longer authenticates anything.
pub fn revoke(store: &Store, id: Uuid) -> Result<(), CatalogueError> {
    store.write(|conn| {
        crate::store::lock_row(conn, "api_keys", id)?;
        let key = rows::find(conn, id)?.ok_or(CatalogueError::NotFound { entity: "api_key" })?;
        rows::delete(conn, id)?;
        let change = Change {
            entity: "api_key",
            id,
            operation: Operation::Deleted,
            version: key.version,
        };
        Ok(((), change))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_key_matches_itself_only() {
        let key = AdminKey::new("s3cret-admin-key");
        assert!(key.matches("s3cret-admin-key"));
        assert!(!key.matches("s3cret-admin-kez"));
        assert!(!key.matches(""));
    }

    #[test]
    fn a_hash_depends_on_the_salt() {
        assert_ne!(hash_secret("a", "secret"), hash_secret("b", "secret"));
        assert_eq!(hash_secret("a", "secret").len(), 64);
    }
}
