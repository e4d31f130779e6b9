//! Offerings in the store: the offering row, its elements and service
//! levels in order, and its links to services and consumer groups.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{check_exist, delete_row, offering_groups, offering_services, update_row};
use super::resources::money;
use super::schema::{
    agreements, offering_consumer_groups, offering_elements, offering_service_levels,
    offering_services as offering_services_table, offerings,
};
use super::{
    describe_uses, from_db_time, parse_id, parse_text, to_db_time, DbConnection, Page, PageRequest,
    StoreError,
};
use crate::catalogue::offering::{
    Element, ElementKind, Offering, OfferingFilter, OfferingInput, OfferingStatus, ServiceLevel,
};
use crate::catalogue::{Errors, Meta, Stored};

#[derive(Queryable, Selectable)]
#[diesel(table_name = offerings)]
struct OfferingRow {
    id: String,
    name: String,
    description: Option<String>,
    status: String,
    price_amount: Option<String>,
    price_currency: Option<String>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = offerings, treat_none_as_null = true)]
struct OfferingForm<'a> {
    name: &'a str,
    description: Option<&'a str>,
    status: &'a str,
    price_amount: Option<&'a str>,
    price_currency: Option<&'a str>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    updated_at: NaiveDateTime,
    version: i32,
}

impl<'a> OfferingForm<'a> {
    fn new(meta: &Meta, input: &'a OfferingInput) -> Self {
        OfferingForm {
            name: &input.name,
            description: input.description.as_deref(),
            status: input.status.as_str(),
            price_amount: input.price.as_ref().map(|m| m.amount.as_str()),
            price_currency: input.price.as_ref().map(|m| m.currency.as_str()),
            valid_from: input.valid_from,
            valid_to: input.valid_to,
            updated_at: to_db_time(meta.updated_at),
            version: meta.version,
        }
    }
}

type ElementRow = (String, String, String, Option<String>);
type LevelRow = (String, String, String, Option<String>);

