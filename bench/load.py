"""Load with oha: closed loop for the maximum, constant rate for latency.

Every run's JSON is kept as oha wrote it. A run counts only answers with a 2xx
status; any other status, or any error other than the requests cut by the end
of the run, fails the benchmark.
"""

from __future__ import annotations

import os
import subprocess

from common import BenchError, log, read_json, write_json

DEADLINE_ERROR = "aborted due to deadline"


class Request:
    """What one measurement sends: a method, a URL (or a file of URLs, one picked
    at random per request), headers, and optionally bodies (one line picked at
    random per request)."""

    def __init__(self, method: str, url: str, key: str | None, *, urls_file: str | None = None,
                 body_lines: str | None = None, content_type: str | None = None,
                 headers: list[str] | None = None):
        self.method = method
        self.url = url
        self.key = key
        self.urls_file = urls_file
        self.body_lines = body_lines
        self.content_type = content_type
        self.headers = headers or []

    def args(self) -> list[str]:
        a = ["-m", self.method]
        if self.key:
            a += ["-H", f"Authorization: Bearer {self.key}"]
        for h in self.headers:
            a += ["-H", h]
        if self.content_type:
            a += ["-T", self.content_type]
        if self.body_lines:
            a += ["-Z", self.body_lines]
        if self.urls_file:
            a += ["--urls-from-file", self.urls_file]
        else:
            a.append(self.url)
        return a


def run_oha(oha: str, req: Request, out_json: str, *, duration: float, connections: int = 16,
            rate: float | None = None, label: str = "", check_alive=None) -> dict:
    """Runs oha once; returns a summary (2xx rps, latency percentiles in ms)."""
    cmd = [oha, "--no-tui", "--output-format", "json", "-o", out_json,
           "-z", f"{duration:g}s", "-c", str(connections)]
    if rate is not None:
        cmd += ["-q", f"{rate:.1f}", "--latency-correction"]
    cmd += req.args()
    os.makedirs(os.path.dirname(out_json), exist_ok=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
    if check_alive:
        check_alive()
    if proc.returncode != 0 or not os.path.exists(out_json):
        raise BenchError(f"oha failed (exit {proc.returncode}) for {label}: {(proc.stdout + proc.stderr).strip()[-800:]}")
    data = read_json(out_json)
    statuses = {int(k): v for k, v in data.get("statusCodeDistribution", {}).items()}
    errors = {k: v for k, v in data.get("errorDistribution", {}).items() if k != DEADLINE_ERROR}
    ok = sum(v for k, v in statuses.items() if 200 <= k < 300)
    bad = {k: v for k, v in statuses.items() if not 200 <= k < 300}
    if bad or errors:
        raise BenchError(f"{label}: not every answer was a 2xx: statuses {statuses}, errors {errors} "
                         f"(oha output: {out_json})")
    if ok == 0:
        raise BenchError(f"{label}: no answer at all (oha output: {out_json})")
    total = float(data["summary"]["total"])
    # oha's total runs from its start to the last task's end, a little beyond the
    # deadline; every answer counted arrived within the requested duration.
    elapsed = min(total, duration) if total > 0 else duration
    pct = data.get("latencyPercentiles", {})

    def ms(key):
        v = pct.get(key)
        return None if v is None else v * 1000.0

    summary = {
        "label": label,
        "loop": "closed" if rate is None else "open",
        "connections": connections,
        "offered_rps": rate,
        "duration_s": duration,
        "ok": ok,
        "statuses": statuses,
        "deadline_aborted": data.get("errorDistribution", {}).get(DEADLINE_ERROR, 0),
        "rps": ok / elapsed,
        "p50_ms": ms("p50"),
        "p99_ms": ms("p99"),
        "p999_ms": ms("p99.9"),
        "max_ms": data["summary"].get("slowest", 0) * 1000.0,
        "raw": os.path.basename(out_json),
        "command": [c if not c.startswith("Authorization") else "Authorization: Bearer ***" for c in cmd],
    }
    write_json(out_json.replace(".json", ".summary.json"), summary)
    if rate is None:
        log(f"  {label}: {summary['rps']:,.0f} rps (p50 {summary['p50_ms']:.2f} ms, p99 {summary['p99_ms']:.2f} ms)")
    else:
        log(f"  {label}: {rate:,.0f} rps offered, {summary['rps']:,.0f} served; p50 {summary['p50_ms']:.2f} / "
            f"p99 {summary['p99_ms']:.2f} / p99.9 {summary['p999_ms']:.2f} ms")
        if summary["rps"] < 0.9 * rate:
            log(f"  warning: {label} served {summary['rps']:,.0f} of {rate:,.0f} rps offered")
    return summary
