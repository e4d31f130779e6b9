//! Products in the store.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::links::service_products;
use super::links::{delete_row, update_row};
use super::schema::products;
use super::{
    describe_uses, from_db_time, parse_id, parse_text, to_db_time, DbConnection, Page, PageRequest,
    StoreError,
};
use crate::catalogue::product::{LifecycleStatus, Product, ProductFilter, ProductInput};
use crate::catalogue::{Meta, Stored};

#[derive(Queryable, Selectable)]
#[diesel(table_name = products)]
struct ProductRow {
    id: String,
    name: String,
    description: Option<String>,
    lifecycle_status: String,
    owner: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = products, treat_none_as_null = true)]
struct ProductForm<'a> {
    name: &'a str,
    description: Option<&'a str>,
    lifecycle_status: &'a str,
    owner: Option<&'a str>,
    updated_at: NaiveDateTime,
    version: i32,
}

impl<'a> ProductForm<'a> {
    fn new(meta: &Meta, input: &'a ProductInput) -> Self {
        ProductForm {
            name: &input.name,
            description: input.description.as_deref(),
            lifecycle_status: input.lifecycle_status.as_str(),
            owner: input.owner.as_deref(),
            updated_at: to_db_time(meta.updated_at),
            version: meta.version,
        }
    }
}

impl TryFrom<ProductRow> for Product {
    type Error = StoreError;

    fn try_from(row: ProductRow) -> Result<Self, StoreError> {
        Ok(Product {
            id: parse_id(&row.id)?,
            name: row.name,
            description: row.description,
            lifecycle_status: parse_text(&row.lifecycle_status, LifecycleStatus::parse)?,
            owner: row.owner,
            created_at: from_db_time(row.created_at),
            updated_at: from_db_time(row.updated_at),
            version: row.version,
        })
    }
}

impl Stored for Product {
    const TABLE: &'static str = "products";

    fn find(conn: &mut DbConnection, _: (), id: Uuid) -> Result<Option<Self>, StoreError> {
        products::table
            .find(id.to_string())
            .select(ProductRow::as_select())
            .first(conn)
            .optional()?
            .map(Product::try_from)
            .transpose()
    }

    fn list(
        conn: &mut DbConnection,
        _: (),
        filter: &ProductFilter,
        page: &PageRequest,
    ) -> Result<Page<Self>, StoreError> {
        let mut query = products::table
            .select(ProductRow::as_select())
            .filter(products::id.gt(page.after_key()))
            .order(products::id)
            .limit(page.fetch())
            .into_boxed();
        if let Some(name) = &filter.name {
            query = query.filter(products::name.eq(name.clone()));
        }
        if let Some(status) = filter.lifecycle_status {
            query = query.filter(products::lifecycle_status.eq(status.as_str()));
        }
        if let Some(owner) = &filter.owner {
            query = query.filter(products::owner.eq(owner.clone()));
        }
        let items = query
            .load(conn)?
            .into_iter()
            .map(Product::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, page, |p| p.id))
    }

    fn insert(
        conn: &mut DbConnection,
        _: (),
        meta: &Meta,
        input: &ProductInput,
    ) -> Result<(), StoreError> {
        diesel::insert_into(products::table)
            .values((
                products::id.eq(meta.id.to_string()),
                products::created_at.eq(to_db_time(meta.created_at)),
                ProductForm::new(meta, input),
            ))
            .execute(conn)?;
        Ok(())
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &ProductInput,
    ) -> Result<bool, StoreError> {
        Ok(update_row!(
            conn,
            products,
            meta.id,
            expected_version,
            ProductForm::new(meta, input)
        ))
    }

    fn dependents(conn: &mut DbConnection, id: Uuid) -> Result<Option<String>, StoreError> {
        let services = service_products::count_using(conn, id)?;
        Ok(describe_uses(&[(services, "service")]))
    }

    fn remove(conn: &mut DbConnection, id: Uuid, version: Option<i32>) -> Result<bool, StoreError> {
        // Its components are part of it: the foreign key deletes them with it.
        delete_row!(conn, products, id, version)
    }
}
