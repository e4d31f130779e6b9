//! Resources in the store.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{delete_row, find_and_list, insert_row, update_row};
use super::schema::{components, resources};
use super::{
    describe_uses, external_refs, form, meta_of, parse_id, parse_text, DbConnection, Removed,
    StoreError, Table, Writable,
};
use crate::catalogue::resource::{Dimension, Resource, ResourceInput};
use crate::catalogue::{Entity, Meta, Money, RowChange};

#[derive(Queryable, Selectable)]
#[diesel(table_name = resources)]
struct ResourceRow {
    id: String,
    name: String,
    description: Option<String>,
    dimension: String,
    unit_cost_amount: Option<String>,
    unit_cost_currency: Option<String>,
    owner: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

form! {
    /// The writable columns of a resource.
    ResourceForm<'a> for resources from ResourceInput as (meta, input) {
        name: &'a str = &input.name,
        description: Option<&'a str> = input.description.as_deref(),
        dimension: &'a str = input.dimension.as_str(),
        unit_cost_amount: Option<&'a str> = input.unit_cost.as_ref().map(|m| m.amount.as_str()),
        unit_cost_currency: Option<&'a str> = input.unit_cost.as_ref().map(|m| m.currency.as_str()),
        owner: Option<&'a str> = input.owner.as_deref(),
    }
}

fn assemble(conn: &mut DbConnection, rows: Vec<ResourceRow>) -> Result<Vec<Resource>, StoreError> {
    let ids = rows
        .iter()
        .map(|r| parse_id(&r.id))
        .collect::<Result<Vec<_>, _>>()?;
    let mut refs = external_refs::load(conn, Resource::KIND, &ids)?;
    rows.into_iter()
        .map(|row| {
            let meta = meta_of(&row.id, row.created_at, row.updated_at, row.version)?;
            Ok(Resource {
                meta,
                fields: ResourceInput {
                    external_refs: refs.remove(&meta.id).unwrap_or_default(),
                    name: row.name,
                    description: row.description,
                    dimension: parse_text(&row.dimension, Dimension::parse)?,
                    unit_cost: money(row.unit_cost_amount, row.unit_cost_currency),
                    owner: row.owner,
                },
            })
        })
        .collect()
}

/// Money from its two columns; both are set or neither.
pub(crate) fn money(amount: Option<String>, currency: Option<String>) -> Option<Money> {
    match (amount, currency) {
        (Some(amount), Some(currency)) => Some(Money { amount, currency }),
        _ => None,
    }
}

impl Table for Resource {
    const TABLE: &'static str = "resources";

    find_and_list!(resources, ResourceRow, assemble, |query, filter| {
        if let Some(name) = &filter.name {
            query = query.filter(resources::name.eq(name.clone()));
        }
        if let Some(dimension) = filter.dimension {
            query = query.filter(resources::dimension.eq(dimension.as_str()));
        }
        if let Some(owner) = &filter.owner {
            query = query.filter(resources::owner.eq(owner.clone()));
        }
    });

    fn dependents(conn: &mut DbConnection, id: Uuid) -> Result<Option<String>, StoreError> {
        let used: i64 = components::table
            .filter(components::resource_id.eq(id.to_string()))
            .count()
            .get_result(conn)?;
        Ok(describe_uses(&[(used, "product component")]))
    }

    fn remove(
        conn: &mut DbConnection,
        id: Uuid,
        version: Option<i32>,
    ) -> Result<Option<Removed>, StoreError> {
        Ok(delete_row!(conn, resources, id, version).then(Removed::default))
    }
}

impl Writable for Resource {
    super::insert_many!(resources, ResourceForm);

    fn insert(
        conn: &mut DbConnection,
        _: (),
        meta: &Meta,
        input: &ResourceInput,
    ) -> Result<Vec<RowChange>, StoreError> {
        insert_row!(conn, resources, meta, ResourceForm::new(meta, input));
        Ok(Vec::new())
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &ResourceInput,
    ) -> Result<Option<Vec<RowChange>>, StoreError> {
        let updated = update_row!(
            conn,
            resources,
            meta.id,
            expected_version,
            ResourceForm::new(meta, input)
        );
        Ok(updated.then(Vec::new))
    }
}
