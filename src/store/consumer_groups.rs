//! Consumer groups in the store.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{
    customer_groups, delete_row, find_and_list, insert_row, offering_groups, update_row,
};
use super::schema::consumer_groups;
use super::{
    describe_uses, external_refs, form, meta_of, parse_id, DbConnection, Removed, StoreError,
    Table, Writable,
};
use crate::catalogue::consumer_group::{ConsumerGroup, ConsumerGroupInput};
use crate::catalogue::{Entity, Meta, RowChange};

#[derive(Queryable, Selectable)]
#[diesel(table_name = consumer_groups)]
struct ConsumerGroupRow {
    id: String,
    name: String,
    description: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

form! {
    /// The writable columns of a consumer group.
    ConsumerGroupForm<'a> for consumer_groups from ConsumerGroupInput as (meta, input) {
        name: &'a str = &input.name,
        description: Option<&'a str> = input.description.as_deref(),
    }
}

fn assemble(
    conn: &mut DbConnection,
    rows: Vec<ConsumerGroupRow>,
) -> Result<Vec<ConsumerGroup>, StoreError> {
    let ids = rows
        .iter()
        .map(|r| parse_id(&r.id))
        .collect::<Result<Vec<_>, _>>()?;
    let mut refs = external_refs::load(conn, ConsumerGroup::KIND, &ids)?;
    rows.into_iter()
        .map(|row| {
            let meta = meta_of(&row.id, row.created_at, row.updated_at, row.version)?;
            Ok(ConsumerGroup {
                meta,
                fields: ConsumerGroupInput {
                    external_refs: refs.remove(&meta.id).unwrap_or_default(),
                    name: row.name,
                    description: row.description,
                },
            })
        })
        .collect()
}

impl Table for ConsumerGroup {
    const TABLE: &'static str = "consumer_groups";

    find_and_list!(
        consumer_groups,
        ConsumerGroupRow,
        assemble,
        |query, filter| {
            if let Some(name) = &filter.name {
                query = query.filter(consumer_groups::name.eq(name.clone()));
            }
        }
    );

    fn dependents(conn: &mut DbConnection, id: Uuid) -> Result<Option<String>, StoreError> {
        let customers = customer_groups::count_using(conn, id)?;
        let offerings = offering_groups::count_using(conn, id)?;
        let overlays = super::overlays::count_for_group(conn, id)?;
        Ok(describe_uses(&[
            (customers, "customer"),
            (offerings, "offering"),
            (overlays, "overlay"),
        ]))
    }

    fn remove(
        conn: &mut DbConnection,
        id: Uuid,
        version: Option<i32>,
    ) -> Result<Option<Removed>, StoreError> {
        Ok(delete_row!(conn, consumer_groups, id, version).then(Removed::default))
    }
}

impl Writable for ConsumerGroup {
    fn insert(
        conn: &mut DbConnection,
        _: (),
        meta: &Meta,
        input: &ConsumerGroupInput,
    ) -> Result<Vec<RowChange>, StoreError> {
        insert_row!(
            conn,
            consumer_groups,
            meta,
            ConsumerGroupForm::new(meta, input)
        );
        Ok(Vec::new())
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &ConsumerGroupInput,
    ) -> Result<Option<Vec<RowChange>>, StoreError> {
        let updated = update_row!(
            conn,
            consumer_groups,
            meta.id,
            expected_version,
            ConsumerGroupForm::new(meta, input)
        );
        Ok(updated.then(Vec::new))
    }
}
