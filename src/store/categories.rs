//! Categories in the store.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::links::{
    category_offerings, category_services, check_exist, check_one, delete_row, find_and_list,
    insert_row, update_row,
};
use super::schema::{
    categories, category_offerings as offerings_table, category_services as services_table,
};
use super::{
    describe_uses, external_refs, form, keys, meta_of, parse_id, DbConnection, Removed, StoreError,
    Table, Writable,
};
use crate::catalogue::category::{Category, CategoryInput, DEPTH_MAX};
use crate::catalogue::{Entity, Errors, Meta, RowChange};

#[derive(Queryable, Selectable)]
#[diesel(table_name = categories)]
struct CategoryRow {
    id: String,
    name: String,
    description: Option<String>,
    parent_id: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

form! {
    /// The writable columns of a category.
    CategoryForm<'a> for categories from CategoryInput as (meta, input) {
        name: &'a str = &input.name,
        description: Option<&'a str> = input.description.as_deref(),
        parent_id: Option<String> = input.parent_id.map(|p| p.to_string()),
    }
}

fn assemble(conn: &mut DbConnection, rows: Vec<CategoryRow>) -> Result<Vec<Category>, StoreError> {
    let ids = rows
        .iter()
        .map(|r| parse_id(&r.id))
        .collect::<Result<Vec<_>, _>>()?;
    let mut refs = external_refs::load(conn, Category::KIND, &ids)?;
    let mut offerings = category_offerings::load(conn, &ids)?;
    let mut services = category_services::load(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let meta = meta_of(&row.id, row.created_at, row.updated_at, row.version)?;
            Ok(Category {
                fields: CategoryInput {
                    external_refs: refs.remove(&meta.id).unwrap_or_default(),
                    name: row.name,
                    description: row.description,
                    parent_id: row.parent_id.as_deref().map(parse_id).transpose()?,
                    offering_ids: offerings.remove(&meta.id).unwrap_or_default(),
                    service_ids: services.remove(&meta.id).unwrap_or_default(),
                },
                meta,
            })
        })
        .collect()
}

/// The categories with these ids, ordered by id.
pub fn by_ids(conn: &mut DbConnection, ids: &[Uuid]) -> Result<Vec<Category>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = categories::table
        .filter(categories::id.eq_any(keys(ids)))
        .select(CategoryRow::as_select())
        .order(categories::id)
        .load(conn)?;
    assemble(conn, rows)
}

/// The categories directly under each of `parents`, ordered by id.
pub fn children_of(
    conn: &mut DbConnection,
    parents: &[Uuid],
) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
    let rows: Vec<(String, Option<String>)> = categories::table
        .filter(categories::parent_id.eq_any(keys(parents)))
        .select((categories::id, categories::parent_id))
        .order(categories::id)
        .load(conn)?;
    rows.into_iter()
        .filter_map(|(id, parent)| parent.map(|p| (id, p)))
        .map(|(id, parent)| Ok((parse_id(&parent)?, parse_id(&id)?)))
        .collect()
}

/// The categories that group any of these offerings: `(category,
/// offering)`, ordered by category.
pub fn of_offerings(
    conn: &mut DbConnection,
    offerings: &[Uuid],
) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
    let rows: Vec<(String, String)> = offerings_table::table
        .filter(offerings_table::offering_id.eq_any(keys(offerings)))
        .select((offerings_table::category_id, offerings_table::offering_id))
        .order(offerings_table::category_id)
        .load(conn)?;
    rows.iter()
        .map(|(c, o)| Ok((parse_id(c)?, parse_id(o)?)))
        .collect()
}

/// The categories that group any of these services: `(category,
/// service)`, ordered by category.
pub fn of_services(
    conn: &mut DbConnection,
    services: &[Uuid],
) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
    let rows: Vec<(String, String)> = services_table::table
        .filter(services_table::service_id.eq_any(keys(services)))
        .select((services_table::category_id, services_table::service_id))
        .order(services_table::category_id)
        .load(conn)?;
    rows.iter()
        .map(|(c, s)| Ok((parse_id(c)?, parse_id(s)?)))
        .collect()
}

fn replace_children(
    conn: &mut DbConnection,
    id: Uuid,
    input: &CategoryInput,
) -> Result<Vec<RowChange>, StoreError> {
    let mut rows = category_offerings::replace(conn, id, &input.offering_ids)?;
    rows.extend(category_services::replace(conn, id, &input.service_ids)?);
    Ok(rows)
}

