//! API keys: made, verified and revoked through units of work like every
//! other entity; only their secrets need more than the shared operations.

use uuid::Uuid;

use super::{ops, Catalogue, Error, Tx, UnitOfWork};
use crate::catalogue::api_key::{
    parse_presented, secret_matches, ApiKey, ApiKeyFilter, ApiKeyInput, CreatedApiKey, NewSecret,
    Role, VerifiedKey,
};
use crate::catalogue::page::PageRequest;
use crate::catalogue::{Actor, CatalogueError, Change, Entity, Errors, Meta, Operation};
use crate::store::api_keys as rows;

/// Creates a key and returns it with its secret, shown this once.
pub fn create(work: &mut UnitOfWork, input: ApiKeyInput) -> Result<CreatedApiKey, Error> {
    let mut errors = Errors::default();
    ApiKey::validate(&input, &mut errors);
    errors.into_result()?;
    if let Some(customer_id) = input.customer_id {
        let mut errors = Errors::default();
        rows::check_customer(work.conn(), customer_id, &mut errors)?;
        errors.into_result()?;
    }
    let secret = NewSecret::generate().map_err(|e| CatalogueError::Internal {
        what: "no randomness for a new key's secret",
        cause: e.to_string(),
    })?;
    let meta = Meta::new_entity();
    rows::insert(work.conn(), &meta, &input, &secret.salt, &secret.hash)?;
    let key = ops::get::<ApiKey>(work, (), meta.id)?;
    let actor = work.actor();
    work.record(Change {
        entity: ApiKey::KIND,
        id: meta.id,
        operation: Operation::Created,
        version: meta.version,
        actor,
        rows: Vec::new(),
        fields: Vec::new(),
    });
    Ok(CreatedApiKey {
        secret: secret.key(meta.id),
        key,
    })
}

impl Catalogue {
    /// Creates a key.
    pub fn create_api_key(&self, actor: Actor, input: ApiKeyInput) -> Result<CreatedApiKey, Error> {
        self.write(actor, |work| create(work, input))
    }

    /// The key a caller presents, when it is valid: one statement, outside
    /// any transaction.
    pub fn verify_api_key(&self, presented: &str) -> Result<Option<VerifiedKey>, Error> {
        let Some((id, secret)) = parse_presented(presented) else {
            return Ok(None);
        };
        let stored = self.store.single(|conn| rows::find_secret(conn, id))?;
        Ok(stored.and_then(|stored| {
            secret_matches(&stored.salt, &stored.secret_hash, secret).then_some(VerifiedKey {
                id,
                role: stored.role,
                customer_id: stored.customer_id,
            })
        }))
    }

    /// Whether any admin key is stored.
    pub fn admin_key_exists(&self) -> Result<bool, Error> {
        let filter = ApiKeyFilter {
            role: Some(Role::Admin),
            customer_id: None,
        };
        let page = PageRequest {
            after: None,
            limit: 1,
        };
        Ok(!self.list::<ApiKey>((), &filter, &page)?.items.is_empty())
    }

    /// Revokes a key: from the commit on, it authenticates nothing.
    pub fn revoke_api_key(&self, actor: Actor, id: Uuid) -> Result<(), Error> {
        self.delete::<ApiKey>(actor, (), id, &crate::catalogue::patch::Precondition::None)
    }
}
