#!/usr/bin/env python3
"""Writes table.md and latency.svg from a results folder's results.json."""

from __future__ import annotations

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import read_json  # noqa: E402

BACKEND_NAMES = {"postgres": "PostgreSQL", "sqlite": "SQLite"}
OPS = [
    ("health", "`/health/live`"),
    ("view", "customer view"),
    ("view_uncached", "customer view, cache off"),
    ("peer_view", "customer view from the peer, PostGraphile 4"),
    ("offering", "one offering of the view"),
    ("product", "product by id"),
    ("list", "filtered list page (20)"),
    ("create", "create a resource"),
    ("patch", "patch a resource"),
]
RSS_LIMIT_MIB = 128
# The view's own SQL replayed by pgbench before this benchmark's work on speed (tps).
VIEW_SQL_BEFORE = 870


def fmt_rps(v) -> str:
    return "—" if v is None else f"{v:,.0f}"


def fmt_ms(v) -> str:
    if v is None:
        return "—"
    return f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:,.0f}"


def fmt_ratio(v) -> str:
    return "—" if v is None else f"{v:.2f}"


def status(ok) -> str:
    return "—" if ok is None else ("met" if ok else "**not met**")


class Report:
    def __init__(self, data: dict):
        self.meta = data["meta"]
        self.records = data["records"]

    def find(self, type_, **kw) -> list[dict]:
        return [r for r in self.records if r.get("type") == type_ and all(r.get(k) == v for k, v in kw.items())]

    def one(self, type_, **kw):
        found = self.find(type_, **kw)
        return found[-1] if found else None

    def backends(self) -> list[str]:
        seen = []
        for r in self.records:
            b = r.get("backend")
            if b and b not in seen:
                seen.append(b)
        return seen

    def full_scale(self, backend: str) -> str | None:
        scales = [r["scale"] for r in self.find("load", backend=backend, op="health", mode="max")]
        return scales[-1] if scales else None

    def half(self, backend, scale, op):
        return self.one("load", backend=backend, scale=scale, op=op, mode="open", fraction=0.5)

    def row(self, backend, scale, op, label) -> tuple[list[str], dict]:
        top = self.one("load", backend=backend, scale=scale, op=op, mode="max")
        if top is None:
            return [], {}
        half = self.half(backend, scale, op)
        ceilings = self.find("ceiling", backend=backend, scale=scale, op=op) if op != "health" else []
        # pgbench -S first: the target for a get is set against it.
        ceilings.sort(key=lambda c: 0 if c["ceiling"] == "pgbench -S" else 1)
        names = " · ".join(c["label"] for c in ceilings) or "—"
        rps = " · ".join(fmt_rps(c["rps"]) for c in ceilings) or "—"
        ratios = [top["rps"] / c["rps"] for c in ceilings if c["rps"]]
        ratio = " · ".join(fmt_ratio(x) for x in ratios) or "—"
        lat = "—" if half is None else f"{fmt_ms(half['p50_ms'])} / {fmt_ms(half['p99_ms'])} / {fmt_ms(half['p999_ms'])}"
        db = self.one("ceiling_latency", backend=backend, scale=scale, op=op)
        if half is not None and db is not None:
            lat += f" (its SQL alone: {fmt_ms(db['p50_ms'])} / {fmt_ms(db['p99_ms'])} / {fmt_ms(db['p999_ms'])})"
        cells = [label, BACKEND_NAMES.get(backend, backend), scale, fmt_rps(top["rps"]), names, rps, ratio, lat]
        return cells, {"top": top, "half": half, "ceilings": ceilings}

    def target(self, backend, scale, op, info, full) -> tuple[str, bool | None]:
        top, half = info.get("top"), info.get("half")
        ceil = {c["ceiling"]: c for c in info.get("ceilings", [])}
        if op == "view" and scale == full:
            if backend != "postgres":
                return "(≥ 10,000 rps and p99 ≤ 5 ms: set for PostgreSQL)", None
            ok = top["rps"] >= 10000 and half is not None and half["p99_ms"] <= 5.0
            return f"≥ 10,000 rps, p99 ≤ 5 ms at half load", ok
        if op == "view" and scale != full:
            large = self.half(backend, full, "view")
            if half is None or large is None or scale != "small":
                return "", None
            r = large["p50_ms"] / half["p50_ms"] if half["p50_ms"] else None
            r99 = large["p99_ms"] / half["p99_ms"] if half["p99_ms"] else None
            text = (f"{full} ≤ 1.2 × {scale} latency (p50 at half load): {full}/{scale} = {fmt_ratio(r)} "
                    f"(p99: {fmt_ratio(r99)})")
            return text, (r is not None and r <= 1.2)
        if op == "view_uncached" and "replay" in ceil and backend == "postgres":
            sql = ceil["replay"]["rps"]
            return (f"≥ 0.8 × its SQL ceiling, and that ceiling ≥ 3 × the {VIEW_SQL_BEFORE:,} tps measured before",
                    top["rps"] >= 0.8 * sql and sql >= 3 * VIEW_SQL_BEFORE)
        if op == "peer_view":
            view = self.one("load", backend=backend, scale=scale, op="view", mode="max")
            off = self.one("load", backend=backend, scale=scale, op="view_uncached", mode="max")
            if view is None or not top["rps"]:
                return "", None
            text = f"Vitrine's view ≥ 2 × the peer's: {view['rps'] / top['rps']:.1f} ×"
            if off is not None:
                text += f" (cache off: {off['rps'] / top['rps']:.1f} ×)"
            return text, view["rps"] >= 2 * top["rps"]
        if op == "product" and "pgbench -S" in ceil:
            return "≥ 0.5 × `pgbench -S`", top["rps"] >= 0.5 * ceil["pgbench -S"]["rps"]
        if op == "create" and "replay" in ceil and backend == "postgres":
            return "≥ 0.5 × pgbench insert script", top["rps"] >= 0.5 * ceil["replay"]["rps"]
        return "", None

    def table(self) -> str:
        m = self.meta
        out = []
        out.append(f"# Vitrine benchmark, {m.get('started_utc', '?')}")
        out.append("")
        shape = m.get("bench_sub_catalogue", {})
        views = self.find("view_shape")
        size = f", {views[-1]['bytes'] / 1024:.1f} KiB of JSON" if views else ""
        out.append(f"- Server: `{m.get('vitrine_version')}`, binary sha256 {m.get('vitrine_sha256', '')[:12]}, "
                   f"built {m.get('vitrine_mtime_utc')}; load generator {m.get('oha_version')}"
                   + (f"; PostgreSQL {m['postgresql_version']}" if m.get("postgresql_version") else "") + ".")
        out.append(f"- {m.get('cores')} cores shared by server, database and load generator; load average at start "
                   f"{', '.join(f'{x:.2f}' for x in m.get('load_average_at_start', []))}.")
        out.append(f"- {m.get('duration_s'):g} s per measurement{' (quick run: figures are rough)' if m.get('quick') else ''}; "
                   f"Vitrine rps: closed loop, {m.get('connections')} connections, 2xx answers per second. "
                   "Latency: constant request rate at half of that maximum, corrected for coordinated omission.")
        out.append(f"- The measured customer sees the bench sub-catalogue, the same at every scale: "
                   f"{shape.get('offerings')} offerings, {shape.get('services')} services, "
                   f"{shape.get('customer_visible_components')} components shown of {shape.get('components')}"
                   f"{size}.")
        out.append("- Ratio: Vitrine rps over the ceiling's. Ceilings replay the exact statements Vitrine sent for one "
                   "such request (captured from the database's side), one transaction per request, 16 clients. "
                   "\"Its SQL alone\": the same replay by pgbench at the rate of Vitrine's latency measurement, "
                   "each transaction timed from when it was due.")
        out.append("")
        out.append("| operation | backend | scale | Vitrine rps | ceiling | ceiling rps | ratio | "
                   "p50 / p99 / p99.9 at half load (ms) | target | |")
        out.append("|---|---|---|---:|---|---:|---:|---|---|---|")
        for backend in self.backends():
            full = self.full_scale(backend)
            scales = []
            for r in self.find("load", backend=backend, op="view", mode="max"):
                if r["scale"] not in scales:
                    scales.append(r["scale"])
            rows = []
            for op, label in OPS:
                if op == "view":
                    order = [full] + [s for s in scales if s != full] if full else scales
                    for scale in order:
                        rows.append((scale, op, label))
                elif full:
                    rows.append((full, op, label))
            for scale, op, label in rows:
                cells, info = self.row(backend, scale, op, label)
                if not cells:
                    continue
                text, ok = self.target(backend, scale, op, info, full)
                out.append("| " + " | ".join(cells + [text, status(ok) if text else ""]) + " |")
        rss_parts = []
        rss_ok = True
        for backend in self.backends():
            per = self.find("rss", backend=backend)
            if not per:
                continue
            on = [r["peak_kib"] for r in per if r.get("cache") == "on"]
            off = [r["peak_kib"] for r in per if r.get("cache") == "off"]
            peak = max(on + off) / 1024
            rss_ok = rss_ok and peak <= RSS_LIMIT_MIB
            text = f"{BACKEND_NAMES.get(backend, backend)} {max(on) / 1024:.0f} MiB" if on else BACKEND_NAMES.get(backend, backend)
            if off:
                text += f" (cache off: {max(off) / 1024:.0f} MiB)"
            rss_parts.append(text)
        if rss_parts:
            out.append(f"| peak RSS (VmHWM) of the server after its measurements | | | {'; '.join(rss_parts)} | | | | | "
                       f"≤ {RSS_LIMIT_MIB} MiB | {status(rss_ok)} |")
        out.append("")
        sweep_lines = self.sweep_table()
        if sweep_lines:
            out += sweep_lines
        notes = self.find("note")
        if notes:
            out.append("Notes:")
            for n in notes:
                out.append(f"- {BACKEND_NAMES.get(n['backend'], n['backend'])}: {n['text']}")
            out.append("")
        timings = [t for t in self.find("timing") if t["step"] in ("backend total",)]
        if timings:
            out.append("Run time: " + "; ".join(f"{BACKEND_NAMES.get(t['backend'], t['backend'])} {t['seconds'] / 60:.1f} min"
                                                for t in timings) + ".")
            out.append("")
        out.append("Raw figures: `results.json`, each run's oha JSON under `<backend>-<scale>/load/`, the captured "
                   "statements and pgbench scripts under `<backend>-<scale>/capture-*/` and `ceilings/`; the plot: "
                   "`latency.svg`.")
        return "\n".join(out) + "\n"

    def sweep(self, backend: str) -> list[dict]:
        full = self.full_scale(backend)
        pts = self.find("load", backend=backend, scale=full, op="view", mode="open")
        return sorted(pts, key=lambda r: r["offered_rps"])

    def sweep_table(self) -> list[str]:
        lines = []
        for backend in self.backends():
            pts = self.sweep(backend)
            if len(pts) < 2:
                continue
            if not lines:
                lines.append("Customer view at constant request rates (the plot's points):")
                lines.append("")
                lines.append("| backend | offered rps | share of max | served rps | p50 | p99 | p99.9 (ms) |")
                lines.append("|---|---:|---:|---:|---:|---:|---:|")
            for p in pts:
                lines.append(f"| {BACKEND_NAMES.get(backend, backend)} | {fmt_rps(p['offered_rps'])} | "
                             f"{p['fraction']:.0%} | {fmt_rps(p['rps'])} | {fmt_ms(p['p50_ms'])} | "
                             f"{fmt_ms(p['p99_ms'])} | {fmt_ms(p['p999_ms'])} |")
        if lines:
            lines.append("")
        return lines

    # ------------------------------------------------------------------ plot

    def svg(self) -> str:
        panels = [(b, self.sweep(b)) for b in self.backends()]
        panels = [(b, pts) for b, pts in panels if pts]
        pw, ph = 460, 360
        margin_l, margin_r, margin_t, margin_b = 64, 16, 36, 52
        width = max(1, len(panels)) * pw + 20
        height = ph + 75
        series = [("p50_ms", "p50", "#1f77b4"), ("p99_ms", "p99", "#ff7f0e"), ("p999_ms", "p99.9", "#d62728")]
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
               f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
               f'<rect width="{width}" height="{height}" fill="white"/>',
               f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15">Customer view: latency against '
               f'offered load (constant rate, {self.meta.get("connections")} connections, corrected for coordinated '
               f'omission)</text>']
        if not panels:
            out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no sweep measured</text>')
        for i, (backend, pts) in enumerate(panels):
            x0 = 10 + i * pw + margin_l
            y0 = 40 + margin_t
            w = pw - margin_l - margin_r
            h = ph - margin_t - margin_b
            top_rps = [r["rps"] for r in self.find("load", backend=backend, scale=self.full_scale(backend), op="view",
                                                    mode="max")]
            xmax = max([p["offered_rps"] for p in pts] + top_rps) * 1.05
            # One latency scale for every panel, so that the backends compare at a glance.
            values = [p[k] for _, ps in panels for p in ps for k, _, _ in series if p.get(k)]
            lo = 10 ** math.floor(math.log10(max(min(values), 1e-3)))
            hi = 10 ** math.ceil(math.log10(max(values)))
            if hi <= lo:
                hi = lo * 10

            def sx(v):
                return x0 + w * v / xmax

            def sy(v):
                v = max(v, lo)
                return y0 + h - h * (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

            out.append(f'<text x="{x0 + w / 2}" y="{y0 - 14}" text-anchor="middle" font-size="13" font-weight="bold">'
                       f'{BACKEND_NAMES.get(backend, backend)}, {self.full_scale(backend)} catalogue</text>')
            out.append(f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#444"/>')
            d = lo
            while d <= hi * 1.0001:
                for mult in (1, 2, 5):
                    v = d * mult
                    if v > hi * 1.0001 or v < lo:
                        continue
                    y = sy(v)
                    strong = mult == 1
                    out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" stroke="{"#ccc" if strong else "#eee"}"/>')
                    out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{v:g}</text>')
                d *= 10
            step = nice_step(xmax / 5)
            v = 0.0
            while v <= xmax:
                x = sx(v)
                out.append(f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y0 + h}" stroke="#eee"/>')
                out.append(f'<text x="{x:.1f}" y="{y0 + h + 16}" text-anchor="middle">{v:,.0f}</text>')
                v += step
            out.append(f'<text x="{x0 + w / 2}" y="{y0 + h + 36}" text-anchor="middle">offered load (requests/s)</text>')
            out.append(f'<text x="{x0 - 46}" y="{y0 + h / 2}" text-anchor="middle" '
                       f'transform="rotate(-90 {x0 - 46} {y0 + h / 2})">latency (ms, log scale)</text>')
            for key, name, colour in series:
                coords = [(sx(p["offered_rps"]), sy(p[key])) for p in pts if p.get(key)]
                if not coords:
                    continue
                out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="'
                           + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
                for x, y in coords:
                    out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
            top = self.one("load", backend=backend, scale=self.full_scale(backend), op="view", mode="max")
            if top and top["rps"] <= xmax:
                x = sx(top["rps"])
                out.append(f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y0 + h}" stroke="#888" '
                           f'stroke-dasharray="4 3"/>')
                out.append(f'<text x="{x - 4:.1f}" y="{y0 + h - 6}" text-anchor="end" fill="#666">max {top["rps"]:,.0f}</text>')
            for j, (key, name, colour) in enumerate(series):
                lx = x0 + w / 2 - 105 + j * 75
                ly = y0 + h + 50
                out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 18}" y2="{ly - 4}" stroke="{colour}" stroke-width="2"/>')
                out.append(f'<text x="{lx + 22}" y="{ly}">{name}</text>')
        out.append("</svg>")
        return "\n".join(out) + "\n"


def nice_step(raw: float) -> float:
    if raw <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def main() -> int:
    folder = sys.argv[1]
    report = Report(read_json(os.path.join(folder, "results.json")))
    with open(os.path.join(folder, "table.md"), "w") as f:
        f.write(report.table())
    with open(os.path.join(folder, "latency.svg"), "w") as f:
        f.write(report.svg())
    return 0


if __name__ == "__main__":
    sys.exit(main())
