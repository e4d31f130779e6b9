//! Agreements in the store.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{check_one, delete_row, update_row};
use super::schema::agreements;
use super::{
    from_db_time, parse_id, parse_text, to_db_time, DbConnection, Page, PageRequest, StoreError,
};
use crate::catalogue::agreement::{Agreement, AgreementFilter, AgreementInput, AgreementStatus};
use crate::catalogue::{Errors, Meta, Stored};

#[derive(Queryable, Selectable)]
#[diesel(table_name = agreements)]
struct AgreementRow {
    id: String,
    customer_id: String,
    offering_id: String,
    status: String,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = agreements, treat_none_as_null = true)]
struct AgreementForm<'a> {
    status: &'a str,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    updated_at: NaiveDateTime,
    version: i32,
}

impl<'a> AgreementForm<'a> {
    fn new(meta: &Meta, input: &'a AgreementInput) -> Self {
        AgreementForm {
            status: input.status.as_str(),
            starts_on: input.starts_on,
            ends_on: input.ends_on,
            updated_at: to_db_time(meta.updated_at),
            version: meta.version,
        }
    }
}

impl TryFrom<AgreementRow> for Agreement {
    type Error = StoreError;

    fn try_from(row: AgreementRow) -> Result<Self, StoreError> {
        Ok(Agreement {
            id: parse_id(&row.id)?,
            customer_id: parse_id(&row.customer_id)?,
            offering_id: parse_id(&row.offering_id)?,
            status: parse_text(&row.status, AgreementStatus::parse)?,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            created_at: from_db_time(row.created_at),
            updated_at: from_db_time(row.updated_at),
            version: row.version,
        })
    }
}

/// The agreements of a customer, ordered by id.
pub fn of_customer(conn: &mut DbConnection, customer: Uuid) -> Result<Vec<Agreement>, StoreError> {
    agreements::table
        .filter(agreements::customer_id.eq(customer.to_string()))
        .select(AgreementRow::as_select())
        .order(agreements::id)
        .load(conn)?
        .into_iter()
        .map(Agreement::try_from)
        .collect()
}

impl Stored for Agreement {
    const TABLE: &'static str = "agreements";

    fn find(conn: &mut DbConnection, _: (), id: Uuid) -> Result<Option<Self>, StoreError> {
        agreements::table
            .find(id.to_string())
            .select(AgreementRow::as_select())
            .first(conn)
            .optional()?
            .map(Agreement::try_from)
            .transpose()
    }

    fn list(
        conn: &mut DbConnection,
        _: (),
        filter: &AgreementFilter,
        page: &PageRequest,
    ) -> Result<Page<Self>, StoreError> {
        let mut query = agreements::table
            .select(AgreementRow::as_select())
            .filter(agreements::id.gt(page.after_key()))
            .order(agreements::id)
            .limit(page.fetch())
            .into_boxed();
        if let Some(customer) = filter.customer_id {
            query = query.filter(agreements::customer_id.eq(customer.to_string()));
        }
        if let Some(offering) = filter.offering_id {
            query = query.filter(agreements::offering_id.eq(offering.to_string()));
        }
        if let Some(status) = filter.status {
            query = query.filter(agreements::status.eq(status.as_str()));
        }
        let items = query
            .load(conn)?
            .into_iter()
            .map(Agreement::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, page, |a| a.id))
    }

    fn check_references(
        conn: &mut DbConnection,
        input: &AgreementInput,
        errors: &mut Errors,
    ) -> Result<(), StoreError> {
        check_one!(
            conn,
            errors,
            customers,
            "customer_id",
            "customer",
            input.customer_id
        );
        check_one!(
            conn,
            errors,
            offerings,
            "offering_id",
            "offering",
            input.offering_id
        );
        Ok(())
    }

    fn insert(
        conn: &mut DbConnection,
        _: (),
        meta: &Meta,
        input: &AgreementInput,
    ) -> Result<(), StoreError> {
        diesel::insert_into(agreements::table)
            .values((
                agreements::id.eq(meta.id.to_string()),
                agreements::customer_id.eq(input.customer_id.to_string()),
                agreements::offering_id.eq(input.offering_id.to_string()),
                agreements::created_at.eq(to_db_time(meta.created_at)),
                AgreementForm::new(meta, input),
            ))
            .execute(conn)?;
        Ok(())
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &AgreementInput,
    ) -> Result<bool, StoreError> {
        Ok(update_row!(
            conn,
            agreements,
            meta.id,
            expected_version,
            AgreementForm::new(meta, input)
        ))
    }

    fn remove(conn: &mut DbConnection, id: Uuid, version: Option<i32>) -> Result<bool, StoreError> {
        delete_row!(conn, agreements, id, version)
    }
}
