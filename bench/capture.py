"""The statements Vitrine sends for one request, captured from the outside.

PostgreSQL: statement logging is turned on for the bench database only
(`ALTER DATABASE ... SET log_statement = 'all'`), the server's connections are
ended so that its pool reconnects and picks the setting up, one request of each
kind is sent between marker requests, and logging is turned off again. The log's
`execute`/`statement:` lines and their `DETAIL: parameters:` give the
statements and their values.

SQLite: gdb attaches to a server started only to be traced and prints, from
registers and memory (it calls no function in the server), each statement's SQL
at the first `sqlite3_step()` of an execution and the values given to
`sqlite3_bind_*()`, between the same marker requests.

Statements of the server's background threads (the view watcher, webhook
deliveries) are told apart by an idle window before the first request: what
runs while no request is served is background.
"""

from __future__ import annotations

import glob
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request

from common import BenchError, Http, log, run, write_json

MARKER_PATH = "/api/v1/products?limit=1&name={marker}"
IDLE_WINDOW_S = 1.5
GDB_PID_FILE: str | None = None  # where gdb's pid is noted, for bench/run's clean-up
TX_START = re.compile(r"^\s*BEGIN\b", re.I)
TX_END = re.compile(r"^\s*(COMMIT|ROLLBACK|END)\b", re.I)
CONNECTION_SETUP = re.compile(r"^\s*(PRAGMA|SET)\b|^\(null\)$", re.I)


class CaptureUnavailable(BenchError):
    """Capturing is not possible here (no gdb, no ptrace); the ceiling is skipped."""


class Op:
    """One request to capture; `prime` requests run before capture starts (keys verified)."""

    def __init__(self, name: str, method: str, path: str, key: str, body=None,
                 headers: dict | None = None, content_type: str = "application/json"):
        self.name = name
        self.method = method
        self.path = path
        self.key = key
        self.body = body
        self.headers = headers or {}
        self.content_type = content_type

    def send(self, base: str):
        http = Http(base, self.key, timeout=30)
        try:
            status, _, parsed = http.request(self.method, self.path, self.body, headers=self.headers,
                                             content_type=self.content_type)
        except OSError as e:
            raise BenchError(f"capture: {self.method} {self.path} got no answer: {e}") from e
        finally:
            http.close()
        if not 200 <= status < 300:
            raise BenchError(f"capture: {self.method} {self.path} answered {status}: {parsed!r:.300}")
        return parsed


# --------------------------------------------------------------------------- helpers

def normalise(sql: str) -> str:
    return " ".join(sql.split())


def template(sql: str) -> str:
    """The statement without its literal values (SQLite's expanded SQL inlines them)."""
    s = re.sub(r"x'[0-9a-fA-F]*'", "?", sql)
    s = re.sub(r"'(?:[^']|'')*'", "?", s)
    s = re.sub(r"\b\d+(\.\d+)?\b", "?", s)
    return normalise(s)


def split_units(entries: list[dict], conn_key: str) -> list[list[dict]]:
    """Groups statements into units: a transaction (BEGIN..COMMIT on one
    connection or thread), or one statement outside any transaction."""
    open_tx: dict = {}
    units: list[list[dict]] = []
    for e in entries:
        c = e[conn_key]
        if c in open_tx:
            open_tx[c].append(e)
            if TX_END.match(e["sql"]):
                del open_tx[c]
        elif TX_START.match(e["sql"]):
            unit = [e]
            open_tx[c] = unit
            units.append(unit)
        else:
            units.append([e])
    return units


def strip_markers(entries: list[dict], token: str, conn_key: str, is_marker) -> tuple[list[int], list[dict]]:
    """Finds the marker requests' statements; returns the marker positions in the
    remaining list and that list, without the markers' own transactions."""
    marker_idx = [i for i, e in enumerate(entries) if is_marker(e)]
    drop = set()
    for i in marker_idx:
        c = entries[i][conn_key]
        j = i
        while j >= 0 and not (entries[j][conn_key] == c and TX_START.match(entries[j]["sql"])):
            j -= 1
        k = i
        while k < len(entries) and not (entries[k][conn_key] == c and TX_END.match(entries[k]["sql"])):
            k += 1
        lo = j if j >= 0 else i
        hi = k if k < len(entries) else i
        for x in range(lo, hi + 1):
            if entries[x][conn_key] == c:
                drop.add(x)
    kept = []
    positions = []
    for i, e in enumerate(entries):
        if i in marker_idx:
            positions.append(len(kept))
        if i not in drop:
            kept.append(e)
    return positions, kept


def is_write_tx(unit: list[dict]) -> bool:
    return (TX_START.match(unit[0]["sql"]) is not None and "READ ONLY" not in unit[0]["sql"].upper()
            and any(re.match(r"^\s*(INSERT|UPDATE|DELETE)\b", e["sql"], re.I) for e in unit))


