//! Services in the store: the service row, its outcomes in order, and its
//! links to products.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{
    check_exist, delete_row, find_and_list, insert_row, offering_services, ordered_children,
    service_products, update_row,
};
use super::schema::{service_products as service_products_table, services};
use super::{
    describe_uses, external_refs, form, keys, meta_of, parse_id, parse_text, DbConnection, Refs,
    Removed, StoreError, Table, Writable,
};
use crate::catalogue::service::{PortfolioStage, Service, ServiceInput, Utility, Warranty};
use crate::catalogue::{Entity, Errors, Meta, RowChange};

#[derive(Queryable, Selectable)]
#[diesel(table_name = services)]
struct ServiceRow {
    id: String,
    name: String,
    description: Option<String>,
    portfolio_stage: String,
    purpose: Option<String>,
    availability_target: Option<String>,
    support_hours: Option<String>,
    owner: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

form! {
    /// The writable columns of a service.
    ServiceForm<'a> for services from ServiceInput as (meta, input) {
        name: &'a str = &input.name,
        description: Option<&'a str> = input.description.as_deref(),
        portfolio_stage: &'a str = input.portfolio_stage.as_str(),
        purpose: Option<&'a str> = input.utility.purpose.as_deref(),
        availability_target: Option<&'a str> = input.warranty.availability_target.as_deref(),
        support_hours: Option<&'a str> = input.warranty.support_hours.as_deref(),
        owner: Option<&'a str> = input.owner.as_deref(),
    }
}

ordered_children! {
    /// A service's outcomes, in order.
    outcomes: service_outcomes (service_id) of String { outcome: String }
    read |outcome| outcome;
    write |outcome| (outcome)
}

fn assemble(conn: &mut DbConnection, rows: Vec<ServiceRow>) -> Result<Vec<Service>, StoreError> {
    assemble_with(conn, rows, Refs::Load)
}

fn assemble_with(
    conn: &mut DbConnection,
    rows: Vec<ServiceRow>,
    with: Refs,
) -> Result<Vec<Service>, StoreError> {
    let ids = rows
        .iter()
        .map(|r| parse_id(&r.id))
        .collect::<Result<Vec<_>, _>>()?;
    let mut refs = external_refs::load_when(conn, with, Service::KIND, &ids)?;
    let mut products = service_products::load(conn, &ids)?;
    let mut outcomes = outcomes::load(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let meta = meta_of(&row.id, row.created_at, row.updated_at, row.version)?;
            Ok(Service {
                fields: ServiceInput {
                    external_refs: refs.remove(&meta.id).unwrap_or_default(),
                    name: row.name,
                    description: row.description,
                    product_ids: products.remove(&meta.id).unwrap_or_default(),
                    portfolio_stage: parse_text(&row.portfolio_stage, PortfolioStage::parse)?,
                    utility: Utility {
                        purpose: row.purpose,
                        outcomes: outcomes.remove(&meta.id).unwrap_or_default(),
                    },
                    warranty: Warranty {
                        availability_target: row.availability_target,
                        support_hours: row.support_hours,
                    },
                    owner: row.owner,
                },
                meta,
            })
        })
        .collect()
}

/// The services with these ids, ordered by id.
pub fn by_ids(
    conn: &mut DbConnection,
    ids: &[Uuid],
    with: Refs,
) -> Result<Vec<Service>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = services::table
        .filter(services::id.eq_any(keys(ids)))
        .select(ServiceRow::as_select())
        .order(services::id)
        .load(conn)?;
    assemble_with(conn, rows, with)
}

fn replace_children(
    conn: &mut DbConnection,
    id: Uuid,
    input: &ServiceInput,
) -> Result<Vec<RowChange>, StoreError> {
    let mut rows = service_products::replace(conn, id, &input.product_ids)?;
    rows.extend(outcomes::replace(conn, id, &input.utility.outcomes)?);
    Ok(rows)
}

impl Table for Service {
    const TABLE: &'static str = "services";

    find_and_list!(services, ServiceRow, assemble, |query, filter| {
        if let Some(name) = &filter.name {
            query = query.filter(services::name.eq(name.clone()));
        }
        if let Some(stage) = filter.portfolio_stage {
            query = query.filter(services::portfolio_stage.eq(stage.as_str()));
        }
        if let Some(owner) = &filter.owner {
            query = query.filter(services::owner.eq(owner.clone()));
        }
        if let Some(product) = filter.product_id {
            query = query.filter(
                services::id.eq_any(
                    service_products_table::table
                        .filter(service_products_table::product_id.eq(product.to_string()))
                        .select(service_products_table::service_id),
                ),
            );
        }
    });

    fn dependents(conn: &mut DbConnection, id: Uuid) -> Result<Option<String>, StoreError> {
        let offerings = offering_services::count_using(conn, id)?;
        let categories = super::links::category_services::count_using(conn, id)?;
        Ok(describe_uses(&[
            (offerings, "offering"),
            (categories, "category"),
        ]))
    }

    fn remove(
        conn: &mut DbConnection,
        id: Uuid,
        version: Option<i32>,
    ) -> Result<Option<Removed>, StoreError> {
        let mut rows = service_products::remove_all(conn, id)?;
        rows.extend(outcomes::remove_all(conn, id)?);
        Ok(delete_row!(conn, services, id, version).then(|| Removed {
            rows,
            owned: Vec::new(),
        }))
    }
}

impl Writable for Service {
    fn missing_references(
        conn: &mut DbConnection,
        input: &ServiceInput,
        errors: &mut Errors,
    ) -> Result<(), StoreError> {
        check_exist!(
            conn,
            errors,
            products,
            "product_ids",
            "product",
            &input.product_ids
        );
        Ok(())
    }

    fn insert(
        conn: &mut DbConnection,
        _: (),
        meta: &Meta,
        input: &ServiceInput,
    ) -> Result<Vec<RowChange>, StoreError> {
        insert_row!(conn, services, meta, ServiceForm::new(meta, input));
        replace_children(conn, meta.id, input)
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &ServiceInput,
    ) -> Result<Option<Vec<RowChange>>, StoreError> {
        if !update_row!(
            conn,
            services,
            meta.id,
            expected_version,
            ServiceForm::new(meta, input)
        ) {
            return Ok(None);
        }
        Ok(Some(replace_children(conn, meta.id, input)?))
    }
}
