"""Starting, watching and stopping one Vitrine server process."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request

from common import BenchError, log

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def server_env(database_url: str, bind: str | None, admin_key: str | None, extra: dict | None = None) -> dict:
    """The caller's environment without any VITRINE_* or RUST_LOG setting, plus ours:
    every setting not named here is the server's default."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VITRINE_") and k != "RUST_LOG"}
    env["VITRINE_DATABASE_URL"] = database_url
    if bind:
        env["VITRINE_BIND"] = bind
    if admin_key:
        env["VITRINE_ADMIN_KEY"] = admin_key
    # The quietest logs: JSON lines (no colour, no formatting) and warnings only.
    env["VITRINE_LOG_FORMAT"] = "json"
    env["RUST_LOG"] = os.environ.get("BENCH_RUST_LOG", "warn")
    env.update(extra or {})
    return env


class Server:
    def __init__(self, binary: str, name: str, database_url: str, port: int, admin_key: str,
                 log_dir: str, pid_file: str, extra_env: dict | None = None):
        self.binary = binary
        self.name = name
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.env = server_env(database_url, f"127.0.0.1:{port}", admin_key, extra_env)
        self.extra_env = extra_env or {}
        self.log_path = os.path.join(log_dir, f"server-{name}.log")
        self.pid_file = pid_file
        self.proc: subprocess.Popen | None = None
        self.peak_rss_kib: int | None = None
        self.stopped = False

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 120) -> None:
        if port_in_use(self.port):
            raise BenchError(f"port {self.port} is already in use: stop what listens there or set BENCH_PORT")
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.binary], env=self.env, stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        logf.close()
        with open(self.pid_file, "a") as f:
            f.write(f"{self.proc.pid}\n")
        settings = " ".join(f"{k}={v}" for k, v in self.extra_env.items())
        log(f"server {self.name} started (pid {self.proc.pid}, port {self.port}{', ' + settings if settings else ''})")
        deadline = time.time() + timeout
        self.wait_for("/health/live", deadline, every=0.1, timeout=timeout)
        # Ready: the database answers too.
        self.wait_for("/health/ready", deadline, every=0.2, timeout=timeout)

    def wait_for(self, path: str, deadline: float, *, every: float, timeout: float) -> None:
        """Until `path` answers 200, or fails the run at `deadline`."""
        while time.time() < deadline:
            self.check_alive()
            try:
                with urllib.request.urlopen(f"{self.base}{path}", timeout=5) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(every)
        raise BenchError(f"server {self.name} did not answer {path} within {timeout:.0f} s; see {self.log_path}")

    def check_alive(self) -> None:
        if self.proc is None:
            raise BenchError(f"server {self.name} was not started")
        rc = self.proc.poll()
        if rc is not None:
            tail = ""
            try:
                with open(self.log_path, errors="replace") as f:
                    tail = "".join(f.readlines()[-10:])
            except OSError:
                pass
            how = f"was killed by signal {-rc}" if rc < 0 else f"exited with status {rc}"
            raise BenchError(f"server {self.name} {how}; last lines of {self.log_path}:\n{tail}")

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def read_peak_rss(self) -> int:
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    self.peak_rss_kib = int(line.split()[1])
                    return self.peak_rss_kib
        raise BenchError("VmHWM not found in /proc/<pid>/status")

    def kill(self) -> None:
        """Ends a server whose state does not matter (the traced one): at once."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.stopped = True

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is not None:
            if not self.stopped:
                log(f"WARNING: server {self.name} had already exited, with status {self.proc.returncode}"
                    f"{' (killed by signal ' + str(-self.proc.returncode) + ')' if self.proc.returncode < 0 else ''}")
                self.stopped = True
            return
        self.stopped = True
        try:
            self.read_peak_rss()
        except (OSError, BenchError):
            pass
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            log(f"server {self.name} ignored SIGTERM for 15 s: killing it")
            self.proc.kill()
            self.proc.wait(timeout=10)
        log(f"server {self.name} stopped" + (f" (peak RSS {self.peak_rss_kib / 1024:.1f} MiB)" if self.peak_rss_kib else ""))


def wait_quiet(servers: list[Server], *, timeout: float = 1800, window: float = 1.0,
               threshold: float = 0.03, windows_needed: int = 2) -> float:
    """Waits until every server has used less than `threshold` of a core for
    `windows_needed` windows in a row: after a start or a change of the
    catalogue, the server compares every customer's view in the background,
    and a measurement must not share the machine with that work."""
    start = time.time()
    last = {s.name: s.cpu_seconds() for s in servers}
    quiet = 0
    next_note = start + 20
    while True:
        time.sleep(window)
        busy = 0.0
        for s in servers:
            s.check_alive()
            now = s.cpu_seconds()
            busy = max(busy, (now - last[s.name]) / window)
            last[s.name] = now
        quiet = quiet + 1 if busy < threshold else 0
        if quiet >= windows_needed:
            waited = time.time() - start
            if waited > 5:
                log(f"servers settled after {waited:.0f} s of background work")
            return waited
        if time.time() > next_note:
            log(f"waiting for background work of the server(s) to finish ({time.time() - start:.0f} s, "
                f"{busy * 100:.0f}% of a core)")
            next_note = time.time() + 30
        if time.time() - start > timeout:
            raise BenchError(f"the server(s) kept busy for {timeout:.0f} s after start or change; giving up")


def port_in_use(port: int) -> bool:
    import socket
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0