def split_requests(entries: list[dict], positions: list[int], names: list[str], conn_key: str, by_thread: bool,
                   windows: dict[str, tuple[float, float]] | None = None) -> dict[str, list[dict]]:
    """Assigns each unit (a transaction, or a statement outside one) to the
    request between whose markers it began, and keeps, for each request, the
    units that are not background work: not on a thread seen in the idle window
    (SQLite), not made only of statements seen there, begun while the request was
    in flight (PostgreSQL, by the log's timestamps), and not a read-only
    transaction begun after the request's write committed (the view watcher
    starts comparing views after each commit)."""
    if len(positions) != len(names) + 2:
        raise BenchError(f"capture: found {len(positions)} marker requests in the trace, expected {len(names) + 2}")
    index = {id(e): i for i, e in enumerate(entries)}
    by_segment: dict[str, list[list[dict]]] = {n: [] for n in ["__idle__"] + names}
    for unit in split_units(entries, conn_key):
        i = index[id(unit[0])]
        for k in range(len(positions) - 1):
            if positions[k] <= i < positions[k + 1]:
                by_segment["__idle__" if k == 0 else names[k - 1]].append(unit)
                break

    def body(unit):
        return [template(e["sql"]) for e in unit if not (TX_START.match(e["sql"]) or TX_END.match(e["sql"]))]

    idle_units = by_segment["__idle__"]
    idle_templates = {t for u in idle_units for t in body(u)}
    idle_conns = {u[0][conn_key] for u in idle_units} if by_thread else set()
    result = {}
    for name in names:
        kept_units: list[list[dict]] = []
        for unit in by_segment[name]:
            if unit[0][conn_key] in idle_conns:
                continue
            if all(CONNECTION_SETUP.match(e["sql"]) for e in unit):
                continue  # a connection the pool opened meanwhile, not the request's work
            b = body(unit)
            if b and all(t in idle_templates for t in b):
                continue
            if windows and name in windows and unit[0].get("ts") is not None:
                t0, t1 = windows[name]
                if not t0 - 0.002 <= unit[0]["ts"] <= t1 + 0.002:
                    continue
            if any(is_write_tx(u) for u in kept_units) and "READ ONLY" in unit[0]["sql"].upper():
                continue
            kept_units.append(unit)
        result[name] = sorted((e for u in kept_units for e in u), key=lambda e: e["seq"])
    return result


def warm_up(bases: list[str], admin_key: str, rounds: int = 30) -> None:
    """After the server's database connections were ended, sends requests until a
    whole round (16 at once, then 5 in a row) answers 200 on every server: by then
    the pool has replaced its connections."""
    for base in bases:
        for _ in range(rounds):
            results = []

            def one():
                try:
                    req = urllib.request.Request(f"{base}/api/v1/products?limit=1",
                                                 headers={"Authorization": f"Bearer {admin_key}"})
                    with urllib.request.urlopen(req, timeout=30) as resp:
                        results.append(resp.status)
                except Exception:  # noqa: BLE001 - any failure means "not yet"
                    results.append(0)

            threads = [threading.Thread(target=one) for _ in range(16)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for _ in range(5):
                one()
            if all(s == 200 for s in results):
                break
            time.sleep(0.2)
        else:
            raise BenchError(f"the server at {base} kept failing requests after its connections were renewed")


# --------------------------------------------------------------------------- PostgreSQL

class Pg:
    def __init__(self, host: str = "127.0.0.1", port: int = 5432, user: str = "postgres", log_to: str | None = None):
        self.host, self.port, self.user, self.log_to = host, port, user, log_to

    def url(self, db: str) -> str:
        return f"postgres://{self.user}@{self.host}:{self.port}/{db}"

    def psql(self, db: str, sql: str) -> str:
        return run(["psql", "-h", self.host, "-p", str(self.port), "-U", self.user, "-d", db, "-Atq",
                    "-v", "ON_ERROR_STOP=1", "-c", sql], log_to=self.log_to).stdout.strip()

    def terminate(self, db: str) -> None:
        self.psql("postgres", "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                              f"WHERE datname = '{db}' AND pid <> pg_backend_pid()")

    def logfile(self) -> str:
        env = os.environ.get("BENCH_PG_LOG")
        if env:
            return env
        current = self.psql("postgres", "SELECT pg_current_logfile()")
        if current:
            data_dir = self.psql("postgres", "SHOW data_directory")
            path = current if current.startswith("/") else os.path.join(data_dir, current)
            if os.access(path, os.R_OK):
                return path
        major = self.psql("postgres", "SHOW server_version_num")[:-4]
        candidates = sorted(glob.glob(f"/var/log/postgresql/postgresql-{major}-*.log"), key=os.path.getmtime)
        if not candidates:
            raise CaptureUnavailable("cannot find the PostgreSQL server log (set BENCH_PG_LOG to its path)")
        return candidates[-1]


LOG_LINE = re.compile(r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: \S+)?) \[(?P<pid>\d+)\] "
                      r"(?:(?P<user>[^@\s]*)@(?P<db>\S*) )?(?P<level>[A-Z]+):  (?P<msg>.*)$")


