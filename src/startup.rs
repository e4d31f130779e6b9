//! Builds the application, the same way for `main` and for the tests.

use std::time::Duration;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{from_fn, ErrorHandlerResponse, ErrorHandlers, Next};
use actix_web::{web, App, HttpMessage, HttpRequest, HttpServer};
use secrecy::ExposeSecret;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, UtoipaApp};
use utoipa_swagger_ui::SwaggerUi;

use crate::api::body::BodyReader;
use crate::api::{self, auth, health, tmf, AppState};
use crate::catalogue::api_key::AdminKey;
use crate::config::Config;
use crate::delivery::Settings as WebhookSettings;
use crate::error::{problem, problem_response, ApiError, PROBLEM_JSON};
use crate::service::{self, Catalogue};
use crate::shutdown::Stopping;
use crate::store::{Backend, PoolSettings, Store, StoreError};
use crate::telemetry::{RequestId, RequestSpan};

/// Registers every documented route: the spec is collected from here.
fn routes<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.openapi(api::ApiDoc::openapi())
        .service(
            utoipa_actix_web::scope("/api/v1")
                .wrap(from_fn(auth::authenticate))
                .configure(api::configure_v1)
                .default_service(web::to(no_route)),
        )
        .service(health::live)
        .service(health::ready)
}

/// The OpenAPI spec of the service, as `/openapi.json` serves it: what the
/// handlers declare, finished by [`api::spec::finish`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    use crate::api::spec::EntityRules;
    use crate::catalogue::{
        agreement::Agreement, category::Category, component::Component,
        consumer_group::ConsumerGroup, customer::Customer, offering::Offering, overlay::Overlay,
        price::Price, product::Product, resource::Resource, service::Service,
    };

    let declared = routes(App::new().into_utoipa_app()).split_for_parts().1;
    let Ok(mut spec) = serde_json::to_value(&declared) else {
        return declared;
    };
    api::spec::finish(
        &mut spec,
        &[
            EntityRules::of::<Resource>("Resource"),
            EntityRules::of::<Product>("Product"),
            EntityRules::of::<Component>("Component"),
            EntityRules::of::<Service>("Service"),
            EntityRules::of::<Price>("Price"),
            EntityRules::of::<Offering>("Offering"),
            EntityRules::of::<ConsumerGroup>("ConsumerGroup"),
            EntityRules::of::<Customer>("Customer"),
            EntityRules::of::<Agreement>("Agreement"),
            EntityRules::of::<Overlay>("Overlay"),
            EntityRules::of::<Category>("Category"),
        ],
    );
    serde_json::from_value(spec).unwrap_or(declared)
}

/// The paths of the spec and their methods, to tell a 405 from a 404.
#[derive(Debug, Clone, Default)]
pub struct Routes(Vec<(Vec<String>, Vec<String>)>);

impl Routes {
    /// The routes of `spec`.
    pub fn of(spec: &utoipa::openapi::OpenApi) -> Routes {
        let spec = serde_json::to_value(spec).unwrap_or_default();
        let routes = spec["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(path, item)| {
                let segments = path.split('/').map(str::to_owned).collect();
                let mut methods: Vec<String> = item
                    .as_object()
                    .into_iter()
                    .flat_map(|ops| ops.keys())
                    .map(|m| m.to_uppercase())
                    .collect();
                // Every GET answers HEAD too (RFC 9110, section 9.3.2).
                if methods.iter().any(|m| m == "GET") {
                    methods.push("HEAD".to_owned());
                }
                methods.sort();
                (segments, methods)
            })
            .collect();
        Routes(routes)
    }

    /// The methods allowed on `path`, when a route matches it.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let segments: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .find(|(template, _)| {
                template.len() == segments.len()
                    && template
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
            })
            .map(|(_, methods)| methods.join(", "))
    }
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
    spec: utoipa::openapi::OpenApi,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let routes_of_spec = Routes::of(&spec);
    let (app, _) = routes(
        App::new()
            .into_utoipa_app()
            .app_data(web::Data::new(state))
            .app_data(web::QueryConfig::default().error_handler(|err, _| {
                ApiError::BadRequest(format!("The query is not valid: {err}.")).into()
            }))
            // An id that is not a UUID names nothing: 404, like any other id
            // that names nothing, with the reason.
            .app_data(web::PathConfig::default().error_handler(|_, req| {
                ApiError::NotFound(format!(
                    "Nothing is at {}: ids are UUIDs such as 0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a10.",
                    req.path()
                ))
                .into()
            })),
    )
    .split_for_parts();
    app.app_data(web::Data::new(routes_of_spec))
        .route("/docs", web::get().to(docs_redirect))
        .configure(api::preview::configure)
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .url("/openapi.json", spec)
                // The docs page must never call anything but this service:
                // Swagger UI sends the spec to swagger.io's validator unless
                // told not to.
                .config(utoipa_swagger_ui::Config::default().validator_url("none")),
        )
        .service(
            web::scope(tmf::ROOT)
                .configure(tmf::configure)
                .default_service(web::to(tmf::no_route)),
        )
        .default_service(web::to(no_route))
        .wrap(from_fn(refuse_nul_in_query))
        .wrap(ErrorHandlers::new().default_handler(as_problem))
        .wrap(from_fn(head_as_get))
        .wrap(from_fn(request_id_header))
        .wrap(from_fn(api::metrics::count_requests))
        .wrap(TracingLogger::<RequestSpan>::new())
}

