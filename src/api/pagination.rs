//! Cursor pages: `?limit=` (1 to 500, 50 by default) and an opaque
//! `?cursor=`, answered as `{"items": [...], "next_cursor": ...}`.

use uuid::Uuid;

use crate::error::ApiError;
use crate::store::PageRequest;

/// Items on a page when `limit` is absent.
pub const DEFAULT_LIMIT: u32 = 50;
/// The most items on one page.
pub const MAX_LIMIT: u32 = 500;

/// The page a list request asks for.
pub fn page_request(limit: Option<u32>, cursor: Option<&str>) -> Result<PageRequest, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "`limit` must be between 1 and {MAX_LIMIT}; it was {limit}."
        )));
    }
    let after = cursor.map(decode_cursor).transpose()?;
    Ok(PageRequest { after, limit })
}

/// The cursor that continues after `id`.
pub fn encode_cursor(id: Uuid) -> String {
    format!("c1{}", id.simple())
}

fn decode_cursor(cursor: &str) -> Result<Uuid, ApiError> {
    cursor
        .strip_prefix("c1")
        .filter(|hex| hex.len() == 32)
        .and_then(|hex| Uuid::try_parse(hex).ok())
        .ok_or_else(|| {
            ApiError::BadRequest(
                "`cursor` is not one this service issued: pass `next_cursor` of the previous page as it is."
                    .to_owned(),
            )
        })
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
            /// The `next_cursor` of the previous page.
            #[param(pattern = "^c1[0-9a-f]{32}$")]
            pub cursor: Option<String>,
            $($(#[$fmeta])* pub $field: Option<$ty>,)*
        }

        impl $name {
            /// The filter and the page this query asks for.
            pub fn into_parts(self) -> Result<($filter, crate::store::PageRequest), crate::error::ApiError> {
                let page = crate::api::pagination::page_request(self.limit, self.cursor.as_deref())?;
                Ok(($filter { $($field: self.$field),* }, page))
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

        impl From<crate::store::Page<$item>> for $name {
            fn from(page: crate::store::Page<$item>) -> Self {
                $name {
                    items: page.items,
                    next_cursor: page.next.map(crate::api::pagination::encode_cursor),
                }
            }
        }
    };
}
pub(crate) use list_type;
