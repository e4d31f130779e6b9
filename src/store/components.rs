//! Product components in the store.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{check_one, delete_row, exists, update_row};
use super::schema::components;
use super::{
    after_key, external_refs, form, keys, meta_of, parse_id, parse_text, to_db_time, DbConnection,
    Removed, StoreError, Table, Writable,
};
use crate::catalogue::component::{Component, ComponentInput, Visibility};
use crate::catalogue::page::{Page, PageRequest};
use crate::catalogue::view::ComponentFace;
use crate::catalogue::{Entity, Errors, Meta, RowChange};

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

form! {
    /// The writable columns of a component.
    ComponentForm<'a> for components from ComponentInput as (meta, input) {
        resource_id: String = input.resource_id.to_string(),
        quantity: i32 = input.quantity,
        role: Option<&'a str> = input.role.as_deref(),
        visibility: &'a str = input.visibility.as_str(),
        customer_label: Option<&'a str> = input.customer_label.as_deref(),
        customer_description: Option<&'a str> = input.customer_description.as_deref(),
    }
}

fn assemble(
    conn: &mut DbConnection,
    rows: Vec<ComponentRow>,
) -> Result<Vec<Component>, StoreError> {
    let ids = rows
        .iter()
        .map(|r| parse_id(&r.id))
        .collect::<Result<Vec<_>, _>>()?;
    let mut refs = external_refs::load(conn, Component::KIND, &ids)?;
    rows.into_iter()
        .map(|row| {
            let meta = meta_of(&row.id, row.created_at, row.updated_at, row.version)?;
            Ok(Component {
                meta,
                product_id: parse_id(&row.product_id)?,
                fields: ComponentInput {
                    external_refs: refs.remove(&meta.id).unwrap_or_default(),
                    resource_id: parse_id(&row.resource_id)?,
                    quantity: row.quantity,
                    role: row.role,
                    visibility: parse_text(&row.visibility, Visibility::parse)?,
                    customer_label: row.customer_label,
                    customer_description: row.customer_description,
                },
            })
        })
        .collect()
}

/// The components of these products, ordered by product, then by id.
pub fn of_products(
    conn: &mut DbConnection,
    products: &[Uuid],
) -> Result<Vec<Component>, StoreError> {
    let rows = components::table
        .filter(components::product_id.eq_any(keys(products)))
        .select(ComponentRow::as_select())
        .order((components::product_id, components::id))
        .load(conn)?;
    assemble(conn, rows)
}

/// What customers may see of the components of these products: the
/// customer-visible ones only, ordered by product, then by id.
pub fn faces_of_products(
    conn: &mut DbConnection,
    products: &[Uuid],
) -> Result<Vec<ComponentFace>, StoreError> {
    if products.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String, Option<String>, Option<String>)> = components::table
        .filter(components::product_id.eq_any(keys(products)))
        .filter(components::visibility.eq(Visibility::Customer.as_str()))
        .select((
            components::product_id,
            components::visibility,
            components::customer_label,
            components::customer_description,
        ))
        .order((components::product_id, components::id))
        .load(conn)?;
    rows.into_iter()
        .map(|(product_id, visibility, label, description)| {
            Ok(ComponentFace {
                product_id: parse_id(&product_id)?,
                visibility: parse_text(&visibility, Visibility::parse)?,
                customer_label: label,
                customer_description: description,
            })
        })
        .collect()
}

/// Up to `limit` components of any product, after `after`, ordered by id.
pub fn page_all(
    conn: &mut DbConnection,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Component>, StoreError> {
    let rows = components::table
        .filter(components::id.gt(after.map(|a| a.to_string()).unwrap_or_default()))
        .order(components::id)
        .limit(limit)
        .select(ComponentRow::as_select())
        .load(conn)?;
    assemble(conn, rows)
}

impl Table for Component {
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
        let rows = components::table
            .find(id.to_string())
            .filter(components::product_id.eq(product_id.to_string()))
            .select(ComponentRow::as_select())
            .load(conn)?;
        Ok(assemble(conn, rows)?.pop())
    }

    fn list(
        conn: &mut DbConnection,
        product_id: Uuid,
        filter: &Self::Filter,
        page: &PageRequest,
    ) -> Result<Page<Self>, StoreError> {
        let mut query = components::table
            .select(ComponentRow::as_select())
            .filter(components::product_id.eq(product_id.to_string()))
            .filter(components::id.gt(after_key(page)))
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
        if let Some(reference) = &filter.external_ref {
            query = query.filter(
                components::id.eq_any(external_refs::owners!(Component::KIND, &reference.0)),
            );
        }
        let rows = query.load(conn)?;
        Ok(Page::from_rows(assemble(conn, rows)?, page, |c| c.meta.id))
    }

    fn remove(
        conn: &mut DbConnection,
        id: Uuid,
        version: Option<i32>,
    ) -> Result<Option<Removed>, StoreError> {
        Ok(delete_row!(conn, components, id, version).then(Removed::default))
    }
}

impl Writable for Component {
    fn missing_references(
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

    fn insert_many(
        conn: &mut DbConnection,
        items: &[(Uuid, Meta, ComponentInput)],
    ) -> Result<(), StoreError> {
        for chunk in items.chunks(super::BULK_ROWS) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|(product_id, meta, input)| {
                    (
                        components::id.eq(meta.id.to_string()),
                        components::product_id.eq(product_id.to_string()),
                        components::created_at.eq(to_db_time(meta.created_at)),
                        ComponentForm::new(meta, input),
                    )
                })
                .collect();
            super::bulk_insert!(conn, components, rows);
        }
        Ok(())
    }

    fn insert(
        conn: &mut DbConnection,
        product_id: Uuid,
        meta: &Meta,
        input: &ComponentInput,
    ) -> Result<Vec<RowChange>, StoreError> {
        diesel::insert_into(components::table)
            .values((
                components::id.eq(meta.id.to_string()),
                components::product_id.eq(product_id.to_string()),
                components::created_at.eq(to_db_time(meta.created_at)),
                ComponentForm::new(meta, input),
            ))
            .execute(conn)?;
        Ok(Vec::new())
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &ComponentInput,
    ) -> Result<Option<Vec<RowChange>>, StoreError> {
        let updated = update_row!(
            conn,
            components,
            meta.id,
            expected_version,
            ComponentForm::new(meta, input)
        );
        Ok(updated.then(Vec::new))
    }
}
