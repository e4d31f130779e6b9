//! The migrations go up, down and up again to the same schema.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use vitrine::store::{revert_migrations, run_migrations, ConnectionManager, DbConnection};

use crate::helpers::TestDb;

#[derive(QueryableByName, PartialEq, Debug)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// The schema as text: tables, columns, types, keys and indexes.
fn schema(conn: &mut DbConnection) -> Vec<String> {
    let lines: Vec<Line> = match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(
            "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') AS line FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' AND name != '__diesel_schema_migrations' ORDER BY type, name",
        )
        .load(c),
        DbConnection::Pg(c) => diesel::sql_query(
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS line \
             FROM information_schema.columns WHERE table_schema = 'public' \
             AND table_name != '__diesel_schema_migrations' \
             UNION ALL SELECT indexdef AS line FROM pg_indexes WHERE schemaname = 'public' \
             AND tablename != '__diesel_schema_migrations' \
             UNION ALL SELECT conrelid::regclass::text || ' ' || pg_get_constraintdef(oid) AS line \
             FROM pg_constraint WHERE connamespace = 'public'::regnamespace \
             AND conrelid::regclass::text != '__diesel_schema_migrations' ORDER BY line",
        )
        .load(c),
    }
    .expect("read the schema");
    lines.into_iter().map(|l| l.line).collect()
}

#[test]
fn migrations_go_up_down_and_up_to_the_same_schema() {
    let db = TestDb::empty();
    let mut conn = ConnectionManager::new(&db.url)
        .connect()
        .expect("a connection");
    assert!(run_migrations(&mut conn).expect("up") >= 1);
    let first = schema(&mut conn);
    assert!(first.len() > 30, "the schema has its tables: {first:?}");
    assert!(revert_migrations(&mut conn).expect("down") >= 1);
    assert!(schema(&mut conn).is_empty(), "down removes everything");
    run_migrations(&mut conn).expect("up again");
    assert_eq!(schema(&mut conn), first);
    // Nothing is pending now.
    assert_eq!(run_migrations(&mut conn).expect("no-op"), 0);
    conn.batch_execute("SELECT 1")
        .expect("the connection still works");
}