def log_time(stamp: str) -> float | None:
    """Seconds since the epoch of a log line's %m time, when its zone is UTC."""
    import calendar
    parts = stamp.split()
    if len(parts) == 3 and parts[2] not in ("UTC", "GMT", "+00", "Z"):
        return None
    date, clock = parts[0], parts[1]
    whole, _, frac = clock.partition(".")
    t = calendar.timegm(time.strptime(f"{date} {whole}", "%Y-%m-%d %H:%M:%S"))
    return t + (float("0." + frac) if frac else 0.0)


def parse_parameters(text: str) -> dict[int, str | None]:
    params: dict[int, str | None] = {}
    i = 0
    pat = re.compile(r"\$(\d+) = ")
    while i < len(text):
        m = pat.match(text, i)
        if not m:
            break
        n = int(m.group(1))
        i = m.end()
        if text.startswith("NULL", i):
            params[n] = None
            i += 4
        elif text.startswith("'", i):
            i += 1
            buf = []
            while i < len(text):
                ch = text[i]
                if ch == "'":
                    if text.startswith("''", i):
                        buf.append("'")
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(ch)
                i += 1
            params[n] = "".join(buf)
        else:
            raise BenchError(f"capture: cannot read the parameters {text[:200]!r}")
        if text.startswith(", ", i):
            i += 2
    return params


def parse_pg_log(text: str, db: str) -> list[dict]:
    records: list[list[str]] = []
    for line in text.split("\n"):
        if LOG_LINE.match(line):
            records.append([line])
        elif records and (line.startswith("\t") or line == ""):
            records[-1].append(line[1:] if line.startswith("\t") else line)
    entries: list[dict] = []
    last_by_pid: dict[str, dict] = {}
    seen_prefix = False
    for rec in records:
        m = LOG_LINE.match(rec[0])
        assert m
        if m.group("db") is not None:
            seen_prefix = True
        if m.group("db") != db:
            continue
        msg = "\n".join([m.group("msg")] + rec[1:]).rstrip()
        pid = m.group("pid")
        ts = log_time(m.group("ts"))
        level = m.group("level")
        if level == "LOG" and msg.startswith("execute "):
            name, _, sql = msg[len("execute "):].partition(": ")
            e = {"pid": pid, "sql": normalise(sql), "params": {}, "kind": "execute", "name": name,
                 "seq": len(entries), "ts": ts}
            entries.append(e)
            last_by_pid[pid] = e
        elif level == "LOG" and msg.startswith("statement: "):
            e = {"pid": pid, "sql": normalise(msg[len("statement: "):]), "params": {}, "kind": "simple",
                 "seq": len(entries), "ts": ts}
            entries.append(e)
            last_by_pid[pid] = e
        elif level == "DETAIL" and msg.startswith("parameters: ") and pid in last_by_pid:
            last_by_pid[pid]["params"] = parse_parameters(msg[len("parameters: "):])
    if not seen_prefix and records:
        raise CaptureUnavailable("the PostgreSQL log lines carry no database name: log_line_prefix needs [%p] and %u@%d")
    return entries


