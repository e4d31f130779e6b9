//! Prices in the store.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{delete_row, find_and_list, insert_row, offering_prices, update_row};
use super::resources::money;
use super::schema::{overlay_prices, prices};
use super::{
    describe_uses, external_refs, form, keys, meta_of, parse_id, parse_text, DbConnection, Refs,
    Removed, StoreError, Table, Writable,
};
use crate::catalogue::price::{Price, PriceInput, PriceStatus, PriceType, RecurringPeriod};
use crate::catalogue::{Entity, Meta, RowChange};

#[derive(Queryable, Selectable)]
#[diesel(table_name = prices)]
struct PriceRow {
    id: String,
    name: String,
    description: Option<String>,
    price_type: String,
    amount: Option<String>,
    currency: Option<String>,
    recurring_period: Option<String>,
    unit_of_measure: Option<String>,
    status: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

form! {
    /// The writable columns of a price.
    PriceForm<'a> for prices from PriceInput as (meta, input) {
        name: &'a str = &input.name,
        description: Option<&'a str> = input.description.as_deref(),
        price_type: &'a str = input.price_type.as_str(),
        amount: Option<&'a str> = input.price.as_ref().map(|m| m.amount.as_str()),
        currency: Option<&'a str> = input.price.as_ref().map(|m| m.currency.as_str()),
        recurring_period: Option<&'a str> = input.recurring_period.map(RecurringPeriod::as_str),
        unit_of_measure: Option<&'a str> = input.unit_of_measure.as_deref(),
        status: &'a str = input.status.as_str(),
    }
}

fn assemble(conn: &mut DbConnection, rows: Vec<PriceRow>) -> Result<Vec<Price>, StoreError> {
    assemble_with(conn, rows, Refs::Load)
}

fn assemble_with(
    conn: &mut DbConnection,
    rows: Vec<PriceRow>,
    with: Refs,
) -> Result<Vec<Price>, StoreError> {
    let ids = rows
        .iter()
        .map(|r| parse_id(&r.id))
        .collect::<Result<Vec<_>, _>>()?;
    let mut refs = external_refs::load_when(conn, with, Price::KIND, &ids)?;
    rows.into_iter()
        .map(|row| {
            let meta = meta_of(&row.id, row.created_at, row.updated_at, row.version)?;
            Ok(Price {
                fields: PriceInput {
                    external_refs: refs.remove(&meta.id).unwrap_or_default(),
                    name: row.name,
                    description: row.description,
                    price_type: parse_text(&row.price_type, PriceType::parse)?,
                    price: money(row.amount, row.currency),
                    recurring_period: row
                        .recurring_period
                        .map(|p| parse_text(&p, RecurringPeriod::parse))
                        .transpose()?,
                    unit_of_measure: row.unit_of_measure,
                    status: parse_text(&row.status, PriceStatus::parse)?,
                },
                meta,
            })
        })
        .collect()
}

/// The prices with these ids, ordered by id.
pub fn by_ids(conn: &mut DbConnection, ids: &[Uuid], with: Refs) -> Result<Vec<Price>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = prices::table
        .filter(prices::id.eq_any(keys(ids)))
        .select(PriceRow::as_select())
        .order(prices::id)
        .load(conn)?;
    assemble_with(conn, rows, with)
}

impl Table for Price {
    const TABLE: &'static str = "prices";

    find_and_list!(prices, PriceRow, assemble, |query, filter| {
        if let Some(name) = &filter.name {
            query = query.filter(prices::name.eq(name.clone()));
        }
        if let Some(price_type) = filter.price_type {
            query = query.filter(prices::price_type.eq(price_type.as_str()));
        }
        if let Some(status) = filter.status {
            query = query.filter(prices::status.eq(status.as_str()));
        }
    });

    fn dependents(conn: &mut DbConnection, id: Uuid) -> Result<Option<String>, StoreError> {
        let offerings = offering_prices::count_using(conn, id)?;
        let overlays: i64 = overlay_prices::table
            .filter(overlay_prices::price_id.eq(id.to_string()))
            .select(overlay_prices::overlay_id)
            .distinct()
            .count()
            .get_result(conn)?;
        Ok(describe_uses(&[
            (offerings, "offering"),
            (overlays, "overlay"),
        ]))
    }

    fn remove(
        conn: &mut DbConnection,
        id: Uuid,
        version: Option<i32>,
    ) -> Result<Option<Removed>, StoreError> {
        Ok(delete_row!(conn, prices, id, version).then(Removed::default))
    }
}

impl Writable for Price {
    fn insert(
        conn: &mut DbConnection,
        _: (),
        meta: &Meta,
        input: &PriceInput,
    ) -> Result<Vec<RowChange>, StoreError> {
        insert_row!(conn, prices, meta, PriceForm::new(meta, input));
        Ok(Vec::new())
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &PriceInput,
    ) -> Result<Option<Vec<RowChange>>, StoreError> {
        let updated = update_row!(
            conn,
            prices,
            meta.id,
            expected_version,
            PriceForm::new(meta, input)
        );
        Ok(updated.then(Vec::new))
    }
}
