//! Agreements in the store.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{check_one, delete_row, find_and_list, update_row};
use super::schema::agreements;
use super::{
    external_refs, form, meta_of, parse_id, parse_text, to_db_time, DbConnection, Refs, Removed,
    StoreError, Table, Writable,
};
use crate::catalogue::agreement::{Agreement, AgreementInput, AgreementStatus};
use crate::catalogue::{Entity, Errors, Meta, RowChange};

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

form! {
    /// The columns of an agreement that may change.
    AgreementForm<'a> for agreements from AgreementInput as (meta, input) {
        status: &'a str = input.status.as_str(),
        starts_on: Option<NaiveDate> = input.starts_on,
        ends_on: Option<NaiveDate> = input.ends_on,
    }
}

fn assemble(
    conn: &mut DbConnection,
    rows: Vec<AgreementRow>,
) -> Result<Vec<Agreement>, StoreError> {
    assemble_with(conn, rows, Refs::Load)
}

fn assemble_with(
    conn: &mut DbConnection,
    rows: Vec<AgreementRow>,
    with: Refs,
) -> Result<Vec<Agreement>, StoreError> {
    let ids = rows
        .iter()
        .map(|r| parse_id(&r.id))
        .collect::<Result<Vec<_>, _>>()?;
    let mut refs = external_refs::load_when(conn, with, Agreement::KIND, &ids)?;
    rows.into_iter()
        .map(|row| {
            let meta = meta_of(&row.id, row.created_at, row.updated_at, row.version)?;
            Ok(Agreement {
                meta,
                fields: AgreementInput {
                    external_refs: refs.remove(&meta.id).unwrap_or_default(),
                    customer_id: parse_id(&row.customer_id)?,
                    offering_id: parse_id(&row.offering_id)?,
                    status: parse_text(&row.status, AgreementStatus::parse)?,
                    starts_on: row.starts_on,
                    ends_on: row.ends_on,
                },
            })
        })
        .collect()
}

/// The agreements of a customer, ordered by id.
pub fn of_customer(
    conn: &mut DbConnection,
    customer: Uuid,
    with: Refs,
) -> Result<Vec<Agreement>, StoreError> {
    let rows = agreements::table
        .filter(agreements::customer_id.eq(customer.to_string()))
        .select(AgreementRow::as_select())
        .order(agreements::id)
        .load(conn)?;
    assemble_with(conn, rows, with)
}

impl Table for Agreement {
    const TABLE: &'static str = "agreements";

    find_and_list!(agreements, AgreementRow, assemble, |query, filter| {
        if let Some(customer) = filter.customer_id {
            query = query.filter(agreements::customer_id.eq(customer.to_string()));
        }
        if let Some(offering) = filter.offering_id {
            query = query.filter(agreements::offering_id.eq(offering.to_string()));
        }
        if let Some(status) = filter.status {
            query = query.filter(agreements::status.eq(status.as_str()));
        }
    });

    fn remove(
        conn: &mut DbConnection,
        id: Uuid,
        version: Option<i32>,
    ) -> Result<Option<Removed>, StoreError> {
        Ok(delete_row!(conn, agreements, id, version).then(Removed::default))
    }
}

impl Writable for Agreement {
    fn missing_references(
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

    fn insert_many(
        conn: &mut DbConnection,
        items: &[((), Meta, AgreementInput)],
    ) -> Result<(), StoreError> {
        for chunk in items.chunks(super::BULK_ROWS) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|(_, meta, input)| {
                    (
                        agreements::id.eq(meta.id.to_string()),
                        agreements::customer_id.eq(input.customer_id.to_string()),
                        agreements::offering_id.eq(input.offering_id.to_string()),
                        agreements::created_at.eq(to_db_time(meta.created_at)),
                        AgreementForm::new(meta, input),
                    )
                })
                .collect();
            super::bulk_insert!(conn, agreements, rows);
        }
        Ok(())
    }

    fn insert(
        conn: &mut DbConnection,
        _: (),
        meta: &Meta,
        input: &AgreementInput,
    ) -> Result<Vec<RowChange>, StoreError> {
        diesel::insert_into(agreements::table)
            .values((
                agreements::id.eq(meta.id.to_string()),
                agreements::customer_id.eq(input.customer_id.to_string()),
                agreements::offering_id.eq(input.offering_id.to_string()),
                agreements::created_at.eq(to_db_time(meta.created_at)),
                AgreementForm::new(meta, input),
            ))
            .execute(conn)?;
        Ok(Vec::new())
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &AgreementInput,
    ) -> Result<Option<Vec<RowChange>>, StoreError> {
        let updated = update_row!(
            conn,
            agreements,
            meta.id,
            expected_version,
            AgreementForm::new(meta, input)
        );
        Ok(updated.then(Vec::new))
    }
}