class PgCapture:
    def __init__(self, pg: Pg, db: str, bases: list[str], admin_key: str, out_dir: str):
        self.pg, self.db, self.bases, self.admin_key, self.out_dir = pg, db, bases, admin_key, out_dir

    def capture(self, ops: list[Op], primes: list[Op]) -> dict[str, list[dict]]:
        logfile = self.pg.logfile()
        if not os.access(logfile, os.R_OK):
            raise CaptureUnavailable(f"cannot read the PostgreSQL log {logfile}")
        token = secrets.token_hex(4)
        base = self.bases[0]
        windows: dict[str, tuple[float, float]] = {}
        offset = os.path.getsize(logfile)
        try:
            self.pg.psql("postgres", f'ALTER DATABASE "{self.db}" SET log_statement = \'all\'')
            self.pg.terminate(self.db)
            warm_up(self.bases, self.admin_key)
            for p in primes:
                p.send(base)
            self._marker(base, token, 0)
            time.sleep(IDLE_WINDOW_S)
            self._marker(base, token, 1)
            for n, op in enumerate(ops):
                t0 = time.time()
                op.send(base)
                windows[op.name] = (t0, time.time())
                self._marker(base, token, n + 2)
        finally:
            self.pg.psql("postgres", f'ALTER DATABASE "{self.db}" RESET log_statement')
            self.pg.terminate(self.db)
            warm_up(self.bases, self.admin_key)
        time.sleep(0.3)
        with open(logfile, errors="replace") as f:
            f.seek(offset)
            text = f.read()
        with open(os.path.join(self.out_dir, "postgresql-log-excerpt.log"), "w") as f:
            f.write(text)
        entries = parse_pg_log(text, self.db)
        needle = f"bench-marker-{token}-"
        positions, kept = strip_markers(entries, token, "pid",
                                        lambda e: any(v and v.startswith(needle) for v in e["params"].values()))
        captured = split_requests(kept, positions, [op.name for op in ops], "pid", by_thread=False, windows=windows)
        check_captured(captured)
        write_json(os.path.join(self.out_dir, "captured-statements.json"), captured)
        return captured

    def _marker(self, base: str, token: str, n: int) -> None:
        Op("marker", "GET", MARKER_PATH.format(marker=f"bench-marker-{token}-{n}"), self.admin_key).send(base)


def check_captured(captured: dict[str, list[dict]]) -> None:
    for name, stmts in captured.items():
        if not stmts:
            raise BenchError(f"capture: no statement was isolated for {name}")
        opened = sum(1 for e in stmts if TX_START.match(e["sql"]))
        closed = sum(1 for e in stmts if TX_END.match(e["sql"]))
        if opened != closed:
            raise BenchError(f"capture: the statements isolated for {name} hold {opened} BEGIN and {closed} COMMIT")
    if "view_uncached" in captured and "view" in captured:
        if len(captured["view_uncached"]) <= len(captured["view"]):
            raise BenchError("capture: the view read from the database sent no more statements than the view served "
                             "from memory: the first view was not read from the database")


# --------------------------------------------------------------------------- pgbench scripts

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
INTEGER = re.compile(r"^-?\d+$")
INSERT = re.compile(r'^INSERT INTO ("?[\w.]+"?) \(([^)]*)\) VALUES (.*)$', re.I | re.S)


def unique_columns(pg: Pg, db: str, table: str) -> set[str]:
    rows = pg.psql(db, "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                       f"AND a.attnum = i.indkey[0] WHERE i.indrelid = '{table}'::regclass AND i.indisunique "
                       "AND i.indnatts = 1")
    return {r for r in rows.splitlines() if r}


def prepares(pg: Pg, db: str, sql: str) -> bool:
    """Whether PostgreSQL can prepare the statement with untyped parameters, as
    pgbench sends them (the server sent them typed)."""
    proc = run(["psql", "-h", pg.host, "-p", str(pg.port), "-U", pg.user, "-d", db, "-Atq", "-v", "ON_ERROR_STOP=1",
                "-c", f"PREPARE bench_check AS {sql}"], check=False)
    return proc.returncode == 0


def with_integer_casts(sql: str, params: dict[int, str | None]) -> str:
    """The statement with its integer parameters typed (`$n::bigint`): what a
    parameter alone in a select list (a UNION's tag column) needs to be typed."""
    def sub(m):
        v = params.get(int(m.group(1)))
        return m.group(0) + ("::bigint" if v is not None and INTEGER.match(v) else "")
    return re.sub(r"\$(\d+)\b", sub, sql)


def fresh_id_sql(names: list[str]) -> str:
    """One statement drawing new ids, time-ordered as the server's (UUIDv7 layout),
    into pgbench variables."""
    exprs = []
    for name in names:
        exprs.append("(SELECT substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(r, 14, 3) || '-' "
                     "|| substr(r, 17, 4) || '-' || substr(r, 21, 12) FROM (SELECT lpad(to_hex((extract(epoch FROM "
                     "clock_timestamp()) * 1000)::bigint), 12, '0') AS t, replace(gen_random_uuid()::text, '-', '') "
                     f"AS r) AS x) AS {name}")
    return "SELECT " + ", ".join(exprs) + " \\gset"


UPDATE = re.compile(r'^UPDATE ("?[\w.]+"?) SET (.*?) WHERE (.*)$', re.I | re.S)


def steady_updates(stmts: list[dict]) -> list[tuple[str, str, str]]:
    """In an UPDATE that sets a column it also compares in its WHERE clause (an
    optimistic version check), the new value becomes the compared one, so that
    every replay finds and updates the row again (replays of `SET version = 8
    WHERE version = 7` would update nothing after the first)."""
    steady = []
    for st in stmts:
        m = UPDATE.match(st["sql"])
        if not m:
            continue
        sets = dict((c, int(n)) for c, n in re.findall(r'"(\w+)" = \$(\d+)', m.group(2)))
        for col, n in re.findall(r'"(\w+)" = \$(\d+)', m.group(3)):
            if col in sets and int(n) in st["params"] and st["params"][int(n)] is not None:
                st["params"][sets[col]] = st["params"][int(n)]
                steady.append((m.group(1).strip('"'), col, st["params"][int(n)]))
    return steady


