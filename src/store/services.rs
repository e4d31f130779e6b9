//! Services in the store: the service row, its outcomes in order, and its
//! links to products.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{check_exist, delete_row, offering_services, service_products, update_row};
use super::schema::{service_outcomes, service_products as service_products_table, services};
use super::{
    describe_uses, from_db_time, parse_id, parse_text, to_db_time, DbConnection, Page, PageRequest,
    StoreError,
};
use crate::catalogue::service::{
    PortfolioStage, Service, ServiceFilter, ServiceInput, Utility, Warranty,
};
use crate::catalogue::{Errors, Meta, Stored};

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

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = services, treat_none_as_null = true)]
struct ServiceForm<'a> {
    name: &'a str,
    description: Option<&'a str>,
    portfolio_stage: &'a str,
    purpose: Option<&'a str>,
    availability_target: Option<&'a str>,
    support_hours: Option<&'a str>,
    owner: Option<&'a str>,
    updated_at: NaiveDateTime,
    version: i32,
}

impl<'a> ServiceForm<'a> {
    fn new(meta: &Meta, input: &'a ServiceInput) -> Self {
        ServiceForm {
            name: &input.name,
            description: input.description.as_deref(),
            portfolio_stage: input.portfolio_stage.as_str(),
            purpose: input.utility.purpose.as_deref(),
            availability_target: input.warranty.availability_target.as_deref(),
            support_hours: input.warranty.support_hours.as_deref(),
            owner: input.owner.as_deref(),
            updated_at: to_db_time(meta.updated_at),
            version: meta.version,
        }
    }
}

fn load_outcomes(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<String>>, StoreError> {
    let rows: Vec<(String, String)> = service_outcomes::table
        .filter(service_outcomes::service_id.eq_any(ids))
        .order((service_outcomes::service_id, service_outcomes::position))
        .select((service_outcomes::service_id, service_outcomes::outcome))
        .load(conn)?;
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for (service, outcome) in rows {
        map.entry(service).or_default().push(outcome);
    }
    Ok(map)
}

fn replace_children(
    conn: &mut DbConnection,
    id: &str,
    input: &ServiceInput,
) -> Result<(), StoreError> {
    service_products::replace(conn, id, &input.product_ids)?;
    diesel::delete(service_outcomes::table.filter(service_outcomes::service_id.eq(id)))
        .execute(conn)?;
    for (position, outcome) in input.utility.outcomes.iter().enumerate() {
        diesel::insert_into(service_outcomes::table)
            .values((
                service_outcomes::service_id.eq(id),
                service_outcomes::position.eq(position as i32),
                service_outcomes::outcome.eq(outcome),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn assemble(conn: &mut DbConnection, rows: Vec<ServiceRow>) -> Result<Vec<Service>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut products = service_products::load(conn, &ids)?;
    let mut outcomes = load_outcomes(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            Ok(Service {
                id: parse_id(&row.id)?,
                product_ids: products.remove(&row.id).unwrap_or_default(),
                utility: Utility {
                    purpose: row.purpose,
                    outcomes: outcomes.remove(&row.id).unwrap_or_default(),
                },
                warranty: Warranty {
                    availability_target: row.availability_target,
                    support_hours: row.support_hours,
                },
                name: row.name,
                description: row.description,
                portfolio_stage: parse_text(&row.portfolio_stage, PortfolioStage::parse)?,
                owner: row.owner,
                created_at: from_db_time(row.created_at),
                updated_at: from_db_time(row.updated_at),
                version: row.version,
            })
        })
        .collect()
}

/// The services with these ids, ordered by id.
pub fn by_ids(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<Service>, StoreError> {
    let rows = services::table
        .filter(services::id.eq_any(ids))
        .select(ServiceRow::as_select())
        .order(services::id)
        .load(conn)?;
    assemble(conn, rows)
}

impl Stored for Service {
    const TABLE: &'static str = "services";

    fn find(conn: &mut DbConnection, _: (), id: Uuid) -> Result<Option<Self>, StoreError> {
        let row = services::table
            .find(id.to_string())
            .select(ServiceRow::as_select())
            .first(conn)
            .optional()?;
        Ok(assemble(conn, row.into_iter().collect())?.pop())
    }

    fn list(
        conn: &mut DbConnection,
        _: (),
        filter: &ServiceFilter,
        page: &PageRequest,
    ) -> Result<Page<Self>, StoreError> {
        let mut query = services::table
            .select(ServiceRow::as_select())
            .filter(services::id.gt(page.after_key()))
            .order(services::id)
            .limit(page.fetch())
            .into_boxed();
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
        let rows = query.load(conn)?;
        Ok(Page::from_rows(assemble(conn, rows)?, page, |s| s.id))
    }

    fn check_references(
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
    ) -> Result<(), StoreError> {
        let id = meta.id.to_string();
        diesel::insert_into(services::table)
            .values((
                services::id.eq(&id),
                services::created_at.eq(to_db_time(meta.created_at)),
                ServiceForm::new(meta, input),
            ))
            .execute(conn)?;
        replace_children(conn, &id, input)
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &ServiceInput,
    ) -> Result<bool, StoreError> {
        let id = meta.id.to_string();
        if !update_row!(
            conn,
            services,
            id,
            expected_version,
            ServiceForm::new(meta, input)
        ) {
            return Ok(false);
        }
        replace_children(conn, &id, input)?;
        Ok(true)
    }

    fn dependents(conn: &mut DbConnection, id: Uuid) -> Result<Option<String>, StoreError> {
        let offerings = offering_services::count_using(conn, id)?;
        Ok(describe_uses(&[(offerings, "offering")]))
    }

    fn remove(conn: &mut DbConnection, id: Uuid, version: Option<i32>) -> Result<bool, StoreError> {
        delete_row!(conn, services, id, version)
    }
}