fn load_elements(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<Element>>, StoreError> {
    let rows: Vec<ElementRow> = offering_elements::table
        .filter(offering_elements::offering_id.eq_any(ids))
        .order((offering_elements::offering_id, offering_elements::position))
        .select((
            offering_elements::offering_id,
            offering_elements::kind,
            offering_elements::name,
            offering_elements::description,
        ))
        .load(conn)?;
    let mut map: HashMap<String, Vec<Element>> = HashMap::new();
    for (offering, kind, name, description) in rows {
        let kind = parse_text(&kind, ElementKind::parse)?;
        map.entry(offering).or_default().push(Element {
            kind,
            name,
            description,
        });
    }
    Ok(map)
}

fn load_levels(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<ServiceLevel>>, StoreError> {
    let rows: Vec<LevelRow> = offering_service_levels::table
        .filter(offering_service_levels::offering_id.eq_any(ids))
        .order((
            offering_service_levels::offering_id,
            offering_service_levels::position,
        ))
        .select((
            offering_service_levels::offering_id,
            offering_service_levels::metric,
            offering_service_levels::target,
            offering_service_levels::unit,
        ))
        .load(conn)?;
    let mut map: HashMap<String, Vec<ServiceLevel>> = HashMap::new();
    for (offering, metric, target, unit) in rows {
        map.entry(offering).or_default().push(ServiceLevel {
            metric,
            target,
            unit,
        });
    }
    Ok(map)
}

fn replace_children(
    conn: &mut DbConnection,
    id: &str,
    input: &OfferingInput,
) -> Result<(), StoreError> {
    offering_services::replace(conn, id, &input.service_ids)?;
    offering_groups::replace(conn, id, &input.consumer_group_ids)?;
    diesel::delete(offering_elements::table.filter(offering_elements::offering_id.eq(id)))
        .execute(conn)?;
    for (position, element) in input.elements.iter().enumerate() {
        diesel::insert_into(offering_elements::table)
            .values((
                offering_elements::offering_id.eq(id),
                offering_elements::position.eq(position as i32),
                offering_elements::kind.eq(element.kind.as_str()),
                offering_elements::name.eq(&element.name),
                offering_elements::description.eq(element.description.as_deref()),
            ))
            .execute(conn)?;
    }
    diesel::delete(
        offering_service_levels::table.filter(offering_service_levels::offering_id.eq(id)),
    )
    .execute(conn)?;
    for (position, level) in input.service_levels.iter().enumerate() {
        diesel::insert_into(offering_service_levels::table)
            .values((
                offering_service_levels::offering_id.eq(id),
                offering_service_levels::position.eq(position as i32),
                offering_service_levels::metric.eq(&level.metric),
                offering_service_levels::target.eq(&level.target),
                offering_service_levels::unit.eq(level.unit.as_deref()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn assemble(conn: &mut DbConnection, rows: Vec<OfferingRow>) -> Result<Vec<Offering>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut services = offering_services::load(conn, &ids)?;
    let mut groups = offering_groups::load(conn, &ids)?;
    let mut elements = load_elements(conn, &ids)?;
    let mut levels = load_levels(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            Ok(Offering {
                id: parse_id(&row.id)?,
                service_ids: services.remove(&row.id).unwrap_or_default(),
                consumer_group_ids: groups.remove(&row.id).unwrap_or_default(),
                elements: elements.remove(&row.id).unwrap_or_default(),
                service_levels: levels.remove(&row.id).unwrap_or_default(),
                price: money(row.price_amount, row.price_currency),
                name: row.name,
                description: row.description,
                status: parse_text(&row.status, OfferingStatus::parse)?,
                valid_from: row.valid_from,
                valid_to: row.valid_to,
                created_at: from_db_time(row.created_at),
                updated_at: from_db_time(row.updated_at),
                version: row.version,
            })
        })
        .collect()
}

/// The offerings with these ids, ordered by id.
pub fn by_ids(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<Offering>, StoreError> {
    let rows = offerings::table
        .filter(offerings::id.eq_any(ids))
        .select(OfferingRow::as_select())
        .order(offerings::id)
        .load(conn)?;
    assemble(conn, rows)
}

impl Stored for Offering {
    const TABLE: &'static str = "offerings";

    fn find(conn: &mut DbConnection, _: (), id: Uuid) -> Result<Option<Self>, StoreError> {
        let row = offerings::table
            .find(id.to_string())
            .select(OfferingRow::as_select())
            .first(conn)
            .optional()?;
        Ok(assemble(conn, row.into_iter().collect())?.pop())
    }

    fn list(
        conn: &mut DbConnection,
        _: (),
        filter: &OfferingFilter,
        page: &PageRequest,
    ) -> Result<Page<Self>, StoreError> {
        let mut query = offerings::table
            .select(OfferingRow::as_select())
            .filter(offerings::id.gt(page.after_key()))
            .order(offerings::id)
            .limit(page.fetch())
            .into_boxed();
        if let Some(name) = &filter.name {
            query = query.filter(offerings::name.eq(name.clone()));
        }
        if let Some(status) = filter.status {
            query = query.filter(offerings::status.eq(status.as_str()));
        }
        if let Some(service) = filter.service_id {
            query = query.filter(
                offerings::id.eq_any(
                    offering_services_table::table
                        .filter(offering_services_table::service_id.eq(service.to_string()))
                        .select(offering_services_table::offering_id),
                ),
            );
        }
        if let Some(group) = filter.consumer_group_id {
            query = query.filter(
                offerings::id.eq_any(
                    offering_consumer_groups::table
                        .filter(offering_consumer_groups::consumer_group_id.eq(group.to_string()))
                        .select(offering_consumer_groups::offering_id),
                ),
            );
        }
        let rows = query.load(conn)?;
        Ok(Page::from_rows(assemble(conn, rows)?, page, |o| o.id))
    }

    fn check_references(
        conn: &mut DbConnection,
        input: &OfferingInput,
        errors: &mut Errors,
    ) -> Result<(), StoreError> {
        check_exist!(
            conn,
            errors,
            services,
            "service_ids",
            "service",
            &input.service_ids
        );
        check_exist!(
            conn,
            errors,
            consumer_groups,
            "consumer_group_ids",
            "consumer group",
            &input.consumer_group_ids
        );
        Ok(())
    }

    fn insert(
        conn: &mut DbConnection,
        _: (),
        meta: &Meta,
        input: &OfferingInput,
    ) -> Result<(), StoreError> {
        let id = meta.id.to_string();
        diesel::insert_into(offerings::table)
            .values((
                offerings::id.eq(&id),
                offerings::created_at.eq(to_db_time(meta.created_at)),
                OfferingForm::new(meta, input),
            ))
            .execute(conn)?;
        replace_children(conn, &id, input)
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &OfferingInput,
    ) -> Result<bool, StoreError> {
        let id = meta.id.to_string();
        if !update_row!(
            conn,
            offerings,
            id,
            expected_version,
            OfferingForm::new(meta, input)
        ) {
            return Ok(false);
        }
        replace_children(conn, &id, input)?;
        Ok(true)
    }

    fn dependents(conn: &mut DbConnection, id: Uuid) -> Result<Option<String>, StoreError> {
        let agreements: i64 = agreements::table
            .filter(agreements::offering_id.eq(id.to_string()))
            .count()
            .get_result(conn)?;
        let overlays = super::overlays::count_for_offering(conn, id)?;
        Ok(describe_uses(&[
            (agreements, "agreement"),
            (overlays, "overlay"),
        ]))
    }

    fn remove(conn: &mut DbConnection, id: Uuid, version: Option<i32>) -> Result<bool, StoreError> {
        delete_row!(conn, offerings, id, version)
    }
}