def pgbench_script(stmts: list[dict], pg: Pg | None = None, db: str | None = None,
                   rotate: dict[str, list[str]] | None = None) -> tuple[str, list[str], dict]:
    """A pgbench script replaying `stmts` with their values as pgbench variables,
    sent as untyped parameters with -M prepared. In an INSERT, a value for a
    column with a unique index is made new for every transaction (an id drawn
    by one added statement, an integer key as the next one), and every other use
    of the same id in the transaction follows it."""
    stmts = [dict(st, params={int(k): v for k, v in st["params"].items()}) for st in stmts]
    steady = steady_updates(stmts)
    fresh: dict[str, str] = {}      # id value -> pgbench variable
    picks: dict[str, str] = {}      # value -> pgbench variable drawn from its alternatives
    for value in (rotate or {}):
        picks[value] = f"bench_pick_{len(picks)}"
    int_fresh: dict[tuple[int, int], str] = {}
    for si, st in enumerate(stmts):
        m = INSERT.match(st["sql"])
        if not m or pg is None:
            continue
        table = m.group(1).strip('"')
        cols = [c.strip().strip('"') for c in m.group(2).split(",")]
        uniq = unique_columns(pg, db, table)
        for tup in re.findall(r"\(([^()]*)\)", m.group(3)):
            for col, item in zip(cols, [x.strip() for x in tup.split(",")]):
                pm = re.fullmatch(r"\$(\d+)", item)
                if not pm or col not in uniq:
                    continue
                value = st["params"].get(int(pm.group(1)))
                if value is None:
                    continue
                if INTEGER.match(value):
                    int_fresh[(si, int(pm.group(1)))] = f'(SELECT coalesce(max("{col}"), 0) + 1 FROM "{table}")'
                else:
                    fresh.setdefault(value, f"bench_new_{len(fresh)}")
    lines = []
    draws = []
    if fresh:
        draws.append(fresh_id_sql(list(fresh.values())))
    for value, var in picks.items():
        choices = ", ".join("'" + c.replace("'", "''") + "'" for c in rotate[value])
        draws.append(f"SELECT (ARRAY[{choices}])[1 + floor(random() * {len(rotate[value])})::int] AS {var} \\gset")
    if draws:
        # One statement draws every value at once (the new ids, the rows picked).
        exprs = [d[len("SELECT "):-len(" \\gset")] for d in draws]
        lines.append("SELECT " + ", ".join(exprs) + " \\gset")
    defines: list[str] = []
    info = {"statements": len(stmts), "new_ids": len(fresh), "new_keys": len(int_fresh), "typed": 0,
            "picked": len(picks), "added_statements": 1 if draws else 0, "prepare_sql": []}
    # The rows a replay picks from start with the compared value, so that each
    # replay updates the row it picked.
    for table, col, value in steady:
        for original, choices in (rotate or {}).items():
            ids = ",".join(choices)
            info["prepare_sql"].append(f'UPDATE "{table}" SET "{col}" = \'{value}\' WHERE "id" = ANY(\'{{{ids}}}\')')
    checked: dict[str, bool] = {}
    for si, st in enumerate(stmts):
        params = st["params"]
        sql = st["sql"]
        if params and pg is not None:
            if sql not in checked:
                checked[sql] = prepares(pg, db, sql)
                if not checked[sql] and not prepares(pg, db, with_integer_casts(sql, params)):
                    raise BenchError(f"capture: PostgreSQL cannot prepare a captured statement with untyped "
                                     f"parameters: {sql[:200]}")
            if not checked[sql]:
                sql = with_integer_casts(sql, params)
                info["typed"] += 1

        def sub(m, si=si, params=params):
            n = int(m.group(1))
            if (si, n) in int_fresh:
                return int_fresh[(si, n)]
            if n not in params:
                raise BenchError(f"capture: statement {si} uses ${n} but the log gave no value for it")
            v = params[n]
            if v is None:
                return "NULL"
            if v in fresh:
                return f":{fresh[v]}"
            if v in picks:
                return f":{picks[v]}"
            if v.startswith("{") and v.endswith("}") and any(x in fresh for x in v[1:-1].split(",")):
                items = [f":{fresh[x]}" if x in fresh else "'" + x + "'" for x in v[1:-1].split(",")]
                return "ARRAY[" + ", ".join(items) + "]"
            if v == "":
                return "''"
            name = f"p{si}_{n}"
            defines.append(f"{name}={v}")
            return f":{name}"

        sql = re.sub(r"\$(\d+)\b", sub, sql)
        lines.append(sql.rstrip(";") + ";")
    return "\n".join(lines) + "\n", defines, info


