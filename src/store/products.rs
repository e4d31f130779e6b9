//! Products in the store. A product owns its components: deleting it
//! deletes them, one by one, so that each deletion is recorded.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{delete_row, find_and_list, insert_row, service_products, update_row};
use super::schema::{components, products};
use super::{
    describe_uses, external_refs, form, meta_of, parse_id, parse_text, DbConnection, Removed,
    StoreError, Table, Writable,
};
use crate::catalogue::component::Component;
use crate::catalogue::product::{LifecycleStatus, Product, ProductInput};
use crate::catalogue::{Entity, Meta, RowChange};

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

form! {
    /// The writable columns of a product.
    ProductForm<'a> for products from ProductInput as (meta, input) {
        name: &'a str = &input.name,
        description: Option<&'a str> = input.description.as_deref(),
        lifecycle_status: &'a str = input.lifecycle_status.as_str(),
        owner: Option<&'a str> = input.owner.as_deref(),
    }
}

fn assemble(conn: &mut DbConnection, rows: Vec<ProductRow>) -> Result<Vec<Product>, StoreError> {
    let ids = rows
        .iter()
        .map(|r| parse_id(&r.id))
        .collect::<Result<Vec<_>, _>>()?;
    let mut refs = external_refs::load(conn, Product::KIND, &ids)?;
    rows.into_iter()
        .map(|row| {
            let meta = meta_of(&row.id, row.created_at, row.updated_at, row.version)?;
            Ok(Product {
                meta,
                fields: ProductInput {
                    external_refs: refs.remove(&meta.id).unwrap_or_default(),
                    name: row.name,
                    description: row.description,
                    lifecycle_status: parse_text(&row.lifecycle_status, LifecycleStatus::parse)?,
                    owner: row.owner,
                },
            })
        })
        .collect()
}

impl Table for Product {
    const TABLE: &'static str = "products";

    find_and_list!(products, ProductRow, assemble, |query, filter| {
        if let Some(name) = &filter.name {
            query = query.filter(products::name.eq(name.clone()));
        }
        if let Some(status) = filter.lifecycle_status {
            query = query.filter(products::lifecycle_status.eq(status.as_str()));
        }
        if let Some(owner) = &filter.owner {
            query = query.filter(products::owner.eq(owner.clone()));
        }
    });

    fn dependents(conn: &mut DbConnection, id: Uuid) -> Result<Option<String>, StoreError> {
        let services = service_products::count_using(conn, id)?;
        let offerings: i64 = super::schema::offerings::table
            .filter(super::schema::offerings::product_id.eq(id.to_string()))
            .count()
            .get_result(conn)?;
        Ok(describe_uses(&[
            (services, "service"),
            (offerings, "offering"),
        ]))
    }

    fn remove(
        conn: &mut DbConnection,
        id: Uuid,
        version: Option<i32>,
    ) -> Result<Option<Removed>, StoreError> {
        // Its components first, each reported: nothing cascades unseen.
        let components: Vec<(String, i32)> =
            diesel::delete(components::table.filter(components::product_id.eq(id.to_string())))
                .returning((components::id, components::version))
                .get_results(conn)?;
        if !delete_row!(conn, products, id, version) {
            return Ok(None);
        }
        let owned = components
            .iter()
            .map(|(id, version)| Ok((Component::KIND, parse_id(id)?, *version)))
            .collect::<Result<_, StoreError>>()?;
        Ok(Some(Removed {
            rows: Vec::new(),
            owned,
        }))
    }
}

impl Writable for Product {
    super::insert_many!(products, ProductForm);

    fn insert(
        conn: &mut DbConnection,
        _: (),
        meta: &Meta,
        input: &ProductInput,
    ) -> Result<Vec<RowChange>, StoreError> {
        insert_row!(conn, products, meta, ProductForm::new(meta, input));
        Ok(Vec::new())
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &ProductInput,
    ) -> Result<Option<Vec<RowChange>>, StoreError> {
        let updated = update_row!(
            conn,
            products,
            meta.id,
            expected_version,
            ProductForm::new(meta, input)
        );
        Ok(updated.then(Vec::new))
    }
}