/// The server of `/metrics` over `listener`: one worker, no signal of its
/// own (it stops when the API's server has).
pub fn metrics_server(
    state: AppState,
    listener: std::net::TcpListener,
) -> std::io::Result<actix_web::dev::Server> {
    let state = web::Data::new(state);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/metrics", web::get().to(api::metrics::scrape))
            .default_service(web::to(|| async {
                actix_web::HttpResponse::NotFound()
                    .content_type("text/plain; charset=utf-8")
                    .body("Only /metrics is here.\n")
            }))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run())
}

/// `/docs` is the folder `/docs/`, where the page's relative assets resolve.
async fn docs_redirect() -> actix_web::HttpResponse {
    actix_web::HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// Answers HEAD as GET: the HTTP layer sends the headers of the GET answer,
/// its length included, and no body.
async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// 405 on a path that exists with other methods, 404 elsewhere.
async fn no_route(
    req: HttpRequest,
    routes: web::Data<Routes>,
) -> Result<actix_web::HttpResponse, ApiError> {
    match routes.allowed(req.path()) {
        Some(allow) => Err(ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            path: req.path().to_owned(),
            allow,
        }),
        None => Err(ApiError::NotFound(format!(
            "Nothing is served at {}.",
            req.path()
        ))),
    }
}

/// Refuses a query string that holds a NUL character: no filter can match
/// it, and no database takes it as text.
async fn refuse_nul_in_query(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if req.query_string().to_ascii_lowercase().contains("%00") {
        let refusal =
            ApiError::BadRequest("The query must not contain the NUL character (%00).".to_owned());
        // The facades answer TMF's Error body, as for every other refusal.
        if req.path().starts_with(tmf::ROOT) {
            return Ok(req
                .error_response(tmf::TmfError(refusal))
                .map_into_right_body());
        }
        return Ok(req.error_response(refusal).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Returns the request id of the request's span as `X-Request-Id`, and
/// logs one line per request, naming the key that made it (its public
/// prefix, never its secret) and the key's role.
async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().cloned();
    let started = std::time::Instant::now();
    let mut res = next.call(req).await?;
    let caller = res.request().extensions().get::<auth::Caller>().copied();
    tracing::info!(
        status = res.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        key = caller.map(|c| c.key_label()).as_deref(),
        role = caller.map(|c| c.role.as_str()),
        "request served"
    );
    if let Some(id) = id.and_then(|id| HeaderValue::from_str(id.as_str()).ok()) {
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
    let facade = res.request().path().starts_with(tmf::ROOT);
    let is_tmf_error = facade
        && res
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes() == b"application/json");
    if is_problem || is_tmf_error || res.status().as_u16() < 400 {
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
    let mut response = if facade {
        tmf::error_response(status, &body)
    } else {
        problem_response(status, &body)
    };
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
    /// The catalogue could not be read.
    #[error(transparent)]
    Catalogue(#[from] service::Error),
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

/// Opens and migrates the catalogue of `config`.
pub fn open_catalogue(config: &Config) -> Result<Catalogue, StoreError> {
    let store = Store::open(
        &config.database_url,
        &PoolSettings {
            max_size: config.pool_size,
            acquire_timeout: config.acquire_timeout,
            connect_timeout: config.connect_timeout,
            statement_timeout: config.statement_timeout,
        },
    )?;
    let applied = store.migrate()?;
    tracing::info!(migrations_applied = applied, backend = ?store.backend(), "store ready");
    Ok(Catalogue::new(store))
}

/// What `vitrine check` says of the database of `config`, one line each:
/// whether it answers, its migrations, and whether an admin can get in;
/// with whether it answers.
pub fn check_database(config: &Config) -> (Vec<String>, bool) {
    let place = crate::config::database_place(&config.database_url);
    if Backend::of_url(&config.database_url) == Backend::Sqlite
        && !std::path::Path::new(crate::config::sqlite_path(&config.database_url)).exists()
    {
        return (
            vec![format!(
                "database: {place} does not exist yet: `vitrine migrate` or the first start makes it"
            )],
            true,
        );
    }
    let opened = Store::open(
        &config.database_url,
        &PoolSettings {
            max_size: 1,
            acquire_timeout: config.connect_timeout,
            connect_timeout: config.connect_timeout,
            statement_timeout: config.statement_timeout,
        },
    );
    let (store, survey) = match opened.and_then(|store| store.survey().map(|s| (store, s))) {
        Ok(found) => found,
        Err(e) => {
            let e = e
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            return (vec![format!("database: {place}: {e}")], false);
        }
    };
    let mut lines = vec![format!("database: ok: {} at {place}", survey.version)];
    if survey.pending > 0 {
        lines.push(format!(
            "migrations: {} applied, {} pending: `vitrine migrate` or the next start applies them",
            survey.applied, survey.pending
        ));
        lines.push("admin key: not checked before the migrations are applied".to_owned());
        return (lines, true);
    }
    if survey.unknown > 0 {
        lines.push(format!(
            "migrations: {} applied, none pending, and {} this build does not know: \
             a newer build migrated this database",
            survey.applied, survey.unknown
        ));
        return (lines, false);
    }
    lines.push(format!(
        "migrations: {} applied, none pending",
        survey.applied
    ));
    lines.push(if config.admin_key.is_some() {
        "admin key: VITRINE_ADMIN_KEY is set".to_owned()
    } else {
        match Catalogue::new(store).admin_key_exists() {
            Ok(true) => "admin key: made with `vitrine keys create`".to_owned(),
            Ok(false) => "admin key: none, so every call will answer 401: set VITRINE_ADMIN_KEY, \
                 or make one with `vitrine keys create --role admin --name NAME`"
                .to_owned(),
            Err(e) => format!("admin key: not checked: {e}"),
        }
    });
    (lines, true)
}

/// The HTTP server over `listener`, with its timeouts set deliberately.
pub fn server(
    state: AppState,
    config: &Config,
    listener: std::net::TcpListener,
) -> std::io::Result<actix_web::dev::Server> {
    let pool_size = config.pool_size as usize;
    let spec = openapi();
    let mut server = HttpServer::new(move || app(state.clone(), spec.clone()));
    if let Some(workers) = config.workers {
        server = server.workers(workers);
    }
    Ok(server
        // Slow clients get a bounded time to send their request.
        .client_request_timeout(config.request_timeout)
        .client_disconnect_timeout(Duration::from_secs(2))
        .keep_alive(Duration::from_secs(30))
        .shutdown_timeout(config.shutdown_timeout.as_secs())
        // `serve` handles the signals: the background work must hear of
        // them too.
        .disable_signals()
        // Store work is admitted by one permit per connection (see
        // `AppState::run`), so a worker never needs more threads than that.
        .worker_max_blocking_threads(pool_size.max(1))
        .listen(listener)?
        .run())
}

/// The state of the service of `config` over `catalogue`.
pub fn state(config: &Config, catalogue: Catalogue) -> AppState {
    AppState::new(
        catalogue,
        config
            .admin_key
            .as_ref()
            .map(|k| AdminKey::new(k.expose_secret())),
        BodyReader::new(
            config.max_body_bytes,
            config.body_timeout,
            config.max_bodies_in_flight,
        ),
        config.idempotency_ttl,
        config.max_import_bytes,
        config.pool_size as usize,
        config.acquire_timeout,
    )
    .with_destinations(config.webhooks.destinations.clone())
    .with_public_base_url(config.public_base_url.clone())
    .with_view_cache(config.view_cache_bytes)
}

/// Connections waiting to be accepted at most: a burst of clients waits
/// its turn instead of being reset (the standard library's 128 is small).
const BACKLOG: i32 = 2048;

/// A listener on `bind` (`host:port`).
pub fn listen(bind: &str) -> std::io::Result<std::net::TcpListener> {
    use std::net::ToSocketAddrs;
    let addr = bind.to_socket_addrs()?.next().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the address names no host",
        )
    })?;
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// Keeps the change feed to its retention and forgets expired idempotency
/// keys: at start-up, then every hour. Every replica may do it; deleting
/// what another deleted is harmless.
fn prune_hourly(
    catalogue: Catalogue,
    retention: Duration,
    stopping: Stopping,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || loop {
        let cutoff = crate::catalogue::now()
            - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::days(30));
        match catalogue.prune_changes(cutoff) {
            Ok(pruned) if pruned > 0 => {
                tracing::info!(events_pruned = pruned, "change feed kept to its retention");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "the change feed could not be pruned"),
        }
        match catalogue.prune_webhook_deliveries(cutoff) {
            Ok(pruned) if pruned > 0 => {
                tracing::info!(
                    deliveries_pruned = pruned,
                    "webhook deliveries kept to the feed's retention"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "webhook deliveries could not be pruned"),
        }
        if let Err(e) = catalogue.prune_idempotency_keys() {
            tracing::warn!(error = %e, "expired idempotency keys could not be deleted");
        }
        if stopping.wait(Duration::from_secs(3600)) {
            break;
        }
    })
}

/// Compares the customers' views after each change of the catalogue, and
/// once a day as the day turns, recording an event for each customer whose
/// view changed.
fn watch_views(catalogue: Catalogue, stopping: Stopping) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut day = None;
        loop {
            let today = chrono::Utc::now().date_naive();
            match catalogue.watch_views(today, day != Some(today)) {
                Ok(changed) => {
                    day = Some(today);
                    if let Some(changed @ 1..) = changed {
                        tracing::info!(customers = changed, "customer views changed");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "customer views could not be compared"),
            }
            if stopping.wait(Duration::from_millis(250)) {
                break;
            }
        }
    })
}

