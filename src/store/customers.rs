//! Customers in the store.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{check_exist, customer_groups, delete_row, update_row};
use super::schema::{agreements, api_keys, customer_consumer_groups, customers};
use super::{
    describe_uses, from_db_time, parse_id, to_db_time, DbConnection, Page, PageRequest, StoreError,
};
use crate::catalogue::customer::{Customer, CustomerFilter, CustomerInput};
use crate::catalogue::{Errors, Meta, Stored};

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

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = customers, treat_none_as_null = true)]
struct CustomerForm<'a> {
    name: &'a str,
    description: Option<&'a str>,
    updated_at: NaiveDateTime,
    version: i32,
}

impl<'a> CustomerForm<'a> {
    fn new(meta: &Meta, input: &'a CustomerInput) -> Self {
        CustomerForm {
            name: &input.name,
            description: input.description.as_deref(),
            updated_at: to_db_time(meta.updated_at),
            version: meta.version,
        }
    }
}

fn with_links(
    conn: &mut DbConnection,
    rows: Vec<CustomerRow>,
) -> Result<Vec<Customer>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut groups = customer_groups::load(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            Ok(Customer {
                id: parse_id(&row.id)?,
                consumer_group_ids: groups.remove(&row.id).unwrap_or_default(),
                name: row.name,
                description: row.description,
                created_at: from_db_time(row.created_at),
                updated_at: from_db_time(row.updated_at),
                version: row.version,
            })
        })
        .collect()
}

impl Stored for Customer {
    const TABLE: &'static str = "customers";

    fn find(conn: &mut DbConnection, _: (), id: Uuid) -> Result<Option<Self>, StoreError> {
        let row = customers::table
            .find(id.to_string())
            .select(CustomerRow::as_select())
            .first(conn)
            .optional()?;
        Ok(with_links(conn, row.into_iter().collect())?.pop())
    }

    fn list(
        conn: &mut DbConnection,
        _: (),
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<Self>, StoreError> {
        let mut query = customers::table
            .select(CustomerRow::as_select())
            .filter(customers::id.gt(page.after_key()))
            .order(customers::id)
            .limit(page.fetch())
            .into_boxed();
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
        let rows = query.load(conn)?;
        Ok(Page::from_rows(with_links(conn, rows)?, page, |c| c.id))
    }

    fn check_references(
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

    fn insert(
        conn: &mut DbConnection,
        _: (),
        meta: &Meta,
        input: &CustomerInput,
    ) -> Result<(), StoreError> {
        let id = meta.id.to_string();
        diesel::insert_into(customers::table)
            .values((
                customers::id.eq(&id),
                customers::created_at.eq(to_db_time(meta.created_at)),
                CustomerForm::new(meta, input),
            ))
            .execute(conn)?;
        customer_groups::replace(conn, &id, &input.consumer_group_ids)
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &CustomerInput,
    ) -> Result<bool, StoreError> {
        let id = meta.id.to_string();
        if !update_row!(
            conn,
            customers,
            id,
            expected_version,
            CustomerForm::new(meta, input)
        ) {
            return Ok(false);
        }
        customer_groups::replace(conn, &id, &input.consumer_group_ids)?;
        Ok(true)
    }

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

    fn remove(conn: &mut DbConnection, id: Uuid, version: Option<i32>) -> Result<bool, StoreError> {
        delete_row!(conn, customers, id, version)
    }
}
