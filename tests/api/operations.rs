//! The binary as an operator meets it: the command line, start-up that
//! never hangs and says what is wrong in one line, and the logs.

use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{send_raw, Server, TestDb};

fn vitrine(args: &[&str], env: &[(&str, &str)], dir: &std::path::Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vitrine"));
    command.args(args).current_dir(dir).env("RUST_LOG", "warn");
    for name in ["VITRINE_ADMIN_KEY", "VITRINE_DATABASE_URL", "VITRINE_BIND"] {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run vitrine")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Fails unless the command succeeded, saying how it ended (a code or a
/// signal) and all it printed.
#[track_caller]
fn assert_succeeded(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what}: {}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        stderr(output)
    );
}

/// A server that accepts connections and never answers.
fn silent_listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = listener.local_addr().expect("an address").to_string();
    (listener, addr)
}

/// A server that takes every connection and holds it, saying nothing, for
/// `period`; where it listens.
fn holding_listener(period: Duration) -> (std::thread::JoinHandle<()>, String) {
    let (listener, addr) = silent_listener();
    let held = std::thread::spawn(move || {
        let mut held = Vec::new();
        listener.set_nonblocking(true).expect("non-blocking");
        let until = Instant::now() + period;
        while Instant::now() < until {
            if let Ok((c, _)) = listener.accept() {
                held.push(c);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    (held, addr)
}

#[test]
fn a_database_that_never_answers_fails_the_start_in_bounded_time_with_one_line() {
    let dir = tempfile::tempdir().expect("a folder");
    let (held, addr) = holding_listener(Duration::from_secs(15));
    let started = Instant::now();
    let output = vitrine(
        &["serve"],
        &[
            (
                "VITRINE_DATABASE_URL",
                &format!("postgres://postgres@{addr}/vitrine"),
            ),
            ("VITRINE_BIND", "127.0.0.1:0"),
            ("VITRINE_DB_CONNECT_TIMEOUT_SECS", "2"),
        ],
        dir.path(),
    );
    let took = started.elapsed();
    println!(
        "start-up on a silent database: refused after {} ms",
        took.as_millis()
    );
    assert!(!output.status.success());
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let err = stderr(&output);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {err}");
    assert!(
        lines[0].contains("could not connect") && lines[0].contains("timeout"),
        "{err}"
    );
    drop(held);
}

#[test]
fn a_database_url_that_names_no_database_is_refused_in_one_line_and_makes_no_file() {
    let dir = tempfile::tempdir().expect("a folder");
    for url in [
        "mysql://root@localhost/vitrine",
        "postgress://postgres@127.0.0.1/vitrine",
        "::garbage::%%",
    ] {
        let output = vitrine(&["serve"], &[("VITRINE_DATABASE_URL", url)], dir.path());
        assert_eq!(output.status.code(), Some(2), "{url}");
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{url}: {err}");
        assert!(err.contains("VITRINE_DATABASE_URL"), "{url}: {err}");
    }
    let files: Vec<_> = std::fs::read_dir(dir.path()).expect("the folder").collect();
    assert!(files.is_empty(), "nothing was created: {files:?}");
}

#[test]
fn the_bind_address_is_checked_before_the_database_is_touched() {
    let dir = tempfile::tempdir().expect("a folder");
    let taken = TcpListener::bind("127.0.0.1:0").expect("a port");
    let bind = taken.local_addr().expect("an address").to_string();
    let (_silent, db) = silent_listener();
    let started = Instant::now();
    let output = vitrine(
        &["serve"],
        &[
            (
                "VITRINE_DATABASE_URL",
                &format!("postgres://postgres@{db}/vitrine"),
            ),
            ("VITRINE_BIND", &bind),
            ("VITRINE_DB_CONNECT_TIMEOUT_SECS", "30"),
        ],
        dir.path(),
    );
    assert!(!output.status.success());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the database was tried first"
    );
    let err = stderr(&output);
    assert!(
        err.contains("cannot listen on") && err.lines().count() == 1,
        "{err}"
    );
    for bad in ["8080", "localhost", "127.0.0.1:99999"] {
        let output = vitrine(&["serve"], &[("VITRINE_BIND", bad)], dir.path());
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(stderr(&output).contains("VITRINE_BIND"), "{bad}");
    }
}

#[test]
fn help_lists_the_commands_and_every_setting_with_its_default_and_version_works() {
    let dir = tempfile::tempdir().expect("a folder");
    for args in [
        &["--help"][..],
        &["keys", "create", "--help"],
        &["serve", "--help"],
    ] {
        let output = vitrine(args, &[], dir.path());
        assert!(output.status.success(), "{args:?}");
        let help = String::from_utf8_lossy(&output.stdout);
        for setting in vitrine::config::SETTINGS {
            assert!(
                help.contains(setting.variable)
                    && help.contains(&format!("default: {}", setting.default)),
                "{args:?} names {} and its default: {help}",
                setting.variable
            );
        }
    }
    let help = String::from_utf8_lossy(&vitrine(&["--help"], &[], dir.path()).stdout).into_owned();
    for command in ["serve", "migrate", "openapi", "keys"] {
        assert!(help.contains(command), "{command}: {help}");
    }
    let version = vitrine(&["--version"], &[], dir.path());
    assert!(version.status.success());
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("vitrine {}", env!("CARGO_PKG_VERSION"))
    );
    assert!(!vitrine(&["nonsense"], &[], dir.path()).status.success());
}

#[test]
fn without_an_admin_key_the_start_says_how_to_make_one_and_the_command_line_makes_it() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().expect("a folder");
    let server = Server::start(&db.url, &[("VITRINE_ADMIN_KEY", ""), ("RUST_LOG", "info")]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.log_lines().iter().any(|l| l.contains("serving")) {
        assert!(Instant::now() < deadline, "{:?}", server.log_lines());
        std::thread::sleep(Duration::from_millis(20));
    }
    let warning = server
        .log_lines()
        .into_iter()
        .find(|l| l.contains("WARN"))
        .expect("a warning");
    assert!(
        warning.contains("vitrine keys create --role admin"),
        "{warning}"
    );
    let (status, _, _) =
        send_raw(&server.addr, "GET", "/api/v1/products", &[], None).expect("an answer");
    assert_eq!(status, 401);

    // A key made on the command line, while the server runs, works at once.
    let output = vitrine(
        &["keys", "create", "--role", "admin", "--name", "first admin"],
        &[("VITRINE_DATABASE_URL", &db.url)],
        dir.path(),
    );
    assert_succeeded(&output, "keys create");
    let secret = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert!(
        secret.starts_with("vit_") && !secret.contains('\n'),
        "{secret}"
    );
    let bearer = format!("Bearer {secret}");
    let products = || {
        send_raw(
            &server.addr,
            "GET",
            "/api/v1/products",
            &[("Authorization", &bearer)],
            None,
        )
        .expect("an answer")
        .0
    };
    assert_eq!(products(), 200);

    let listed = vitrine(
        &["keys", "list"],
        &[("VITRINE_DATABASE_URL", &db.url)],
        dir.path(),
    );
    assert_succeeded(&listed, "keys list");
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(
        listed.contains("admin") && listed.contains("first admin"),
        "{listed}"
    );
    assert!(!listed.contains(&secret[40..]), "no secret is listed");
    let id = listed.split_whitespace().next().expect("an id").to_owned();
    let refused = vitrine(
        &["keys", "create", "--role", "customer"],
        &[("VITRINE_DATABASE_URL", &db.url)],
        dir.path(),
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("--customer"),
        "{}",
        stderr(&refused)
    );
    let revoked = vitrine(
        &["keys", "revoke", &id],
        &[("VITRINE_DATABASE_URL", &db.url)],
        dir.path(),
    );
    assert_succeeded(&revoked, "keys revoke");
    assert_eq!(products(), 401, "a revoked key authenticates nothing");
}

/// A command that did its work ends with success, run after run: nothing
/// is still opening a connection while the process exits. (A pool that
/// opens connections in the background does: on PostgreSQL, libpq doing so
/// under TLS while the exit tears TLS down kills about one run of
/// `keys list` in ten with SIGSEGV, after its output.)
#[test]
fn a_command_that_did_its_work_exits_with_success_every_time() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().expect("a folder");
    let env = [("VITRINE_DATABASE_URL", db.url.as_str())];
    assert_succeeded(&vitrine(&["migrate"], &env, dir.path()), "migrate");
    let mut endings = std::collections::BTreeMap::<String, usize>::new();
    for _ in 0..40 {
        let output = vitrine(&["keys", "list"], &env, dir.path());
        *endings.entry(output.status.to_string()).or_default() += 1;
    }
    println!("keys list, 40 runs: {endings:?}");
    assert_eq!(
        endings.keys().collect::<Vec<_>>(),
        ["exit status: 0"],
        "{endings:?}"
    );
}

/// A command on an SQLite file ends with the file whole: nothing of what it
/// wrote is left in the write-ahead log, so that the file alone (copied,
/// backed up) holds the catalogue.
#[test]
fn a_command_closes_an_sqlite_file_with_all_it_wrote_inside() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("catalogue.db");
    let url = format!("sqlite://{}", file.display());
    let commands: [&[&str]; 4] = [
        &["migrate"],
        &["keys", "create", "--role", "admin", "--name", "first"],
        &["seed", "--scale", "0.001"],
        &["keys", "create", "--role", "admin", "--name", "second"],
    ];
    for args in commands {
        let output = vitrine(args, &[("VITRINE_DATABASE_URL", &url)], dir.path());
        assert_succeeded(&output, &format!("{args:?}"));
        let wal = dir.path().join("catalogue.db-wal");
        let left = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert_eq!(left, 0, "{args:?} left {left} bytes in {}", wal.display());
    }
    let copy = tempfile::tempdir().expect("a folder");
    std::fs::copy(&file, copy.path().join("copy.db")).expect("a copy");
    let url = format!("sqlite://{}", copy.path().join("copy.db").display());
    let output = vitrine(
        &["keys", "list"],
        &[("VITRINE_DATABASE_URL", &url)],
        copy.path(),
    );
    assert_succeeded(&output, "keys list");
    let listed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        listed.contains("first") && listed.contains("second"),
        "{listed}"
    );
    let output = vitrine(&["export"], &[("VITRINE_DATABASE_URL", &url)], copy.path());
    assert_succeeded(&output, "export");
    let exported: Value = serde_json::from_slice(&output.stdout).expect("a document");
    let offerings = exported["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|section| section["offerings"].as_array())
        .map(Vec::len)
        .sum::<usize>();
    assert!(offerings > 0, "the copy holds no seeded offering");
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// `vitrine check`: one line for the configuration, then the database, its
/// migrations and the admin key; exit 1 when the configuration or the
/// database cannot be used; nothing written.
#[test]
fn check_says_in_one_line_each_what_is_wrong_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("catalogue.db");
    let url = format!("sqlite://{}", file.display());
    let check = |env: &[(&str, &str)]| {
        let output = vitrine(&["check"], env, dir.path());
        let lines = stdout_lines(&output);
        assert!(
            lines.iter().all(|l| [
                "configuration: ",
                "database: ",
                "migrations: ",
                "admin key: "
            ]
            .iter()
            .any(|label| l.starts_with(label))),
            "{lines:?}"
        );
        (output.status.success(), lines)
    };

    let (ok, lines) = check(&[
        ("VITRINE_DATABASE_URL", &url),
        ("VITRINE_DB_POOL_SIZE", "0"),
    ]);
    assert!(!ok);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("configuration: VITRINE_DB_POOL_SIZE"),
        "{lines:?}"
    );
    assert_eq!(lines[1], "database: not checked");

    let (ok, lines) = check(&[("VITRINE_DATABASE_URL", &url)]);
    assert!(ok, "{lines:?}");
    assert_eq!(lines[0], "configuration: ok");
    assert!(lines[1].contains("does not exist yet"), "{lines:?}");
    assert!(!file.exists(), "check made the file");

    // A database that was never migrated: its migrations pending, and
    // nothing made in it by looking.
    std::fs::File::create(&file).expect("an empty file");
    let (ok, lines) = check(&[("VITRINE_DATABASE_URL", &url)]);
    assert!(ok, "{lines:?}");
    assert!(lines[2].starts_with("migrations: 0 applied,"), "{lines:?}");
    assert!(lines[2].contains("pending"), "{lines:?}");
    let (ok, lines) = check(&[("VITRINE_DATABASE_URL", &url)]);
    assert!(
        ok && lines[2].starts_with("migrations: 0 applied,"),
        "{lines:?}"
    );
    {
        use diesel::{Connection, RunQueryDsl};
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn =
            diesel::SqliteConnection::establish(&file.display().to_string()).expect("the file");
        let tables = diesel::sql_query("SELECT count(*) AS n FROM sqlite_master")
            .get_result::<Count>(&mut conn)
            .expect("a count");
        assert_eq!(tables.n, 0, "check made a table");
    }

    let migrated = vitrine(&["migrate"], &[("VITRINE_DATABASE_URL", &url)], dir.path());
    assert_succeeded(&migrated, "migrate");
    let (ok, lines) = check(&[("VITRINE_DATABASE_URL", &url)]);
    assert!(ok, "{lines:?}");
    assert!(lines[1].starts_with("database: ok: SQLite 3."), "{lines:?}");
    assert!(lines[2].ends_with("applied, none pending"), "{lines:?}");
    assert!(lines[3].starts_with("admin key: none"), "{lines:?}");
    let (_, lines) = check(&[
        ("VITRINE_DATABASE_URL", &url),
        ("VITRINE_ADMIN_KEY", "an-admin-key-of-sixteen"),
    ]);
    assert_eq!(lines[3], "admin key: VITRINE_ADMIN_KEY is set");

    // The test database, on whichever backend the suite runs.
    let db = TestDb::new();
    let migrated = vitrine(
        &["migrate"],
        &[("VITRINE_DATABASE_URL", &db.url)],
        dir.path(),
    );
    assert_succeeded(&migrated, "migrate");
    let (ok, lines) = check(&[("VITRINE_DATABASE_URL", &db.url)]);
    assert!(ok, "{lines:?}");
    assert!(lines[2].ends_with("applied, none pending"), "{lines:?}");

    // A database that never answers: refused in bounded time, its password
    // never shown.
    let (held, addr) = holding_listener(Duration::from_secs(8));
    let started = Instant::now();
    let (ok, lines) = check(&[
        (
            "VITRINE_DATABASE_URL",
            &format!("postgres://vitrine:s3cret-word@{addr}/vitrine"),
        ),
        ("VITRINE_DB_CONNECT_TIMEOUT_SECS", "2"),
    ]);
    assert!(!ok);
    assert!(started.elapsed() < Duration::from_secs(8));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[1].starts_with(&format!("database: {addr}/vitrine: could not connect")),
        "{lines:?}"
    );
    assert!(!lines.concat().contains("s3cret"), "{lines:?}");
    drop(held);
}