def run_pgbench(pg: Pg, db: str, script_path: str, defines: list[str], *, duration: float, clients: int = 16,
                threads: int = 2, out_path: str, extra: list[str] | None = None, rate: float | None = None) -> dict:
    """pgbench's throughput; with `rate`, at that constant rate, with the latency
    percentiles of its transactions, each counted from when it was due (pgbench's
    schedule lag added: no coordinated omission, as oha's latency correction)."""
    cmd = ["pgbench", "-h", pg.host, "-p", str(pg.port), "-U", pg.user, "-n", "-M", "prepared",
           "-c", str(clients), "-j", str(threads), "-T", str(int(round(duration)))]
    for d in defines:
        cmd += ["-D", d]
    cmd += extra or []
    logs = None
    if rate is not None:
        logs = tempfile.mkdtemp(prefix="pgbench-log-")
        cmd += ["-R", f"{rate:.0f}", "-l", "--log-prefix", os.path.join(logs, "tx")]
    if script_path:
        cmd += ["-f", script_path]
    cmd.append(db)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
    with open(out_path, "w") as f:
        shown = [c if len(c) < 300 else c[:120] + "...(" + str(len(c)) + " chars)" for c in cmd]
        f.write("$ " + " ".join(shown) + "\n" + proc.stdout + proc.stderr + f"\n[exit {proc.returncode}]\n")
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", proc.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", proc.stdout)
    if proc.returncode != 0 or not tps or (failed and int(failed.group(1)) > 0) or "aborted" in proc.stderr:
        raise BenchError(f"pgbench failed for {os.path.basename(script_path or 'builtin')}: "
                         f"{(proc.stdout + proc.stderr).strip()[-600:]} (see {out_path})")
    result = {"tps": float(tps.group(1)), "output": os.path.basename(out_path)}
    if logs is not None:
        result.update(pgbench_latencies(logs))
        shutil.rmtree(logs, ignore_errors=True)
    return result


def pgbench_latencies(folder: str) -> dict:
    """p50, p99 and p99.9 (ms) of the transactions pgbench logged in `folder`:
    each line's latency plus its schedule lag (microseconds)."""
    times = []
    for name in os.listdir(folder):
        with open(os.path.join(folder, name)) as f:
            for line in f:
                fields = line.split()
                if len(fields) >= 7 and fields[2].isdigit():
                    times.append(int(fields[2]) + int(fields[6]))
    if not times:
        raise BenchError("pgbench logged no transaction")
    times.sort()

    def pct(p: float) -> float:
        return times[min(len(times) - 1, int(len(times) * p))] / 1000.0

    return {"p50_ms": pct(0.50), "p99_ms": pct(0.99), "p999_ms": pct(0.999), "logged": len(times)}


# --------------------------------------------------------------------------- SQLite

GDB_HEAD = r"""set pagination off
set confirm off
set print thread-events off
set print inferior-events off
set print repeats unlimited
set print elements unlimited
handle SIGPIPE nostop noprint pass
handle SIGUSR1 nostop noprint pass
handle SIGUSR2 nostop noprint pass
"""

# One breakpoint per SQLite entry point, each printing what it was given, read
# from registers and memory only: gdb never calls a function in the server.
GDB_STEP = r"""break sqlite3_step
commands
silent
if *(unsigned char *)($rdi + @STATE@) != @RUN@
printf "BENCH\tSTEP\t%d\t%lu\t%s\tENDSQL\n", $_thread, $rdi, *(char **)($rdi + @ZSQL@)
end
continue
end
"""
GDB_SIMPLE = r"""break sqlite3_@NAME@
commands
silent
printf "BENCH\t@KIND@\t%d\t%lu\n", $_thread, $rdi
continue
end
"""
GDB_BIND_NUMBER = r"""break sqlite3_bind_@NAME@
commands
silent
printf "BENCH\tBIND\t%d\t%lu\t%d\t@TAG@\t@FMT@\n", $_thread, $rdi, $esi, @VALUE@
continue
end
"""
GDB_BIND_NULL = r"""break sqlite3_bind_null
commands
silent
printf "BENCH\tBIND\t%d\t%lu\t%d\tN\t\n", $_thread, $rdi, $esi
continue
end
"""
GDB_BIND_BYTES = r"""break sqlite3_bind_@NAME@
commands
silent
printf "BENCH\tBIND\t%d\t%lu\t%d\t@TAG@\t", $_thread, $rdi, $esi
if (long) @LEN@ > 0
eval "output/x *(unsigned char (*)[%ld])%lu", (long) @LEN@, $rdx
else
if (long) @LEN@ < 0 && $rdx != 0
printf "z%s", (char *) $rdx
end
end
echo \n
continue
end
"""
GDB_TAIL = r"""echo BENCH-GDB-READY\n
continue
detach
quit
"""


