//! Overlays in the store: the overlay row and its service levels in order.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{check_one, delete_row, update_row};
use super::resources::money;
use super::schema::{overlay_service_levels, overlays};
use super::{from_db_time, parse_id, to_db_time, DbConnection, Page, PageRequest, StoreError};
use crate::catalogue::offering::ServiceLevel;
use crate::catalogue::overlay::{Overlay, OverlayFilter, OverlayInput};
use crate::catalogue::{Errors, Meta, Stored};

#[derive(Queryable, Selectable)]
#[diesel(table_name = overlays)]
struct OverlayRow {
    id: String,
    consumer_group_id: String,
    offering_id: String,
    name: Option<String>,
    description: Option<String>,
    price_amount: Option<String>,
    price_currency: Option<String>,
    overrides_service_levels: bool,
    priority: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = overlays, treat_none_as_null = true)]
struct OverlayForm<'a> {
    name: Option<&'a str>,
    description: Option<&'a str>,
    price_amount: Option<&'a str>,
    price_currency: Option<&'a str>,
    overrides_service_levels: bool,
    priority: i32,
    updated_at: NaiveDateTime,
    version: i32,
}

impl<'a> OverlayForm<'a> {
    fn new(meta: &Meta, input: &'a OverlayInput) -> Self {
        OverlayForm {
            name: input.name.as_deref(),
            description: input.description.as_deref(),
            price_amount: input.price.as_ref().map(|m| m.amount.as_str()),
            price_currency: input.price.as_ref().map(|m| m.currency.as_str()),
            overrides_service_levels: input.service_levels.is_some(),
            priority: input.priority,
            updated_at: to_db_time(meta.updated_at),
            version: meta.version,
        }
    }
}

