//! Pages of a list: the entities after an id, in id order (ids are UUIDv7,
//! so that is creation order).

use uuid::Uuid;

/// A page request: the id after which to start, and how many entities at
/// most.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    /// The last id of the previous page.
    pub after: Option<Uuid>,
    /// Entities on this page.
    pub limit: u32,
}

impl PageRequest {
    /// How many rows to fetch: one more than the page, to know whether a
    /// next page exists.
    pub fn fetch(&self) -> i64 {
        i64::from(self.limit) + 1
    }
}

/// One page of results.
#[derive(Debug)]
pub struct Page<T> {
    /// The entities on this page.
    pub items: Vec<T>,
    /// The id to continue after, when more remain.
    pub next: Option<Uuid>,
}

impl<T> Page<T> {
    /// Cuts `items` (fetched with [`PageRequest::fetch`]) to the page size.
    pub fn from_rows(mut items: Vec<T>, page: &PageRequest, id: impl Fn(&T) -> Uuid) -> Self {
        let limit = page.limit as usize;
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(id)
        } else {
            None
        };
        Page { items, next }
    }
}