/// Serves the API until the process is stopped.
pub async fn serve(config: Config) -> Result<(), StartError> {
    // The addresses first: a port in use is found before the database is
    // touched.
    let bound = |bind: &String| {
        listen(bind).map_err(|source| StartError::Bind {
            bind: bind.clone(),
            source,
        })
    };
    let listener = bound(&config.bind)?;
    let metrics_listener = config.metrics_bind.as_ref().map(bound).transpose()?;
    let catalogue = open_catalogue(&config)?;
    if config.admin_key.is_none() && !catalogue.admin_key_exists()? {
        tracing::warn!(
            "no admin key exists, so every call will answer 401: set VITRINE_ADMIN_KEY, \
             or make a key with `vitrine keys create --role admin --name NAME`"
        );
    }
    let state = state(&config, catalogue.clone());
    let closing = catalogue.clone();
    let stopping = Stopping::new();
    let background = [
        prune_hourly(catalogue.clone(), config.event_retention, stopping.clone()),
        crate::delivery::start(
            catalogue.clone(),
            WebhookSettings {
                tmf_events: Some(tmf::event_body),
                ..config.webhooks.clone()
            },
            stopping.clone(),
        ),
        watch_views(catalogue, stopping.clone()),
    ];
    let metrics = match metrics_listener {
        Some(listener) => {
            let server = metrics_server(state.clone(), listener)?;
            let handle = server.handle();
            actix_web::rt::spawn(server);
            tracing::info!(bind = config.metrics_bind.as_deref(), "serving /metrics");
            Some(handle)
        }
        None => None,
    };
    let server = server(state, &config, listener)?;
    // SIGTERM stops accepting connections and lets the requests under way
    // finish, for VITRINE_SHUTDOWN_TIMEOUT_SECS at most; SIGINT and SIGQUIT
    // drop them at once. The background work is told at the same moment, so
    // that a webhook attempt under way ends beside the requests, not after.
    let handle = server.handle();
    let signalled = stopping.clone();
    actix_web::rt::spawn(async move {
        let graceful = stop_signal().await;
        tracing::info!(graceful, "stopping");
        signalled.stop();
        handle.stop(graceful).await;
    });
    tracing::info!(bind = %config.bind, "serving");
    let served = server.await;
    if let Some(metrics) = metrics {
        metrics.stop(true).await;
    }
    tracing::info!("requests finished; ending the background work");
    stopping.stop();
    for thread in background {
        let _ = thread.join();
    }
    // The HTTP workers may drop their clones of the catalogue after this
    // returns: the store's own background work ends here.
    closing.close();
    served?;
    tracing::info!("stopped");
    Ok(())
}

