//! The store: one diesel code path over SQLite and PostgreSQL, mapping rows
//! to the catalogue's types.
//!
//! Every query is written once against [`DbConnection`], a diesel
//! `MultiConnection` over both backends. [`Store::read`] runs its work in a
//! read transaction (a consistent snapshot), [`Store::write`] in a write
//! transaction; the service layer decides what goes in one.

pub mod agreements;
pub mod api_keys;
pub mod categories;
pub mod components;
pub mod consumer_groups;
pub mod customers;
pub mod events;
pub mod external_refs;
pub mod generations;
pub mod idempotency;
pub mod links;
pub mod offerings;
pub mod overlays;
pub mod prices;
pub mod products;
pub mod resources;
pub mod schema;
pub mod services;
pub mod view_watch;
pub mod views;
pub mod webhooks;

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{Pool, PooledConnection};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use uuid::Uuid;

use crate::catalogue::page::{Page, PageRequest};
use crate::catalogue::{Entity, Errors, Meta, RowChange};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Whether a read loads the external references of what it reads: the
/// views never show them, and skip their statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refs {
    /// With their external references.
    Load,
    /// Without: each read entity's `external_refs` is left empty.
    Skip,
}

/// A connection to either database; every query in the store is written
/// against this one type.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL, for production and replicas.
    Pg(PgConnection),
    /// SQLite, the embedded default.
    Sqlite(SqliteConnection),
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `postgres://` or `postgresql://`
    Postgres,
    /// anything else: a file path, optionally prefixed with `sqlite://`
    Sqlite,
}

impl Backend {
    /// The backend a database URL names.
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Opens connections for the pool, each one set up for its backend.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: String,
    backend: Backend,
    statement_timeout: Option<Duration>,
}

/// How long opening a connection may take when nothing else is said.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an SQLite statement waits for the write lock when nothing else
/// is said.
const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl ConnectionManager {
    /// A manager for the database at `url`, with the default connect
    /// timeout and no statement timeout.
    pub fn new(url: &str) -> Self {
        Self::with_timeouts(url, DEFAULT_CONNECT_TIMEOUT, None)
    }

    /// A manager for the database at `url`: opening a connection takes at
    /// most `connect` (libpq counts whole seconds, 2 at least), and a
    /// statement runs at most `statement` (on SQLite: waits at most that
    /// long for the write lock).
    pub fn with_timeouts(url: &str, connect: Duration, statement: Option<Duration>) -> Self {
        let backend = Backend::of_url(url);
        let url = match backend {
            Backend::Sqlite => url.strip_prefix("sqlite://").unwrap_or(url).to_owned(),
            // A server that accepts and never answers must not hang us: libpq
            // waits forever unless told otherwise. A timeout in the URL wins.
            Backend::Postgres if url.contains("connect_timeout=") => url.to_owned(),
            Backend::Postgres => format!(
                "{url}{}connect_timeout={}",
                if url.contains('?') { '&' } else { '?' },
                connect.as_secs().max(2)
            ),
        };
        ConnectionManager {
            url,
            backend,
            statement_timeout: statement,
        }
    }

    /// Opens one connection, set up as the pool would.
    pub fn connect(&self) -> Result<DbConnection, diesel::r2d2::Error> {
        match self.backend {
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.url)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // One blocked statement must not hold a pooled connection for long.
                if let Some(timeout) = self.statement_timeout {
                    conn.batch_execute(&format!("SET statement_timeout = {}", timeout.as_millis()))
                        .map_err(diesel::r2d2::Error::QueryError)?;
                }
                Ok(DbConnection::Pg(conn))
            }
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.url)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // Foreign keys are off by default in SQLite; WAL lets readers
                // run beside the writer; FULL sync makes an acknowledged
                // commit survive a power loss; the busy timeout makes writers
                // queue instead of failing at once, for as long as a
                // statement may take.
                let busy = self
                    .statement_timeout
                    .unwrap_or(DEFAULT_BUSY_TIMEOUT)
                    .as_millis();
                // No checkpoint by the connection whose commit fills the
                // log: that writer, and every writer queued behind it, would
                // wait for the database file to be written and synced; the
                // store checkpoints in the background instead. A log that
                // grew (a reader held it while writers went on) is cut back
                // to 64 MiB once it starts again.
                let settings = format!(
                    "PRAGMA busy_timeout = {busy}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                     PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864;"
                );
                // A new file turns to WAL under an exclusive lock, which
                // SQLite does not wait for: another process opening the same
                // new file (a replica starting beside this one) makes it fail
                // at once. The settings are the same each time: try again.
                let deadline = std::time::Instant::now() + Duration::from_millis(busy as u64);
                loop {
                    match conn.batch_execute(&settings) {
                        Ok(()) => break,
                        Err(e)
                            if e.to_string().contains("database is locked")
                                && std::time::Instant::now() < deadline =>
                        {
                            std::thread::sleep(Duration::from_millis(10));
                        }
                        Err(e) => return Err(diesel::r2d2::Error::QueryError(e)),
                    }
                }
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// A connection as the pool keeps it: marked when it failed in a way that
/// says its server is gone, so that the pool drops it instead of lending it
/// again.
pub struct Pooled {
    conn: DbConnection,
    dead: bool,
}

