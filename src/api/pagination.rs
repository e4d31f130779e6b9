//! Cursor pages: `?limit=` (1 to 500, 50 by default) and an opaque
//! `?cursor=`, answered as `{"items": [...], "next_cursor": ...}`.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::catalogue::page::PageRequest;
use crate::error::ApiError;

/// Items on a page when `limit` is absent.
pub const DEFAULT_LIMIT: u32 = 50;
/// The most items on one page.
pub const MAX_LIMIT: u32 = 500;

/// The page a list request asks for. `list` names the list: its
/// collection, parent and filters; a cursor issued for another list is
/// refused, since it would shift that list's pages silently.
pub fn page_request(
    limit: Option<u32>,
    cursor: Option<&str>,
    list: &ListId,
) -> Result<PageRequest, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "`limit` must be between 1 and {MAX_LIMIT}; it was {limit}."
        )));
    }
    let after = cursor.map(|c| decode_cursor(c, list)).transpose()?;
    Ok(PageRequest { after, limit })
}

/// What a cursor is bound to: a digest of the collection, its parent and
/// its filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListId(String);

impl ListId {
    /// The list of `collection` under `parent` (empty for top-level
    /// collections), with `filters`.
    pub fn new(collection: &str, parent: &str, filters: &serde_json::Value) -> ListId {
        let digest = Sha256::digest(format!("{collection}|{parent}|{filters}").as_bytes());
        ListId(digest[..8].iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// The cursor that continues `list` after `id`.
pub fn encode_cursor(id: Uuid, list: &ListId) -> String {
    format!("c2{}{}", id.simple(), list.0)
}

fn decode_cursor(cursor: &str, list: &ListId) -> Result<Uuid, ApiError> {
    let (id, bound_to) = cursor
        .strip_prefix("c2")
        .filter(|rest| rest.len() == 48 && rest.is_ascii())
        .map(|rest| rest.split_at(32))
        .and_then(|(hex, list)| Some((Uuid::try_parse(hex).ok()?, list)))
        .ok_or_else(|| {
            ApiError::BadRequest(
                "`cursor` is not one this service issued: pass `next_cursor` of the previous page as it is."
                    .to_owned(),
            )
        })?;
    if bound_to != list.0 {
        return Err(ApiError::BadRequest(
            "`cursor` was issued for another list (another collection, parent or filters): \
             pass it with the same path and filters as the page that gave it, or start again without it."
                .to_owned(),
        ));
    }
    Ok(id)
}

/// Declares a list query: the entity's filters plus `limit` and `cursor`;
/// any other parameter is refused.
macro_rules! list_query {
    ($(#[$meta:meta])* $name:ident => $filter:ident {
        $($(#[$fmeta:meta])* $field:ident: $ty:ty),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            /// Items per page, 1 to 500; 50 when absent.
            #[param(minimum = 1, maximum = 500)]
            pub limit: Option<u32>,
            /// The `next_cursor` of the previous page, with the same filters.
            #[param(pattern = "^c2[0-9a-f]{48}$")]
            pub cursor: Option<String>,
            $($(#[$fmeta])* pub $field: Option<$ty>,)*
        }

        impl $name {
            /// The filter and the page this query asks for, and the list
            /// they make, under `parent` (empty for a top-level collection).
            pub fn into_parts(
                self,
                parent: &str,
            ) -> Result<($filter, crate::catalogue::page::PageRequest, crate::api::pagination::ListId), crate::error::ApiError> {
                let filters = serde_json::json!({ $(stringify!($field): &self.$field),* });
                let list = crate::api::pagination::ListId::new(stringify!($filter), parent, &filters);
                let page = crate::api::pagination::page_request(self.limit, self.cursor.as_deref(), &list)?;
                Ok(($filter { $($field: self.$field),* }, page, list))
            }
        }
    };
}
pub(crate) use list_query;

/// Declares the page type of a collection.
macro_rules! list_type {
    ($(#[$meta:meta])* $name:ident of $item:ty) => {
        $(#[$meta])*
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            /// The entities on this page, oldest first.
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; null on the last page.
            pub next_cursor: Option<String>,
        }

        impl $name {
            /// The page of `list`.
            pub fn new(page: crate::catalogue::page::Page<$item>, list: &crate::api::pagination::ListId) -> Self {
                $name {
                    items: page.items,
                    next_cursor: page.next.map(|id| crate::api::pagination::encode_cursor(id, list)),
                }
            }
        }
    };
}
pub(crate) use list_type;
