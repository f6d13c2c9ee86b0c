"""The single entry point from a report v1 object to files: every format renders from that one object.

Files are written atomically (temporary file + rename) so a SIEM or CI step watching the output
directory never picks up half a report.
"""

from __future__ import annotations

import functools
import json
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phiscope.json_types import ReportV1

STABLE_NAME = "phiscope-report.json"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_scan_id(report: ReportV1) -> str:
    """The scan id as a file-name component (ids are ours, but never trust a path built from data)."""
    sid = str((report.get("scan") or {}).get("id") or "unknown")
    return _SAFE.sub("_", sid).strip("._") or "unknown"


def _atomic_write(path: Path, writer: Callable[[Any], object], *, newline: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            writer(fh)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _write_text(text: str, fh: Any) -> None:
    fh.write(text)


def _dump_json(obj: Any, *, compact: bool = False) -> Callable[[Any], None]:
    def w(fh: Any) -> None:
        # one string, one write: json.dump's many small writes cost more than the encoding
        if compact:
            fh.write(json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=str))
        else:
            fh.write(pretty_json(obj))
        fh.write("\n")

    return w


LONG_LIST = 50  # a top-level list longer than this is written one item per line


def pretty_json(obj: Any) -> str:
    """JSON indented by two spaces, except that each item of a long top-level list (a report's
    objects) is one line: json's indenting encoder is pure Python, ~4 times the CPU of its C one,
    and a line per object is what one greps anyway."""
    if not isinstance(obj, dict) or not obj:
        return json.dumps(obj, indent=2, ensure_ascii=False, default=str)
    parts = []
    line = json.JSONEncoder(separators=(", ", ": "), ensure_ascii=False, default=str).encode
    for k, v in obj.items():
        if isinstance(v, list) and len(v) > LONG_LIST:
            text = "[\n    " + ",\n    ".join(map(line, v)) + "\n  ]"
        else:  # JSON text holds no raw newline inside a string: each one starts an indented line
            text = json.dumps(v, indent=2, ensure_ascii=False, default=str).replace("\n", "\n  ")
        parts.append(f"  {json.dumps(str(k), ensure_ascii=False)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}"


def _copy_of(src: Path) -> Callable[[Any], None]:
    def w(fh: Any) -> None:
        import shutil

        with src.open(encoding="utf-8") as f:
            shutil.copyfileobj(f, fh, 1 << 20)

    return w


@dataclass(frozen=True, slots=True)
class _Opts:
    compact: bool  # the report v1 JSON without indentation (very large reports)
    csv_delimiter: str
    findings: list[Any] | None  # the findings list, built once for the formats that need it


def _json(report: ReportV1, path: Path, o: _Opts) -> None:
    _atomic_write(path, _dump_json(report, compact=o.compact))


def _ocsf(report: ReportV1, path: Path, o: _Opts) -> None:
    from phiscope.report.ocsf import to_ocsf

    _atomic_write(path, _dump_json(to_ocsf(report, o.findings), compact=True))


def _sarif(report: ReportV1, path: Path, o: _Opts) -> None:
    from phiscope.report.sarif import to_sarif

    _atomic_write(path, _dump_json(to_sarif(report, o.findings), compact=True))


def _csv(report: ReportV1, path: Path, o: _Opts) -> None:
    from phiscope.report.csvout import write_csv

    _atomic_write(
        path, lambda fh: write_csv(report, fh, delimiter=o.csv_delimiter, findings=o.findings), newline=""
    )


def _html(report: ReportV1, path: Path, o: _Opts) -> None:
    from phiscope.report.html import render_html

    _atomic_write(path, functools.partial(_write_text, render_html(report)))


@dataclass(frozen=True, slots=True)
class Renderer:
    """One report format: its file extension and its writer (None: printed to the terminal)."""

    ext: str
    write: Callable[[ReportV1, Path, _Opts], None] | None


# The one table of report formats: the CLI's choices, file names and writers all come from here.
RENDERERS: dict[str, Renderer] = {
    "json": Renderer(".json", _json),
    "ocsf": Renderer(".ocsf.json", _ocsf),
    "sarif": Renderer(".sarif", _sarif),
    "csv": Renderer(".csv", _csv),
    "html": Renderer(".html", _html),
    "summary": Renderer("", None),
}
FORMATS = tuple(RENDERERS)
EXTENSIONS = {name: r.ext for name, r in RENDERERS.items() if r.write is not None}


def write_reports(
    report: ReportV1,
    out_dir: Path,
    formats: Sequence[str],
    *,
    csv_delimiter: str = ",",
    console: Any = None,
    **_: Any,
) -> dict[str, Path]:
    """Write the requested formats; returns {format: path}, plus "report" for the stable JSON.

    `summary` prints to `console` (a rich Console; default stdout) and returns no path.
    """
    fmts = [f.strip().lower() for f in formats if f and f.strip()]
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        raise ValueError(f"unknown report format(s) {', '.join(bad)}; choose from {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    base = f"phiscope-{safe_scan_id(report)}"
    n_objects = len(report.get("objects") or [])
    # People open the report v1 JSON; indenting a 100k-object one doubles its size for no reader.
    # OCSF and SARIF are for machines (SIEMs, code scanning upload limits): always compact.
    compact = n_objects > 20_000
    paths: dict[str, Path] = {}
    from phiscope.report.findings import iter_findings

    findings = None
    if any(f in fmts for f in ("ocsf", "sarif", "csv")):
        findings = list(iter_findings(report))
    opts = _Opts(compact, csv_delimiter, findings)
    for fmt in dict.fromkeys(fmts):
        renderer = RENDERERS[fmt]
        if renderer.write is None:  # printed, not written (summary)
            continue
        path = out_dir / f"{base}{renderer.ext}"
        renderer.write(report, path, opts)
        paths[fmt] = path
    stable = out_dir / STABLE_NAME
    if "json" in paths:  # the same bytes: copied, not encoded again
        _atomic_write(stable, _copy_of(paths["json"]))
    else:
        _atomic_write(stable, _dump_json(report, compact=compact))
    paths["report"] = stable
    if "summary" in fmts:
        from phiscope.report.summary import print_summary

        print_summary(report, console)
    return paths
