//! The catalogue's rules: the ITIL 4 model, its validation and lifecycles,
//! and the operations every entity shares (create, read, list, merge-patch,
//! delete), written once over the [`Entity`] trait.

pub mod agreement;
pub mod api_key;
pub mod category;
pub mod component;
pub mod consumer_group;
pub mod customer;
pub mod event;
pub mod merge_patch;
pub mod offering;
pub mod overlay;
pub mod page;
pub mod patch;
pub mod price;
pub mod product;
pub mod reference;
pub mod resource;
pub mod service;
pub mod validate;
pub mod view;
pub mod webhook;

use chrono::{DateTime, SubsecRound, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use api_key::Role;
pub use validate::{Errors, FieldError};

/// Why a catalogue operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The entity does not exist (or is not visible to the caller).
    #[error("{entity} not found")]
    NotFound {
        /// What was looked for, such as `resource`.
        entity: &'static str,
    },
    /// The input broke one or more rules; nothing was written.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// `If-Match` named a version that is no longer current.
    #[error("the version named is not current")]
    PreconditionFailed,
    /// The change conflicts with the state of the catalogue, such as a delete
    /// of something still referenced.
    #[error("{0}")]
    Conflict(String),
    /// Fields of the input name what another entity holds already, such as
    /// an external reference.
    #[error("taken")]
    Taken(Vec<FieldError>),
    /// A failure of the service itself that is not the database's, such as
    /// no randomness or a value that does not serialise.
    #[error("{what}: {cause}")]
    Internal {
        /// What was being done.
        what: &'static str,
        /// Why it failed.
        cause: String,
    },
}

impl CatalogueError {
    /// One invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        CatalogueError::Invalid(vec![FieldError::new(field, message)])
    }
}

/// What kind of change a write made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// A new entity, or a new row.
    Created,
    /// A changed entity.
    Updated,
    /// A deleted entity, or a deleted row.
    Deleted,
}

impl Operation {
    /// The operation's name in logs and events.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Created => "created",
            Operation::Updated => "updated",
            Operation::Deleted => "deleted",
        }
    }
}

/// Who makes a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A stored API key.
    Key {
        /// The key's id.
        id: Uuid,
        /// Its role.
        role: Role,
    },
    /// The key of `VITRINE_ADMIN_KEY`.
    AdminKey,
    /// The command line, run by an operator on the server's machine.
    System,
}

impl Actor {
    /// The actor as logs and events name it: a key's public prefix,
    /// `VITRINE_ADMIN_KEY` or `system`; never a secret.
    pub fn label(&self) -> String {
        match self {
            Actor::Key { id, .. } => api_key::display_prefix(*id),
            Actor::AdminKey => "VITRINE_ADMIN_KEY".to_owned(),
            Actor::System => "system".to_owned(),
        }
    }
}

/// A row of a child table (an offering's element, a service's link to a
/// product...) that a change wrote or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowChange {
    /// The table.
    pub table: &'static str,
    /// The row's key: its parent's id, then the child's id or position.
    pub key: String,
    /// Whether it was written or deleted.
    pub operation: Operation,
}

impl RowChange {
    /// A row of `table` under `parent`, keyed by `child`.
    pub fn new(
        table: &'static str,
        parent: impl std::fmt::Display,
        child: impl std::fmt::Display,
        operation: Operation,
    ) -> RowChange {
        RowChange {
            table,
            key: format!("{parent}/{child}"),
            operation,
        }
    }
}

/// A change to one entity, as the unit of work records it: who made it,
/// what happened, and every row of its own it wrote or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The entity kind, such as `product`.
    pub entity: &'static str,
    /// The entity's id.
    pub id: Uuid,
    /// What happened.
    pub operation: Operation,
    /// The entity's version after the change (the last version for a delete).
    pub version: i32,
    /// Who made it.
    pub actor: Actor,
    /// The rows of its child tables written or deleted with it.
    pub rows: Vec<RowChange>,
    /// For an update, the writable fields whose values changed, by name.
    pub fields: Vec<String>,
}

/// The current time as stored: UTC, to the microsecond on both databases.
pub fn now() -> DateTime<Utc> {
    truncated(Utc::now())
}

/// A time as stored: to the microsecond.
pub fn truncated(time: DateTime<Utc>) -> DateTime<Utc> {
    time.trunc_subsecs(6)
}

/// What Vitrine sets on every entity; clients cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Meta {
    /// The entity's id, a UUIDv7 (time-ordered).
    pub id: Uuid,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Its version: 1 at creation and one more at each change, as in its
    /// `ETag`.
    pub version: i32,
}