/// The first of SIGTERM (true: a graceful stop), SIGINT or SIGQUIT (false:
/// at once); never, where signals cannot be listened to.
async fn stop_signal() -> bool {
    use actix_web::rt::signal::unix::{signal, SignalKind};
    use futures_util::future::{select, Either};
    let listen = |kind| {
        signal(kind).map_err(|e| tracing::warn!(error = %e, "signals cannot be listened to"))
    };
    let (Ok(mut term), Ok(mut int), Ok(mut quit)) = (
        listen(SignalKind::terminate()),
        listen(SignalKind::interrupt()),
        listen(SignalKind::quit()),
    ) else {
        return std::future::pending().await;
    };
    let term = std::pin::pin!(term.recv());
    let int = std::pin::pin!(int.recv());
    let quit = std::pin::pin!(quit.recv());
    matches!(select(term, select(int, quit)).await, Either::Left(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_tell_a_wrong_method_from_a_wrong_path() {
        let routes = Routes::of(&openapi());
        assert_eq!(
            routes.allowed("/api/v1/products").as_deref(),
            Some("GET, HEAD, POST")
        );
        assert_eq!(
            routes.allowed("/api/v1/products/x/components/y").as_deref(),
            Some("DELETE, GET, HEAD, PATCH")
        );
        assert_eq!(routes.allowed("/api/v1/nothing"), None);
        assert_eq!(routes.allowed("/api/v1/products/"), None);
    }
}