impl std::ops::Deref for Pooled {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

impl diesel::r2d2::ManageConnection for ConnectionManager {
    type Connection = Pooled;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Pooled, Self::Error> {
        ConnectionManager::connect(self).map(|conn| Pooled { conn, dead: false })
    }

    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), Self::Error> {
        pooled
            .conn
            .batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        pooled.dead
            || match &mut pooled.conn {
                DbConnection::Pg(c) => diesel::r2d2::R2D2Connection::is_broken(c),
                DbConnection::Sqlite(c) => diesel::r2d2::R2D2Connection::is_broken(c),
            }
    }
}

/// What [`Store::survey`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    /// The database and its version.
    pub version: String,
    /// This backend's migrations the database has applied.
    pub applied: usize,
    /// Those it has not applied yet.
    pub pending: usize,
    /// Migrations it has applied that this build does not know (a newer
    /// build's).
    pub unknown: usize,
}

/// How the pool is sized, and how long its connections may take.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Connections held at most.
    pub max_size: u32,
    /// How long a request waits for a free connection before it is refused.
    pub acquire_timeout: Duration,
    /// How long opening a connection may take.
    pub connect_timeout: Duration,
    /// How long a statement may run (PostgreSQL).
    pub statement_timeout: Duration,
}

/// Errors of the store, before they are given an HTTP meaning.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No connection became free in time.
    #[error("no database connection became free in time")]
    Unavailable(#[source] diesel::r2d2::PoolError),
    /// The database refused or failed a statement.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    /// A connection could not be set up.
    #[error("could not connect to the database: {0}")]
    Connect(String),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migration(String),
}

