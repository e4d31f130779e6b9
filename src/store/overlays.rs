//! Overlays in the store: the overlay row and its service levels in order.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{check_one, delete_row, find_and_list, ordered_children, update_row};
use super::schema::{offering_prices, overlays};
use super::{
    external_refs, form, keys, meta_of, parse_id, to_db_time, DbConnection, Refs, Removed,
    StoreError, Table, Writable,
};
use crate::catalogue::offering::ServiceLevel;
use crate::catalogue::overlay::{Overlay, OverlayInput, PriceOverride};
use crate::catalogue::{Entity, Errors, Meta, RowChange};

#[derive(Queryable, Selectable)]
#[diesel(table_name = overlays)]
struct OverlayRow {
    id: String,
    consumer_group_id: String,
    offering_id: String,
    name: Option<String>,
    description: Option<String>,
    overrides_service_levels: bool,
    priority: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

form! {
    /// The columns of an overlay that may change.
    OverlayForm<'a> for overlays from OverlayInput as (meta, input) {
        name: Option<&'a str> = input.name.as_deref(),
        description: Option<&'a str> = input.description.as_deref(),
        overrides_service_levels: bool = input.service_levels.is_some(),
        priority: i32 = input.priority,
    }
}

ordered_children! {
    /// An overlay's service levels, in order.
    levels: overlay_service_levels (overlay_id) of ServiceLevel {
        metric: String, target: String, unit: Option<String>
    }
    read |metric, target, unit| ServiceLevel { metric, target, unit };
    write |level| (&level.metric, &level.target, level.unit.as_deref())
}

ordered_children! {
    /// The amounts an overlay tailors, in order.
    tailored_prices: overlay_prices (overlay_id) of PriceOverride {
        price_id: String, amount: String, currency: String
    }
    read |price_id, amount, currency| PriceOverride {
        price_id: crate::store::parse_id(&price_id)?,
        price: crate::catalogue::Money { amount, currency },
    };
    write |tailored| (tailored.price_id.to_string(), &tailored.price.amount, &tailored.price.currency)
}

fn assemble(conn: &mut DbConnection, rows: Vec<OverlayRow>) -> Result<Vec<Overlay>, StoreError> {
    assemble_with(conn, rows, Refs::Load)
}

fn assemble_with(
    conn: &mut DbConnection,
    rows: Vec<OverlayRow>,
    with: Refs,
) -> Result<Vec<Overlay>, StoreError> {
    let ids = rows
        .iter()
        .map(|r| parse_id(&r.id))
        .collect::<Result<Vec<_>, _>>()?;
    let mut refs = external_refs::load_when(conn, with, Overlay::KIND, &ids)?;
    let mut levels = levels::load(conn, &ids)?;
    let mut prices = tailored_prices::load(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let meta = meta_of(&row.id, row.created_at, row.updated_at, row.version)?;
            let service_levels = levels.remove(&meta.id).unwrap_or_default();
            Ok(Overlay {
                fields: OverlayInput {
                    external_refs: refs.remove(&meta.id).unwrap_or_default(),
                    consumer_group_id: parse_id(&row.consumer_group_id)?,
                    offering_id: parse_id(&row.offering_id)?,
                    name: row.name,
                    description: row.description,
                    prices: prices.remove(&meta.id).unwrap_or_default(),
                    service_levels: row.overrides_service_levels.then_some(service_levels),
                    priority: row.priority,
                },
                meta,
            })
        })
        .collect()
}

/// The overlays of these groups on these offerings, ordered by id.
pub fn for_groups_and_offerings(
    conn: &mut DbConnection,
    groups: &[Uuid],
    offerings: &[Uuid],
    with: Refs,
) -> Result<Vec<Overlay>, StoreError> {
    if groups.is_empty() || offerings.is_empty() {
        return Ok(Vec::new());
    }
    let rows = overlays::table
        .filter(overlays::consumer_group_id.eq_any(keys(groups)))
        .filter(overlays::offering_id.eq_any(keys(offerings)))
        .select(OverlayRow::as_select())
        .order(overlays::id)
        .load(conn)?;
    assemble_with(conn, rows, with)
}

/// How many overlays tailor for this group.
pub fn count_for_group(conn: &mut DbConnection, group: Uuid) -> Result<i64, StoreError> {
    Ok(overlays::table
        .filter(overlays::consumer_group_id.eq(group.to_string()))
        .count()
        .get_result(conn)?)
}

/// How many overlays tailor this offering.
pub fn count_for_offering(conn: &mut DbConnection, offering: Uuid) -> Result<i64, StoreError> {
    Ok(overlays::table
        .filter(overlays::offering_id.eq(offering.to_string()))
        .count()
        .get_result(conn)?)
}

fn replace_children(
    conn: &mut DbConnection,
    id: Uuid,
    input: &OverlayInput,
) -> Result<Vec<RowChange>, StoreError> {
    let mut rows = levels::replace(
        conn,
        id,
        input.service_levels.as_deref().unwrap_or_default(),
    )?;
    rows.extend(tailored_prices::replace(conn, id, &input.prices)?);
    Ok(rows)
}

impl Table for Overlay {
    const TABLE: &'static str = "overlays";

    find_and_list!(overlays, OverlayRow, assemble, |query, filter| {
        if let Some(group) = filter.consumer_group_id {
            query = query.filter(overlays::consumer_group_id.eq(group.to_string()));
        }
        if let Some(offering) = filter.offering_id {
            query = query.filter(overlays::offering_id.eq(offering.to_string()));
        }
    });

    fn remove(
        conn: &mut DbConnection,
        id: Uuid,
        version: Option<i32>,
    ) -> Result<Option<Removed>, StoreError> {
        let mut rows = levels::remove_all(conn, id)?;
        rows.extend(tailored_prices::remove_all(conn, id)?);
        Ok(delete_row!(conn, overlays, id, version).then(|| Removed {
            rows,
            owned: Vec::new(),
        }))
    }
}

impl Writable for Overlay {
    fn missing_references(
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
        if !input.prices.is_empty() {
            let offered: Vec<String> = offering_prices::table
                .filter(offering_prices::offering_id.eq(input.offering_id.to_string()))
                .select(offering_prices::price_id)
                .load(conn)?;
            for (i, tailored) in input.prices.iter().enumerate() {
                if !offered.contains(&tailored.price_id.to_string()) {
                    errors.add(
                        format!("prices[{i}].price_id"),
                        format!(
                            "{} is not one of the prices of offering {}",
                            tailored.price_id, input.offering_id
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    fn insert(
        conn: &mut DbConnection,
        _: (),
        meta: &Meta,
        input: &OverlayInput,
    ) -> Result<Vec<RowChange>, StoreError> {
        diesel::insert_into(overlays::table)
            .values((
                overlays::id.eq(meta.id.to_string()),
                overlays::consumer_group_id.eq(input.consumer_group_id.to_string()),
                overlays::offering_id.eq(input.offering_id.to_string()),
                overlays::created_at.eq(to_db_time(meta.created_at)),
                OverlayForm::new(meta, input),
            ))
            .execute(conn)?;
        replace_children(conn, meta.id, input)
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &OverlayInput,
    ) -> Result<Option<Vec<RowChange>>, StoreError> {
        if !update_row!(
            conn,
            overlays,
            meta.id,
            expected_version,
            OverlayForm::new(meta, input)
        ) {
            return Ok(None);
        }
        Ok(Some(replace_children(conn, meta.id, input)?))
    }
}
