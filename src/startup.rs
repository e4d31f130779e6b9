//! Builds the application, the same way for `main` and for the tests.

use std::time::Duration;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, ErrorHandlerResponse, ErrorHandlers, Next};
use actix_web::{web, App, HttpMessage, HttpRequest, HttpServer};
use secrecy::ExposeSecret;
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, UtoipaApp};
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, auth, health, AppState};
use crate::catalogue::api_key::AdminKey;
use crate::config::Config;
use crate::error::{problem, problem_response, ApiError, PROBLEM_JSON};
use crate::store::{PoolSettings, Store, StoreError};

/// Registers every documented route: the spec is collected from here.
fn routes<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.openapi(api::ApiDoc::openapi())
        .service(
            utoipa_actix_web::scope("/api/v1")
                .wrap(from_fn(auth::authenticate))
                .configure(api::configure_v1),
        )
        .service(health::live)
        .service(health::ready)
}

/// The OpenAPI spec of the service, as `/openapi.json` serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes(App::new().into_utoipa_app()).split_for_parts().1
}

/// The spec as committed in `openapi/openapi.json`.
pub fn openapi_json() -> String {
    let mut json = openapi().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}

/// The application: the API, the spec, the docs and the error handling.
pub fn app(
    state: AppState,
    max_body_bytes: usize,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, spec) = routes(
        App::new()
            .into_utoipa_app()
            .app_data(web::Data::new(state))
            .app_data(web::PayloadConfig::new(max_body_bytes))
            .app_data(web::QueryConfig::default().error_handler(|err, _| {
                ApiError::BadRequest(format!("The query is not valid: {err}.")).into()
            }))
            .app_data(web::PathConfig::default().error_handler(|_, _| {
                ApiError::BadRequest("An id in the path is not a valid UUID.".to_owned()).into()
            })),
    )
    .split_for_parts();
    app.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", spec))
        .default_service(web::to(no_route))
        .wrap(ErrorHandlers::new().default_handler(as_problem))
        .wrap(from_fn(request_id_header))
        .wrap(TracingLogger::default())
}

async fn no_route(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "Nothing is served at {}.",
        req.path()
    )))
}

/// Returns the request id of the request's span as `X-Request-Id`, and
/// logs one line per request.
async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().copied();
    let started = std::time::Instant::now();
    let mut res = next.call(req).await?;
    tracing::info!(
        status = res.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request served"
    );
    if let Some(id) = id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok()) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), id);
    }
    Ok(res)
}

/// Turns an error answered by actix itself (no route for the method, a body
/// over the cap, ...) into problem details; leaves problems as they are.
fn as_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    if is_problem || res.status().as_u16() < 400 {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (slug, title, detail) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            "Method not allowed",
            format!("{} is not allowed on {}.", res.request().method(), res.request().path()),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload-too-large",
            "Payload too large",
            "The body is larger than the service accepts.".to_owned(),
        ),
        StatusCode::NOT_FOUND => (
            "not-found",
            "Not found",
            format!("Nothing is served at {}.", res.request().path()),
        ),
        s if s.is_server_error() => (
            "internal",
            "Internal error",
            "The service failed to answer this request. It has been logged; please try again later."
                .to_owned(),
        ),
        s => (
            "bad-request",
            s.canonical_reason().unwrap_or("Bad request"),
            format!("The request was refused: {}.", s.canonical_reason().unwrap_or("bad request")),
        ),
    };
    let body = problem(status, slug, title, detail, Vec::new());
    let mut response = problem_response(status, &body);
    if let Some(allow) = res.headers().get(header::ALLOW) {
        response.headers_mut().insert(header::ALLOW, allow.clone());
    }
    let (req, _) = res.into_parts();
    let res: ServiceResponse<EitherBody<B, BoxBody>> =
        ServiceResponse::new(req, response).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The address could not be bound.
    #[error("cannot listen on {bind}: {source}")]
    Bind {
        /// The address.
        bind: String,
        /// Why.
        source: std::io::Error,
    },
    /// The server failed while running.
    #[error("server failed: {0}")]
    Serve(#[from] std::io::Error),
}

/// Opens and migrates the store of `config`.
pub fn open_store(config: &Config) -> Result<Store, StoreError> {
    let store = Store::open(
        &config.database_url,
        &PoolSettings {
            max_size: config.pool_size,
            acquire_timeout: config.acquire_timeout,
        },
    )?;
    let applied = store.migrate()?;
    tracing::info!(migrations_applied = applied, backend = ?store.backend(), "store ready");
    Ok(store)
}

/// The HTTP server over `listener`, with its timeouts set deliberately.
pub fn server(
    state: AppState,
    config: &Config,
    listener: std::net::TcpListener,
) -> std::io::Result<actix_web::dev::Server> {
    let max_body = config.max_body_bytes;
    let pool_size = config.pool_size as usize;
    let mut server = HttpServer::new(move || app(state.clone(), max_body));
    if let Some(workers) = config.workers {
        server = server.workers(workers);
    }
    Ok(server
        // Slow clients get a bounded time to send their request.
        .client_request_timeout(config.request_timeout)
        .client_disconnect_timeout(Duration::from_secs(2))
        .keep_alive(Duration::from_secs(30))
        .shutdown_timeout(10)
        // Store work is admitted by one permit per connection (see
        // `AppState::run`), so a worker never needs more threads than that.
        .worker_max_blocking_threads(pool_size.max(1))
        .listen(listener)?
        .run())
}

/// The state of the service of `config` over `store`.
pub fn state(config: &Config, store: Store) -> AppState {
    AppState::new(
        store,
        config
            .admin_key
            .as_ref()
            .map(|k| AdminKey::new(k.expose_secret())),
        config.pool_size as usize,
        config.acquire_timeout,
    )
}

/// Serves the API until the process is stopped.
pub async fn serve(config: Config) -> Result<(), StartError> {
    let store = open_store(&config)?;
    let listener =
        std::net::TcpListener::bind(&config.bind).map_err(|source| StartError::Bind {
            bind: config.bind.clone(),
            source,
        })?;
    let server = server(state(&config, store), &config, listener)?;
    tracing::info!(bind = %config.bind, "serving");
    server.await?;
    Ok(())
}