impl StoreError {
    /// Whether the connection's server session is gone.
    pub fn lost_connection(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error as D};
        matches!(
            self,
            StoreError::Query(D::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _
            ))
        )
    }

    /// The columns of a unique constraint the statement broke, when it
    /// broke one: `overlays.consumer_group_id, overlays.offering_id` on
    /// SQLite, `Key (consumer_group_id, offering_id)=(...)` on PostgreSQL.
    pub fn unique_columns(&self) -> Option<Vec<String>> {
        use diesel::result::{DatabaseErrorKind, Error as D};
        let StoreError::Query(D::DatabaseError(DatabaseErrorKind::UniqueViolation, info)) = self
        else {
            return None;
        };
        let columns = if let Some(list) = info
            .details()
            .and_then(|d| d.strip_prefix("Key ("))
            .and_then(|d| d.split_once(")="))
            .map(|(columns, _)| columns)
        {
            list.split(',').map(|c| c.trim().to_owned()).collect()
        } else {
            info.message()
                .split_once("UNIQUE constraint failed:")
                .map(|(_, list)| {
                    list.split(',')
                        .map(|c| c.trim().rsplit('.').next().unwrap_or(c).to_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        Some(columns)
    }
}

/// The catalogue's store: a pool of connections to one database.
#[derive(Clone)]
pub struct Store {
    pool: Pool<ConnectionManager>,
    backend: Backend,
    statement_timeout: Duration,
    /// SQLite has one writer at a time: the service's own writers take
    /// turns here, first come first served, instead of polling the file's
    /// lock on the busy timeout.
    writers: std::sync::Arc<Turns>,
    /// The background checkpoint of an SQLite store, stopped by the last
    /// clone (after the pool: its connections are closed first).
    checkpoints: Option<std::sync::Arc<Checkpointer>>,
}

/// A first-come, first-served queue of turns.
#[derive(Default)]
struct Turns {
    /// The next ticket to hand out, and the ticket whose turn it is.
    tickets: std::sync::Mutex<(u64, u64)>,
    changed: std::sync::Condvar,
}

/// A turn, held until dropped.
struct Turn<'a>(&'a Turns);

impl Turns {
    fn wait(&self) -> Turn<'_> {
        let mut tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        let mine = tickets.0;
        tickets.0 += 1;
        while tickets.1 != mine {
            tickets = self
                .changed
                .wait(tickets)
                .unwrap_or_else(|e| e.into_inner());
        }
        Turn(self)
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut tickets = self.0.tickets.lock().unwrap_or_else(|e| e.into_inner());
        tickets.1 += 1;
        drop(tickets);
        self.0.changed.notify_all();
    }
}

impl Store {
    /// Opens a pool on `url` (creating the SQLite file if needed).
    pub fn open(url: &str, settings: &PoolSettings) -> Result<Store, StoreError> {
        let manager = ConnectionManager::with_timeouts(
            url,
            settings.connect_timeout,
            Some(settings.statement_timeout),
        );
        let backend = manager.backend;
        // Fail at start-up, with the real cause, if the database is not there.
        manager
            .connect()
            .map_err(|e| StoreError::Connect(e.to_string()))?;
        let manager_for_checkpoints = manager.clone();
        // No test on checkout (a round trip per piece of work): a PostgreSQL
        // connection that died with its server (a restart, a failover) fails
        // the first statement of the work, which did nothing yet; the work
        // then starts again on a new connection (see `first`).
        //
        // No idle connection kept in reserve: the pool then opens one only
        // for a caller that waits for it, never in its background threads
        // on its own, so that no connection is being opened while the
        // process exits (libpq opening one under TLS while the exiting
        // process tears its TLS library down crashes the process).
        let pool = Pool::builder()
            .max_size(settings.max_size)
            .min_idle(Some(0))
            .connection_timeout(settings.acquire_timeout)
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| StoreError::Connect(e.to_string()))?;
        let writers = std::sync::Arc::<Turns>::default();
        let checkpoints = match backend {
            Backend::Sqlite => Some(std::sync::Arc::new(Checkpointer::start(
                &manager_for_checkpoints,
                writers.clone(),
            )?)),
            Backend::Postgres => None,
        };
        Ok(Store {
            pool,
            backend,
            statement_timeout: settings.statement_timeout,
            writers,
            checkpoints,
        })
    }

    /// Ends the background work of the store, for a process that stops
    /// while clones of it may still be alive: an SQLite store checkpoints a
    /// last time, emptying its log, and no more.
    pub fn close(&self) {
        if let Some(checkpoints) = &self.checkpoints {
            checkpoints.finish();
        }
    }

    /// The pool's connections: lent out, idle, and at most.
    pub fn pool_state(&self) -> (u32, u32, u32) {
        let state = self.pool.state();
        (
            state.connections - state.idle_connections,
            state.idle_connections,
            self.pool.max_size(),
        )
    }

    /// The database behind this store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn conn(&self) -> Result<PooledConnection<ConnectionManager>, StoreError> {
        self.pool.get().map_err(StoreError::Unavailable)
    }

    /// A connection on which `first`, the first statement of some work,
    /// succeeded, with what it returned. A pooled PostgreSQL connection that
    /// lost its server session (a restart, a failover) fails it at once: it
    /// is dropped from the pool, and `first` runs again on another one, up
    /// to a new one. Nothing ran before `first`, so nothing is done twice.
    fn first<T>(
        &self,
        first: impl Fn(&mut DbConnection) -> Result<T, StoreError>,
    ) -> Result<(PooledConnection<ConnectionManager>, T), StoreError> {
        let mut tries = self.pool.max_size();
        loop {
            let mut conn = self.conn()?;
            match first(&mut conn) {
                Ok(value) => return Ok((conn, value)),
                Err(e) if tries > 0 && e.lost_connection() => {
                    tracing::debug!(error = %e, "a pooled connection had lost its server");
                    conn.dead = true;
                    tries -= 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Runs `f`, one statement or a few that need no snapshot in common,
    /// outside any transaction.
    pub fn single<T>(
        &self,
        f: impl Fn(&mut DbConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.first(f).map(|(_, value)| value)
    }

    /// Runs the pending migrations of this backend.
    pub fn migrate(&self) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        // A migration may rewrite a large table: no statement timeout for it.
        if self.backend == Backend::Postgres {
            conn.batch_execute("SET statement_timeout = 0")?;
        }
        let applied = run_migrations(&mut conn);
        if self.backend == Backend::Postgres {
            conn.batch_execute(&format!(
                "SET statement_timeout = {}",
                self.statement_timeout.as_millis()
            ))?;
        }
        applied
    }

    /// What the database is (`PostgreSQL 15.4`, `SQLite 3.46.0`), and how
    /// many of this backend's migrations it has applied and has not yet;
    /// without writing anything.
    pub fn survey(&self) -> Result<Survey, StoreError> {
        #[derive(QueryableByName)]
        struct Version {
            #[diesel(sql_type = diesel::sql_types::Text)]
            version: String,
        }
        let query = match self.backend {
            Backend::Postgres => {
                "SELECT 'PostgreSQL ' || current_setting('server_version') AS version"
            }
            Backend::Sqlite => "SELECT 'SQLite ' || sqlite_version() AS version",
        };
        #[derive(QueryableByName)]
        struct Present {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            present: bool,
        }
        #[derive(QueryableByName)]
        struct Applied {
            #[diesel(sql_type = diesel::sql_types::Text)]
            version: String,
        }
        let mut conn = self.conn()?;
        let conn = &mut **conn;
        let version = diesel::sql_query(query).get_result::<Version>(conn)?;
        // Read only: the harness would make its table where it is missing.
        let (known, present) = match self.backend {
            Backend::Postgres => (
                versions::<diesel::pg::Pg>(&POSTGRES_MIGRATIONS)?,
                "SELECT to_regclass('__diesel_schema_migrations') IS NOT NULL AS present",
            ),
            Backend::Sqlite => (
                versions::<diesel::sqlite::Sqlite>(&SQLITE_MIGRATIONS)?,
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' \
                 AND name = '__diesel_schema_migrations') AS present",
            ),
        };
        let applied: std::collections::BTreeSet<String> = if diesel::sql_query(present)
            .get_result::<Present>(conn)?
            .present
        {
            diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
                .load::<Applied>(conn)?
                .into_iter()
                .map(|a| a.version)
                .collect()
        } else {
            std::collections::BTreeSet::new()
        };
        let known_applied = known.iter().filter(|v| applied.contains(*v)).count();
        Ok(Survey {
            version: version.version,
            applied: known_applied,
            pending: known.len() - known_applied,
            unknown: applied.len() - known_applied,
        })
    }

    /// Checks that the database answers.
    pub fn ping(&self) -> Result<(), StoreError> {
        self.single(|conn| Ok(conn.batch_execute("SELECT 1")?))
    }

    /// Runs `f` in a read-only transaction, so that an entity and its
    /// children are read from one snapshot.
    pub fn read<T, E>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let begin = match self.backend {
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            Backend::Sqlite => "BEGIN DEFERRED",
        };
        let (mut conn, ()) = self.first(|conn| Ok(conn.batch_execute(begin)?))?;
        run_transaction(&mut conn, End::Commit, f)
    }

    /// Runs `f` in a write transaction: committed when it returns Ok,
    /// rolled back when it fails or panics.
    pub fn write<T, E>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        self.write_ending(End::Commit, f)
    }

    fn write_ending<T, E>(
        &self,
        end: End,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        // SQLite takes the write lock at BEGIN, so that two writers never
        // fail on a lock upgrade; this service's writers take their turn
        // before, so that only other processes make one wait on the busy
        // timeout.
        let (begin, _turn) = match self.backend {
            Backend::Postgres => ("BEGIN", None),
            Backend::Sqlite => ("BEGIN IMMEDIATE", Some(self.writers.wait())),
        };
        let (mut conn, ()) = self.first(|conn| Ok(conn.batch_execute(begin)?))?;
        run_transaction(&mut conn, end, f)
    }
}

/// How often the background checkpoint of an SQLite store runs.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Copies the write-ahead log of an SQLite store into the database file
/// every [`CHECKPOINT_EVERY`], on a connection of its own: first beside the
/// writers (a passive checkpoint: the bulk of the copying and syncing, which
/// no writer waits for), then in a writer's turn for what they appended
/// meanwhile, so that the log is wholly copied and the next writer starts
/// it again from the beginning instead of growing it. The last clone of the
/// store stops it and waits for a last checkpoint that empties the log, so
/// that a process ends with its database file whole.
struct Checkpointer {
    stopped: std::sync::Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>,
    thread: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Checkpointer {
    fn start(
        manager: &ConnectionManager,
        writers: std::sync::Arc<Turns>,
    ) -> Result<Checkpointer, StoreError> {
        let mut conn = manager
            .connect()
            .map_err(|e| StoreError::Connect(e.to_string()))?;
        let stopped =
            std::sync::Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));
        let stop = stopped.clone();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".to_owned())
            .spawn(move || {
                let mut checkpoint = || conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE)");
                let (flag, changed) = &*stop;
                loop {
                    let guard = flag.lock().unwrap_or_else(|e| e.into_inner());
                    let (guard, _) = changed
                        .wait_timeout_while(guard, CHECKPOINT_EVERY, |stopped| !*stopped)
                        .unwrap_or_else(|e| e.into_inner());
                    if *guard {
                        // The last word: all of the log into the file, and
                        // the log emptied, whatever connection is still open.
                        if let Err(e) = conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)") {
                            tracing::warn!(error = %e, "the last checkpoint failed");
                        }
                        break;
                    }
                    drop(guard);
                    let done = checkpoint().and_then(|()| {
                        let _turn = writers.wait();
                        checkpoint()
                    });
                    if let Err(e) = done {
                        tracing::warn!(error = %e, "the background checkpoint failed");
                    }
                }
            })
            .map_err(|e| StoreError::Connect(format!("no thread for checkpoints: {e}")))?;
        Ok(Checkpointer {
            stopped,
            thread: std::sync::Mutex::new(Some(thread)),
        })
    }

    /// Stops the checkpoints and waits for the last one.
    fn finish(&self) {
        let (flag, changed) = &*self.stopped;
        *flag.lock().unwrap_or_else(|e| e.into_inner()) = true;
        changed.notify_all();
        let thread = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.finish();
    }
}

