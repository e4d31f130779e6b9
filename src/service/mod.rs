//! The service layer: it owns the transactions, and calls the catalogue's
//! rules and the store's queries.
//!
//! Every change to the catalogue runs in a [`UnitOfWork`]: one write
//! transaction that knows its [`Actor`] and records every [`Change`] it
//! makes, child rows and owned entities included. Operations take the unit
//! of work (or a read transaction, for reads) as an argument, so that
//! callers compose several in one transaction; [`Catalogue`] wraps each in a
//! transaction of its own for the one-call endpoints.

pub mod api_keys;
pub mod feed;
pub mod idempotency;
pub mod lookup;
pub mod ops;
pub mod references;
pub mod seed;
pub mod transfer;
pub mod view_watch;
pub mod webhooks;

use chrono::NaiveDate;
use uuid::Uuid;

use crate::catalogue::api_key::ApiKey;
use crate::catalogue::event::{self, Event};
use crate::catalogue::page::{Page, PageRequest};
use crate::catalogue::patch::Precondition;
use crate::catalogue::view::{self, ConsumerGroupView, CustomerView};
use crate::catalogue::{Actor, CatalogueError, Change, Entity};
pub use crate::store::generations::Generations;
use crate::store::{self, Backend, DbConnection, Store, StoreError};
pub use crate::store::{Table, Writable};

/// Why an operation did not happen: a rule of the catalogue, the store, or
/// a failure of the service itself.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A rule refused it.
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        Error::Store(StoreError::Query(e))
    }
}

/// A transaction operations read through.
pub trait Tx {
    /// The transaction's connection.
    fn conn(&mut self) -> &mut DbConnection;
}

/// A read-only transaction: one consistent snapshot.
pub struct ReadTx<'c> {
    conn: &'c mut DbConnection,
}

impl Tx for ReadTx<'_> {
    fn conn(&mut self) -> &mut DbConnection {
        self.conn
    }
}

/// One write transaction: who works in it, and every change it made.
pub struct UnitOfWork<'c> {
    conn: &'c mut DbConnection,
    actor: Actor,
    changes: Vec<Change>,
}

impl Tx for UnitOfWork<'_> {
    fn conn(&mut self) -> &mut DbConnection {
        self.conn
    }
}

impl UnitOfWork<'_> {
    /// Who works in this unit of work.
    pub fn actor(&self) -> Actor {
        self.actor
    }

    /// Records a change made in this unit of work. Every write to the
    /// catalogue records one: an operation that writes and does not record
    /// is a defect.
    pub fn record(&mut self, change: Change) {
        self.changes.push(change);
    }

    /// The changes recorded so far, in the order they were made.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// The last step inside the transaction, after the work and before
    /// COMMIT: the one place where what records the changes (the change
    /// feed's events; history rows later) is written, so that it commits or
    /// rolls back with them. Returns the changes, to be logged once
    /// committed.
    fn before_commit(self) -> Result<Vec<Change>, Error> {
        let at = crate::catalogue::now();
        let events: Vec<Event> = self
            .changes
            .iter()
            .filter(|c| event::in_feed(c.entity))
            .map(|c| Event::of(c, at))
            .collect();
        store::events::append(self.conn, &events)?;
        if self.changes.iter().any(|c| c.entity == ApiKey::KIND) {
            store::generations::keys_changed(self.conn)?;
        }
        Ok(self.changes)
    }
}

/// The catalogue as the API and the command line use it: every operation
/// in a transaction of its own.
#[derive(Clone)]
pub struct Catalogue {
    store: Store,
}

impl Catalogue {
    /// The catalogue kept in `store`.
    pub fn new(store: Store) -> Catalogue {
        Catalogue { store }
    }

    /// The database behind it.
    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// Applies the pending migrations; returns how many.
    pub fn migrate(&self) -> Result<usize, Error> {
        Ok(self.store.migrate()?)
    }

    /// Checks that the database answers.
    pub fn ping(&self) -> Result<(), Error> {
        Ok(self.store.ping()?)
    }

    /// Runs `f` in one read transaction.
    pub fn read<T>(&self, f: impl FnOnce(&mut ReadTx) -> Result<T, Error>) -> Result<T, Error> {
        self.store.read(|conn| f(&mut ReadTx { conn }))
    }

    /// Runs `f` in one unit of work of `actor`: all of it commits, or
    /// nothing. Returns what `f` returned and every change committed.
    pub fn write_recorded<T>(
        &self,
        actor: Actor,
        f: impl FnOnce(&mut UnitOfWork) -> Result<T, Error>,
    ) -> Result<(T, Vec<Change>), Error> {
        let (value, changes) = self.store.write(|conn| {
            let mut work = UnitOfWork {
                conn,
                actor,
                changes: Vec::new(),
            };
            let value = f(&mut work)?;
            Ok::<_, Error>((value, work.before_commit()?))
        })?;
        for change in &changes {
            tracing::info!(
                entity = change.entity,
                entity_id = %change.id,
                operation = change.operation.as_str(),
                version = change.version,
                rows = change.rows.len(),
                actor = %change.actor.label(),
                "catalogue changed"
            );
        }
        Ok((value, changes))
    }