impl Meta {
    /// The meta of an entity created now.
    pub fn new_entity() -> Meta {
        let now = now();
        Meta {
            id: Uuid::now_v7(),
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    /// The meta of this entity after one more change.
    pub fn next(&self) -> Meta {
        Meta {
            updated_at: now(),
            version: self.version + 1,
            ..*self
        }
    }
}

/// Money: a non-negative decimal amount, as a string to keep it exact, and
/// an ISO 4217 currency code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount": "12.50", "currency": "EUR"}))]
pub struct Money {
    /// A decimal string: digits, optionally a point and up to 4 decimals.
    #[schema(pattern = r"^[0-9]{1,13}(\.[0-9]{1,4})?$", example = "12.50")]
    pub amount: String,
    /// An ISO 4217 code: three capital letters.
    #[schema(pattern = "^[A-Z]{3}$", example = "EUR")]
    pub currency: String,
}

/// An entity of the catalogue and its rules: what clients write, how it is
/// checked, and which lifecycle moves are allowed. An entity is its
/// [`Meta`] and its writable fields, its `Input` (both flattened into one
/// JSON object).
pub trait Entity: Serialize + Sized + Send + 'static {
    /// The entity's name in messages and events, such as `resource`.
    const KIND: &'static str;
    /// The writable fields: the body of a create, and the document a merge
    /// patch is applied to.
    type Input: Serialize + DeserializeOwned + Clone + Send + 'static;
    /// Where the entity lives: `()` for top-level collections, the parent's
    /// id for sub-collections.
    type Scope: Copy + Send + 'static;
    /// The list filters.
    type Filter: Default + Send + 'static;
    /// Fields of the input set at creation that no change may alter.
    const IMMUTABLE: &'static [&'static str] = &[];
    /// The fields of the input that hold the ids of other entities (one id
    /// or a list of them), each with the kind of entity it names. A body
    /// may name those entities by an external reference instead.
    const RELATIONS: &'static [(&'static str, &'static str)] = &[];

    /// The entity's id, timestamps and version.
    fn meta(&self) -> &Meta;
    /// The writable fields of this entity, as a client would send them.
    fn fields(&self) -> &Self::Input;
    /// Checks the input alone, without the database.
    fn validate(input: &Self::Input, errors: &mut Errors);
    /// Checks that a change from `current` to `next` is an allowed transition.
    fn check_transition(_current: &Self, _next: &Self::Input, _errors: &mut Errors) {}
    /// What other systems call an entity with this input.
    fn external_refs(_input: &Self::Input) -> &[reference::ExternalRef] {
        &[]
    }
}

/// Implements [`Entity::external_refs`] for an input with the member
/// `external_refs`.
macro_rules! external_refs_field {
    () => {
        fn external_refs(input: &Self::Input) -> &[crate::catalogue::reference::ExternalRef] {
            &input.external_refs
        }
    };
}
pub(crate) use external_refs_field;

/// Implements [`Entity::meta`] and [`Entity::fields`] for a struct with the
/// members `meta` and `fields`.
macro_rules! meta_and_fields {
    () => {
        fn meta(&self) -> &crate::catalogue::Meta {
            &self.meta
        }

        fn fields(&self) -> &Self::Input {
            &self.fields
        }
    };
}
pub(crate) use meta_and_fields;

/// A lifecycle whose states are ordered: an entity moves forward only, and
/// may skip states, but never comes back.
pub trait ForwardLifecycle: Copy + PartialOrd + Serialize {
    /// The state's name.
    fn as_str(self) -> &'static str;

    /// Checks a move from `self` to `next`.
    fn check_move(self, next: Self, field: &str, errors: &mut Errors) {
        if next < self {
            errors.add(
                field,
                format!(
                    "cannot go from `{}` back to `{}`: the lifecycle only moves forward",
                    self.as_str(),
                    next.as_str()
                ),
            );
        }
    }
}

/// Declares an enum stored as text, with its string names.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
                 serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and serialised name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The value of a stored name.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}
pub(crate) use text_enum;

/// The plural of a noun of Vitrine's: `category` → `categories`, `overlay`
/// → `overlays`, `API key` → `API keys`.
pub fn plural(noun: &str) -> String {
    match noun.strip_suffix('y') {
        Some(stem) if !stem.ends_with(['a', 'e', 'i', 'o', 'u']) => format!("{stem}ies"),
        _ => format!("{noun}s"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn plurals_of_the_catalogue_nouns() {
        for (noun, plural) in [
            ("category", "categories"),
            ("service category", "service categories"),
            ("overlay", "overlays"),
            ("API key", "API keys"),
            ("offering", "offerings"),
        ] {
            assert_eq!(super::plural(noun), plural);
        }
    }
}
