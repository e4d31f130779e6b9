//! Authentication by `Authorization: Bearer <api key>`, and the roles' rights.

use std::future::{ready, Ready};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{http::header, web, FromRequest, HttpMessage, HttpRequest};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::AppState;
use crate::catalogue::api_key::Role;
use crate::catalogue::Actor;
use crate::error::ApiError;
use crate::service::Error;

/// Who is calling: the role of the key presented, and for a customer key,
/// its customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// The key's role.
    pub role: Role,
    /// The customer a `customer` key is bound to.
    pub customer_id: Option<Uuid>,
    /// The key's id; none for the key from `VITRINE_ADMIN_KEY`.
    pub key_id: Option<Uuid>,
}

/// What a request needs its caller's role to allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read the catalogue: admin, editor, viewer.
    ReadCatalogue,
    /// Change the catalogue: admin, editor.
    WriteCatalogue,
    /// Create, list and revoke API keys: admin.
    ManageKeys,
}

impl Caller {
    /// Who makes the changes this caller asks for.
    pub fn actor(&self) -> Actor {
        match self.key_id {
            Some(id) => Actor::Key {
                id,
                role: self.role,
            },
            None => Actor::AdminKey,
        }
    }

    /// The key as logs name it: its public prefix, or `VITRINE_ADMIN_KEY`.
    pub fn key_label(&self) -> String {
        self.actor().label()
    }

    /// Refuses with 403 unless the caller's role allows `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        let allowed = match permission {
            Permission::ReadCatalogue => {
                matches!(self.role, Role::Admin | Role::Editor | Role::Viewer)
            }
            Permission::WriteCatalogue => matches!(self.role, Role::Admin | Role::Editor),
            Permission::ManageKeys => self.role == Role::Admin,
        };
        if allowed {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "The role `{}` may not do this.",
                self.role.as_str()
            )))
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Caller>()
                .copied()
                .ok_or_else(|| ApiError::Unauthorized("No API key was presented.".to_owned())),
        )
    }
}

/// Middleware of `/api/v1`: resolves the bearer key to a [`Caller`], or
/// answers 401.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    match resolve(&req).await {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            Ok(next.call(req).await?.map_into_left_body())
        }
        // Answered here, so that the outer middleware still see a response.
        Err(e) => Ok(req.error_response(e).map_into_right_body()),
    }
}

pub(crate) async fn resolve(req: &ServiceRequest) -> Result<Caller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal("application state is missing".to_owned()))?;
    let presented = bearer(req.headers().get(header::AUTHORIZATION))?;
    let caller = if state
        .admin_key
        .as_ref()
        .is_some_and(|k| k.matches(&presented))
    {
        Caller {
            role: Role::Admin,
            customer_id: None,
            key_id: None,
        }
    } else {
        // One statement reads the generations; the key is looked up only
        // when this replica has not verified it since the keys last changed.
        let keys = state.keys.clone();
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let (generations, caller) = state
            .run(move |catalogue| {
                let generations = catalogue.generations()?;
                if let Some(caller) = keys.get(generations.keys, &digest) {
                    return Ok::<_, Error>((generations, Some(caller)));
                }
                let caller = catalogue.verify_api_key(&presented)?.map(|key| Caller {
                    role: key.role,
                    customer_id: key.customer_id,
                    key_id: Some(key.id),
                });
                if let Some(caller) = caller {
                    keys.put(generations.keys, digest, caller, 1);
                }
                Ok((generations, caller))
            })
            .await?;
        req.extensions_mut().insert(generations);
        caller.ok_or_else(|| ApiError::Unauthorized("The API key is not valid.".to_owned()))?
    };
    Ok(caller)
}

fn bearer(value: Option<&header::HeaderValue>) -> Result<String, ApiError> {
    let value = value.ok_or_else(|| {
        ApiError::Unauthorized(
            "This endpoint needs an API key: send `Authorization: Bearer <key>`.".to_owned(),
        )
    })?;
    let value = value.to_str().unwrap_or_default();
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(ApiError::Unauthorized(
            "The Authorization header must be `Bearer <key>`.".to_owned(),
        ));
    }
    Ok(token.to_owned())
}