fn load_levels(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<ServiceLevel>>, StoreError> {
    let rows: Vec<(String, String, String, Option<String>)> = overlay_service_levels::table
        .filter(overlay_service_levels::overlay_id.eq_any(ids))
        .order((
            overlay_service_levels::overlay_id,
            overlay_service_levels::position,
        ))
        .select((
            overlay_service_levels::overlay_id,
            overlay_service_levels::metric,
            overlay_service_levels::target,
            overlay_service_levels::unit,
        ))
        .load(conn)?;
    let mut map: HashMap<String, Vec<ServiceLevel>> = HashMap::new();
    for (overlay, metric, target, unit) in rows {
        map.entry(overlay).or_default().push(ServiceLevel {
            metric,
            target,
            unit,
        });
    }
    Ok(map)
}

fn replace_levels(
    conn: &mut DbConnection,
    id: &str,
    input: &OverlayInput,
) -> Result<(), StoreError> {
    diesel::delete(overlay_service_levels::table.filter(overlay_service_levels::overlay_id.eq(id)))
        .execute(conn)?;
    for (position, level) in input.service_levels.iter().flatten().enumerate() {
        diesel::insert_into(overlay_service_levels::table)
            .values((
                overlay_service_levels::overlay_id.eq(id),
                overlay_service_levels::position.eq(position as i32),
                overlay_service_levels::metric.eq(&level.metric),
                overlay_service_levels::target.eq(&level.target),
                overlay_service_levels::unit.eq(level.unit.as_deref()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn assemble(conn: &mut DbConnection, rows: Vec<OverlayRow>) -> Result<Vec<Overlay>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut levels = load_levels(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let service_levels = levels.remove(&row.id).unwrap_or_default();
            Ok(Overlay {
                id: parse_id(&row.id)?,
                consumer_group_id: parse_id(&row.consumer_group_id)?,
                offering_id: parse_id(&row.offering_id)?,
                name: row.name,
                description: row.description,
                price: money(row.price_amount, row.price_currency),
                service_levels: row.overrides_service_levels.then_some(service_levels),
                priority: row.priority,
                created_at: from_db_time(row.created_at),
                updated_at: from_db_time(row.updated_at),
                version: row.version,
            })
        })
        .collect()
}

/// The overlays of `groups` on `offerings`.
pub fn for_groups_and_offerings(
    conn: &mut DbConnection,
    groups: &[String],
    offerings: &[String],
) -> Result<Vec<Overlay>, StoreError> {
    let rows = overlays::table
        .filter(overlays::consumer_group_id.eq_any(groups))
        .filter(overlays::offering_id.eq_any(offerings))
        .select(OverlayRow::as_select())
        .order(overlays::id)
        .load(conn)?;
    assemble(conn, rows)
}

/// How many overlays are for a consumer group, or on an offering.
pub fn count_for_group(conn: &mut DbConnection, group: Uuid) -> Result<i64, StoreError> {
    Ok(overlays::table
        .filter(overlays::consumer_group_id.eq(group.to_string()))
        .count()
        .get_result(conn)?)
}

/// How many overlays are on an offering.
pub fn count_for_offering(conn: &mut DbConnection, offering: Uuid) -> Result<i64, StoreError> {
    Ok(overlays::table
        .filter(overlays::offering_id.eq(offering.to_string()))
        .count()
        .get_result(conn)?)
}

impl Stored for Overlay {
    const TABLE: &'static str = "overlays";

    fn find(conn: &mut DbConnection, _: (), id: Uuid) -> Result<Option<Self>, StoreError> {
        let row = overlays::table
            .find(id.to_string())
            .select(OverlayRow::as_select())
            .first(conn)
            .optional()?;
        Ok(assemble(conn, row.into_iter().collect())?.pop())
    }

    fn list(
        conn: &mut DbConnection,
        _: (),
        filter: &OverlayFilter,
        page: &PageRequest,
    ) -> Result<Page<Self>, StoreError> {
        let mut query = overlays::table
            .select(OverlayRow::as_select())
            .filter(overlays::id.gt(page.after_key()))
            .order(overlays::id)
            .limit(page.fetch())
            .into_boxed();
        if let Some(group) = filter.consumer_group_id {
            query = query.filter(overlays::consumer_group_id.eq(group.to_string()));
        }
        if let Some(offering) = filter.offering_id {
            query = query.filter(overlays::offering_id.eq(offering.to_string()));
        }
        let rows = query.load(conn)?;
        Ok(Page::from_rows(assemble(conn, rows)?, page, |o| o.id))
    }

    fn check_references(
        conn: &mut DbConnection,
        input: &OverlayInput,
        errors: &mut Errors,
    ) -> Result<(), StoreError> {
        check_one!(
            conn,
            errors,
            consumer_groups,
            "consumer_group_id",
            "consumer group",
            input.consumer_group_id
        );
        check_one!(
            conn,
            errors,
            offerings,
            "offering_id",
            "offering",
            input.offering_id
        );
        Ok(())
    }

    fn insert(
        conn: &mut DbConnection,
        _: (),
        meta: &Meta,
        input: &OverlayInput,
    ) -> Result<(), StoreError> {
        let id = meta.id.to_string();
        diesel::insert_into(overlays::table)
            .values((
                overlays::id.eq(&id),
                overlays::consumer_group_id.eq(input.consumer_group_id.to_string()),
                overlays::offering_id.eq(input.offering_id.to_string()),
                overlays::created_at.eq(to_db_time(meta.created_at)),
                OverlayForm::new(meta, input),
            ))
            .execute(conn)?;
        replace_levels(conn, &id, input)
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &OverlayInput,
    ) -> Result<bool, StoreError> {
        let id = meta.id.to_string();
        if !update_row!(
            conn,
            overlays,
            id,
            expected_version,
            OverlayForm::new(meta, input)
        ) {
            return Ok(false);
        }
        replace_levels(conn, &id, input)?;
        Ok(true)
    }

    fn remove(conn: &mut DbConnection, id: Uuid, version: Option<i32>) -> Result<bool, StoreError> {
        delete_row!(conn, overlays, id, version)
    }
}
