//! The test harness: each test gets its own database and its own server on
//! a free port, and talks HTTP to it as a client would.
//!
//! Tests run on SQLite (a file in a temporary folder). With
//! `VITRINE_TEST_DATABASE_URL=postgres://...` they run on PostgreSQL, each in
//! a database of its own cloned from a migrated template, dropped at the
//! end.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::http::Method;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use vitrine::config::Config;
use vitrine::startup;
use vitrine::store::{run_migrations, Backend, ConnectionManager, DbConnection};

/// The admin key every test server accepts.
pub const ADMIN_KEY: &str = "test-admin-key-0123456789";

/// A database of one test.
pub struct TestDb {
    /// Its URL.
    pub url: String,
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A new database, ready for a server. On PostgreSQL it is a clone of
    /// the migrated template, so the server's start-up migration finds
    /// nothing to do; on SQLite it is an empty file that the server migrates
    /// at start-up, which keeps that path tested.
    pub fn new() -> TestDb {
        Self::create(true)
    }

    /// A new database without any table.
    pub fn empty() -> TestDb {
        Self::create(false)
    }

    fn create(migrated: bool) -> TestDb {
        match std::env::var("VITRINE_TEST_DATABASE_URL") {
            Ok(base) if Backend::of_url(&base) == Backend::Postgres => {
                let name = format!("vitrine_test_{}", Uuid::new_v4().simple());
                let create = if migrated {
                    format!(
                        "CREATE DATABASE {name} TEMPLATE {}",
                        Template::get(&base).name
                    )
                } else {
                    format!("CREATE DATABASE {name}")
                };
                admin_connection(&base)
                    .batch_execute(&create)
                    .expect("create the test database");
                TestDb {
                    url: database_url(&base, &name),
                    postgres: Some((base, name)),
                    _dir: None,
                }
            }
            _ => {
                // In memory where the machine has it: the tests check behaviour,
                // not the disk's speed.
                let shm = std::path::Path::new("/dev/shm");
                let dir = if shm.is_dir() {
                    tempfile::tempdir_in(shm)
                } else {
                    tempfile::tempdir()
                }
                .expect("a temporary folder");
                let url = dir.path().join("vitrine.db").display().to_string();
                TestDb {
                    url,
                    postgres: None,
                    _dir: Some(dir),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, name)) = &self.postgres {
            if let Ok(mut admin) = ConnectionManager::new(base).connect() {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// The advisory lock that serialises the making of templates, whichever
/// process makes them.
const TEMPLATE_MAKING_LOCK: i64 = 0x7669_7472_696e_6501;
const TEMPLATE_PREFIX: &str = "vitrine_template_";

/// The PostgreSQL database every test database is cloned from: migrated
/// once per version of the migrations, named after a hash of their files,
/// and shared by every test process that has the same migrations.
struct Template {
    name: String,
    /// An admin session that holds a shared advisory lock on the template's
    /// key while this process lives: a process with other migrations drops
    /// old templates only when it can take that lock, so it never drops one
    /// that is still being cloned from.
    _lease: Mutex<DbConnection>,
}

impl Template {
    /// The template for this process, made on first use if no other
    /// process made it before.
    fn get(base: &str) -> &'static Template {
        static TEMPLATE: OnceLock<Template> = OnceLock::new();
        TEMPLATE.get_or_init(|| Template::make(base))
    }

    fn make(base: &str) -> Template {
        let hash = migrations_hash();
        let name = format!("{TEMPLATE_PREFIX}{hash:016x}");
        let mut admin = admin_connection(base);
        admin
            .batch_execute(&format!(
                "SELECT pg_advisory_lock({TEMPLATE_MAKING_LOCK}); \
                 SELECT pg_advisory_lock_shared({})",
                lock_key(hash)
            ))
            .expect("the template locks");
        if !database_names(&mut admin).contains(&name) {
            // Made under another name and renamed when complete: a template
            // under its final name is always fully migrated, even when a
            // process died while making it.
            let partial = format!("{name}_partial");
            if database_names(&mut admin).contains(&partial) {
                drop_template(&mut admin, &partial);
            }
            admin
                .batch_execute(&format!("CREATE DATABASE {partial}"))
                .expect("a new template");
            {
                let mut conn = ConnectionManager::new(&database_url(base, &partial))
                    .connect()
                    .expect("a connection to the new template");
                run_migrations(&mut conn).expect("migrate the template");
            }
            // Cloning fails while anyone is connected to the template: from
            // now on, nobody can connect to it.
            for statement in [
                format!("ALTER DATABASE {partial} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"),
                format!("ALTER DATABASE {partial} RENAME TO {name}"),
            ] {
                admin.batch_execute(&statement).expect("seal the template");
            }
            drop_old_templates(&mut admin, &name);
        }
        admin
            .batch_execute(&format!(
                "SELECT pg_advisory_unlock({TEMPLATE_MAKING_LOCK})"
            ))
            .expect("release the template lock");
        Template {
            name,
            _lease: Mutex::new(admin),
        }
    }
}

/// Drops the templates of other migrations that no running process uses.
fn drop_old_templates(admin: &mut DbConnection, current: &str) {
    for old in database_names(admin) {
        let Some(key) = old
            .strip_prefix(TEMPLATE_PREFIX)
            .and_then(|rest| rest.get(..16))
            .and_then(|hex| u64::from_str_radix(hex, 16).ok())
            .map(lock_key)
        else {
            continue;
        };
        if old == current || !try_lock(admin, key) {
            continue;
        }
        drop_template(admin, &old);
        admin
            .batch_execute(&format!("SELECT pg_advisory_unlock({key})"))
            .expect("release an old template's lock");
    }
}

fn drop_template(admin: &mut DbConnection, name: &str) {
    for statement in [
        format!("ALTER DATABASE {name} WITH IS_TEMPLATE false"),
        format!("DROP DATABASE {name} WITH (FORCE)"),
    ] {
        admin.batch_execute(&statement).expect("drop a template");
    }
}

fn try_lock(admin: &mut DbConnection, key: i64) -> bool {
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = Bool)]
        locked: bool,
    }
    diesel::sql_query(format!("SELECT pg_try_advisory_lock({key}) AS locked"))
        .get_result::<Locked>(admin)
        .expect("try an advisory lock")
        .locked
}

fn database_names(admin: &mut DbConnection) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Database {
        #[diesel(sql_type = Text)]
        datname: String,
    }
    diesel::sql_query("SELECT datname FROM pg_database")
        .load::<Database>(admin)
        .expect("the list of databases")
        .into_iter()
        .map(|d| d.datname)
        .collect()
}