/// How a transaction ends when its work succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Commit,
    Rollback,
}

impl Store {
    /// Runs `f` in a write transaction that is rolled back whatever `f`
    /// returns: what a write would do, without doing it.
    pub fn rehearse<T, E>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        self.write_ending(End::Rollback, f)
    }
}

/// Runs `f` in the transaction begun on `conn`, and ends it.
fn run_transaction<T, E>(
    conn: &mut DbConnection,
    end: End,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    // A panic must not hand the connection back to the pool inside this
    // transaction: roll back first, then let the panic go on.
    let outcome = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut *conn))) {
        Ok(outcome) => outcome,
        Err(panic) => {
            rollback(conn);
            std::panic::resume_unwind(panic);
        }
    };
    match outcome {
        Ok(value) if end == End::Rollback => {
            rollback(conn);
            Ok(value)
        }
        Ok(value) => match conn.batch_execute("COMMIT") {
            Ok(()) => Ok(value),
            Err(e) => {
                rollback(conn);
                Err(StoreError::from(e).into())
            }
        },
        Err(e) => {
            rollback(conn);
            Err(e)
        }
    }
}

/// Rolls back, keeping the error that led here as the one reported: on
/// SQLite, some errors have rolled the transaction back already.
fn rollback(conn: &mut DbConnection) {
    if let Err(e) = conn.batch_execute("ROLLBACK") {
        tracing::debug!(error = %e, "rollback after a failed transaction");
    }
}

