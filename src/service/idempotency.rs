//! Idempotent creates: a POST sent again with the same `Idempotency-Key`
//! and the same request gets the first answer again, and creates nothing.

use chrono::Duration;

use super::{Catalogue, Error, UnitOfWork};
use crate::catalogue::{Actor, CatalogueError};
pub use crate::store::idempotency::StoredAnswer;
use crate::store::idempotency::{self, Recorded};

/// A request sent with an `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct Once {
    /// The key, as the client sent it.
    pub key: String,
    /// A digest of the request: its method, path and body.
    pub request_digest: String,
    /// How long the first answer is kept for replays.
    pub keep_for: Duration,
}

/// What an idempotent write answered.
#[derive(Debug)]
pub enum Outcome<T> {
    /// The write ran now; this is what it returned.
    Done(T),
    /// The write ran before, under this key: its first answer.
    Replayed(StoredAnswer),
}

impl Catalogue {
    /// Runs `f` once per key and actor: the first time in a unit of work
    /// that also records its answer (made by `answer`), later by replaying
    /// that answer. A key used again with another request is refused.
    pub fn write_once<T>(
        &self,
        actor: Actor,
        once: &Once,
        f: impl FnOnce(&mut UnitOfWork) -> Result<T, Error>,
        answer: impl FnOnce(&T) -> StoredAnswer,
    ) -> Result<Outcome<T>, Error> {
        let owner = actor.label();
        self.write(actor, |work| {
            let now = crate::catalogue::now();
            idempotency::lock(work.conn, &owner, &once.key)?;
            if let Some(recorded) = idempotency::find(work.conn, &owner, &once.key, now)? {
                if recorded.request_digest != once.request_digest {
                    return Err(CatalogueError::invalid(
                        "Idempotency-Key",
                        "was used with another request (another path or body); use a new key for a new request",
                    )
                    .into());
                }
                return Ok(Outcome::Replayed(recorded.answer));
            }
            let value = f(work)?;
            let stored = answer(&value);
            let recorded = Recorded {
                request_digest: once.request_digest.clone(),
                answer: stored.clone(),
            };
            idempotency::record(work.conn, &owner, &once.key, &recorded, now, now + once.keep_for)?;
            Ok(Outcome::Done(value))
        })
    }

    /// Deletes the expired answers; returns how many.
    pub fn prune_idempotency_keys(&self) -> Result<usize, Error> {
        self.store
            .write(|conn| idempotency::prune(conn, crate::catalogue::now()))
            .map_err(Error::from)
    }
}
