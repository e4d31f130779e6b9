//! API keys: a role, for a customer key its customer, and a secret that is
//! shown once and stored only as a salted SHA-256 hash.
//!
//! A key reads `vit_<key id>_<secret>`: the id finds the stored hash in one
//! indexed read, and the secret is checked against it in constant time.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::validate::{Errors, SHORT_MAX};
use super::{meta_and_fields, text_enum, Entity, Meta};

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
    /// Its id, timestamps and version.
    #[serde(flatten)]
    pub meta: Meta,
    /// Its name, role and customer.
    #[serde(flatten)]
    pub fields: ApiKeyInput,
    /// The start of the key, to recognise it; the secret part is never shown again.
    pub prefix: String,
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
    /// For a `customer` key, its customer: required for role `customer`,
    /// refused for the others.
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

fn random_hex(len: usize) -> Result<String, getrandom::Error> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes)?;
    Ok(hex(&bytes))
}

/// The prefix shown for a key id.
pub fn display_prefix(id: Uuid) -> String {
    format!("{KEY_PREFIX}{}", id.simple())
}

/// A new secret: the salt and hash to store, and the part of the key only
/// its holder keeps.
pub struct NewSecret {
    /// The salt of the hash.
    pub salt: String,
    /// The salted hash, as stored.
    pub hash: String,
    secret_part: String,
}

impl NewSecret {
    /// A secret from the system's randomness.
    pub fn generate() -> Result<NewSecret, getrandom::Error> {
        let salt = random_hex(16)?;
        let secret_part = random_hex(32)?;
        Ok(NewSecret {
            hash: hash_secret(&salt, &secret_part),
            salt,
            secret_part,
        })
    }

    /// The whole key of the key `id`, as its holder sends it.
    pub fn key(&self, id: Uuid) -> String {
        format!("{}_{}", display_prefix(id), self.secret_part)
    }
}

/// The id a presented key names, and its secret part; none when it is not
/// shaped like one of Vitrine's keys.
pub fn parse_presented(presented: &str) -> Option<(Uuid, &str)> {
    let (id, secret) = presented.strip_prefix(KEY_PREFIX)?.split_once('_')?;
    Some((Uuid::try_parse(id).ok()?, secret))
}

/// Whether `secret` is the secret whose salted hash is stored, compared in
/// constant time.
pub fn secret_matches(salt: &str, stored_hash: &str, secret: &str) -> bool {
    constant_time_eq(hash_secret(salt, secret).as_bytes(), stored_hash.as_bytes())
}

impl Entity for ApiKey {
    const KIND: &'static str = "api_key";
    type Input = ApiKeyInput;
    type Scope = ();
    type Filter = ApiKeyFilter;
    const IMMUTABLE: &'static [&'static str] = &["name", "role", "customer_id"];

    meta_and_fields!();

    fn validate(input: &ApiKeyInput, errors: &mut Errors) {
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
    }
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