/// Locks the row `id` of `table` until the end of the write transaction,
/// so that a change reads the row it changes as it is when it commits:
/// concurrent changes of one row queue instead of failing on each other.
/// SQLite holds its one write lock from `BEGIN IMMEDIATE` already.
pub fn lock_row(conn: &mut DbConnection, table: &str, id: Uuid) -> Result<(), StoreError> {
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query(format!("SELECT 1 FROM {table} WHERE id = $1 FOR UPDATE"))
            .bind::<diesel::sql_types::Text, _>(id.to_string())
            .execute(pg)?;
    }
    Ok(())
}

/// Runs the pending migrations on one connection.
///
/// Replicas that start together on one database take turns: the first
/// applies what is pending while the others wait, then find nothing left
/// to do. On PostgreSQL the turn is an advisory lock of the session, on
/// SQLite the write lock, taken before the pending migrations are listed.
pub fn run_migrations(conn: &mut DbConnection) -> Result<usize, StoreError> {
    let applied = match conn {
        DbConnection::Pg(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATIONS_LOCK})"))?;
            let applied = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len());
            c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATIONS_LOCK})"))?;
            applied
        }
        DbConnection::Sqlite(c) => c.immediate_transaction(|c| {
            c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len())
        }),
    };
    applied.map_err(|e| StoreError::Migration(e.to_string()))
}

