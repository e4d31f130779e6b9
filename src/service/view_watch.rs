//! Customer views that say when they change: after the catalogue changes,
//! every customer's view is compared with the one last seen, and each
//! customer whose view differs gets a `customer_view` event (its id only,
//! no content), in the change feed and so to webhooks. A change no
//! customer sees, such as an internal component's, emits none.

use chrono::NaiveDate;
use uuid::Uuid;

use super::{Catalogue, Error, Tx};
use crate::catalogue::event::{ActorKind, Event, EventKind};
use crate::catalogue::view::digest;
use crate::catalogue::webhook::CUSTOMER_VIEW;
use crate::catalogue::CatalogueError;
use crate::store::{events, view_watch};

/// How many customers' views one read transaction of the comparison reads.
const VIEWS_PER_READ: usize = 100;

impl Catalogue {
    /// Compares the views of every customer on `on` with those last seen,
    /// when the catalogue changed since the last comparison (or always,
    /// with `force`, as when the day changes); records one event per
    /// customer whose view changed. Returns how many changed; none when
    /// there was nothing to compare, or another replica compared first.
    pub fn watch_views(&self, on: NaiveDate, force: bool) -> Result<Option<usize>, Error> {
        let (position, pending) = self.read(|tx| {
            let position = view_watch::position(tx.conn())?;
            let pending = if force {
                events::bounds(tx.conn())?.map(|(_, last)| last)
            } else {
                view_watch::pending(tx.conn(), position)?
            };
            Ok::<_, Error>((position, pending))
        })?;
        let Some(last) = pending.or(force.then_some(position)) else {
            return Ok(None);
        };
        // The views, read after `last` committed: each holds every change
        // up to it. A few customers per transaction, so that no snapshot is
        // held for long (on SQLite a reader that stays keeps the log from
        // starting again; on PostgreSQL it holds back vacuum). A customer
        // gone between the reads has no view, as at the comparison below.
        let customers = self.read(|tx| Ok::<_, Error>(view_watch::customer_ids(tx.conn())?))?;
        let mut seen: Vec<(Uuid, String)> = Vec::with_capacity(customers.len());
        for some in customers.chunks(VIEWS_PER_READ) {
            self.read(|tx| {
                for &id in some {
                    if let Some(shown) = super::customer_view(tx, id, on)? {
                        let digest = digest(&shown).map_err(|e| CatalogueError::Internal {
                            what: "a view did not serialise",
                            cause: e.to_string(),
                        })?;
                        seen.push((id, digest));
                    }
                }
                Ok::<_, Error>(())
            })?;
        }
        self.store.write(|conn| {
            if view_watch::lock_position(conn)? != Some(position) {
                return Ok(None);
            }
            let mut before = view_watch::digests(conn)?;
            let at = crate::catalogue::now();
            let mut changed = Vec::new();
            for (id, digest) in &seen {
                let version = match before.remove(id) {
                    Some((old, _)) if old == *digest => continue,
                    Some((_, version)) => version + 1,
                    None => 1,
                };
                view_watch::put(conn, *id, digest, version)?;
                changed.push(event(*id, version, at));
            }
            // The customers gone since: their view is gone too.
            for (id, (_, version)) in before {
                view_watch::remove(conn, id)?;
                changed.push(event(id, version + 1, at));
            }
            // Changes committed after `last` may be missing from the views
            // read: the next comparison takes them. When none came between,
            // the events just written are passed too, so that the next look
            // for changes does not read them again.
            let first = events::append(conn, &changed)?;
            let position = match first {
                Some(first) if first == last + 1 => last + changed.len() as i64,
                _ => last,
            };
            view_watch::set_position(conn, position)?;
            Ok::<_, Error>(Some(changed.len()))
        })
    }
}

fn event(customer_id: Uuid, version: i32, at: chrono::DateTime<chrono::Utc>) -> Event {
    Event {
        id: Uuid::now_v7(),
        entity_type: CUSTOMER_VIEW.to_owned(),
        entity_id: customer_id,
        kind: EventKind::Changed,
        version,
        actor: ActorKind::System,
        actor_key_id: None,
        occurred_at: at,
        changed_fields: Vec::new(),
    }
}
