//! The change feed: one event per committed change to the catalogue, in
//! commit order, so that another tool can follow the catalogue without
//! reading it all again.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{text_enum, Actor, Change};

text_enum! {
    /// What happened to the entity.
    EventKind {
        /// It was created.
        Created => "created",
        /// It changed.
        Updated => "updated",
        /// It was deleted.
        Deleted => "deleted",
        /// What it shows changed: the kind of `customer_view` events.
        Changed => "changed",
    }
}

text_enum! {
    /// Who made a change.
    ActorKind {
        /// A stored API key, named by `actor_key_id`.
        ApiKey => "api_key",
        /// The key of `VITRINE_ADMIN_KEY`.
        AdminKey => "admin_key",
        /// The command line on the server's machine.
        System => "system",
    }
}

/// One committed change, as the feed serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a20", "entity_type": "offering",
    "entity_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a16", "kind": "updated", "version": 4,
    "actor": "api_key", "actor_key_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a19",
    "occurred_at": "2026-11-28T10:00:00Z", "changed_fields": ["name", "price_ids"]
}))]
pub struct Event {
    /// The event's id.
    pub id: Uuid,
    /// What changed: `resource`, `product`, `component`, `service`,
    /// `price`, `offering`, `consumer_group`, `customer`, `agreement`, `overlay`
    /// or `category`;
    /// or `customer_view`, kind `changed`, when what a customer sees changed
    /// (`entity_id` is the customer's id; the event holds nothing of the
    /// view, and `version` counts the changes of that customer's view).
    pub entity_type: String,
    /// The id of what changed.
    pub entity_id: Uuid,
    /// What happened.
    pub kind: EventKind,
    /// The entity's version after the change; its last version for a delete.
    pub version: i32,
    /// Who made the change.
    pub actor: ActorKind,
    /// The API key that made the change, when one did: a sync job skips
    /// the echoes of its own writes by it.
    pub actor_key_id: Option<Uuid>,
    /// When the change was committed.
    pub occurred_at: DateTime<Utc>,
    /// For an update, the fields whose values changed, by their names in
    /// the entity (`name`, `status`, `price_ids`...); empty otherwise.
    pub changed_fields: Vec<String>,
}

impl Event {
    /// The event of a change committed at `at`.
    pub fn of(change: &Change, at: DateTime<Utc>) -> Event {
        let (actor, actor_key_id) = match change.actor {
            Actor::Key { id, .. } => (ActorKind::ApiKey, Some(id)),
            Actor::AdminKey => (ActorKind::AdminKey, None),
            Actor::System => (ActorKind::System, None),
        };
        Event {
            id: Uuid::now_v7(),
            entity_type: change.entity.to_owned(),
            entity_id: change.id,
            kind: match change.operation {
                super::Operation::Created => EventKind::Created,
                super::Operation::Updated => EventKind::Updated,
                super::Operation::Deleted => EventKind::Deleted,
            },
            version: change.version,
            actor,
            actor_key_id,
            occurred_at: at,
            changed_fields: change.fields.clone(),
        }
    }
}

/// The kinds of entity whose changes the feed carries: the catalogue's, not
/// the API keys' or the webhook subscriptions'.
pub fn in_feed(entity: &str) -> bool {
    entity != <super::api_key::ApiKey as super::Entity>::KIND
        && entity != <super::webhook::Webhook as super::Entity>::KIND
}