impl Table for Category {
    const TABLE: &'static str = "categories";

    find_and_list!(categories, CategoryRow, assemble, |query, filter| {
        if let Some(name) = &filter.name {
            query = query.filter(categories::name.eq(name.clone()));
        }
        if let Some(parent) = filter.parent_id {
            query = query.filter(categories::parent_id.eq(parent.to_string()));
        }
        if let Some(offering) = filter.offering_id {
            query = query.filter(
                categories::id.eq_any(
                    offerings_table::table
                        .filter(offerings_table::offering_id.eq(offering.to_string()))
                        .select(offerings_table::category_id),
                ),
            );
        }
        if let Some(service) = filter.service_id {
            query = query.filter(
                categories::id.eq_any(
                    services_table::table
                        .filter(services_table::service_id.eq(service.to_string()))
                        .select(services_table::category_id),
                ),
            );
        }
    });

    fn dependents(conn: &mut DbConnection, id: Uuid) -> Result<Option<String>, StoreError> {
        let children: i64 = categories::table
            .filter(categories::parent_id.eq(id.to_string()))
            .count()
            .get_result(conn)?;
        Ok(describe_uses(&[(children, "category")]))
    }

    fn remove(
        conn: &mut DbConnection,
        id: Uuid,
        version: Option<i32>,
    ) -> Result<Option<Removed>, StoreError> {
        let mut rows = category_offerings::remove_all(conn, id)?;
        rows.extend(category_services::remove_all(conn, id)?);
        Ok(delete_row!(conn, categories, id, version).then(|| Removed {
            rows,
            owned: Vec::new(),
        }))
    }
}

impl Writable for Category {
    fn missing_references(
        conn: &mut DbConnection,
        input: &CategoryInput,
        errors: &mut Errors,
    ) -> Result<(), StoreError> {
        if let Some(parent) = input.parent_id {
            check_one!(conn, errors, categories, "parent_id", "category", parent);
        }
        check_exist!(
            conn,
            errors,
            offerings,
            "offering_ids",
            "offering",
            &input.offering_ids
        );
        check_exist!(
            conn,
            errors,
            services,
            "service_ids",
            "service",
            &input.service_ids
        );
        Ok(())
    }

    /// A category cannot be under itself, nor under a category under it,
    /// and the tree goes [`DEPTH_MAX`] deep at most, the categories under
    /// it included. Moves are serialised, so that two of them cannot make a
    /// cycle that neither sees alone.
    fn misplaced(
        conn: &mut DbConnection,
        id: Uuid,
        input: &CategoryInput,
        errors: &mut Errors,
    ) -> Result<(), StoreError> {
        if let DbConnection::Pg(pg) = conn {
            // SQLite serialises every write transaction already.
            diesel::sql_query("SELECT pg_advisory_xact_lock(7263519340)").execute(pg)?;
        }
        let mut above = input.parent_id;
        let mut depth = 1;
        while let Some(parent) = above {
            if parent == id {
                errors.add(
                    "parent_id",
                    "would put the category under itself: pick a category that is not under it",
                );
                return Ok(());
            }
            depth += 1;
            if depth > DEPTH_MAX {
                break;
            }
            above = categories::table
                .find(parent.to_string())
                .select(categories::parent_id)
                .first::<Option<String>>(conn)
                .optional()?
                .flatten()
                .map(|p| parse_id(&p))
                .transpose()?;
        }
        // The levels under it move with it.
        let mut level = vec![id];
        while depth <= DEPTH_MAX {
            level = children_of(conn, &level)?
                .into_iter()
                .map(|(_, child)| child)
                .collect();
            if level.is_empty() {
                break;
            }
            depth += 1;
        }
        if depth > DEPTH_MAX {
            errors.add(
                "parent_id",
                format!("would make the tree deeper than {DEPTH_MAX} categories"),
            );
        }
        Ok(())
    }

    fn insert(
        conn: &mut DbConnection,
        _: (),
        meta: &Meta,
        input: &CategoryInput,
    ) -> Result<Vec<RowChange>, StoreError> {
        insert_row!(conn, categories, meta, CategoryForm::new(meta, input));
        replace_children(conn, meta.id, input)
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &CategoryInput,
    ) -> Result<Option<Vec<RowChange>>, StoreError> {
        let updated = update_row!(
            conn,
            categories,
            meta.id,
            expected_version,
            CategoryForm::new(meta, input)
        );
        if !updated {
            return Ok(None);
        }
        replace_children(conn, meta.id, input).map(Some)
    }
}
