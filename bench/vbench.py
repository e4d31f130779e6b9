#!/usr/bin/env python3
"""Runs the measurements of `bench/run` and records them in results.json.

For each backend, for each scale asked (smallest first): a fresh database,
seeded; a server that makes the bench sub-catalogue through the API and stops; a
fresh server (and on the last scale a second one with the view cache off) that
is measured once its background work is done. The full set of operations runs on
the last (largest) scale, the customer view on every scale.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import capture  # noqa: E402
import catalogue  # noqa: E402
from common import BenchError, Http, log, run, write_json  # noqa: E402
from load import Request, run_oha  # noqa: E402
from server import Server, wait_quiet  # noqa: E402

SWEEP = [0.10, 0.25, 0.50, 0.75, 0.90]
CONNECTIONS = 16
OTHER_DAY = "2031-01-01"


class Results:
    def __init__(self, path: str, meta: dict):
        self.path = path
        self.data = {"meta": meta, "records": []}
        self.save()

    def add(self, **record) -> dict:
        self.data["records"].append(record)
        self.save()
        return record

    def save(self) -> None:
        write_json(self.path, self.data)


class Bench:
    def __init__(self, args):
        self.args = args
        self.results_dir = os.path.abspath(args.results)
        self.duration = args.duration
        self.oha = args.oha
        self.vitrine = args.vitrine
        self.port = args.port
        self.pid_file = os.path.join(self.results_dir, ".pids")
        capture.GDB_PID_FILE = os.path.join(self.results_dir, ".gdb-pids")
        self.admin_key = "bench-admin-" + secrets.token_hex(16)
        self.pg = capture.Pg(log_to=os.path.join(self.results_dir, "commands.log"))
        self.data_dir = args.data_dir
        # The run uses its own copy of the binary: a rebuild during the run does not
        # change what is measured, and the copy's name is the benchmark's own.
        digest = sha256(self.vitrine)
        copy_dir = os.path.join(self.data_dir, "bin")
        os.makedirs(copy_dir, exist_ok=True)
        copy = os.path.join(copy_dir, f"vbench-server-{digest[:12]}")
        if not os.path.exists(copy):
            shutil.copy2(self.vitrine, copy + ".tmp")
            os.replace(copy + ".tmp", copy)
        for old in os.listdir(copy_dir):
            if old.startswith("vbench-server-") and old != os.path.basename(copy):
                os.remove(os.path.join(copy_dir, old))
        source = self.vitrine
        self.vitrine = copy
        version = run([self.vitrine, "--version"]).stdout.strip()
        meta = {
            "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "vitrine_version": version,
            "vitrine_binary": source,
            "vitrine_sha256": digest,
            "vitrine_mtime_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(source))),
            "oha_version": run([self.oha, "--version"]).stdout.strip(),
            "backends": args.backends,
            "scales": args.scales,
            "duration_s": self.duration,
            "quick": args.quick,
            "connections": CONNECTIONS,
            "cores": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
            "bench_sub_catalogue": catalogue.expected_shape(),
        }
        if "postgres" in args.backends:
            meta["postgresql_version"] = self.pg.psql("postgres", "SHOW server_version")
        self.results = Results(os.path.join(self.results_dir, "results.json"), meta)

    # ------------------------------------------------------------------ plumbing

    def url(self, base: str, path: str) -> str:
        return base + path

    def measure(self, req: Request, *, backend: str, scale: str, op: str, server: Server,
                mode: str, fraction: float | None = None, rate: float | None = None,
                duration: float | None = None) -> dict:
        name = f"{op}-{mode}" + (f"-{int(round(fraction * 100))}pct" if fraction is not None else "")
        out = os.path.join(self.results_dir, f"{backend}-{scale}", "load", name + ".json")
        summary = run_oha(self.oha, req, out, duration=duration or self.duration, connections=CONNECTIONS,
                          rate=rate, label=f"{backend} {scale} {op} {mode}" +
                          (f" {fraction:.0%}" if fraction is not None else ""),
                          check_alive=server.check_alive)
        if mode == "warmup":
            return summary
        return self.results.add(type="load", backend=backend, scale=scale, op=op, mode=mode,
                                fraction=fraction, server=server.name, **summary)

    def max_and_half(self, req: Request, *, backend, scale, op, server, sweep=False) -> None:
        self.measure(req, backend=backend, scale=scale, op=op, server=server, mode="warmup",
                     duration=min(1.0, self.duration))
        top = self.measure(req, backend=backend, scale=scale, op=op, server=server, mode="max")
        fractions = SWEEP if sweep else [0.5]
        for f in fractions:
            rate = max(1.0, top["rps"] * f)
            self.measure(req, backend=backend, scale=scale, op=op, server=server, mode="open",
                         fraction=f, rate=rate)

    # ------------------------------------------------------------------ databases

    def prepare_database(self, backend: str, scale: str, log_to: str) -> str:
        if backend == "postgres":
            db = f"vitrine_bench_{scale}"
            self.pg.psql("postgres", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            self.pg.psql("postgres", f'CREATE DATABASE "{db}"')
            url = self.pg.url(db)
        else:
            os.makedirs(self.data_dir, exist_ok=True)
            path = os.path.join(self.data_dir, f"vitrine_bench_{scale}.db")
            for suffix in ("", "-wal", "-shm", "-journal"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
            url = path
        env = {k: v for k, v in os.environ.items() if not k.startswith("VITRINE_")}
        env["VITRINE_DATABASE_URL"] = url
        env["RUST_LOG"] = "warn"
        t0 = time.time()
        run([self.vitrine, "migrate"], env=env, log_to=log_to)
        run([self.vitrine, "seed", "--scale", scale, "--seed", "1"], env=env, log_to=log_to, timeout=1800)
        log(f"{backend} {scale}: database migrated and seeded in {time.time() - t0:.0f} s")
        return url

    # ------------------------------------------------------------------ one scale

    def run_scale(self, backend: str, scale: str, full: bool) -> None:
        t_scale = time.time()
        sdir = os.path.join(self.results_dir, f"{backend}-{scale}")
        os.makedirs(sdir, exist_ok=True)
        log(f"=== {backend}, {scale} catalogue" + (" (every operation)" if full else " (the view)"))
        url = self.prepare_database(backend, scale, os.path.join(sdir, "seed.log"))

        builder = Server(self.vitrine, f"{backend}-{scale}-build", url, self.port, self.admin_key, sdir, self.pid_file)
        try:
            builder.start()
            ids = catalogue.build(builder.base, self.admin_key)
        finally:
            builder.stop()
        write_json(os.path.join(sdir, "bench-catalogue.json"),
                   {k: v for k, v in ids.items() if not k.endswith("_key")})
        if backend == "postgres":
            # What autovacuum would do soon after a bulk load, done now so that it
            # does not start in the middle of a measurement.
            self.pg.psql(f"vitrine_bench_{scale}", "VACUUM ANALYZE")

        servers = [Server(self.vitrine, f"{backend}-{scale}", url, self.port, self.admin_key, sdir, self.pid_file)]
        if full:
            servers.append(Server(self.vitrine, f"{backend}-{scale}-cache-off", url, self.port + 1, self.admin_key,
                                  sdir, self.pid_file, extra_env={"VITRINE_VIEW_CACHE_MIB": "0"}))
        self.tracee = None
        if full and backend == "sqlite":
            # SQLite statements are captured by tracing a server with gdb: one of its
            # own, never measured, started now so that its start-up work overlaps the others'.
            self.tracee = Server(self.vitrine, f"{backend}-{scale}-traced", url, self.port + 2, self.admin_key,
                                 sdir, self.pid_file)
        main = servers[0]
        try:
            for s in servers + ([self.tracee] if self.tracee else []):
                s.start()
            waited = wait_quiet(servers + ([self.tracee] if self.tracee else []))
            self.results.add(type="timing", backend=backend, scale=scale, step="settle after start", seconds=waited)
            self.check_view(backend, scale, main, ids)
            if full:
                self.run_full(backend, scale, servers, ids, sdir)
            else:
                req = self.requests(main.base, ids)["view"]
                self.max_and_half(req, backend=backend, scale=scale, op="view", server=main)
        finally:
            if self.tracee:
                self.tracee.kill()
            for s in servers:
                s.stop()
                if s.peak_rss_kib:
                    self.results.add(type="rss", backend=backend, scale=scale, server=s.name,
                                     cache="off" if s.extra_env else "on", peak_kib=s.peak_rss_kib)
        if full:
            self.ceilings(backend, scale, url, sdir)
        self.results.add(type="timing", backend=backend, scale=scale, step="scale total", seconds=time.time() - t_scale)

    def check_view(self, backend: str, scale: str, server: Server, ids: dict) -> None:
        """The bench customer's view (read for another day, so that today's is not yet
        in memory) holds the bench sub-catalogue: the same at every scale."""
        http = Http(server.base, ids["customer_key"])
        status, _, body = http.request("GET", f"/api/v1/customers/{ids['customer_id']}/view?on={OTHER_DAY}")
        http.close()
        if status != 200 or not isinstance(body, dict):
            raise BenchError(f"the bench customer's view answered {status}")
        shape = catalogue.check_view(body)
        size = len(json.dumps(body, separators=(",", ":")).encode())
        self.results.add(type="view_shape", backend=backend, scale=scale, bytes=size, **shape)
        log(f"{backend} {scale}: the bench view holds {shape['offerings']} offerings, {shape['services']} services, "
            f"{shape['components']} components ({size / 1024:.1f} KiB)")

    def requests(self, base: str, ids: dict) -> dict[str, Request]:
        api = base + "/api/v1"
        c = ids["customer_id"]
        lines_dir = os.path.join(self.results_dir, "inputs")
        os.makedirs(lines_dir, exist_ok=True)
        create_bodies = os.path.join(lines_dir, "create-bodies.jsonl")
        patch_bodies = os.path.join(lines_dir, "patch-bodies.jsonl")
        patch_urls = os.path.join(lines_dir, f"patch-urls-{base.rsplit(':', 1)[1]}.txt")
        with open(create_bodies, "w") as f:
            for i in range(64):
                f.write(json.dumps({"name": f"Bench load resource {i:02d}", "dimension": catalogue.DIMENSIONS[i % 4],
                                    "owner": "Bench load", "unit_cost": {"amount": f"{i}.25", "currency": "EUR"}}) + "\n")
        with open(patch_bodies, "w") as f:
            for i in range(8):
                f.write(json.dumps({"owner": f"Bench team {i}", "description": f"Patched by the benchmark ({i})"}) + "\n")
        with open(patch_urls, "w") as f:
            for r in ids["resource_ids"]:
                f.write(f"{api}/resources/{r}\n")
        return {
            "health": Request("GET", base + "/health/live", None),
            "view": Request("GET", f"{api}/customers/{c}/view", ids["customer_key"]),
            "offering": Request("GET", f"{api}/customers/{c}/view/offerings/{ids['offering_ids'][5]}", ids["customer_key"]),
            "product": Request("GET", f"{api}/products/{ids['product_ids'][0]}", ids["editor_key"]),
            "list": Request("GET", f"{api}/products?lifecycle_status=active&limit=20", ids["editor_key"]),
            "create": Request("POST", f"{api}/resources", ids["editor_key"], body_lines=create_bodies,
                              content_type="application/json"),
            "patch": Request("PATCH", f"{api}/resources", ids["editor_key"], urls_file=patch_urls,
                             body_lines=patch_bodies, content_type="application/merge-patch+json",
                             headers=["If-Match: *"]),
        }

    def capture_ops(self, ids: dict, writes: bool) -> tuple[list, list]:
        c = ids["customer_id"]
        ck, ek = ids["customer_key"], ids["editor_key"]
        Op = capture.Op
        if not writes:
            primes = [Op("prime customer key", "GET", f"/api/v1/customers/{c}/view?on={OTHER_DAY}", ck),
                      Op("prime editor key", "GET", "/api/v1/products?limit=1", ek)]
            # Each request twice: what the measurements repeat is the second one (the
            # first of a cached read fills the cache). The view's first read is what a
            # server with the cache off does for every read.
            ops = [Op("view_uncached", "GET", f"/api/v1/customers/{c}/view", ck),
                   Op("view", "GET", f"/api/v1/customers/{c}/view", ck)]
            for name, path, key in (
                    ("offering", f"/api/v1/customers/{c}/view/offerings/{ids['offering_ids'][5]}", ck),
                    ("product", f"/api/v1/products/{ids['product_ids'][0]}", ek),
                    ("list", "/api/v1/products?lifecycle_status=active&limit=20", ek)):
                ops += [Op(f"_{name}_first", "GET", path, key), Op(name, "GET", path, key)]
        else:
            primes = [Op("prime editor key", "GET", "/api/v1/products?limit=1", ek)]
            ops = [Op("create", "POST", "/api/v1/resources", ek,
                      body={"name": "Bench captured resource", "dimension": "information_and_technology",
                            "owner": "Bench load", "unit_cost": {"amount": "1.25", "currency": "EUR"}}),
                   Op("patch", "PATCH", f"/api/v1/resources/{ids['resource_ids'][0]}", ek,
                      body={"owner": "Bench team captured"}, headers={"If-Match": "*"},
                      content_type="application/merge-patch+json")]
        return primes, ops

    def capture(self, backend: str, scale: str, servers: list[Server], ids: dict, sdir: str, writes: bool) -> None:
        what = "writes" if writes else "reads"
        cdir = os.path.join(sdir, f"capture-{what}")
        os.makedirs(cdir, exist_ok=True)
        primes, ops = self.capture_ops(ids, writes)
        try:
            if backend == "postgres":
                cap = capture.PgCapture(self.pg, f"vitrine_bench_{scale}", [s.base for s in servers],
                                        self.admin_key, cdir)
            else:
                if writes or self.tracee is None:
                    self.results.add(type="note", backend=backend, scale=scale,
                                     text="SQLite writes are not replayed: no SQL ceiling for create and patch")
                    return
                cap = capture.SqliteCapture(self.tracee, self.admin_key, cdir)
            try:
                captured = cap.capture(ops, primes)
            except BenchError as e:
                if backend == "postgres" or isinstance(e, capture.CaptureUnavailable):
                    raise
                # The traced server is only there for the capture: its failure costs the
                # SQLite ceilings, not the measurements.
                raise capture.CaptureUnavailable(f"tracing the server failed: {e}") from e
            finally:
                if self.tracee:
                    self.tracee.kill()
                    self.tracee = None
        except capture.CaptureUnavailable as e:
            log(f"warning: the statements of the {what} could not be captured: {e}")
            self.results.add(type="note", backend=backend, scale=scale,
                             text=f"SQL ceilings of the {what} skipped: the statements could not be captured ({e})")
            return
        for name, stmts in captured.items():
            if name.startswith("_"):
                continue
            self.captured[name] = stmts
            log(f"  captured {len(stmts)} statements for {name}")
        if not writes:
            # Reads leave no background work; the check is cheap. After the captured
            # writes the server compares every view again, as it goes on doing during
            # the write measurements that follow: waiting would change nothing.
            wait_quiet(servers)

    # ------------------------------------------------------------------ the full set

    def run_full(self, backend: str, scale: str, servers: list[Server], ids: dict, sdir: str) -> None:
        main = servers[0]
        self.ids = ids
        self.captured: dict[str, list[dict]] = {}
        self.capture(backend, scale, servers, ids, sdir, writes=False)
        reqs = self.requests(main.base, ids)
        common = dict(backend=backend, scale=scale, server=main)
        self.measure(reqs["health"], op="health", mode="warmup", duration=min(1.0, self.duration), **common)
        self.measure(reqs["health"], op="health", mode="max", **common)
        self.max_and_half(reqs["view"], op="view", sweep=True, **common)
        for op in ("offering", "product", "list"):
            self.max_and_half(reqs[op], op=op, **common)
        if len(servers) > 1:
            off = servers[1]
            wait_quiet(servers)
            self.max_and_half(self.requests(off.base, ids)["view"], backend=backend, scale=scale,
                              op="view_uncached", server=off)
            off.stop()
            self.results.add(type="rss", backend=backend, scale=scale, server=off.name, cache="off",
                             peak_kib=off.peak_rss_kib)
            off.peak_rss_kib = None  # recorded
            servers = [main]
        if backend == "postgres":
            self.peer(backend, scale, main, ids, sdir)
        wait_quiet(servers)
        self.capture(backend, scale, servers, ids, sdir, writes=True)
        for op in ("create", "patch"):
            self.max_and_half(reqs[op], op=op, **common)

    # ------------------------------------------------------------------ the peer

    def peer(self, backend: str, scale: str, main: Server, ids: dict, sdir: str) -> None:
        """PostGraphile 4 serving the same customer view from the same database
        (bench/peer): checked against Vitrine's, then measured as the view is."""
        out = os.path.join(sdir, "peer")
        day = time.strftime("%Y-%m-%d", time.gmtime())
        log(f"{backend} {scale}: the peer, PostGraphile 4")
        cmd = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer", "run"),
               "--db", self.pg.url(f"vitrine_bench_{scale}"), "--vitrine", main.base,
               "--key", ids["customer_key"], "--customer", ids["customer_id"], "--day", day,
               "--duration", str(max(1, round(self.duration))), "--out", out, "--rate", "half",
               "--warmup", str(max(1, min(2, round(self.duration))))]
        try:
            run(cmd, env={**os.environ, "OHA": self.oha}, log_to=os.path.join(out, "run.log"), timeout=900)
        except BenchError as e:
            log(f"WARNING: the peer could not be measured: {e}")
            self.results.add(type="note", backend=backend, scale=scale,
                             text=f"the peer FAILED and is missing: {str(e)[:300]}")
            return
        for name, mode, fraction in (("peer-max", "max", None), ("peer-rate", "open", 0.5)):
            with open(os.path.join(out, name + ".summary.json")) as f:
                summary = json.load(f)
            summary.pop("answer_bytes", None)
            self.results.add(type="load", backend=backend, scale=scale, op="peer_view", mode=mode,
                             fraction=fraction, server="postgraphile", **summary)
        with open(os.path.join(out, "peer-check.txt")) as f:
            checked = f.readline().strip()
        self.results.add(type="note", backend=backend, scale=scale, text=f"the peer's view checked: {checked}")

    # ------------------------------------------------------------------ ceilings

    def ceilings(self, backend: str, scale: str, url: str, sdir: str) -> None:
        cdir = os.path.join(sdir, "ceilings")
        os.makedirs(cdir, exist_ok=True)
        log(f"{backend} {scale}: ceilings")
        if backend == "postgres":
            db = f"vitrine_bench_{scale}"
            for op, stmts in self.captured.items():
                # A patch is measured on the bench resources picked at random: so is its replay.
                rotate = {self.ids["resource_ids"][0]: self.ids["resource_ids"]} if op == "patch" else None
                try:
                    script, defines, info = capture.pgbench_script(stmts, self.pg, db, rotate=rotate)
                    path = os.path.join(cdir, f"{op}.sql")
                    with open(path, "w") as f:
                        f.write(script)
                    with open(os.path.join(cdir, f"{op}.defines.json"), "w") as f:
                        json.dump(defines, f, indent=1)
                    for sql in info["prepare_sql"]:
                        self.pg.psql(db, sql)
                    res = capture.run_pgbench(self.pg, db, path, defines, duration=self.duration,
                                              clients=CONNECTIONS, out_path=os.path.join(cdir, f"{op}.pgbench.txt"))
                except BenchError as e:
                    self.ceiling_failed(backend, scale, op, e)
                    continue
                label = f"pgbench -M prepared of its {plural(info['statements'], 'statement')}"
                if info["added_statements"]:
                    label += " (+1 drawing " + " and ".join(
                        x for x in (("new ids" if info["new_ids"] else ""), ("the row" if info["picked"] else "")) if x) + ")"
                self.results.add(type="ceiling", backend=backend, scale=scale, op=op, ceiling="replay",
                                 label=label, rps=res["tps"], statements=info["statements"], detail=info,
                                 file=f"ceilings/{op}.sql")
                log(f"  pgbench replay of {op} ({info['statements']} statements): {res['tps']:,.0f} tps")
                self.ceiling_latency(backend, scale, op, path, defines, cdir)
            scratch = "vitrine_bench_pgbench"
            self.pg.psql("postgres", f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            self.pg.psql("postgres", f'CREATE DATABASE "{scratch}"')
            run(["pgbench", "-h", self.pg.host, "-p", str(self.pg.port), "-U", self.pg.user, "-i", "-q", "-s", "10",
                 scratch], log_to=os.path.join(cdir, "pgbench-init.txt"))
            res = capture.run_pgbench(self.pg, scratch, "", [], duration=self.duration, clients=CONNECTIONS,
                                      out_path=os.path.join(cdir, "pgbench-S.txt"), extra=["-S"])
            self.results.add(type="ceiling", backend=backend, scale=scale, op="product", ceiling="pgbench -S",
                             label="pgbench -S (scale 10, own database)", rps=res["tps"], statements=1,
                             file="ceilings/pgbench-S.txt")
            log(f"  pgbench -S: {res['tps']:,.0f} tps")
            self.pg.psql("postgres", f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        else:
            procs = os.cpu_count() or 1
            for op, stmts in self.captured.items():
                if op in ("create", "patch"):
                    continue
                try:
                    res = capture.sqlite_replay(url, stmts, self.duration, procs)
                except BenchError as e:
                    self.ceiling_failed(backend, scale, op, e)
                    continue
                self.results.add(type="ceiling", backend=backend, scale=scale, op=op, ceiling="replay",
                                 label=f"Python sqlite3 (SQLite {sqlite3.sqlite_version}, {procs} processes) of its "
                                       f"{plural(len(stmts), 'statement')}",
                                 rps=res["tps"], statements=len(stmts), file=f"capture-reads/captured-statements.json")
                log(f"  Python sqlite3 replay of {op} ({len(stmts)} statements): {res['tps']:,.0f} per s")

    def ceiling_latency(self, backend: str, scale: str, op: str, path: str, defines: list[str], cdir: str) -> None:
        """The replay again, at the rate of Vitrine's latency measurement: the
        database's own latency at that load, beside Vitrine's."""
        half = self.results_half(backend, scale, op)
        if half is None:
            return
        rate = half["offered_rps"]
        try:
            res = capture.run_pgbench(self.pg, f"vitrine_bench_{scale}", path, defines, duration=self.duration,
                                      clients=CONNECTIONS, out_path=os.path.join(cdir, f"{op}.pgbench-rate.txt"),
                                      rate=rate)
        except BenchError as e:
            self.ceiling_failed(backend, scale, f"{op} at {rate:,.0f} per s", e)
            return
        self.results.add(type="ceiling_latency", backend=backend, scale=scale, op=op, offered_rps=rate,
                         rps=res["tps"], p50_ms=res["p50_ms"], p99_ms=res["p99_ms"], p999_ms=res["p999_ms"])
        log(f"  pgbench replay of {op} at {rate:,.0f} per s: p50 {res['p50_ms']:.2f} / p99 {res['p99_ms']:.2f} / "
            f"p99.9 {res['p999_ms']:.2f} ms")

    def results_half(self, backend: str, scale: str, op: str) -> dict | None:
        found = [r for r in self.results.data["records"] if r.get("type") == "load" and r.get("backend") == backend
                 and r.get("scale") == scale and r.get("op") == op and r.get("mode") == "open"
                 and r.get("fraction") == 0.5]
        return found[-1] if found else None

    def ceiling_failed(self, backend: str, scale: str, op: str, error: Exception) -> None:
        log(f"WARNING: the ceiling of {op} could not be measured: {error}")
        self.results.add(type="note", backend=backend, scale=scale,
                         text=f"the ceiling of {op} FAILED and is missing: {str(error)[:300]}")

    # ------------------------------------------------------------------ all

    def run(self) -> None:
        order = ["small", "medium", "large"]
        scales = sorted(self.args.scales, key=order.index)
        for backend in self.args.backends:
            t0 = time.time()
            for scale in scales:
                self.run_scale(backend, scale, full=(scale == scales[-1]))
            self.results.add(type="timing", backend=backend, scale=None, step="backend total", seconds=time.time() - t0)
        self.results.data["meta"]["finished_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.results.save()


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--results", required=True)
    p.add_argument("--backends", required=True, type=lambda s: s.split(","))
    p.add_argument("--scales", required=True, type=lambda s: s.split(","))
    p.add_argument("--duration", type=float, required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--oha", required=True)
    p.add_argument("--vitrine", required=True)
    p.add_argument("--port", type=int, default=18080)
    p.add_argument("--data-dir", required=True)
    args = p.parse_args()
    try:
        Bench(args).run()
    except BenchError as e:
        log(f"FAILED: {e}")
        return 1
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
