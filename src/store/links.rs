//! Link tables of the many-to-many relations, each with the same three
//! queries: load the links of a page of parents, replace the links of one
//! parent, count the parents that link to one child.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::{parse_id, StoreError};
use crate::catalogue::Errors;

/// Groups `(parent, child)` rows by parent.
pub fn group(rows: Vec<(String, String)>) -> Result<HashMap<String, Vec<Uuid>>, StoreError> {
    let mut map: HashMap<String, Vec<Uuid>> = HashMap::new();
    for (parent, child) in rows {
        map.entry(parent).or_default().push(parse_id(&child)?);
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
            let wanted: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
            let found: std::collections::HashSet<String> = crate::store::schema::$table::table
                .filter(crate::store::schema::$table::id.eq_any(&wanted))
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
        Ok(deleted == 1)
    }};
}
pub(crate) use delete_row;

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

            use crate::store::schema::$table;
            use crate::store::{DbConnection, StoreError};

            /// The links of each of `parents`, ordered by child id.
            pub fn load(
                conn: &mut DbConnection,
                parents: &[String],
            ) -> Result<HashMap<String, Vec<Uuid>>, StoreError> {
                let rows: Vec<(String, String)> = $table::table
                    .filter($table::$parent.eq_any(parents))
                    .select(($table::$parent, $table::$child))
                    .order(($table::$parent, $table::$child))
                    .load(conn)?;
                crate::store::links::group(rows)
            }

            /// Makes `children` the links of `parent`.
            pub fn replace(
                conn: &mut DbConnection,
                parent: &str,
                children: &[Uuid],
            ) -> Result<(), StoreError> {
                diesel::delete($table::table.filter($table::$parent.eq(parent))).execute(conn)?;
                for child in children {
                    diesel::insert_into($table::table)
                        .values(($table::$parent.eq(parent), $table::$child.eq(child.to_string())))
                        .execute(conn)?;
                }
                Ok(())
            }

            /// The parents that link to any of `children`, each once.
            pub fn parents_of(conn: &mut DbConnection, children: &[String]) -> Result<Vec<String>, StoreError> {
                Ok($table::table
                    .filter($table::$child.eq_any(children))
                    .select($table::$parent)
                    .distinct()
                    .order($table::$parent)
                    .load(conn)?)
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
    /// Customers and the consumer groups they belong to.
    customer_groups: customer_consumer_groups (customer_id, consumer_group_id)
);
