//! Product components in the store.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{check_one, delete_row, exists, update_row};
use super::schema::components;
use super::{
    from_db_time, parse_id, parse_text, to_db_time, DbConnection, Page, PageRequest, StoreError,
};
use crate::catalogue::component::{Component, ComponentFilter, ComponentInput, Visibility};
use crate::catalogue::{Errors, Meta, Stored};

#[derive(Queryable, Selectable)]
#[diesel(table_name = components)]
struct ComponentRow {
    id: String,
    product_id: String,
    resource_id: String,
    quantity: i32,
    role: Option<String>,
    visibility: String,
    customer_label: Option<String>,
    customer_description: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = components, treat_none_as_null = true)]
struct ComponentForm<'a> {
    resource_id: String,
    quantity: i32,
    role: Option<&'a str>,
    visibility: &'a str,
    customer_label: Option<&'a str>,
    customer_description: Option<&'a str>,
    updated_at: NaiveDateTime,
    version: i32,
}

impl<'a> ComponentForm<'a> {
    fn new(meta: &Meta, input: &'a ComponentInput) -> Self {
        ComponentForm {
            resource_id: input.resource_id.to_string(),
            quantity: input.quantity,
            role: input.role.as_deref(),
            visibility: input.visibility.as_str(),
            customer_label: input.customer_label.as_deref(),
            customer_description: input.customer_description.as_deref(),
            updated_at: to_db_time(meta.updated_at),
            version: meta.version,
        }
    }
}

impl TryFrom<ComponentRow> for Component {
    type Error = StoreError;

    fn try_from(row: ComponentRow) -> Result<Self, StoreError> {
        Ok(Component {
            id: parse_id(&row.id)?,
            product_id: parse_id(&row.product_id)?,
            resource_id: parse_id(&row.resource_id)?,
            quantity: row.quantity,
            role: row.role,
            visibility: parse_text(&row.visibility, Visibility::parse)?,
            customer_label: row.customer_label,
            customer_description: row.customer_description,
            created_at: from_db_time(row.created_at),
            updated_at: from_db_time(row.updated_at),
            version: row.version,
        })
    }
}

/// The components of these products, ordered by product, then by id.
pub fn of_products(
    conn: &mut DbConnection,
    products: &[String],
) -> Result<Vec<Component>, StoreError> {
    components::table
        .filter(components::product_id.eq_any(products))
        .select(ComponentRow::as_select())
        .order((components::product_id, components::id))
        .load(conn)?
        .into_iter()
        .map(Component::try_from)
        .collect()
}

impl Stored for Component {
    const TABLE: &'static str = "components";

    fn check_scope(
        conn: &mut DbConnection,
        product_id: Uuid,
    ) -> Result<Option<&'static str>, StoreError> {
        Ok((!exists!(conn, products, product_id)).then_some("product"))
    }

    fn find(
        conn: &mut DbConnection,
        product_id: Uuid,
        id: Uuid,
    ) -> Result<Option<Self>, StoreError> {
        components::table
            .find(id.to_string())
            .filter(components::product_id.eq(product_id.to_string()))
            .select(ComponentRow::as_select())
            .first(conn)
            .optional()?
            .map(Component::try_from)
            .transpose()
    }

    fn list(
        conn: &mut DbConnection,
        product_id: Uuid,
        filter: &ComponentFilter,
        page: &PageRequest,
    ) -> Result<Page<Self>, StoreError> {
        let mut query = components::table
            .select(ComponentRow::as_select())
            .filter(components::product_id.eq(product_id.to_string()))
            .filter(components::id.gt(page.after_key()))
            .order(components::id)
            .limit(page.fetch())
            .into_boxed();
        if let Some(resource_id) = filter.resource_id {
            query = query.filter(components::resource_id.eq(resource_id.to_string()));
        }
        if let Some(visibility) = filter.visibility {
            query = query.filter(components::visibility.eq(visibility.as_str()));
        }
        if let Some(role) = &filter.role {
            query = query.filter(components::role.eq(role.clone()));
        }
        let items = query
            .load(conn)?
            .into_iter()
            .map(Component::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, page, |c| c.id))
    }

    fn check_references(
        conn: &mut DbConnection,
        input: &ComponentInput,
        errors: &mut Errors,
    ) -> Result<(), StoreError> {
        check_one!(
            conn,
            errors,
            resources,
            "resource_id",
            "resource",
            input.resource_id
        );
        Ok(())
    }

    fn insert(
        conn: &mut DbConnection,
        product_id: Uuid,
        meta: &Meta,
        input: &ComponentInput,
    ) -> Result<(), StoreError> {
        diesel::insert_into(components::table)
            .values((
                components::id.eq(meta.id.to_string()),
                components::product_id.eq(product_id.to_string()),
                components::created_at.eq(to_db_time(meta.created_at)),
                ComponentForm::new(meta, input),
            ))
            .execute(conn)?;
        Ok(())
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &ComponentInput,
    ) -> Result<bool, StoreError> {
        Ok(update_row!(
            conn,
            components,
            meta.id,
            expected_version,
            ComponentForm::new(meta, input)
        ))
    }

    fn remove(conn: &mut DbConnection, id: Uuid, version: Option<i32>) -> Result<bool, StoreError> {
        delete_row!(conn, components, id, version)
    }
}