def gdb_script(binary: str, token: str) -> str:
    """The trace script for this binary: the offsets of a statement's SQL text and
    state are read from the code of sqlite3_sql() and sqlite3_stmt_busy()."""
    proc = subprocess.run(["gdb", "-q", "-batch", "-ex", "x/8i sqlite3_sql", "-ex", "x/8i sqlite3_stmt_busy", binary],
                          capture_output=True, text=True, timeout=120)
    text = proc.stdout + proc.stderr
    zsql = re.search(r"mov\s+0x([0-9a-f]+)\(%rdi\),%rax", text)
    state = re.search(r"cmpb\s+\$0x([0-9a-f]+),0x([0-9a-f]+)\(%rdi\)", text)
    if not zsql or not state:
        raise CaptureUnavailable("cannot find where SQLite keeps a statement's SQL in this binary")
    symbols = set(re.findall(r" T (sqlite3_\w+)$", run(["nm", binary]).stdout, re.M))
    parts = [GDB_HEAD, GDB_STEP.replace("@ZSQL@", "0x" + zsql.group(1)).replace("@STATE@", "0x" + state.group(2))
             .replace("@RUN@", "0x" + state.group(1))]
    for name, kind in (("reset", "RESET"), ("clear_bindings", "CLEAR"), ("finalize", "FIN")):
        parts.append(GDB_SIMPLE.replace("@NAME@", name).replace("@KIND@", kind))
    numbers = {"int": ("I", "%d", "$edx"), "int64": ("I", "%ld", "$rdx"), "double": ("D", "%.17g", "$xmm0.v2_double[0]")}
    for name, (tag, fmt, value) in numbers.items():
        if f"sqlite3_bind_{name}" in symbols:
            parts.append(GDB_BIND_NUMBER.replace("@NAME@", name).replace("@TAG@", tag).replace("@FMT@", fmt)
                         .replace("@VALUE@", value))
    parts.append(GDB_BIND_NULL)
    for name, tag, length in (("text", "T", "(int) $ecx"), ("text64", "T", "$rcx"),
                              ("blob", "B", "(int) $ecx"), ("blob64", "B", "$rcx")):
        if f"sqlite3_bind_{name}" in symbols:
            parts.append(GDB_BIND_BYTES.replace("@NAME@", name).replace("@TAG@", tag).replace("@LEN@", length))
    parts.append(GDB_TAIL)
    return "".join(parts)


EVENT = re.compile(r"BENCH\tSTEP\t(?P<st>\d+)\t(?P<ss>\d+)\t(?P<sql>.*?)\tENDSQL\n"
                   r"|BENCH\tBIND\t(?P<bt>\d+)\t(?P<bs>\d+)\t(?P<bi>-?\d+)\t(?P<tag>[A-Z])\t(?P<val>[^\n]*)\n"
                   r"|BENCH\t(?P<kind>RESET|CLEAR|FIN)\t(?P<kt>\d+)\t(?P<ks>\d+)\n", re.S)


def bind_value(tag: str, raw: str):
    if tag == "N":
        return None
    if tag == "I":
        return int(raw)
    if tag == "D":
        return float(raw)
    if raw.startswith("z"):
        data = raw[1:].encode()
    elif raw.startswith("{"):
        data = bytes(int(x, 16) for x in re.findall(r"0x([0-9a-f]+)", raw))
    else:
        data = b""
    if tag == "T":
        return data.decode("utf-8", errors="replace")
    return {"blob": data.hex()}


def parse_sqlite_trace(text: str) -> list[dict]:
    """Executions in order: the statement's SQL and the values bound for it."""
    binds: dict[str, dict[int, object]] = {}
    out: list[dict] = []
    for m in EVENT.finditer(text):
        if m.group("st"):
            stmt = m.group("ss")
            b = binds.get(stmt, {})
            n = max(b) if b else 0
            out.append({"thread": int(m.group("st")), "sql": normalise(m.group("sql")),
                        "params": [b.get(i) for i in range(1, n + 1)], "seq": len(out)})
        elif m.group("bt"):
            binds.setdefault(m.group("bs"), {})[int(m.group("bi"))] = bind_value(m.group("tag"), m.group("val"))
        elif m.group("kind") in ("CLEAR", "FIN"):
            binds.pop(m.group("ks"), None)
    return out