/// The advisory lock key of a template: its hash, as PostgreSQL's bigint.
fn lock_key(hash: u64) -> i64 {
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// A hash of the PostgreSQL migrations: their paths and contents.
fn migrations_hash() -> u64 {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("the migrations folder") {
            let path = entry.expect("a migration file").path();
            if path.is_dir() {
                walk(&path, files);
            } else {
                files.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        let relative = file.strip_prefix(&root).expect("a file under the folder");
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(&file).expect("a migration file"));
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let mut first = [0; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

fn admin_connection(base: &str) -> DbConnection {
    ConnectionManager::new(base)
        .connect()
        .expect("VITRINE_TEST_DATABASE_URL must reach PostgreSQL")
}

/// `base` with its database name replaced by `name`.
fn database_url(base: &str, name: &str) -> String {
    let (url, query) = match base.split_once('?') {
        Some((url, query)) => (url, format!("?{query}")),
        None => (base, String::new()),
    };
    let (prefix, _) = url.rsplit_once('/').expect("a URL with a database name");
    format!("{prefix}/{name}{query}")
}

/// A running Vitrine over its own database.
pub struct TestApp {
    /// Where it listens.
    pub addr: SocketAddr,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
    /// Its database (dropped after the server stops).
    pub db: TestDb,
}

impl TestApp {
    /// Starts a server on a new database.
    pub fn spawn() -> TestApp {
        Self::spawn_with(&[])
    }

    /// Starts a server on a new database, with extra environment settings.
    pub fn spawn_with(settings: &[(&str, &str)]) -> TestApp {
        Self::start(TestDb::new(), settings)
    }

    /// Another server on this one's database, as a second replica would be,
    /// with extra environment settings. Drop it before this one.
    pub fn replica(&self, settings: &[(&str, &str)]) -> TestApp {
        let db = TestDb {
            url: self.db.url.clone(),
            postgres: None,
            _dir: None,
        };
        Self::start(db, settings)
    }

    fn start(db: TestDb, settings: &[(&str, &str)]) -> TestApp {
        let url = db.url.clone();
        let settings: Vec<(String, String)> = settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let config = Config::from_lookup(|name| {
            if let Some((_, v)) = settings.iter().find(|(k, _)| k == name) {
                return Some(v.clone());
            }
            match name {
                "VITRINE_DATABASE_URL" => Some(url.clone()),
                "VITRINE_ADMIN_KEY" => Some(ADMIN_KEY.to_owned()),
                "VITRINE_DB_POOL_SIZE" => Some("4".to_owned()),
                "VITRINE_WORKERS" => Some("1".to_owned()),
                _ => None,
            }
        })
        .expect("a valid test configuration");
        let catalogue =
            startup::open_catalogue(&config).expect("open and migrate the test database");
        let listener = startup::listen("127.0.0.1:0").expect("a free port");
        let addr = listener.local_addr().expect("the bound address");
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = startup::server(startup::state(&config, catalogue), &config, listener)
                    .expect("start the server");
                tx.send(server.handle())
                    .expect("hand over the server handle");
                let _ = server.await;
            })
        });
        let handle = rx.recv().expect("the server started");
        TestApp {
            addr,
            handle,
            thread: Some(thread),
            db,
        }
    }

    /// A request with the admin key.
    pub fn req(&self, method: &str, path: &str) -> Request<'_> {
        Request {
            app: self,
            method: method.to_owned(),
            path: path.to_owned(),
            headers: vec![("Authorization".into(), format!("Bearer {ADMIN_KEY}"))],
            body: Vec::new(),
        }
    }

    /// GET with the admin key.
    pub fn get(&self, path: &str) -> Response {
        self.req("GET", path).send()
    }

    /// Creates an entity with the admin key and returns it; fails the test
    /// unless the answer is 201.
    pub fn create(&self, collection: &str, body: Value) -> Value {
        let res = self
            .req("POST", &format!("/api/v1{collection}"))
            .json(&body)
            .send();
        assert_eq!(res.status, 201, "create {collection}: {}", res.text());
        res.json()
    }

    /// Creates an API key of `role` (and customer) and returns its secret.
    pub fn key(&self, role: &str, customer_id: Option<&str>) -> String {
        let key = self.create(
            "/api-keys",
            json!({"name": role, "role": role, "customer_id": customer_id}),
        );
        key["secret"].as_str().expect("a secret").to_owned()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        actix_web::rt::System::new().block_on(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A request being built.
pub struct Request<'a> {
    app: &'a TestApp,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request<'_> {
    /// Sends `key` instead of the admin key.
    pub fn key(mut self, key: &str) -> Self {
        self.headers.retain(|(k, _)| k != "Authorization");
        self.headers
            .push(("Authorization".into(), format!("Bearer {key}")));
        self
    }

    /// Sends no key.
    pub fn no_key(mut self) -> Self {
        self.headers.retain(|(k, _)| k != "Authorization");
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends `If-Match` with the ETag of `version`.
    pub fn if_match(self, version: i64) -> Self {
        self.header("If-Match", &format!("\"{version}\""))
    }

    /// A JSON body.
    pub fn json(self, body: &Value) -> Self {
        self.body(body.to_string().into_bytes(), "application/json")
    }

    /// A merge patch body.
    pub fn merge_patch(self, body: &Value) -> Self {
        self.body(
            body.to_string().into_bytes(),
            "application/merge-patch+json",
        )
    }

    /// Any body, of any content type.
    pub fn body(mut self, body: Vec<u8>, content_type: &str) -> Self {
        self.headers
            .push(("Content-Type".into(), content_type.to_owned()));
        self.body = body;
        self
    }

    /// Sends the request on a connection of its own and reads the whole
    /// response.
    pub fn send(self) -> Response {
        let url = format!("http://{}{}", self.app.addr, self.path);
        let what = format!("{} {}", self.method, self.path);
        let method = Method::from_bytes(self.method.as_bytes())
            .unwrap_or_else(|e| panic!("{what}: a method: {e}"));
        actix_web::rt::System::new().block_on(async move {
            // `Connection: close`: no connection outlives its request, so no
            // request sees the state another left. Redirects are answers the
            // tests check, not followed.
            let client = CLIENT.with(Clone::clone);
            let mut request = client.request(method, url).force_close();
            for (name, value) in &self.headers {
                request = request.append_header((name.as_str(), value.as_str()));
            }
            let mut res = request
                .send_body(self.body)
                .await
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            let body = res
                .body()
                .limit(MAX_RESPONSE_BYTES)
                .await
                .unwrap_or_else(|e| panic!("{what}: the body: {e}"));
            Response {
                status: res.status().as_u16(),
                headers: res
                    .headers()
                    .iter()
                    .map(|(name, value)| {
                        (
                            name.as_str().to_owned(),
                            String::from_utf8_lossy(value.as_bytes()).into_owned(),
                        )
                    })
                    .collect(),
                body: body.to_vec(),
            }
        })
    }
}

thread_local! {
    /// One client per thread: making one loads the system's TLS roots,
    /// which costs more than a request. No connection is kept between
    /// requests (`Connection: close`).
    static CLIENT: awc::Client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .disable_redirects()
        .no_default_headers()
        .finish();
}

/// Larger than any answer of the service, so that a whole body is always
/// read.
const MAX_RESPONSE_BYTES: usize = 1 << 30;

/// A response, read whole.
#[derive(Debug)]
pub struct Response {
    /// Its status code.
    pub status: u16,
    /// Its headers, names in lower case; the values of one name in the
    /// order they came.
    pub headers: Vec<(String, String)>,
    /// Its body.
    pub body: Vec<u8>,
}

impl Response {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }

    /// Asserts a problem+json answer with this status, and returns it.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "expected {status}, got: {}",
            self.text()
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text()
        );
        let body = self.json();
        assert_eq!(body["status"], status);
        for member in ["type", "title", "detail"] {
            assert!(
                body[member].is_string(),
                "problem without `{member}`: {body}"
            );
        }
        body
    }

    /// The fields named by a 422 problem.
    pub fn invalid_fields(&self) -> Vec<String> {
        self.problem(422)["errors"]
            .as_array()
            .expect("a list of field errors")
            .iter()
            .map(|e| e["field"].as_str().expect("a field name").to_owned())
            .collect()
    }
}

