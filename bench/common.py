"""Shared helpers of the benchmark: logging, a small HTTP client, commands."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse


class BenchError(Exception):
    """A failure that stops the benchmark, with a message for the reader."""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def write_json(path: str, data) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2, sort_keys=False)
        f.write("\n")
    os.replace(tmp, path)


def read_json(path: str):
    with open(path) as f:
        return json.load(f)


def run(cmd: list[str], *, env=None, log_to: str | None = None, check=True,
        timeout: float | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Runs a command, keeping its output; on failure raises with the output's tail."""
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, input=input)
    if log_to:
        os.makedirs(os.path.dirname(log_to), exist_ok=True)
        with open(log_to, "a") as f:
            f.write(f"$ {' '.join(cmd)[:2000]}\n{proc.stdout}{proc.stderr}\n[exit {proc.returncode}]\n")
    if check and proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
        raise BenchError(f"command failed (exit {proc.returncode}): {' '.join(cmd)[:300]}\n  "
                         + "\n  ".join(tail))
    return proc


class Http:
    """One keep-alive HTTP/1.1 connection to the server, JSON in and out."""

    def __init__(self, base_url: str, key: str | None = None, timeout: float = 60):
        parsed = urllib.parse.urlsplit(base_url)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 80
        self.key = key
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, body=None, *, key: str | None = None,
                headers: dict | None = None, content_type: str = "application/json"):
        """Returns (status, headers, parsed JSON body or raw bytes)."""
        all_headers = {"Accept": "application/json"}
        use_key = key if key is not None else self.key
        if use_key:
            all_headers["Authorization"] = f"Bearer {use_key}"
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            all_headers["Content-Type"] = content_type
        if headers:
            all_headers.update(headers)
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=data, headers=all_headers)
                resp = conn.getresponse()
                raw = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest):
                # The server closed an idle keep-alive connection: open a new one once.
                self.close()
                if attempt == 2:
                    raise
        ctype = resp.getheader("Content-Type", "")
        parsed = raw
        if raw and "json" in ctype:
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, parsed

    def expect(self, method: str, path: str, body=None, *, ok=(200, 201), **kw):
        status, headers, parsed = self.request(method, path, body, **kw)
        if status not in ok:
            detail = parsed if not isinstance(parsed, bytes) else parsed[:500]
            raise BenchError(f"{method} {path} answered {status} (expected {ok}): {detail}")
        return parsed, headers