/// The versions of the migrations of `source`, for the backend `DB`.
fn versions<DB: diesel::backend::Backend>(
    source: &EmbeddedMigrations,
) -> Result<Vec<String>, StoreError> {
    let migrations = diesel::migration::MigrationSource::<DB>::migrations(source)
        .map_err(|e| StoreError::Migration(e.to_string()))?;
    Ok(migrations
        .iter()
        .map(|m| m.name().version().to_string())
        .collect())
}

/// The advisory lock that PostgreSQL sessions take in turn to migrate.
const MIGRATIONS_LOCK: i64 = 0x7669_7472_696e_6d67;

/// Reverts every migration on one connection (used to prove that the
/// migrations go down and up again cleanly).
pub fn revert_migrations(conn: &mut DbConnection) -> Result<usize, StoreError> {
    let reverted = match conn {
        DbConnection::Pg(c) => c
            .revert_all_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    reverted.map_err(|e| StoreError::Migration(e.to_string()))
}

pub(crate) fn to_db_time(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

pub(crate) fn from_db_time(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// The meta of a row from its four columns.
pub(crate) fn meta_of(
    id: &str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
) -> Result<Meta, StoreError> {
    Ok(Meta {
        id: parse_id(id)?,
        created_at: from_db_time(created_at),
        updated_at: from_db_time(updated_at),
        version,
    })
}

pub(crate) fn parse_id(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s)
        .map_err(|e| StoreError::Query(diesel::result::Error::DeserializationError(Box::new(e))))
}

/// A stored enum value, refused when the database holds a name the code
/// does not know.
pub(crate) fn parse_text<T>(s: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, StoreError> {
    parse(s).ok_or_else(|| {
        StoreError::Query(diesel::result::Error::DeserializationError(
            format!("unknown stored value `{s}`").into(),
        ))
    })
}

/// Says what still uses an entity, from counts of its users, or nothing when
/// there are none: "used by 2 services and 1 offering".
pub(crate) fn describe_uses(uses: &[(i64, &str)]) -> Option<String> {
    let parts: Vec<String> = uses
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| match n {
            1 => format!("1 {what}"),
            n => format!("{n} {}", crate::catalogue::plural(what)),
        })
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(format!("still used by {}", parts.join(" and ")))
    }
}

/// Declares the form a table's row is written from: its writable columns,
/// each with the expression that makes it from `meta` and `input`, plus
/// `updated_at` and `version` from `meta`. One line per column: the form is
/// both `Insertable` (with the id and `created_at` beside it) and
/// `AsChangeset`.
macro_rules! form {
    (
        $(#[$doc:meta])*
        $name:ident<$a:lifetime> for $table:ident from $input:ty as ($meta:ident, $value:ident) {
            $($column:ident: $ty:ty = $expr:expr),* $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(diesel::Insertable, diesel::AsChangeset)]
        #[diesel(table_name = crate::store::schema::$table, treat_none_as_null = true)]
        struct $name<$a> {
            $($column: $ty,)*
            updated_at: chrono::NaiveDateTime,
            version: i32,
        }

        impl<$a> $name<$a> {
            fn new($meta: &crate::catalogue::Meta, $value: &$a $input) -> Self {
                $name {
                    $($column: $expr,)*
                    updated_at: crate::store::to_db_time($meta.updated_at),
                    version: $meta.version,
                }
            }
        }
    };
}
pub(crate) use form;

/// The bound of a page's first id: rows after this key.
pub(crate) fn after_key(page: &PageRequest) -> String {
    page.after.map(|u| u.to_string()).unwrap_or_default()
}

/// Ids as the store keeps them: text.
pub(crate) fn keys(ids: &[Uuid]) -> Vec<String> {
    ids.iter().map(Uuid::to_string).collect()
}

/// What a delete removed: the rows of the entity's child tables, and the
/// entities it owned (a product's components), each as (kind, id, version).
#[derive(Debug, Default)]
pub struct Removed {
    /// The child rows deleted with it.
    pub rows: Vec<RowChange>,
    /// The entities deleted with it.
    pub owned: Vec<(&'static str, Uuid, i32)>,
}

/// How an entity is read and deleted.
pub trait Table: Entity {
    /// The table of its rows.
    const TABLE: &'static str;

    /// The kind of the scope's parent when it does not exist, such as
    /// `product`; none for top-level collections or an existing parent.
    fn check_scope(
        _conn: &mut DbConnection,
        _scope: Self::Scope,
    ) -> Result<Option<&'static str>, StoreError> {
        Ok(None)
    }
    /// Reads one entity.
    fn find(
        conn: &mut DbConnection,
        scope: Self::Scope,
        id: Uuid,
    ) -> Result<Option<Self>, StoreError>;
    /// Reads one page of entities.
    fn list(
        conn: &mut DbConnection,
        scope: Self::Scope,
        filter: &Self::Filter,
        page: &PageRequest,
    ) -> Result<Page<Self>, StoreError>;
    /// What still refers to this entity, in words, when anything does.
    fn dependents(_conn: &mut DbConnection, _id: Uuid) -> Result<Option<String>, StoreError> {
        Ok(None)
    }
    /// Deletes the entity with its child rows and what it owns, only at
    /// `version` when one is given; none when nothing was deleted.
    fn remove(
        conn: &mut DbConnection,
        id: Uuid,
        version: Option<i32>,
    ) -> Result<Option<Removed>, StoreError>;
}

/// How many rows a bulk insert writes per statement: well under the
/// bind-parameter limits of both databases.
pub(crate) const BULK_ROWS: usize = 500;

/// Inserts `$rows` (a `Vec` of insertable tuples) into `$table`: in one
/// statement on PostgreSQL, where each round trip counts; one row at a time
/// on SQLite, which runs in the process (and whose batch insert diesel does
/// not offer through a connection of either backend).
macro_rules! bulk_insert {
    ($conn:expr, $table:ident, $rows:expr) => {{
        use crate::store::schema::$table;
        let rows = $rows;
        match $conn {
            crate::store::DbConnection::Pg(pg) => {
                diesel::insert_into($table::table)
                    .values(&rows)
                    .execute(pg)?;
            }
            crate::store::DbConnection::Sqlite(sqlite) => {
                for row in rows {
                    diesel::insert_into($table::table)
                        .values(row)
                        .execute(sqlite)?;
                }
            }
        }
    }};
}
pub(crate) use bulk_insert;

/// Implements [`Writable::insert_many`] for a table whose row is its id,
/// `created_at` and its form `$form`.
macro_rules! insert_many {
    ($table:ident, $form:ident) => {
        fn insert_many(
            conn: &mut crate::store::DbConnection,
            items: &[(
                (),
                crate::catalogue::Meta,
                <Self as crate::catalogue::Entity>::Input,
            )],
        ) -> Result<(), crate::store::StoreError> {
            use crate::store::schema::$table;
            for chunk in items.chunks(crate::store::BULK_ROWS) {
                let rows: Vec<_> = chunk
                    .iter()
                    .map(|(_, meta, input)| {
                        (
                            $table::id.eq(meta.id.to_string()),
                            $table::created_at.eq(crate::store::to_db_time(meta.created_at)),
                            $form::new(meta, input),
                        )
                    })
                    .collect();
                crate::store::bulk_insert!(conn, $table, rows);
            }
            Ok(())
        }
    };
}
pub(crate) use insert_many;

/// Whether the catalogue holds nothing: no resource, product, service,
/// price, offering, consumer group, customer or category.
pub fn catalogue_is_empty(conn: &mut DbConnection) -> Result<bool, StoreError> {
    macro_rules! none_in {
        ($($table:ident),*) => {{
            let mut none = true;
            $(
                none = none
                    && schema::$table::table
                        .select(schema::$table::id)
                        .first::<String>(conn)
                        .optional()?
                        .is_none();
            )*
            none
        }};
    }
    Ok(none_in!(
        resources,
        products,
        services,
        prices,
        offerings,
        consumer_groups,
        customers,
        categories
    ))
}

/// How an entity is written from its input.
pub trait Writable: Table {
    /// Names, in `errors`, the ids of the input that exist nowhere.
    fn missing_references(
        _conn: &mut DbConnection,
        _input: &Self::Input,
        _errors: &mut Errors,
    ) -> Result<(), StoreError> {
        Ok(())
    }
    /// Names, in `errors`, what the input cannot be for the entity `id`
    /// where it stands among the others (a category under itself).
    fn misplaced(
        _conn: &mut DbConnection,
        _id: Uuid,
        _input: &Self::Input,
        _errors: &mut Errors,
    ) -> Result<(), StoreError> {
        Ok(())
    }
    /// Writes new entities at once, checked already, with nothing to
    /// record: the bulk path of a seed. One row at a time unless the table
    /// writes many rows per statement.
    fn insert_many(
        conn: &mut DbConnection,
        items: &[(Self::Scope, Meta, Self::Input)],
    ) -> Result<(), StoreError> {
        for (scope, meta, input) in items {
            Self::insert(conn, *scope, meta, input)?;
        }
        Ok(())
    }
    /// Writes a new entity; returns the child rows written with it.
    fn insert(
        conn: &mut DbConnection,
        scope: Self::Scope,
        meta: &Meta,
        input: &Self::Input,
    ) -> Result<Vec<RowChange>, StoreError>;
    /// Replaces the writable fields of the entity whose version is
    /// `expected_version`; returns the child rows written and deleted, or
    /// none when that version is no longer current.
    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &Self::Input,
    ) -> Result<Option<Vec<RowChange>>, StoreError>;
}
