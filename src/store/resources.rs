//! Resources in the store.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{delete_row, update_row};
use super::schema::{components, resources};
use super::{from_db_time, parse_id, to_db_time, DbConnection, Page, PageRequest, StoreError};
use crate::catalogue::resource::{Dimension, Resource, ResourceFilter, ResourceInput};
use crate::catalogue::{Meta, Money, Stored};

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

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = resources, treat_none_as_null = true)]
struct ResourceForm<'a> {
    name: &'a str,
    description: Option<&'a str>,
    dimension: &'a str,
    unit_cost_amount: Option<&'a str>,
    unit_cost_currency: Option<&'a str>,
    owner: Option<&'a str>,
    updated_at: NaiveDateTime,
    version: i32,
}

impl<'a> ResourceForm<'a> {
    fn new(meta: &Meta, input: &'a ResourceInput) -> Self {
        ResourceForm {
            name: &input.name,
            description: input.description.as_deref(),
            dimension: input.dimension.as_str(),
            unit_cost_amount: input.unit_cost.as_ref().map(|m| m.amount.as_str()),
            unit_cost_currency: input.unit_cost.as_ref().map(|m| m.currency.as_str()),
            owner: input.owner.as_deref(),
            updated_at: to_db_time(meta.updated_at),
            version: meta.version,
        }
    }
}

impl TryFrom<ResourceRow> for Resource {
    type Error = StoreError;

    fn try_from(row: ResourceRow) -> Result<Self, StoreError> {
        Ok(Resource {
            id: parse_id(&row.id)?,
            name: row.name,
            description: row.description,
            dimension: super::parse_text(&row.dimension, Dimension::parse)?,
            unit_cost: money(row.unit_cost_amount, row.unit_cost_currency),
            owner: row.owner,
            created_at: from_db_time(row.created_at),
            updated_at: from_db_time(row.updated_at),
            version: row.version,
        })
    }
}

/// Money from its two columns; both are set or neither.
pub(crate) fn money(amount: Option<String>, currency: Option<String>) -> Option<Money> {
    match (amount, currency) {
        (Some(amount), Some(currency)) => Some(Money { amount, currency }),
        _ => None,
    }
}

impl Stored for Resource {
    const TABLE: &'static str = "resources";

    fn find(conn: &mut DbConnection, _: (), id: Uuid) -> Result<Option<Self>, StoreError> {
        resources::table
            .find(id.to_string())
            .select(ResourceRow::as_select())
            .first(conn)
            .optional()?
            .map(Resource::try_from)
            .transpose()
    }

    fn list(
        conn: &mut DbConnection,
        _: (),
        filter: &ResourceFilter,
        page: &PageRequest,
    ) -> Result<Page<Self>, StoreError> {
        let mut query = resources::table
            .select(ResourceRow::as_select())
            .filter(resources::id.gt(page.after_key()))
            .order(resources::id)
            .limit(page.fetch())
            .into_boxed();
        if let Some(name) = &filter.name {
            query = query.filter(resources::name.eq(name.clone()));
        }
        if let Some(dimension) = filter.dimension {
            query = query.filter(resources::dimension.eq(dimension.as_str()));
        }
        if let Some(owner) = &filter.owner {
            query = query.filter(resources::owner.eq(owner.clone()));
        }
        let rows = query.load(conn)?;
        let items = rows
            .into_iter()
            .map(Resource::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, page, |r| r.id))
    }

    fn insert(
        conn: &mut DbConnection,
        _: (),
        meta: &Meta,
        input: &ResourceInput,
    ) -> Result<(), StoreError> {
        diesel::insert_into(resources::table)
            .values((
                resources::id.eq(meta.id.to_string()),
                resources::created_at.eq(to_db_time(meta.created_at)),
                ResourceForm::new(meta, input),
            ))
            .execute(conn)?;
        Ok(())
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &ResourceInput,
    ) -> Result<bool, StoreError> {
        Ok(update_row!(
            conn,
            resources,
            meta.id,
            expected_version,
            ResourceForm::new(meta, input)
        ))
    }

    fn dependents(conn: &mut DbConnection, id: Uuid) -> Result<Option<String>, StoreError> {
        let used: i64 = components::table
            .filter(components::resource_id.eq(id.to_string()))
            .count()
            .get_result(conn)?;
        Ok(super::describe_uses(&[(used, "product component")]))
    }

    fn remove(conn: &mut DbConnection, id: Uuid, version: Option<i32>) -> Result<bool, StoreError> {
        delete_row!(conn, resources, id, version)
    }
}
