//! Customers in the store: the customer row and its links to consumer
//! groups.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{
    check_exist, customer_groups, delete_row, find_and_list, insert_row, update_row,
};
use super::schema::{agreements, api_keys, customer_consumer_groups, customers};
use super::{
    describe_uses, external_refs, form, meta_of, parse_id, DbConnection, Refs, Removed, StoreError,
    Table, Writable,
};
use crate::catalogue::customer::{Customer, CustomerInput};
use crate::catalogue::{Entity, Errors, Meta, RowChange};

#[derive(Queryable, Selectable)]
#[diesel(table_name = customers)]
struct CustomerRow {
    id: String,
    name: String,
    description: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

form! {
    /// The writable columns of a customer.
    CustomerForm<'a> for customers from CustomerInput as (meta, input) {
        name: &'a str = &input.name,
        description: Option<&'a str> = input.description.as_deref(),
    }
}

fn assemble(conn: &mut DbConnection, rows: Vec<CustomerRow>) -> Result<Vec<Customer>, StoreError> {
    assemble_with(conn, rows, Refs::Load)
}

fn assemble_with(
    conn: &mut DbConnection,
    rows: Vec<CustomerRow>,
    with: Refs,
) -> Result<Vec<Customer>, StoreError> {
    let ids = rows
        .iter()
        .map(|r| parse_id(&r.id))
        .collect::<Result<Vec<_>, _>>()?;
    let mut refs = external_refs::load_when(conn, with, Customer::KIND, &ids)?;
    let mut groups = customer_groups::load(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let meta = meta_of(&row.id, row.created_at, row.updated_at, row.version)?;
            Ok(Customer {
                fields: CustomerInput {
                    external_refs: refs.remove(&meta.id).unwrap_or_default(),
                    name: row.name,
                    description: row.description,
                    consumer_group_ids: groups.remove(&meta.id).unwrap_or_default(),
                },
                meta,
            })
        })
        .collect()
}

/// The customer with this id, with or without its external references.
pub fn by_id(
    conn: &mut DbConnection,
    id: Uuid,
    with: Refs,
) -> Result<Option<Customer>, StoreError> {
    let rows = customers::table
        .find(id.to_string())
        .select(CustomerRow::as_select())
        .load(conn)?;
    Ok(assemble_with(conn, rows, with)?.pop())
}

impl Table for Customer {
    const TABLE: &'static str = "customers";

    find_and_list!(customers, CustomerRow, assemble, |query, filter| {
        if let Some(name) = &filter.name {
            query = query.filter(customers::name.eq(name.clone()));
        }
        if let Some(group) = filter.consumer_group_id {
            query = query.filter(
                customers::id.eq_any(
                    customer_consumer_groups::table
                        .filter(customer_consumer_groups::consumer_group_id.eq(group.to_string()))
                        .select(customer_consumer_groups::customer_id),
                ),
            );
        }
    });

    fn dependents(conn: &mut DbConnection, id: Uuid) -> Result<Option<String>, StoreError> {
        let agreements: i64 = agreements::table
            .filter(agreements::customer_id.eq(id.to_string()))
            .count()
            .get_result(conn)?;
        let keys: i64 = api_keys::table
            .filter(api_keys::customer_id.eq(id.to_string()))
            .count()
            .get_result(conn)?;
        Ok(describe_uses(&[
            (agreements, "agreement"),
            (keys, "API key"),
        ]))
    }

    fn remove(
        conn: &mut DbConnection,
        id: Uuid,
        version: Option<i32>,
    ) -> Result<Option<Removed>, StoreError> {
        let rows = customer_groups::remove_all(conn, id)?;
        Ok(delete_row!(conn, customers, id, version).then(|| Removed {
            rows,
            owned: Vec::new(),
        }))
    }
}

impl Writable for Customer {
    fn missing_references(
        conn: &mut DbConnection,
        input: &CustomerInput,
        errors: &mut Errors,
    ) -> Result<(), StoreError> {
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

    fn insert_many(
        conn: &mut DbConnection,
        items: &[((), Meta, CustomerInput)],
    ) -> Result<(), StoreError> {
        for chunk in items.chunks(super::BULK_ROWS) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|(_, meta, input)| {
                    (
                        customers::id.eq(meta.id.to_string()),
                        customers::created_at.eq(super::to_db_time(meta.created_at)),
                        CustomerForm::new(meta, input),
                    )
                })
                .collect();
            super::bulk_insert!(conn, customers, rows);
            let links: Vec<_> = chunk
                .iter()
                .flat_map(|(_, meta, input)| {
                    input.consumer_group_ids.iter().map(move |group| {
                        (
                            customer_consumer_groups::customer_id.eq(meta.id.to_string()),
                            customer_consumer_groups::consumer_group_id.eq(group.to_string()),
                        )
                    })
                })
                .collect();
            super::bulk_insert!(conn, customer_consumer_groups, links);
        }
        Ok(())
    }

    fn insert(
        conn: &mut DbConnection,
        _: (),
        meta: &Meta,
        input: &CustomerInput,
    ) -> Result<Vec<RowChange>, StoreError> {
        insert_row!(conn, customers, meta, CustomerForm::new(meta, input));
        customer_groups::replace(conn, meta.id, &input.consumer_group_ids)
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &CustomerInput,
    ) -> Result<Option<Vec<RowChange>>, StoreError> {
        if !update_row!(
            conn,
            customers,
            meta.id,
            expected_version,
            CustomerForm::new(meta, input)
        ) {
            return Ok(None);
        }
        Ok(Some(customer_groups::replace(
            conn,
            meta.id,
            &input.consumer_group_ids,
        )?))
    }
}
