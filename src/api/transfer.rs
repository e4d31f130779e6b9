//! `/api/v1/export` and `/api/v1/import`: the whole catalogue as one JSON
//! document, streamed both ways (see [`crate::service::transfer`]).

use std::io::{Read, Write};

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{get, post, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::{mpsc, oneshot};
use utoipa::IntoParams;

use super::auth::{Caller, Permission};
use super::responses::{ExportErrors, ImportErrors};
use super::AppState;
use crate::error::ApiError;
use crate::service::transfer::{ExportDocument, ExportFilter, ImportSummary, KINDS};

/// What to export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// These kinds only, separated by commas: `resources`, `products`,
    /// `components`, `services`, `consumer_groups`, `prices`, `offerings`,
    /// `customers`, `agreements`, `overlays`, `categories`; all when absent.
    #[param(
        pattern = "^(resources|products|components|services|consumer_groups|prices|offerings|customers|agreements|overlays|categories)(,(resources|products|components|services|consumer_groups|prices|offerings|customers|agreements|overlays|categories))*$"
    )]
    pub kinds: Option<String>,
    /// Entities changed at or after this time only (RFC 3339).
    pub changed_since: Option<DateTime<Utc>>,
}

/// How to import.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Say what the import would create, replace and leave alone, and
    /// write nothing.
    pub dry_run: Option<bool>,
}

/// The header that names the change feed's position of an export.
pub const FEED_CURSOR: &str = "X-Vitrine-Feed-Cursor";

/// Writes into a channel, in chunks, what a blocking export writes.
struct ChannelWriter {
    buffer: Vec<u8>,
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= 64 * 1024 {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buffer));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client left"))
    }
}

#[utoipa::path(
    tag = "transfer",
    summary = "Export the catalogue",
    description = "The whole catalogue, or the kinds and changes asked for, as one JSON document, streamed from one consistent snapshot: each kind in dependency order, each entity as the API answers it (ids, times, versions, external references). Import it into another Vitrine (or this one) with `POST /api/v1/import`. `X-Vitrine-Feed-Cursor` is the change feed's position in the snapshot: follow the feed from there to see every change since.",
    params(ExportQuery),
    responses(
        (status = 200, description = "The document.", body = ExportDocument,
            headers(("X-Vitrine-Feed-Cursor" = String, description = "The change feed's position at the export, for `GET /api/v1/changes?after=`."))),
        ExportErrors
    ),
    security(("api_key" = []))
)]
#[get("/export")]
pub async fn export_catalogue(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadCatalogue)?;
    let query = query.into_inner();
    let kinds = match &query.kinds {
        None => None,
        Some(list) => {
            let kinds: Vec<String> = list.split(',').map(str::to_owned).collect();
            if let Some(unknown) = kinds.iter().find(|k| !KINDS.contains(&k.as_str())) {
                return Err(ApiError::BadRequest(format!(
                    "`{unknown}` is not a kind of entity: `kinds` takes {}.",
                    KINDS.join(", ")
                )));
            }
            Some(kinds)
        }
    };
    let filter = ExportFilter {
        kinds,
        changed_since: query.changed_since,
    };
    let (sender, mut receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let (position_sender, position) = oneshot::channel::<i64>();
    let failure_sender = sender.clone();
    let task = state.clone();
    actix_web::rt::spawn(async move {
        let outcome = task
            .run(move |catalogue| {
                let mut out = ChannelWriter {
                    buffer: Vec::new(),
                    sender,
                };
                catalogue.export_to(&filter, &mut out, |at| {
                    let _ = position_sender.send(at);
                })
            })
            .await;
        if let Err(e) = outcome {
            let _ = failure_sender
                .send(Err(std::io::Error::other(e.to_string())))
                .await;
        }
    });
    // The export's first step reads the feed's position; a failure before it
    // (no connection free, say) is answered as a problem.
    let Ok(at) = position.await else {
        return match receiver.recv().await {
            Some(Err(e)) => Err(ApiError::Unavailable(format!(
                "The export could not start: {e}. Try again shortly."
            ))),
            _ => Err(ApiError::Internal(
                "the export stopped before it began".to_owned(),
            )),
        };
    };
    let body = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((FEED_CURSOR, format!("f{at}")))
        .streaming(body))
}