/// The lines the server logged for the request with this id.
fn logged(server: &Server, request_id: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let lines: Vec<String> = server
            .log_lines()
            .into_iter()
            .filter(|l| l.contains(request_id))
            .collect();
        if !lines.is_empty() || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_request_log_names_the_key_and_role_never_the_secret_in_plain_text() {
    let db = TestDb::new();
    let server = Server::start(&db.url, &[("RUST_LOG", "info")]);
    let bearer = format!("Bearer {}", crate::helpers::ADMIN_KEY);
    let (_, _, key) = send_raw(
        &server.addr,
        "POST",
        "/api/v1/api-keys",
        &[("Authorization", &bearer)],
        Some(&json!({"role": "viewer", "name": "reader"})),
    )
    .expect("a key");
    let secret = key["secret"].as_str().expect("a secret");
    let prefix = key["prefix"].as_str().expect("a prefix");
    let (status, head, _) = send_raw(
        &server.addr,
        "GET",
        "/api/v1/products",
        &[
            ("Authorization", &format!("Bearer {secret}")),
            ("X-Request-Id", "trace-0001/abc"),
        ],
        None,
    )
    .expect("an answer");
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase()
            .contains("x-request-id: trace-0001/abc"),
        "the caller's id is echoed: {head}"
    );
    let lines = logged(&server, "trace-0001/abc");
    let served: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("request served"))
        .collect();
    assert_eq!(served.len(), 1, "{lines:?}");
    assert!(
        served[0].contains(prefix) && served[0].contains("viewer"),
        "{}",
        served[0]
    );
    let everything = server.log_lines().join("\n");
    assert!(
        !everything.contains(&secret[prefix.len() + 1..]),
        "a secret was logged"
    );
    assert!(
        !everything.contains(crate::helpers::ADMIN_KEY),
        "the admin key was logged"
    );
    assert!(
        !everything.contains('\u{1b}'),
        "no colour codes when stderr is not a terminal"
    );

    // An id that is not a sane token is replaced, not echoed.
    let (_, head, _) = send_raw(
        &server.addr,
        "GET",
        "/health/live",
        &[("X-Request-Id", "two words")],
        None,
    )
    .expect("an answer");
    let echoed = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("x-request-id: ")
                .map(str::to_owned)
        })
        .expect("an X-Request-Id");
    assert!(uuid::Uuid::parse_str(&echoed).is_ok(), "{echoed}");
}

