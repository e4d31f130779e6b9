//! What every table's code shares: the link tables of the many-to-many
//! relations, the child rows kept in order, and the checks, updates and
//! deletes that differ from table to table only by name.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::{parse_id, StoreError};
use crate::catalogue::Errors;

/// Groups `(parent, child)` rows by parent.
pub fn group(rows: Vec<(String, String)>) -> Result<HashMap<Uuid, Vec<Uuid>>, StoreError> {
    let mut map: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (parent, child) in rows {
        map.entry(parse_id(&parent)?)
            .or_default()
            .push(parse_id(&child)?);
    }
    Ok(map)
}

/// Names each id of `ids` that is not in `found`.
pub fn report_missing(
    errors: &mut Errors,
    field: &str,
    what: &str,
    ids: &[Uuid],
    found: &HashSet<String>,
) {
    for (i, id) in ids.iter().enumerate() {
        if !found.contains(&id.to_string()) {
            errors.add(
                format!("{field}[{i}]"),
                format!("no {what} has the id {id}"),
            );
        }
    }
}

/// Reports the ids of `ids` that `$table` does not hold.
macro_rules! check_exist {
    ($conn:expr, $errors:expr, $table:ident, $field:literal, $what:literal, $ids:expr) => {{
        let ids: &[uuid::Uuid] = $ids;
        if !ids.is_empty() {
            let found: std::collections::HashSet<String> = crate::store::schema::$table::table
                .filter(crate::store::schema::$table::id.eq_any(crate::store::keys(ids)))
                .select(crate::store::schema::$table::id)
                .load::<String>($conn)?
                .into_iter()
                .collect();
            crate::store::links::report_missing($errors, $field, $what, ids, &found);
        }
    }};
}
pub(crate) use check_exist;

/// Whether `$table` holds a row with the id `$id`.
macro_rules! exists {
    ($conn:expr, $table:ident, $id:expr) => {{
        let found: i64 = crate::store::schema::$table::table
            .filter(crate::store::schema::$table::id.eq($id.to_string()))
            .count()
            .get_result($conn)?;
        found > 0
    }};
}
pub(crate) use exists;

/// Sets `$form` on the row `$id` of `$table` if its version is still
/// `$expected`; evaluates to whether the row was changed.
macro_rules! update_row {
    ($conn:expr, $table:ident, $id:expr, $expected:expr, $form:expr) => {{
        use crate::store::schema::$table;
        let updated = diesel::update(
            $table::table
                .find($id.to_string())
                .filter($table::version.eq($expected)),
        )
        .set($form)
        .execute($conn)?;
        updated == 1
    }};
}
pub(crate) use update_row;

/// Deletes the row `$id` of `$table`, only at `$version` when one is given;
/// evaluates to whether a row went.
macro_rules! delete_row {
    ($conn:expr, $table:ident, $id:expr, $version:expr) => {{
        use crate::store::schema::$table;
        let id = $id.to_string();
        let deleted = match $version {
            Some(version) => {
                diesel::delete($table::table.find(id).filter($table::version.eq(version)))
                    .execute($conn)?
            }
            None => diesel::delete($table::table.find(id)).execute($conn)?,
        };
        deleted == 1
    }};
}
pub(crate) use delete_row;

/// Writes the row of a new entity: its id and creation time, and `$form`.
macro_rules! insert_row {
    ($conn:expr, $table:ident, $meta:expr, $form:expr) => {{
        use crate::store::schema::$table;
        diesel::insert_into($table::table)
            .values((
                $table::id.eq($meta.id.to_string()),
                $table::created_at.eq(crate::store::to_db_time($meta.created_at)),
                $form,
            ))
            .execute($conn)?;
    }};
}
pub(crate) use insert_row;

