//! TMF633 Service Catalog Management v4, at
//! `/tmf-api/serviceCatalogManagement/v4/`: Vitrine's services as
//! `serviceSpecification` (list, get, create, patch, delete), the services
//! in the catalogue stage of the portfolio as `serviceCandidate` (read
//! only: a service becomes a candidate by moving to that stage), and the
//! one `serviceCatalog` that holds them.
//!
//! The mapping, attribute by attribute, is in the README ("TM Forum Open
//! APIs").

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::category::categories_by_member;
use super::product_catalog::ProductCatalog;
use super::resource::{
    all, common, customer_of, head, put_some, routes, seen_head, view_of, Api, Catalog, Lifecycle,
    Resource,
};
use super::spec::{read, write, Attribute, Collection, Kind};
use super::{base_url, path_id, ref_ids, reference, time, ListQuery, TmfError};
use crate::api::auth::{Caller, Permission};
use crate::api::AppState;
use crate::catalogue::category::Category;
use crate::catalogue::service::{PortfolioStage, Service, ServiceFilter};
use crate::catalogue::view::{CustomerView, ViewService};
use crate::catalogue::webhook::EventFormat;
use crate::catalogue::FieldError;
use crate::error::ApiError;
use crate::service::{self, lookup, ops, Tx};

/// TMF633 Service Catalog Management v4.
pub struct ServiceCatalog;

impl Api for ServiceCatalog {
    const PATH: &'static str = "serviceCatalogManagement/v4";
    const NAME: &'static str = "TMF633";
    const FORMAT: EventFormat = EventFormat::Tmf633;
    const CATALOG: Catalog = Catalog {
        path: "serviceCatalog",
        type_name: "ServiceCatalog",
        name: "Service catalogue",
        description: "The services in the catalogue stage of the portfolio: \
                      its service candidates.",
    };
    const TITLE: &'static str = "Vitrine: TMF633 Service Catalog Management v4";
    const ABOUT: &'static str = "Vitrine's services as TM Forum TMF633 v4 resources, over the \
                                 same catalogue and the same unit of work as /api/v1. Errors are \
                                 TMF's Error body.";

    fn collections() -> Vec<Collection> {
        vec![
            Collection::of::<ServiceCatalog, Service>(),
            Collection::of::<ServiceCatalog, Category>(),
            Collection {
                path: "serviceCandidate",
                type_name: "ServiceCandidate",
                what: "service candidate",
                attributes: CANDIDATE_ATTRIBUTES.to_vec(),
                writes: false,
                about: "A service in the catalogue stage of the portfolio, under the service's \
                        id: read only, as a service becomes a candidate by moving to that stage.",
            },
            super::spec::catalog::<ServiceCatalog>(),
        ]
    }
}

/// The attributes of a service candidate.
const CANDIDATE_ATTRIBUTES: &[Attribute] = &[
    read("id", Kind::Text, "Its id: the service's."),
    read("href", Kind::Text, "Its absolute URL."),
    read("name", Kind::Text, "The service's name."),
    read("description", Kind::Text, "The service's description."),
    read("lifecycleStatus", Kind::Text, "Active."),
    read("lastUpdate", Kind::Time, "When the service last changed."),
    read("version", Kind::Text, "The service's version."),
    read(
        "serviceSpecification",
        Kind::Ref,
        "The service, as its specification.",
    ),
    read(
        "category",
        Kind::Refs,
        "The categories that group the service: set through each category's `serviceCandidate`.",
    ),
    read("@type", Kind::Text, "Its TMF type."),
];

/// A service's portfolio stage as a TMF lifecycle: pipeline is `In
/// design`, catalogue `Active`, retired `Retired`.
const SERVICE_LIFECYCLE: Lifecycle<PortfolioStage> = Lifecycle {
    draft: PortfolioStage::Pipeline,
    active: PortfolioStage::Catalogue,
    retired: PortfolioStage::Retired,
    active_name: "Active",
};

/// The warranty of a service as the service level it is specified with:
/// one reference, named by the warranty's terms, under the service's id
/// (a warranty has no id of its own); none without terms.
fn service_level(
    id: Uuid,
    availability: Option<&String>,
    support_hours: Option<&String>,
) -> Option<Value> {
    let mut terms = Vec::new();
    if let Some(target) = availability {
        terms.push(format!("availability {target}%"));
    }
    if let Some(hours) = support_hours {
        terms.push(format!("support {hours}"));
    }
    (!terms.is_empty()).then(|| {
        json!([reference(
            id,
            None,
            Some(&terms.join(", ")),
            "ServiceLevelSpecification"
        )])
    })
}