/// The names of an object's members, sorted.
pub fn member_names(object: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = object
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    names
}

/// The id of an entity.
pub fn id(entity: &Value) -> String {
    entity["id"].as_str().expect("an id").to_owned()
}

/// A small catalogue: one of each entity, linked.
pub struct Catalogue {
    pub resource: Value,
    pub product: Value,
    pub component: Value,
    pub service: Value,
    pub group: Value,
    pub offering: Value,
    pub customer: Value,
    pub agreement: Value,
}

impl Catalogue {
    /// Builds it through the API.
    pub fn build(app: &TestApp) -> Catalogue {
        let resource = app.create(
            "/resources",
            json!({"name": "VM", "dimension": "information_and_technology",
            "unit_cost": {"amount": "42.00", "currency": "EUR"}}),
        );
        let product = app.create("/products", json!({"name": "Linux server"}));
        let component = app.create(
            &format!("/products/{}/components", id(&product)),
            json!({"resource_id": id(&resource), "visibility": "customer", "customer_label": "A server"}),
        );
        let service = app.create(
            "/services",
            json!({"name": "Hosting", "product_ids": [id(&product)],
            "portfolio_stage": "catalogue"}),
        );
        let group = app.create("/consumer-groups", json!({"name": "Public sector"}));
        let offering = app.create(
            "/offerings",
            json!({"name": "Hosting Gold", "service_ids": [id(&service)],
            "consumer_group_ids": [id(&group)], "status": "active"}),
        );
        let customer = app.create(
            "/customers",
            json!({"name": "ACME", "consumer_group_ids": [id(&group)]}),
        );
        let agreement = app.create(
            "/agreements",
            json!({"customer_id": id(&customer), "offering_id": id(&offering)}),
        );
        Catalogue {
            resource,
            product,
            component,
            service,
            group,
            offering,
            customer,
            agreement,
        }
    }
}