/// Implements [`Table::find`](crate::store::Table::find) and
/// [`Table::list`](crate::store::Table::list) for a top-level entity of
/// `$table`, read as `$row` and made entities by `$assemble`; `$filters`
/// narrows the boxed list query `$query` by the filter `$filter`.
macro_rules! find_and_list {
    ($table:ident, $row:ty, $assemble:path, |$query:ident, $filter:ident| $filters:block) => {
        crate::store::links::find_and_list!(@inner $table, $row, $assemble, |$query, $filter| {
            $filters
            if let Some(reference) = &$filter.external_ref {
                $query = $query.filter(
                    $table::id.eq_any(crate::store::external_refs::owners!(
                        <Self as crate::catalogue::Entity>::KIND,
                        &reference.0
                    )),
                );
            }
        });
    };
    (without refs $table:ident, $row:ty, $assemble:path, |$query:ident, $filter:ident| $filters:block) => {
        crate::store::links::find_and_list!(@inner $table, $row, $assemble, |$query, $filter| $filters);
    };
    (@inner $table:ident, $row:ty, $assemble:path, |$query:ident, $filter:ident| $filters:block) => {
        fn find(
            conn: &mut crate::store::DbConnection,
            _: (),
            id: uuid::Uuid,
        ) -> Result<Option<Self>, crate::store::StoreError> {
            let rows = crate::store::schema::$table::table
                .find(id.to_string())
                .select(<$row>::as_select())
                .load(conn)?;
            Ok($assemble(conn, rows)?.pop())
        }

        fn list(
            conn: &mut crate::store::DbConnection,
            _: (),
            $filter: &Self::Filter,
            page: &crate::catalogue::page::PageRequest,
        ) -> Result<crate::catalogue::page::Page<Self>, crate::store::StoreError> {
            use crate::store::schema::$table;
            #[allow(unused_mut)]
            let mut $query = $table::table
                .select(<$row>::as_select())
                .filter($table::id.gt(crate::store::after_key(page)))
                .order($table::id)
                .limit(page.fetch())
                .into_boxed();
            $filters
            let rows = $query.load(conn)?;
            Ok(crate::catalogue::page::Page::from_rows(
                $assemble(conn, rows)?,
                page,
                |e| e.meta.id,
            ))
        }
    };
}
pub(crate) use find_and_list;

/// Refuses `$field` unless `$table` holds the id `$id`.
macro_rules! check_one {
    ($conn:expr, $errors:expr, $table:ident, $field:literal, $what:literal, $id:expr) => {{
        let id: uuid::Uuid = $id;
        if !crate::store::links::exists!($conn, $table, id) {
            $errors.add($field, format!("no {} has the id {id}", $what));
        }
    }};
}
pub(crate) use check_one;

