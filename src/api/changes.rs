//! `/api/v1/changes`: the change feed, in commit order, resumable.

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::{Caller, Permission};
use super::pagination::{DEFAULT_LIMIT, MAX_LIMIT};
use super::responses::FeedErrors;
use super::AppState;
use crate::catalogue::event::Event;
use crate::error::ApiError;
use crate::service::feed::Gap;

/// Where to read the feed from.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The `next_cursor` of the previous read; the oldest event kept when
    /// absent.
    #[param(pattern = "^f[0-9]{1,18}$")]
    pub after: Option<String>,
    /// Events per read, 1 to 500; 50 when absent.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// A read of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeFeed {
    /// The events after the cursor, in the order their changes committed.
    pub items: Vec<Event>,
    /// Pass as `after` to read on: never null, the same cursor when nothing
    /// new has committed yet. Store it to resume after a restart.
    #[schema(example = "f1042")]
    pub next_cursor: String,
}

fn position(after: Option<&str>) -> Result<i64, ApiError> {
    let Some(after) = after else {
        return Ok(0);
    };
    after
        .strip_prefix('f')
        .filter(|n| !n.is_empty() && n.len() <= 18 && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            ApiError::BadRequest(
                "`after` is not a cursor of this feed: pass `next_cursor` of the previous read as it is."
                    .to_owned(),
            )
        })
}

#[utoipa::path(
    tag = "changes",
    summary = "Read the change feed",
    description = "The committed changes to the catalogue, one event each, in the order they committed, after `after`. A client that stores `next_cursor` and reads on from it never misses an event and never sees one twice, across restarts and with many writers. Events carry no content: read the entity by its id (it may have changed again, or be gone). API keys are not in the feed.\n\nEvents are kept for `VITRINE_EVENT_RETENTION_DAYS`; a cursor older than that answers 410, and the client reads the catalogue again.",
    params(FeedQuery),
    responses(
        (status = 200, description = "The events after the cursor.", body = ChangeFeed),
        FeedErrors
    ),
    security(("api_key" = []))
)]
#[get("/changes")]
pub async fn list_changes(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadCatalogue)?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "`limit` must be between 1 and {MAX_LIMIT}; it was {limit}."
        )));
    }
    let after = position(query.after.as_deref())?;
    let read = state
        .run(move |catalogue| catalogue.changes(after, i64::from(limit)))
        .await?;
    match read {
        Ok(page) => Ok(HttpResponse::Ok().json(ChangeFeed {
            items: page.events,
            next_cursor: format!("f{}", page.last),
        })),
        Err(Gap::Pruned { first }) => Err(ApiError::Gone(format!(
            "The events after this cursor are no longer kept: the feed now starts after f{}. \
             Read the catalogue again, then follow the feed from there.",
            first - 1
        ))),
        Err(Gap::Unknown) => Err(ApiError::BadRequest(
            "`after` names no position of this feed: pass `next_cursor` of a previous read."
                .to_owned(),
        )),
    }
}
