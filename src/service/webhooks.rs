//! Webhook subscriptions: made, changed and deleted through units of work,
//! and the steps of their delivery, each in a short transaction of its own
//! so that no connection is held while a receiver answers.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::{ops, Catalogue, Error, Tx, UnitOfWork};
use crate::catalogue::event::Event;
use crate::catalogue::page::{Page, PageRequest};
use crate::catalogue::patch::{self, Precondition};
use crate::catalogue::webhook::{CreatedWebhook, Delivery, Webhook, WebhookInput, WebhookStatus};
use crate::catalogue::{Actor, CatalogueError, Change, Entity, Errors, Meta, Operation};
use crate::store::webhooks::{self as rows, Claimed, Failure};
use crate::store::{events, lock_row};

/// A new secret: `whsec_` and 32 random bytes in hex.
fn new_secret() -> Result<String, Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| CatalogueError::Internal {
        what: "no randomness for a new webhook secret",
        cause: e.to_string(),
    })?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("whsec_{hex}"))
}

fn record(work: &mut UnitOfWork, meta: &Meta, operation: Operation) {
    let actor = work.actor();
    work.record(Change {
        entity: Webhook::KIND,
        id: meta.id,
        operation,
        version: meta.version,
        actor,
        rows: Vec::new(),
        fields: Vec::new(),
    });
}

/// Creates a subscription that delivers the events committed after it,
/// and returns it with its secret, shown this once.
pub fn create(work: &mut UnitOfWork, input: WebhookInput) -> Result<CreatedWebhook, Error> {
    let mut errors = Errors::default();
    Webhook::validate(&input, &mut errors);
    errors.into_result()?;
    let secret = new_secret()?;
    let position = events::bounds(work.conn())?.map_or(0, |(_, last)| last);
    let meta = Meta::new_entity();
    rows::insert(work.conn(), &meta, &input, &secret, position)?;
    let webhook = ops::get::<Webhook>(work, (), meta.id)?;
    record(work, &meta, Operation::Created);
    Ok(CreatedWebhook { webhook, secret })
}

/// Applies a JSON Merge Patch to a subscription, under `If-Match`. Setting
/// `status` back to `active` forgets its failures: delivery resumes at
/// once, from the first event not yet delivered.
pub fn patch(
    work: &mut UnitOfWork,
    id: Uuid,
    precondition: &Precondition,
    document: &Value,
) -> Result<Webhook, Error> {
    lock_row(work.conn(), "webhooks", id)?;
    let current = ops::get::<Webhook>(work, (), id)?;
    let meta = current.meta;
    precondition.check(meta.version)?;
    let input = patch::patched(&current, document)?;
    let resume = input.status == WebhookStatus::Active
        && (current.fields.status == WebhookStatus::Paused || current.failing_since.is_some());
    let next = meta.next();
    if !rows::update(work.conn(), &next, meta.version, &input, resume)? {
        return Err(CatalogueError::PreconditionFailed.into());
    }
    let updated = ops::get::<Webhook>(work, (), id)?;
    record(work, &next, Operation::Updated);
    Ok(updated)
}

/// An event to deliver, with its number in the feed.
pub type Numbered = (i64, Event);

impl Catalogue {
    /// Creates a subscription.
    pub fn create_webhook(
        &self,
        actor: Actor,
        input: WebhookInput,
    ) -> Result<CreatedWebhook, Error> {
        self.write(actor, |work| create(work, input))
    }

    /// Applies a JSON Merge Patch to a subscription.
    pub fn patch_webhook(
        &self,
        actor: Actor,
        id: Uuid,
        precondition: &Precondition,
        document: &Value,
    ) -> Result<Webhook, Error> {
        self.write(actor, |work| patch(work, id, precondition, document))
    }

    /// One page of a subscription's delivery attempts, oldest first.
    pub fn webhook_deliveries(
        &self,
        id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<Delivery>, Error> {
        self.read(|tx| {
            ops::get::<Webhook>(tx, (), id)?;
            Ok(rows::deliveries(tx.conn(), id, page)?)
        })
    }

    /// Events after each active subscription's position, summed.
    pub fn webhook_backlog(&self) -> Result<i64, Error> {
        Ok(self.store.read(rows::backlog)?)
    }

    /// Leases to `token`, until `until`, up to `limit` subscriptions with
    /// events to deliver.
    pub fn claim_webhooks(
        &self,
        token: &str,
        until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Claimed>, Error> {
        let now = crate::catalogue::now();
        if !self.store.read(|conn| rows::any_due(conn, now))? {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .write(|conn| rows::claim(conn, token, now, until, limit))?)
    }

    /// Up to `limit` events after `position`, with their numbers.
    pub fn events_after(&self, position: i64, limit: i64) -> Result<Vec<Numbered>, Error> {
        Ok(self
            .store
            .read(|conn| events::after(conn, position, limit))?)
    }

    /// Records an attempt and, when it delivered (or when `position` passes
    /// events the subscription does not ask for), moves the subscription to
    /// `position`, extending the lease of `token` to `until`. Returns
    /// whether the lease still held.
    pub fn webhook_advanced(
        &self,
        id: Uuid,
        token: &str,
        position: i64,
        until: DateTime<Utc>,
        attempt: Option<(i64, &Delivery)>,
    ) -> Result<bool, Error> {
        Ok(self.store.write(|conn| {
            if let Some((seq, delivery)) = attempt {
                rows::record(conn, id, seq, delivery)?;
            }
            rows::advance(conn, id, token, position, until)
        })?)
    }

    /// Records a failed attempt, when the lease of `token` still holds, with
    /// when to try again; the lease is released.
    pub fn webhook_failed(
        &self,
        id: Uuid,
        token: &str,
        seq: i64,
        delivery: &Delivery,
        failure: &Failure,
    ) -> Result<bool, Error> {
        Ok(self.store.write(|conn| {
            let held = rows::fail(conn, id, token, failure)?;
            if held {
                rows::record(conn, id, seq, delivery)?;
            }
            Ok::<_, crate::store::StoreError>(held)
        })?)
    }

    /// Moves a subscription past events it does not ask for, when the
    /// lease of `token` still holds.
    pub fn webhook_skipped(
        &self,
        id: Uuid,
        token: &str,
        position: i64,
        until: DateTime<Utc>,
    ) -> Result<bool, Error> {
        Ok(self
            .store
            .write(|conn| rows::skip(conn, id, token, position, until))?)
    }

    /// Releases the lease of `token`.
    pub fn webhook_released(&self, id: Uuid, token: &str) -> Result<(), Error> {
        Ok(self.store.write(|conn| rows::release(conn, id, token))?)
    }

    /// Forgets delivery attempts recorded before `cutoff`.
    pub fn prune_webhook_deliveries(&self, cutoff: DateTime<Utc>) -> Result<usize, Error> {
        Ok(self
            .store
            .write(|conn| rows::prune_deliveries(conn, cutoff))?)
    }
}