/// The base of the TMF620 facade beside this one's, for references to
/// product specifications.
fn product_catalog_base(base: &str) -> String {
    let root = base.strip_suffix(ServiceCatalog::PATH).unwrap_or(base);
    format!("{root}{}", ProductCatalog::PATH)
}

impl Resource<ServiceCatalog> for Service {
    const PATH: &'static str = "serviceSpecification";
    const TYPE: &'static str = "ServiceSpecification";
    const WHAT: &'static str = "service specification";
    const ATTRIBUTES: &'static [Attribute] = &[
        write(
            "resourceSpecification",
            Kind::Refs,
            "The products it is built on (`product_ids`, one or more), as TMF620 product \
             specifications.",
        ),
        read(
            "serviceLevelSpecification",
            Kind::Refs,
            "Its warranty: one reference under the service's id, named by its terms.",
        ),
    ];
    const ABOUT: &'static str = "A Vitrine service, built on products; its portfolio stage is \
                                 its lifecycle. A customer key reads those of its view.";
    const NAMES: &'static [(&'static str, &'static str)] = &[
        ("portfolio_stage", "lifecycleStatus"),
        ("product_ids", "resourceSpecification"),
    ];

    fn to_tmf(
        items: Vec<Service>,
        _tx: &mut impl Tx,
        base: &str,
    ) -> Result<Vec<Value>, service::Error> {
        let products = product_catalog_base(base);
        Ok(items
            .into_iter()
            .map(|s| {
                let f = &s.fields;
                let mut o = head::<ServiceCatalog, _>(
                    &s,
                    base,
                    &f.name,
                    f.description.as_ref(),
                    SERVICE_LIFECYCLE.name(f.portfolio_stage),
                );
                let refs: Vec<Value> = f
                    .product_ids
                    .iter()
                    .map(|p| {
                        reference(
                            *p,
                            Some(format!("{products}/productSpecification/{p}")),
                            None,
                            "ProductSpecification",
                        )
                    })
                    .collect();
                o.insert("resourceSpecification".into(), Value::Array(refs));
                put_some(
                    &mut o,
                    "serviceLevelSpecification",
                    service_level(
                        s.meta.id,
                        f.warranty.availability_target.as_ref(),
                        f.warranty.support_hours.as_ref(),
                    ),
                );
                Value::Object(o)
            })
            .collect())
    }

    fn to_native(
        mut members: Map<String, Value>,
        errors: &mut Vec<FieldError>,
    ) -> Map<String, Value> {
        let mut native = common(
            &mut members,
            errors,
            "portfolio_stage",
            &SERVICE_LIFECYCLE,
            PortfolioStage::as_str,
        );
        if let Some(products) = members.remove("resourceSpecification") {
            native.insert(
                "product_ids".into(),
                ref_ids(&products, "resourceSpecification", errors),
            );
        }
        native
    }

    /// The services of the customer's view, each once, ordered by id: no
    /// product, no version or time of change.
    fn seen(view: &CustomerView, base: &str) -> Option<Vec<Value>> {
        Some(
            services_of(view)
                .into_iter()
                .map(|s| {
                    let mut o = seen_head(
                        base,
                        Service::PATH,
                        s.id,
                        &s.name,
                        s.description.as_ref(),
                        SERVICE_LIFECYCLE.name(PortfolioStage::Catalogue),
                    );
                    put_some(
                        &mut o,
                        "serviceLevelSpecification",
                        service_level(
                            s.id,
                            s.warranty.availability_target.as_ref(),
                            s.warranty.support_hours.as_ref(),
                        ),
                    );
                    o.insert("@type".into(), json!(Service::TYPE));
                    Value::Object(o)
                })
                .collect(),
        )
    }
}

/// The services of a customer's view, each once, ordered by id.
fn services_of(view: &CustomerView) -> Vec<&ViewService> {
    super::resource::once_each(view.offerings.iter().flat_map(|o| &o.services), |s| s.id)
}

/// A service candidate: the service in the catalogue stage, under the
/// service's id, naming its specification.
fn candidate(
    base: &str,
    id: Uuid,
    name: &str,
    description: Option<&String>,
    version: Option<String>,
    last_update: Option<String>,
    categories: Option<Vec<Value>>,
) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(id));
    o.insert(
        "href".into(),
        json!(format!("{base}/serviceCandidate/{id}")),
    );
    o.insert("name".into(), json!(name));
    put_some(&mut o, "description", description.map(|d| json!(d)));
    o.insert(
        "lifecycleStatus".into(),
        json!(SERVICE_LIFECYCLE.name(PortfolioStage::Catalogue)),
    );
    put_some(&mut o, "lastUpdate", last_update.map(Value::String));
    put_some(&mut o, "version", version.clone().map(Value::String));
    let mut specification = reference(
        id,
        Some(format!("{base}/serviceSpecification/{id}")),
        Some(name),
        "ServiceSpecification",
    );
    if let Some(version) = version {
        specification["version"] = json!(version);
    }
    o.insert("serviceSpecification".into(), specification);
    put_some(&mut o, "category", categories.map(Value::Array));
    o.insert("@type".into(), json!("ServiceCandidate"));
    Value::Object(o)
}