/// Reads, in a blocking import, the chunks the request's body sends.
struct ChannelReader {
    receiver: mpsc::Receiver<Bytes>,
    chunk: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            match self.receiver.blocking_recv() {
                Some(chunk) => self.chunk = chunk,
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.chunk.len());
        out[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

/// Why a body stopped arriving.
enum Cut {
    TooLarge,
    TooSlow,
    Broken(String),
}

#[utoipa::path(
    tag = "transfer",
    summary = "Import a catalogue",
    description = "Writes a document of `GET /api/v1/export` into the catalogue: all of it, or nothing. Each entity is matched by id, then by any of its external references: a match is replaced (or left alone when it is the same already), anything else is created with the document's id, times and version, so that an export imported into an empty Vitrine exports again identically. Sections must come in dependency order, as an export writes them. The body is read as it arrives, up to `VITRINE_MAX_IMPORT_BYTES`, with at most `VITRINE_BODY_TIMEOUT_MS` between two parts of it.\n\nA refused entity is named in `errors`, by its place in the document (`sections[5].entities[12].service_ids[0]`), and nothing is written. `?dry_run=true` says what would be created, replaced and left alone, and writes nothing.",
    params(ImportQuery),
    request_body(content = ExportDocument, content_type = "application/json"),
    responses(
        (status = 200, description = "What was (or, in a dry run, would be) created, replaced and left alone.", body = ImportSummary),
        ImportErrors
    ),
    security(("api_key" = []))
)]
#[post("/import")]
pub async fn import_catalogue(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<ImportQuery>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteCatalogue)?;
    super::body::check_content_type(&req, &["application/json"])?;
    let limit = state.max_import_bytes;
    if req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > limit as u64)
    {
        return Err(too_large(limit));
    }
    let dry_run = query.dry_run.unwrap_or(false);
    let actor = caller.actor();
    let (sender, receiver) = mpsc::channel::<Bytes>(16);
    let job = state.run(move |catalogue| {
        let reader = ChannelReader {
            receiver,
            chunk: Bytes::new(),
        };
        catalogue.import_from(actor, reader, dry_run, &mut |_| {})
    });
    let idle = state.bodies.timeout();
    let feed = async move {
        let mut read = 0usize;
        loop {
            let next = match tokio::time::timeout(idle, payload.next()).await {
                Err(_) => return Some(Cut::TooSlow),
                Ok(None) => return None,
                Ok(Some(Err(e))) => return Some(Cut::Broken(e.to_string())),
                Ok(Some(Ok(chunk))) => chunk,
            };
            read += next.len();
            if read > limit {
                return Some(Cut::TooLarge);
            }
            if sender.send(next).await.is_err() {
                // The import stopped reading: it has its answer.
                return None;
            }
        }
    };
    let (outcome, cut) = futures_util::future::join(job, feed).await;
    match cut {
        Some(Cut::TooLarge) => return Err(too_large(limit)),
        Some(Cut::TooSlow) => {
            return Err(ApiError::RequestTimeout(format!(
                "The document stopped arriving for {} ms.",
                idle.as_millis()
            )))
        }
        Some(Cut::Broken(e)) => {
            return Err(ApiError::BadRequest(format!(
                "The document could not be read: {e}."
            )))
        }
        None => {}
    }
    let summary: ImportSummary = outcome?;
    Ok(HttpResponse::Ok().json(summary))
}

fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "The document is larger than the {limit} bytes the service imports (VITRINE_MAX_IMPORT_BYTES)."
    ))
}