    /// Runs `f` in a unit of work of `actor` that is rolled back whatever
    /// `f` returns: what the work would do, without doing it.
    pub fn rehearse<T>(
        &self,
        actor: Actor,
        f: impl FnOnce(&mut UnitOfWork) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.store.rehearse(|conn| {
            let mut work = UnitOfWork {
                conn,
                actor,
                changes: Vec::new(),
            };
            f(&mut work)
        })
    }

    /// Runs `f` in one unit of work of `actor`, and returns what it returned.
    pub fn write<T>(
        &self,
        actor: Actor,
        f: impl FnOnce(&mut UnitOfWork) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.write_recorded(actor, f).map(|(value, _)| value)
    }

    /// Reads one entity.
    pub fn get<E: Table>(&self, scope: E::Scope, id: Uuid) -> Result<E, Error> {
        self.read(|tx| ops::get::<E>(tx, scope, id))
    }

    /// Reads one page of entities.
    pub fn list<E: Table>(
        &self,
        scope: E::Scope,
        filter: &E::Filter,
        page: &PageRequest,
    ) -> Result<Page<E>, Error> {
        self.read(|tx| ops::list::<E>(tx, scope, filter, page))
    }

    /// Creates an entity.
    pub fn create<E: Writable>(
        &self,
        actor: Actor,
        scope: E::Scope,
        input: E::Input,
    ) -> Result<E, Error> {
        self.write(actor, |work| ops::create::<E>(work, scope, input))
    }

    /// Applies a JSON Merge Patch to an entity.
    pub fn patch<E: Writable>(
        &self,
        actor: Actor,
        scope: E::Scope,
        id: Uuid,
        precondition: &Precondition,
        patch: &serde_json::Value,
    ) -> Result<E, Error> {
        self.write(actor, |work| {
            ops::patch::<E>(work, scope, id, precondition, patch)
        })
    }

    /// Deletes an entity.
    pub fn delete<E: Table>(
        &self,
        actor: Actor,
        scope: E::Scope,
        id: Uuid,
        precondition: &Precondition,
    ) -> Result<(), Error> {
        self.write(actor, |work| {
            ops::delete::<E>(work, scope, id, precondition)
        })
    }

    /// Reads the entity another system calls `reference`.
    pub fn get_by_ref<E: Table>(
        &self,
        scope: E::Scope,
        reference: &crate::catalogue::reference::ExternalRef,
    ) -> Result<E, Error> {
        self.read(|tx| ops::get_by_ref::<E>(tx, scope, reference))
    }

    /// Creates or replaces the entity another system calls `reference`.
    pub fn put_by_ref<E: Writable>(
        &self,
        actor: Actor,
        scope: E::Scope,
        reference: &crate::catalogue::reference::ExternalRef,
        precondition: &Precondition,
        input: E::Input,
    ) -> Result<(E, ops::Upsert), Error> {
        self.write(actor, |work| {
            ops::put_by_ref::<E>(work, scope, reference, precondition, input)
        })
    }

    /// The view of a customer on a day; none when no customer has the id.
    pub fn customer_view(&self, id: Uuid, on: NaiveDate) -> Result<Option<CustomerView>, Error> {
        self.read(|tx| customer_view(tx, id, on))
    }

    /// The pool's connections: lent out, idle, and at most.
    pub fn pool_state(&self) -> (u32, u32, u32) {
        self.store.pool_state()
    }

    /// Ends the store's background work (see [`Store::close`]).
    pub fn close(&self) {
        self.store.close();
    }

    /// The catalogue's and the keys' generations, in one statement: while
    /// they stay the same, nothing committed has changed a view or a key.
    pub fn generations(&self) -> Result<Generations, Error> {
        Ok(self.store.single(store::generations::read)?)
    }

    /// What `f` reads, with the catalogue's generation it was read at (in
    /// the same snapshot).
    pub fn read_at<T>(
        &self,
        f: impl FnOnce(&mut ReadTx) -> Result<T, Error>,
    ) -> Result<(i64, T), Error> {
        self.read(|tx| {
            let generation = store::generations::read(tx.conn())?.catalogue;
            Ok((generation, f(tx)?))
        })
    }

    /// The view of a consumer group on a day; none when no group has the id.
    pub fn consumer_group_view(
        &self,
        id: Uuid,
        on: NaiveDate,
    ) -> Result<Option<ConsumerGroupView>, Error> {
        self.read(|tx| consumer_group_view(tx, id, on))
    }
}

/// The view of a customer on a day, read in `tx`.
pub fn customer_view(
    tx: &mut impl Tx,
    id: Uuid,
    on: NaiveDate,
) -> Result<Option<CustomerView>, Error> {
    Ok(view::customer_view(tx.conn(), id, on)?)
}

/// The view of a consumer group on a day, read in `tx`.
pub fn consumer_group_view(
    tx: &mut impl Tx,
    id: Uuid,
    on: NaiveDate,
) -> Result<Option<ConsumerGroupView>, Error> {
    Ok(view::consumer_group_view(tx.conn(), id, on)?)
}