/// Declares the queries of one link table `$table ($parent, $child)`.
macro_rules! link_table {
    ($(#[$meta:meta])* $module:ident: $table:ident ($parent:ident, $child:ident)) => {
        $(#[$meta])*
        pub mod $module {
            use std::collections::HashMap;

            use diesel::prelude::*;
            use uuid::Uuid;

            use crate::catalogue::{Operation, RowChange};
            use crate::store::schema::$table;
            use crate::store::{keys, parse_id, DbConnection, StoreError};

            /// The links of each of `parents`, ordered by child id.
            pub fn load(
                conn: &mut DbConnection,
                parents: &[Uuid],
            ) -> Result<HashMap<Uuid, Vec<Uuid>>, StoreError> {
                if parents.is_empty() {
                    return Ok(HashMap::new());
                }
                let rows: Vec<(String, String)> = $table::table
                    .filter($table::$parent.eq_any(keys(parents)))
                    .select(($table::$parent, $table::$child))
                    .order(($table::$parent, $table::$child))
                    .load(conn)?;
                crate::store::links::group(rows)
            }

            /// Makes `children` the links of `parent`: deletes the links it
            /// no longer has and writes the new ones, and says which.
            pub fn replace(
                conn: &mut DbConnection,
                parent: Uuid,
                children: &[Uuid],
            ) -> Result<Vec<RowChange>, StoreError> {
                let key = parent.to_string();
                let wanted = keys(children);
                let gone: Vec<String> = diesel::delete(
                    $table::table
                        .filter($table::$parent.eq(&key))
                        .filter($table::$child.ne_all(&wanted)),
                )
                .returning($table::$child)
                .get_results(conn)?;
                let kept: Vec<String> = $table::table
                    .filter($table::$parent.eq(&key))
                    .select($table::$child)
                    .load(conn)?;
                let mut changes: Vec<RowChange> = gone
                    .iter()
                    .map(|child| RowChange::new(stringify!($table), parent, child, Operation::Deleted))
                    .collect();
                for child in wanted.iter().filter(|c| !kept.contains(c)) {
                    diesel::insert_into($table::table)
                        .values(($table::$parent.eq(&key), $table::$child.eq(child)))
                        .execute(conn)?;
                    changes.push(RowChange::new(stringify!($table), parent, child, Operation::Created));
                }
                Ok(changes)
            }

            /// Deletes every link of `parent`, and says which.
            pub fn remove_all(conn: &mut DbConnection, parent: Uuid) -> Result<Vec<RowChange>, StoreError> {
                let gone: Vec<String> = diesel::delete($table::table.filter($table::$parent.eq(parent.to_string())))
                    .returning($table::$child)
                    .get_results(conn)?;
                Ok(gone
                    .iter()
                    .map(|child| RowChange::new(stringify!($table), parent, child, Operation::Deleted))
                    .collect())
            }

            /// The parents that link to any of `children`, each once.
            pub fn parents_of(conn: &mut DbConnection, children: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
                if children.is_empty() {
                    return Ok(Vec::new());
                }
                $table::table
                    .filter($table::$child.eq_any(keys(children)))
                    .select($table::$parent)
                    .distinct()
                    .order($table::$parent)
                    .load::<String>(conn)?
                    .iter()
                    .map(|p| parse_id(p))
                    .collect()
            }

            /// How many parents link to `child`.
            pub fn count_using(conn: &mut DbConnection, child: Uuid) -> Result<i64, StoreError> {
                Ok($table::table
                    .filter($table::$child.eq(child.to_string()))
                    .count()
                    .get_result(conn)?)
            }
        }
    };
}

link_table!(
    /// Services and the products they are built on.
    service_products: service_products (service_id, product_id)
);
link_table!(
    /// Offerings and the services they package.
    offering_services: offering_services (offering_id, service_id)
);
link_table!(
    /// Offerings and the consumer groups they are designed for.
    offering_groups: offering_consumer_groups (offering_id, consumer_group_id)
);
link_table!(
    /// Offerings and their prices.
    offering_prices: offering_prices (offering_id, price_id)
);
link_table!(
    /// Customers and the consumer groups they belong to.
    customer_groups: customer_consumer_groups (customer_id, consumer_group_id)
);

/// Declares the queries of one table of child rows kept in order,
/// `$table ($parent, position, ...)`, whose rows are values of `$item`.
macro_rules! ordered_children {
    (
        $(#[$meta:meta])* $module:ident: $table:ident ($parent:ident) of $item:ty {
            $($column:ident: $ty:ty),* $(,)?
        }
        read |$($var:ident),*| $read:expr;
        write |$value:ident| ($($write:expr),* $(,)?)
    ) => {
        $(#[$meta])*
        pub mod $module {
            use std::collections::HashMap;

            use diesel::prelude::*;
            use uuid::Uuid;

            #[allow(unused_imports)]
            use super::*;
            use crate::catalogue::{Operation, RowChange};
            use crate::store::schema::$table;
            use crate::store::{keys, parse_id, DbConnection, StoreError};

            /// The rows of each of `parents`, in order.
            pub fn load(
                conn: &mut DbConnection,
                parents: &[Uuid],
            ) -> Result<HashMap<Uuid, Vec<$item>>, StoreError> {
                if parents.is_empty() {
                    return Ok(HashMap::new());
                }
                let rows: Vec<(String, $($ty),*)> = $table::table
                    .filter($table::$parent.eq_any(keys(parents)))
                    .order(($table::$parent, $table::position))
                    .select(($table::$parent, $($table::$column),*))
                    .load(conn)?;
                let mut map: HashMap<Uuid, Vec<$item>> = HashMap::new();
                for (parent, $($var),*) in rows {
                    let item: $item = $read;
                    map.entry(parse_id(&parent)?).or_default().push(item);
                }
                Ok(map)
            }

            /// Makes `items` the rows of `parent`, in order, and says which
            /// rows were deleted and written.
            pub fn replace(
                conn: &mut DbConnection,
                parent: Uuid,
                items: &[$item],
            ) -> Result<Vec<RowChange>, StoreError> {
                let mut changes = remove_all(conn, parent)?;
                let key = parent.to_string();
                for (position, $value) in items.iter().enumerate() {
                    diesel::insert_into($table::table)
                        .values((
                            $table::$parent.eq(&key),
                            $table::position.eq(position as i32),
                            $($table::$column.eq($write)),*
                        ))
                        .execute(conn)?;
                    changes.push(RowChange::new(stringify!($table), parent, position, Operation::Created));
                }
                Ok(changes)
            }

            /// Deletes every row of `parent`, and says which.
            pub fn remove_all(conn: &mut DbConnection, parent: Uuid) -> Result<Vec<RowChange>, StoreError> {
                let gone: Vec<i32> = diesel::delete($table::table.filter($table::$parent.eq(parent.to_string())))
                    .returning($table::position)
                    .get_results(conn)?;
                Ok(gone
                    .iter()
                    .map(|position| RowChange::new(stringify!($table), parent, position, Operation::Deleted))
                    .collect())
            }
        }
    };
}
pub(crate) use ordered_children;
link_table!(
    /// Categories and the offerings they group.
    category_offerings: category_offerings (category_id, offering_id)
);
link_table!(
    /// Categories and the services they group.
    category_services: category_services (category_id, service_id)
);