/// Runs `vitrine` with `args` on the database at `url`, without a server
/// and without the admin key of the environment.
pub fn command_line(url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args(args)
        .env("VITRINE_DATABASE_URL", url)
        .env_remove("VITRINE_ADMIN_KEY")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run vitrine")
}

/// One request with the admin key to a server that may die at any moment;
/// none when it did.
pub fn try_send(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Option<(u16, Value)> {
    send_raw(
        addr,
        method,
        path,
        &[("Authorization", &format!("Bearer {ADMIN_KEY}"))],
        body,
    )
    .map(|(status, _, body)| (status, body))
}

/// Creates `body` in `path` on the server at `addr` with the admin key;
/// fails unless it answers 201. Returns what it answered.
#[track_caller]
pub fn create_at(addr: &str, path: &str, body: &Value) -> Value {
    let (status, created) = try_send(addr, "POST", path, Some(body)).expect("an answer");
    assert_eq!(status, 201, "{path}: {created}");
    created
}

/// One request to `addr`: the status, the head and the body as JSON (null
/// when it is not JSON); none when the connection failed.
pub fn send_raw(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Option<(u16, String, Value)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((
        status,
        head.to_owned(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    ))
}

/// The binary, serving on a free port, with what it writes to stderr.
pub struct Server {
    /// The process.
    pub child: std::process::Child,
    /// Where it listens.
    pub addr: String,
    /// Its stderr, line by line, as it comes.
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `vitrine` on `url` with the admin key and `env` (which may
    /// override any setting), and waits until it accepts connections.
    pub fn start(url: &str, env: &[(&str, &str)]) -> Server {
        Self::start_limited(url, env, None)
    }

    /// As [`Server::start`], with at most `file_limit` open files when one
    /// is given.
    pub fn start_limited(url: &str, env: &[(&str, &str)], file_limit: Option<u32>) -> Server {
        let mut server = Self::spawn(url, env, file_limit);
        server.wait_until_accepting();
        server
    }

    /// Starts `vitrine` as [`Server::start_limited`] does, without waiting.
    pub fn spawn(url: &str, env: &[(&str, &str)], file_limit: Option<u32>) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("a port")
            .local_addr()
            .expect("an address")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let binary = env!("CARGO_BIN_EXE_vitrine");
        let mut command = match file_limit {
            Some(limit) => {
                let mut sh = std::process::Command::new("sh");
                sh.args(["-c", &format!("ulimit -n {limit} && exec \"$0\""), binary]);
                sh
            }
            None => std::process::Command::new(binary),
        };
        command
            .env("VITRINE_DATABASE_URL", url)
            .env("VITRINE_BIND", &addr)
            .env("VITRINE_ADMIN_KEY", ADMIN_KEY)
            .env("VITRINE_WORKERS", "2")
            .env("RUST_LOG", "warn");
        for (name, value) in env {
            command.env(name, value);
        }
        command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().expect("start vitrine");
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        if let Some(stderr) = child.stderr.take() {
            let log = log.clone();
            std::thread::spawn(move || {
                use std::io::BufRead;
                for line in std::io::BufReader::new(stderr)
                    .lines()
                    .map_while(Result::ok)
                {
                    log.lock().expect("the log").push(line);
                }
            });
        }
        Server { child, addr, log }
    }

    /// Waits until the server accepts connections; fails if it exits.
    pub fn wait_until_accepting(&mut self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(&self.addr).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("vitrine exited with {status}: {:?}", self.log_lines());
            }
            assert!(
                std::time::Instant::now() < deadline,
                "vitrine did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The process's resident memory now and at its peak, in KiB.
    pub fn rss_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the process's status");
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// What it has written to stderr so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().expect("the log").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
