//! `/health/live` and `/health/ready`, public.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::error::ApiError;

/// The state of the service.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the service can serve.
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness: the process answers.
#[utoipa::path(
    tag = "health",
    description = "Answers 200 while the process runs, without touching the database: for a supervisor deciding whether to restart it. No key needed.",
    responses(
        (status = 200, description = "The process answers.", body = Health),
        crate::api::responses::LiveErrors
    )
)]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".to_owned(),
    })
}

/// Readiness: the database answers.
#[utoipa::path(
    tag = "health",
    description = "Answers 200 when the database answers one query, 503 otherwise: for a load balancer deciding whether to send requests here. No key needed.",
    responses(
        (status = 200, description = "The database answers.", body = Health),
        crate::api::responses::ReadyErrors
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.run(|catalogue| catalogue.ping()).await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".to_owned(),
    }))
}
