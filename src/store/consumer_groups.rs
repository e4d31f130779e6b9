//! Consumer groups in the store.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{customer_groups, delete_row, offering_groups, update_row};
use super::schema::consumer_groups;
use super::{
    describe_uses, from_db_time, parse_id, to_db_time, DbConnection, Page, PageRequest, StoreError,
};
use crate::catalogue::consumer_group::{ConsumerGroup, ConsumerGroupFilter, ConsumerGroupInput};
use crate::catalogue::{Meta, Stored};

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

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = consumer_groups, treat_none_as_null = true)]
struct ConsumerGroupForm<'a> {
    name: &'a str,
    description: Option<&'a str>,
    updated_at: NaiveDateTime,
    version: i32,
}

impl<'a> ConsumerGroupForm<'a> {
    fn new(meta: &Meta, input: &'a ConsumerGroupInput) -> Self {
        ConsumerGroupForm {
            name: &input.name,
            description: input.description.as_deref(),
            updated_at: to_db_time(meta.updated_at),
            version: meta.version,
        }
    }
}

impl TryFrom<ConsumerGroupRow> for ConsumerGroup {
    type Error = StoreError;

    fn try_from(row: ConsumerGroupRow) -> Result<Self, StoreError> {
        Ok(ConsumerGroup {
            id: parse_id(&row.id)?,
            name: row.name,
            description: row.description,
            created_at: from_db_time(row.created_at),
            updated_at: from_db_time(row.updated_at),
            version: row.version,
        })
    }
}

impl Stored for ConsumerGroup {
    const TABLE: &'static str = "consumer_groups";

    fn find(conn: &mut DbConnection, _: (), id: Uuid) -> Result<Option<Self>, StoreError> {
        consumer_groups::table
            .find(id.to_string())
            .select(ConsumerGroupRow::as_select())
            .first(conn)
            .optional()?
            .map(ConsumerGroup::try_from)
            .transpose()
    }

    fn list(
        conn: &mut DbConnection,
        _: (),
        filter: &ConsumerGroupFilter,
        page: &PageRequest,
    ) -> Result<Page<Self>, StoreError> {
        let mut query = consumer_groups::table
            .select(ConsumerGroupRow::as_select())
            .filter(consumer_groups::id.gt(page.after_key()))
            .order(consumer_groups::id)
            .limit(page.fetch())
            .into_boxed();
        if let Some(name) = &filter.name {
            query = query.filter(consumer_groups::name.eq(name.clone()));
        }
        let items = query
            .load(conn)?
            .into_iter()
            .map(ConsumerGroup::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, page, |g| g.id))
    }

    fn insert(
        conn: &mut DbConnection,
        _: (),
        meta: &Meta,
        input: &ConsumerGroupInput,
    ) -> Result<(), StoreError> {
        diesel::insert_into(consumer_groups::table)
            .values((
                consumer_groups::id.eq(meta.id.to_string()),
                consumer_groups::created_at.eq(to_db_time(meta.created_at)),
                ConsumerGroupForm::new(meta, input),
            ))
            .execute(conn)?;
        Ok(())
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &ConsumerGroupInput,
    ) -> Result<bool, StoreError> {
        Ok(update_row!(
            conn,
            consumer_groups,
            meta.id,
            expected_version,
            ConsumerGroupForm::new(meta, input)
        ))
    }

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

    fn remove(conn: &mut DbConnection, id: Uuid, version: Option<i32>) -> Result<bool, StoreError> {
        delete_row!(conn, consumer_groups, id, version)
    }
}
