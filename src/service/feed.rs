//! Reading the change feed, and keeping it to its retention.

use chrono::{DateTime, Utc};

use super::{Catalogue, Error, Tx};
use crate::catalogue::event::Event;
use crate::store::events;

/// A page of the feed: the events after a position, and the position after
/// the last of them (the same position when there is none yet).
#[derive(Debug)]
pub struct FeedPage {
    /// The events, in commit order.
    pub events: Vec<Event>,
    /// Where the next read continues.
    pub last: i64,
}

/// Why a position cannot be read from.
#[derive(Debug, PartialEq, Eq)]
pub enum Gap {
    /// Events after the position were deleted by the retention: the reader
    /// missed some, and must start again from a full read.
    Pruned {
        /// The first position still kept.
        first: i64,
    },
    /// The position is past the last event: it was not issued by this feed.
    Unknown,
}

impl Catalogue {
    /// Up to `limit` events after position `after`, in commit order.
    pub fn changes(&self, after: i64, limit: i64) -> Result<Result<FeedPage, Gap>, Error> {
        self.read(|tx| {
            let conn = tx.conn();
            let bounds = events::bounds(conn)?;
            match bounds {
                Some((first, _)) if after < first - 1 => return Ok(Err(Gap::Pruned { first })),
                Some((_, last)) if after > last => return Ok(Err(Gap::Unknown)),
                None if after > 0 => return Ok(Err(Gap::Unknown)),
                _ => {}
            }
            let read = events::after(conn, after, limit)?;
            let last = read.last().map_or(after, |(seq, _)| *seq);
            Ok(Ok(FeedPage {
                events: read.into_iter().map(|(_, e)| e).collect(),
                last,
            }))
        })
    }

    /// Deletes the events that occurred before `cutoff`; returns how many.
    pub fn prune_changes(&self, cutoff: DateTime<Utc>) -> Result<usize, Error> {
        self.store
            .write(|conn| events::prune(conn, cutoff))
            .map_err(Error::from)
    }
}
