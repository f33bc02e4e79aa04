"""The corpus sweep's results: the table, one row a spec, and the totals (all, large, sampled, shared)."""

from __future__ import annotations

import collections
from typing import Any


def fmt(x: Any, nd: int = 1) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{nd}f}"
    return str(x)


def print_table(recs: list[dict[str, Any]]) -> None:
    headers = ["spec", "MB", "status", "err", "warn", "degr", "models", "ops", "dupcls", "hash", "codec",
               "mypy", "gen s", "cpu s", "peak MB"]
    rows = []
    for r in sorted(recs, key=lambda r: (not r["large"], r["source"], r["name"])):
        c = r.get("counts", {})
        a = r.get("ast", {})
        m = r.get("mypy", {})
        mypy = "-"
        if m.get("timed_out"):
            mypy = "timeout"
        elif m.get("crashed"):
            mypy = "crash"
        elif "errors" in m:
            mypy = str(m["errors"])
        g = r["generate"]
        rows.append([r["name"][:44], f"{r['size'] / 1e6:.1f}", r["status"], fmt(c.get("errors")),
                     fmt(c.get("warnings")), fmt(c.get("degraded")), fmt(c.get("models")), fmt(c.get("operations")),
                     str(len(a.get("dup_classes", []))) if "dup_classes" in a else "-",
                     str(len(a.get("hash_names", []))) if "hash_names" in a else "-",
                     str(len(r.get("import", {}).get("codec_errors", []))) if r.get("import") else "-",
                     mypy, fmt(g["wall_s"]), fmt(g["cpu_s"]), fmt(g["peak_mb"], 0)])
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(headers)]
    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(widths[i]) if i in (0, 2) else c.rjust(widths[i]) for i, c in enumerate(cells))

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def totals(recs: list[dict[str, Any]]) -> dict[str, Any]:
    def group(rs: list[dict[str, Any]]) -> dict[str, Any]:
        st = collections.Counter(r["status"] for r in rs)
        mypy_runs = [r["mypy"] for r in rs if "errors" in r.get("mypy", {}) and not r["mypy"].get("timed_out")]
        return {
            "specs": len(rs),
            "status": dict(st),
            "generated": sum(1 for r in rs if r["status"] in ("ok", "import failed")),
            "imported": st.get("ok", 0),
            "with_warnings": sum(1 for r in rs if r.get("counts", {}).get("warnings")),
            "with_degraded": sum(1 for r in rs if r.get("counts", {}).get("degraded")),
            "dup_class_specs": sum(1 for r in rs if r.get("ast", {}).get("dup_classes")),
            "dup_classes": sum(len(r.get("ast", {}).get("dup_classes", [])) for r in rs),
            "hash_name_specs": sum(1 for r in rs if r.get("ast", {}).get("hash_names")),
            "hash_names": sum(len(r.get("ast", {}).get("hash_names", [])) for r in rs),
            "codec_error_specs": sum(1 for r in rs if r.get("import", {}).get("codec_errors")),
            "mypy_run": len(mypy_runs),
            "mypy_clean": sum(1 for m in mypy_runs if m["errors"] == 0 and not m.get("crashed")),
            "mypy_timeouts": sum(1 for r in rs if r.get("mypy", {}).get("timed_out")),
            "mypy_errors": sum(m["errors"] for m in mypy_runs),
            "gen_wall_s": round(sum(r["generate"]["wall_s"] for r in rs), 1),
            "gen_cpu_s": round(sum(r["generate"]["cpu_s"] for r in rs), 1),
            "max_peak_mb": max((r["generate"]["peak_mb"] for r in rs), default=0),
        }

    return {"all": group(recs),
            "large": group([r for r in recs if r["large"] and r["source"] == "directory"]),
            "sample": group([r for r in recs if not r["large"] and r["source"] == "directory"]),
            "shared": group([r for r in recs if r["source"] == "shared"])}


def print_totals(t: dict[str, Any]) -> None:
    print()
    for key, g in t.items():
        if not g["specs"]:
            continue
        def pct(n: int, g: dict[str, Any] = g) -> str:
            return f"{100.0 * n / g['specs']:.1f}%"

        print(f"{key:>6}: {g['specs']} specs; generated {g['generated']} ({pct(g['generated'])}), imported "
              f"{g['imported']} ({pct(g['imported'])}); statuses {g['status']}; mypy --strict clean "
              f"{g['mypy_clean']}/{g['mypy_run']} run ({g['mypy_timeouts']} timeouts, {g['mypy_errors']} errors); "
              f"degraded in {g['with_degraded']}, warnings in {g['with_warnings']}; duplicate class definitions "
              f"{g['dup_classes']} in {g['dup_class_specs']} specs; hash-suffixed names {g['hash_names']} in "
              f"{g['hash_name_specs']} specs; codec failures in {g['codec_error_specs']}; generation "
              f"{g['gen_wall_s']} s wall, {g['gen_cpu_s']} s CPU, largest peak {g['max_peak_mb']:.0f} MB")