#[test]
fn a_json_log_line_names_its_request_span_once() {
    let db = TestDb::new();
    let server = Server::start(
        &db.url,
        &[("RUST_LOG", "info"), ("VITRINE_LOG_FORMAT", "json")],
    );
    send_raw(
        &server.addr,
        "GET",
        "/health/live",
        &[("X-Request-Id", "json-span-1")],
        None,
    )
    .expect("an answer");
    let lines = logged(&server, "json-span-1");
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line: Value = serde_json::from_str(&lines[0]).expect("one JSON object");
    assert_eq!(line["message"], "request served");
    assert_eq!(line["span"]["request_id"], "json-span-1");
    assert!(
        line.get("spans").is_none(),
        "the span is printed once: {line}"
    );
    assert_eq!(lines[0].matches("json-span-1").count(), 1, "{}", lines[0]);
}

#[test]
fn the_readme_lists_every_setting_the_binary_reads() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("the README");
    for setting in vitrine::config::SETTINGS {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", setting.variable)))
            .unwrap_or_else(|| panic!("the README's table lists {}", setting.variable));
        assert!(
            row.contains(setting.default),
            "{row}: default {}",
            setting.default
        );
    }
}

/// The compose file and the Dockerfile name only settings the binary knows,
/// and the replicas' environment is a configuration it accepts.
#[test]
fn the_compose_file_configures_the_replicas_with_settings_the_binary_knows() {
    let root = env!("CARGO_MANIFEST_DIR");
    let known: Vec<&str> = vitrine::config::SETTINGS
        .iter()
        .map(|s| s.variable)
        .collect();
    let mut environment = std::collections::BTreeMap::new();
    for file in ["docker-compose.yml", "Dockerfile"] {
        let text = std::fs::read_to_string(format!("{root}/{file}")).expect("the file");
        let mut named = 0;
        for (i, _) in text.match_indices("VITRINE_") {
            let name: String = text[i..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            assert!(known.contains(&name.as_str()), "{file} names {name}");
            named += 1;
        }
        assert!(named > 0, "{file} names no setting");
        for line in text.lines() {
            let line = line.trim().trim_start_matches("ENV ");
            let Some((name, value)) = line.split_once([':', '=']) else {
                continue;
            };
            if !name.starts_with("VITRINE_") || name.contains(' ') {
                continue;
            }
            // `${NAME:-default}` is its default; `${NAME:?message}` must be set.
            let value = value.trim().trim_matches('"');
            let value = match value.split_once(":-") {
                Some((_, default)) if value.starts_with("${") => {
                    default.trim_end_matches('}').to_owned()
                }
                _ if value.starts_with("${") && value.contains(":?") => {
                    "an-admin-key-from-the-environment".to_owned()
                }
                _ => value.replace("${POSTGRES_PASSWORD:-vitrine}", "vitrine"),
            };
            environment.insert(name.to_owned(), value);
        }
    }
    for name in ["VITRINE_DATABASE_URL", "VITRINE_ADMIN_KEY", "VITRINE_BIND"] {
        assert!(environment.contains_key(name), "{name}: {environment:?}");
    }
    let config = vitrine::config::Config::from_lookup(|name| environment.get(name).cloned())
        .unwrap_or_else(|e| panic!("{e}: {environment:?}"));
    assert!(config
        .database_url
        .starts_with("postgres://vitrine:vitrine@db:5432/"));
    assert_eq!(config.bind, "0.0.0.0:8080");
    assert!(config.json_logs);
}

/// What became of one request sent while the server may be stopping.
#[derive(Debug)]
enum Outcome {
    /// No connection: nothing was sent.
    Refused,
    /// A whole answer.
    Answered(u16, Value),
    /// Sent, and the connection ended without an answer.
    Unanswered,
}

fn create_resource(addr: &str, name: &str) -> Outcome {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
        return Outcome::Refused;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let body = json!({"name": name, "dimension": "information_and_technology"}).to_string();
    let request = format!(
        "POST /api/v1/resources HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        crate::helpers::ADMIN_KEY,
        body.len()
    );
    let mut raw = Vec::new();
    if stream.write_all(request.as_bytes()).is_err() || stream.read_to_end(&mut raw).is_err() {
        return Outcome::Unanswered;
    }
    let text = String::from_utf8_lossy(&raw);
    match text.split_once("\r\n\r\n").and_then(|(head, body)| {
        let status = head.split(' ').nth(1)?.parse().ok()?;
        Some((status, serde_json::from_str(body).unwrap_or(Value::Null)))
    }) {
        Some((status, body)) => Outcome::Answered(status, body),
        None => Outcome::Unanswered,
    }
}

/// SIGTERM under load: the server stops accepting, finishes what it took
/// (a body still arriving included), ends its background work and exits 0;
/// every acknowledged write is there, and nothing was written that its
/// client did not hear of.
#[test]
fn sigterm_under_load_finishes_what_was_taken_and_loses_nothing() {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    let db = TestDb::new();
    let mut server = Server::start(
        &db.url,
        &[
            ("RUST_LOG", "info"),
            ("VITRINE_SHUTDOWN_TIMEOUT_SECS", "20"),
            ("VITRINE_BODY_TIMEOUT_MS", "60000"),
        ],
    );
    let addr = server.addr.clone();
    let ready = Instant::now() + Duration::from_secs(20);
    while send_raw(&addr, "GET", "/health/ready", &[], None).map(|r| r.0) != Some(200) {
        assert!(Instant::now() < ready, "never ready");
        std::thread::sleep(Duration::from_millis(20));
    }

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let unanswered = Arc::new(Mutex::new(Vec::<String>::new()));
    let ended = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (addr, acknowledged, unanswered, ended) = (
                addr.clone(),
                acknowledged.clone(),
                unanswered.clone(),
                ended.clone(),
            );
            std::thread::spawn(move || {
                for n in 0.. {
                    let name = format!("R{w}.{n}");
                    match create_resource(&addr, &name) {
                        Outcome::Answered(201, _) => acknowledged.lock().expect("list").push(name),
                        Outcome::Answered(status, body) => {
                            panic!("{name}: {status} {body}")
                        }
                        Outcome::Unanswered => unanswered.lock().expect("list").push(name),
                        Outcome::Refused if ended.load(Ordering::SeqCst) => break,
                        Outcome::Refused => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        })
        .collect();

    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().expect("list").len() < 100 {
        assert!(Instant::now() < deadline, "the writers made no progress");
        std::thread::sleep(Duration::from_millis(10));
    }
    // A request whose body is still arriving when the signal comes, on a
    // connection the server has taken (it answered a first request on it:
    // one still queued in the kernel is not the server's yet), its head
    // read by the server before the signal.
    let mut slow = std::net::TcpStream::connect(&addr).expect("a connection");
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a timeout");
    write!(slow, "GET /health/live HTTP/1.1\r\nHost: {addr}\r\n\r\n").expect("a request");
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        slow.read_exact(&mut byte).expect("an answer");
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a length");
    slow.read_exact(&mut vec![0u8; length]).expect("the body");
    let body = json!({"name": "Slow", "dimension": "value_streams_and_processes"}).to_string();
    let (first, rest) = body.split_at(10);
    write!(
        slow,
        "POST /api/v1/resources HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{first}",
        crate::helpers::ADMIN_KEY,
        body.len()
    )
    .expect("the head");
    slow.flush().expect("sent");
    std::thread::sleep(Duration::from_millis(200));

    let signalled = Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    std::thread::sleep(Duration::from_millis(500));
    slow.write_all(rest.as_bytes())
        .expect("the rest of the body");
    let mut answer = String::new();
    slow.read_to_string(&mut answer).expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");

    let status = loop {
        if let Some(status) = server.child.try_wait().expect("a status") {
            break status;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(30),
            "still running: {:?}",
            server.log_lines()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let stopped_in = signalled.elapsed();
    ended.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.join().expect("a writer");
    }
    assert!(status.success(), "{status}: {:?}", server.log_lines());
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        server
            .log_lines()
            .iter()
            .any(|l| l.ends_with("vitrine::startup: stopped")),
        "{:?}",
        server.log_lines()
    );
    // An SQLite store ends with its log empty: the file alone is whole.
    if vitrine::store::Backend::of_url(&db.url) == vitrine::store::Backend::Sqlite {
        let wal = format!("{}-wal", vitrine::config::sqlite_path(&db.url));
        let left = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert_eq!(left, 0, "{wal} holds {left} bytes after the stop");
    }

    let server = Server::start(&db.url, &[]);
    let mut stored = std::collections::BTreeSet::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(cursor) => format!("/api/v1/resources?limit=500&cursor={cursor}"),
            None => "/api/v1/resources?limit=500".to_owned(),
        };
        let (status, page) =
            crate::helpers::try_send(&server.addr, "GET", &path, None).expect("a page");
        assert_eq!(status, 200, "{page}");
        for item in page["items"].as_array().expect("items") {
            stored.insert(item["name"].as_str().expect("a name").to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    let acknowledged: std::collections::BTreeSet<String> = acknowledged
        .lock()
        .expect("list")
        .iter()
        .cloned()
        .chain(["Slow".to_owned()])
        .collect();
    let unanswered = unanswered.lock().expect("list").clone();
    println!(
        "SIGTERM under load: exited {status} after {} ms; {} writes acknowledged, all stored; \
         {} sent but never taken (none stored)",
        stopped_in.as_millis(),
        acknowledged.len(),
        unanswered.len()
    );
    assert_eq!(
        stored, acknowledged,
        "stored writes differ from acknowledged ones"
    );
}