class SqliteCapture:
    """Traces a server started for the capture only (a server that was traced is
    not measured afterwards)."""

    def __init__(self, server, admin_key: str, out_dir: str):
        self.server, self.admin_key, self.out_dir = server, admin_key, out_dir

    def capture(self, ops: list[Op], primes: list[Op]) -> dict[str, list[dict]]:
        import platform
        import shutil
        if platform.machine() != "x86_64":
            raise CaptureUnavailable("the gdb trace reads x86-64 registers")
        if not shutil.which("gdb") or not shutil.which("nm"):
            raise CaptureUnavailable("gdb (and nm) are not installed")
        base = self.server.base
        for p in primes:
            p.send(base)
        token = secrets.token_hex(4)
        script = os.path.join(self.out_dir, "trace.gdb")
        out = os.path.join(self.out_dir, "gdb-trace.txt")
        with open(script, "w") as f:
            f.write(gdb_script(self.server.binary, token))
        with open(out, "w") as outf:
            gdb = subprocess.Popen(["gdb", "-q", "-batch", "-p", str(self.server.pid), "-x", script],
                                   stdout=outf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
        if GDB_PID_FILE:
            with open(GDB_PID_FILE, "a") as f:
                f.write(f"{gdb.pid}\n")
        try:
            deadline = time.time() + 120
            while time.time() < deadline:
                with open(out, errors="replace") as f:
                    text = f.read()
                if "BENCH-GDB-READY" in text:
                    break
                if gdb.poll() is not None:
                    raise CaptureUnavailable(f"gdb could not attach to the server: {text.strip()[-400:]}")
                time.sleep(0.2)
            else:
                raise CaptureUnavailable("gdb did not attach to the server within 120 s")
            if "Function \"sqlite3" in text or "No symbol table" in text:
                raise CaptureUnavailable(f"gdb cannot break in SQLite in this binary: {text.strip()[-400:]}")
            time.sleep(0.3)
            self._marker(base, token, 0)
            time.sleep(IDLE_WINDOW_S)
            self._marker(base, token, 1)
            for n, op in enumerate(ops):
                op.send(base)
                self._marker(base, token, n + 2)
        finally:
            # gdb stops the server, detaches (it called nothing in it) and quits.
            if gdb.poll() is None:
                gdb.send_signal(signal.SIGINT)
                try:
                    gdb.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    gdb.kill()
                    gdb.wait()
        with open(out, errors="replace") as f:
            text = f.read()
        entries = parse_sqlite_trace(text)
        needle = f"bench-marker-{token}-"
        positions, kept = strip_markers(entries, token, "thread",
                                        lambda e: any(isinstance(v, str) and v.startswith(needle) for v in e["params"]))
        captured = split_requests(kept, positions, [op.name for op in ops], "thread", by_thread=True)
        check_captured(captured)
        write_json(os.path.join(self.out_dir, "captured-statements.json"), captured)
        return captured

    def _marker(self, base: str, token: str, n: int) -> None:
        Op("marker", "GET", MARKER_PATH.format(marker=f"bench-marker-{token}-{n}"), self.admin_key).send(base)


def _sqlite_worker(path: str, stmts: list[tuple[str, tuple]], duration: float, queue) -> None:
    import sqlite3
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=10, cached_statements=256)
        # The server's connection settings (src/store: busy timeout, WAL, FULL, foreign keys).
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        cur = conn.cursor()

        def once():
            for sql, params in stmts:
                cur.execute(sql, params)
                cur.fetchall()

        warm_end = time.time() + min(1.0, duration / 5)
        while time.time() < warm_end:
            once()
        n = 0
        start = time.time()
        end = start + duration
        while time.time() < end:
            once()
            n += 1
        queue.put((n, time.time() - start, None))
    except Exception as e:  # noqa: BLE001 - reported to the parent
        queue.put((0, 0.0, repr(e)))


def sqlite_replay(path: str, stmts: list[dict], duration: float, processes: int) -> dict:
    """Replays the captured statements with the values bound to them, in a loop, one
    request's statements per iteration, from `processes` processes of Python's sqlite3."""
    import multiprocessing

    def value(v):
        return bytes.fromhex(v["blob"]) if isinstance(v, dict) else v

    work = [(s["sql"], tuple(value(v) for v in s["params"])) for s in stmts]
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    procs = [ctx.Process(target=_sqlite_worker, args=(path, work, duration, q)) for _ in range(processes)]
    for p in procs:
        p.start()
    results = [q.get(timeout=duration + 120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    errors = [r[2] for r in results if r[2]]
    if errors:
        raise BenchError(f"the Python sqlite3 replay failed: {errors[0]}")
    tps = sum(n / t for n, t, _ in results if t > 0)
    return {"tps": tps, "processes": processes, "statements": len(work)}