/// The candidates of those of `services` in the catalogue stage, with the
/// categories that group them.
fn candidates_of(
    tx: &mut impl Tx,
    base: &str,
    services: Vec<Service>,
) -> Result<Vec<Value>, service::Error> {
    let services: Vec<Service> = services
        .into_iter()
        .filter(|s| s.fields.portfolio_stage == PortfolioStage::Catalogue)
        .collect();
    let ids: Vec<Uuid> = services.iter().map(|s| s.meta.id).collect();
    let mut categories = categories_by_member(
        lookup::categories_of_services(tx, &ids)?,
        base,
        <Category as Resource<ServiceCatalog>>::PATH,
        <Category as Resource<ServiceCatalog>>::TYPE,
    );
    Ok(services
        .iter()
        .map(|s| {
            candidate(
                base,
                s.meta.id,
                &s.fields.name,
                s.fields.description.as_ref(),
                Some(s.meta.version.to_string()),
                Some(time(s.meta.updated_at)),
                categories.remove(&s.meta.id),
            )
        })
        .collect())
}

/// The candidates the caller may read: a customer's from its view, the
/// others' from the catalogue.
async fn candidates(
    state: &AppState,
    caller: &Caller,
    base: String,
) -> Result<Vec<Value>, TmfError> {
    if let Some(customer) = customer_of(caller) {
        let view = view_of(state, customer).await?;
        return Ok(services_of(&view)
            .into_iter()
            .map(|s| {
                candidate(
                    &base,
                    s.id,
                    &s.name,
                    s.description.as_ref(),
                    None,
                    None,
                    None,
                )
            })
            .collect());
    }
    caller.require(Permission::ReadCatalogue)?;
    let filter = ServiceFilter {
        portfolio_stage: Some(PortfolioStage::Catalogue),
        ..ServiceFilter::default()
    };
    Ok(state
        .run(move |catalogue| {
            catalogue.read(|tx| {
                let services = all::<Service>(tx, &filter)?;
                candidates_of(tx, &base, services)
            })
        })
        .await?)
}

/// `GET /serviceCandidate`: the list, filtered, projected and paged.
pub async fn list_candidates(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, TmfError> {
    let query = ListQuery::parse(req.query_string())?;
    let base = base_url(&req, ServiceCatalog::PATH);
    Ok(query.answer(candidates(&state, &caller, base).await?))
}

/// `GET /serviceCandidate/{id}`: 404 for a service that is not in the
/// catalogue stage.
pub async fn get_candidate(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, TmfError> {
    let missing = || {
        TmfError(ApiError::NotFound(format!(
            "No service candidate has the id {}.",
            path.as_str()
        )))
    };
    let id = path_id(&path, "service candidate")?;
    let query = ListQuery::parse(req.query_string())?;
    let base = base_url(&req, ServiceCatalog::PATH);
    let item = if customer_of(&caller).is_some() {
        candidates(&state, &caller, base)
            .await?
            .into_iter()
            .find(|c| c["id"] == json!(id))
    } else {
        caller.require(Permission::ReadCatalogue)?;
        state
            .run(move |catalogue| {
                catalogue.read(|tx| match ops::get::<Service>(tx, (), id) {
                    Ok(s) => candidates_of(tx, &base, vec![s]),
                    Err(service::Error::Catalogue(
                        crate::catalogue::CatalogueError::NotFound { .. },
                    )) => Ok(Vec::new()),
                    Err(e) => Err(e),
                })
            })
            .await?
            .pop()
    };
    let item = item.ok_or_else(missing)?;
    Ok(HttpResponse::Ok().json(query.project(item)))
}

/// Registers the facade's routes under its scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    routes::<ServiceCatalog, Service>(cfg);
    routes::<ServiceCatalog, Category>(cfg);
    cfg.service(web::resource("/serviceCandidate").route(web::get().to(list_candidates)))
        .service(web::resource("/serviceCandidate/{id}").route(web::get().to(get_candidate)));
    super::resource::catalog_routes::<ServiceCatalog>(cfg);
    super::hub::routes::<ServiceCatalog>(cfg);
}
