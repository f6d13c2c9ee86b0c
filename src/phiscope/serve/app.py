"""The dashboard's ASGI app: server-side pages over the findings database, actions, and a JSON API.

Security by default: every route but /login and /static needs a session (or, under /api/v1, an API
token); every POST needs the session's CSRF token; pages carry a CSP with no inline script, no
framing, no referrer. Values from a scan are escaped by Jinja's autoescape (object keys are chosen by
whoever can write to a bucket, so they are hostile). The pages reuse the HTML report's renderers and
stylesheet, so a bucket's proof reads the same in both.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from pydantic import BaseModel
from sqlalchemy import Engine
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from phiscope import __version__
from phiscope.impact.severity import LEVELS
from phiscope.serve import actions, auth, queries
from phiscope.serve.auth import User

SESSION_COOKIE = "phiscope_session"
LOGIN_COOKIE = "phiscope_login"
PUBLIC_PATHS = {"/login", "/favicon.ico"}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
LEVEL_LABEL = {
    "public": "Public (anyone)",
    "authenticated": "Any AWS account",
    "latent": "Latent (blocked today)",
    "none": "Private",
}


@functools.cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("phiscope.serve", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=False,
    )
    return env


class Settings:
    def __init__(self, engine: Engine, mutelist: Path, backup_dir: Path, db_hint: str) -> None:
        self.engine = engine
        self.mutelist = mutelist
        self.backup_dir = backup_dir
        self.db_hint = db_hint


def default_paths(db_url: str) -> tuple[Path, Path]:
    """Mutelist and backup folder: beside a SQLite file (as `phiscope demo` leaves them), else data dir."""
    if db_url.startswith("sqlite:///") and db_url != "sqlite:///:memory:":
        base = Path(db_url[len("sqlite:///") :]).resolve().parent
    else:
        from platformdirs import user_data_dir

        base = Path(user_data_dir("phiscope"))
    return base / "mutelist.yaml", base / "backups"


# -- request helpers ------------------------------------------------------------------------------


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def current_user(request: Request) -> User:
    user = getattr(request.state, "user", None)
    if user is None:  # the middleware lets no anonymous request through; defence in depth
        raise HTTPException(401, "login required")
    return user


async def csrf_checked(request: Request) -> User:
    """The session user of a state-changing request whose CSRF token matches (else 403)."""
    user = current_user(request)
    if user.via != "session":
        raise HTTPException(403, "state-changing requests need a browser session with its CSRF token")
    form = await request.form()
    presented = form.get("csrf") or request.headers.get("x-csrf-token")
    if not auth.csrf_ok(user, str(presented) if presented else None):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")
    return user


def _page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    flashes = ctx.pop("flashes", [])
    msg = request.query_params.get("msg")
    if msg in MESSAGES:
        flashes.append(MESSAGES[msg])
    html = (
        _env()
        .get_template(name)
        .render(user=user, flashes=flashes, level_label=LEVEL_LABEL, scan=ctx.pop("scan", None), **ctx)
    )
    return HTMLResponse(html, status_code=status)


MESSAGES = {
    "muted": ("ok", "Muted: the entry is in the mutelist."),
    "rolled-back": ("ok", "Rolled back: the previous configuration is restored."),
    "token-revoked": ("ok", "Token revoked."),
}


def _error(request: Request, status: int, title: str, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status)
    return _page(request, "error.html", status=status, code=status, title=title, message=message)


def _need(request: Request, user: User, role: str, action: str, target: str | None) -> Response | None:
    """None when the user may act, else a 403 page (and the refusal goes to the audit log)."""
    if user.can(role):
        return None
    auth.audit(
        _settings(request).engine, user, action, target, "refused", {"needs": role}, client=_client(request)
    )
    return _error(request, 403, "Not allowed", f"This needs the {role} role; you are {user.role}.")


def _scan_id(request: Request, scan: str | None) -> str | None:
    eng = _settings(request).engine
    if scan:
        if scan not in queries.scan_ids(eng):
            raise HTTPException(404, f"no scan {scan!r}")
        return scan
    return queries.latest_finished_scan(eng)


@dataclass(frozen=True, slots=True)
class Shown:
    """The scan a page shows, with its summary."""

    settings: Settings
    scan_id: str
    summary: dict[str, Any]
    scan_q: str | None  # the ?scan= the page was asked for (its links keep it)

    def header(self) -> dict[str, Any]:
        """What every scan page's header shows: the scan, the query to keep, the headline severity."""
        s = self.summary
        return {"scan": s["scan"], "scan_q": self.scan_q, "header_sev": s["headline"]["severity"]}


def _shown_scan(request: Request, scan: str | None) -> Shown | Response:
    """The scan a page shows (`?scan=`, else the latest finished one) and its summary, or the empty
    page when the database holds no scan yet (an unknown id is a 404)."""
    s = _settings(request)
    sid = _scan_id(request, scan)
    if sid is None:
        return _page(request, "empty.html", db_hint=s.db_hint)
    return Shown(s, sid, queries.scan_summary(s.engine, sid), scan)


def _deadlines(obligations: list[dict[str, Any]], now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or datetime.now(UTC)
    out = []
    for o in obligations:
        o = dict(o)
        if o.get("deadline"):
            dl = datetime.fromisoformat(str(o["deadline"]))
            if dl.tzinfo is None:
                dl = dl.replace(tzinfo=UTC)
            left = dl - now
            o["deadline_iso"] = dl.isoformat()
            o["urgency"] = (
                "overdue" if left.total_seconds() < 0 else "soon" if left < timedelta(days=3) else ""
            )
            secs = abs(int(left.total_seconds()))
            txt = f"{secs // 86400} d {secs % 86400 // 3600} h"
            o["left"] = f"overdue by {txt}" if left.total_seconds() < 0 else f"in {txt}"
        out.append(o)
    return out


def _trend_svg(points: list[dict[str, Any]]) -> Markup:
    """People in exposed buckets and exposed buckets per scan, as a small inline SVG."""
    if not points:
        return Markup('<p class="muted">No finished scan yet.</p>')
    from markupsafe import escape

    w, h, pad = 420, 140, 24
    vmax = max(max(p["people_exposed"] for p in points), 1)
    n = len(points)
    step = (w - 2 * pad) / max(n - 1, 1)
    xy = [
        (pad + i * step, h - pad - (h - 2 * pad) * p["people_exposed"] / vmax) for i, p in enumerate(points)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#7a3db8"><title>{escape(p["scan_id"])}: '
        f"{p['people_exposed']:,} people exposed, {p['exposed_buckets']} exposed buckets</title></circle>"
        for (x, y), p in zip(xy, points, strict=True)
    )
    return Markup(
        f'<svg class="trend" viewBox="0 0 {w} {h}" role="img" aria-label="people exposed per scan">'
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#e3e7ef"/>'
        f'<polyline points="{line}" fill="none" stroke="#7a3db8" stroke-width="2"/>{dots}'
        f'<text x="{pad}" y="{pad - 8}">max {vmax:,} people exposed</text>'
        f'<text x="{pad}" y="{h - 6}">{n} scan(s), oldest → newest</text></svg>'
    )


# -- middleware -----------------------------------------------------------------------------------


class Gate(BaseHTTPMiddleware):
    """Who is asking (session cookie or API token); nobody passes without one; security headers."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        from starlette.concurrency import run_in_threadpool

        settings: Settings = request.app.state.settings
        path = request.url.path
        user: User | None = None
        authz = request.headers.get("authorization", "")
        if authz.lower().startswith("bearer "):
            user = await run_in_threadpool(auth.token_user, settings.engine, authz[7:].strip())
        elif request.cookies.get(SESSION_COOKIE):
            user = await run_in_threadpool(
                auth.session_user, settings.engine, request.cookies[SESSION_COOKIE]
            )
        request.state.user = user
        public = path in PUBLIC_PATHS or path.startswith("/static/")
        if user is None and not public:
            if path.startswith("/api/"):
                response: Response = JSONResponse(
                    {"detail": "authentication required"},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="phiscope"'},
                )
            elif request.method in ("GET", "HEAD"):
                nxt = path + (f"?{request.url.query}" if request.url.query else "")
                response = RedirectResponse("/login?" + urlencode({"next": nxt}), status_code=303)
            else:
                response = PlainTextResponse("authentication required", status_code=401)
        else:
            response = await call_next(request)
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "no-referrer"
        h["X-Content-Type-Options"] = "nosniff"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        if not path.startswith("/static/"):
            h["Cache-Control"] = "no-store"
        if request.url.scheme == "https":
            h["Strict-Transport-Security"] = "max-age=31536000"
        return response


# -- API models (OpenAPI) -------------------------------------------------------------------------


class ScanOut(BaseModel):
    id: str
    started_at: datetime | None
    finished_at: datetime | None
    state: str
    mode: str
    targets: list[str]


class BucketOut(BaseModel):
    name: str
    region: str | None = None
    exposure_level: str
    severity: str
    people_affected: int
    objects_scanned: int
    contains_phi: bool
    health: bool
    categories: list[str]
    open_exposures: list[str]


class FindingOut(BaseModel):
    id: int
    bucket: str
    key: str
    type: str
    category: str
    count: int
    confidence: float
    severity: str
    exposure: str
    masked_examples: list[str]
    locations: list[dict[str, Any]]
    muted: dict[str, Any] | None


class FindingPage(BaseModel):
    scan_id: str
    total: int
    total_is_lower_bound: bool
    page: int
    per_page: int
    pages: int
    findings: list[FindingOut]


class SummaryOut(BaseModel):
    scan: dict[str, Any]
    headline: dict[str, Any]
    findings_by_severity: dict[str, int]
    obligations: list[dict[str, Any]]


# -- the app --------------------------------------------------------------------------------------


def create_app(
    db_url: str,
    *,
    engine: Engine | None = None,
    mutelist: Path | None = None,
    backup_dir: Path | None = None,
) -> FastAPI:
    from phiscope.db.store import connect

    engine = engine or connect(db_url)
    ml_default, bk_default = default_paths(db_url)
    settings = Settings(engine, mutelist or ml_default, backup_dir or bk_default, db_url)
    app = FastAPI(
        title="PHIscope API",
        version=__version__,
        openapi_url=None,  # served under /api/v1 behind authentication instead
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.add_middleware(Gate)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        titles = {401: "Login required", 403: "Forbidden", 404: "Not found", 429: "Too many attempts"}
        resp = _error(request, exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))
        for k, v in (exc.headers or {}).items():
            resp.headers[k] = v
        return resp

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/static/report.css", include_in_schema=False)
    def report_css() -> Response:
        from phiscope.report.html import _asset

        return Response(_asset("report.css"), media_type="text/css")

    app.mount("/static", StaticFiles(packages=[("phiscope.serve", "static")]), name="static")

    _pages(app)
    _actions(app)
    api = _api()
    app.include_router(api)

    @app.get("/api/v1/openapi.json", include_in_schema=False)
    def openapi(request: Request) -> JSONResponse:
        from fastapi.openapi.utils import get_openapi

        spec = get_openapi(title="PHIscope API", version=__version__, routes=api.routes)
        spec["components"] = spec.get("components") or {}
        spec["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        spec["security"] = [{"bearer": []}]
        return JSONResponse(spec)

    return app


# -- pages ----------------------------------------------------------------------------------------


def _pages(app: FastAPI) -> None:
    @app.get("/login", include_in_schema=False)
    def login_form(request: Request, next: str = "/") -> Response:
        import secrets

        # Reuse the pending token: a second tab (or the browser's favicon request, redirected here)
        # must not invalidate the form already on screen.
        token = request.cookies.get(LOGIN_COOKIE) or ""
        if not (20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()):
            token = secrets.token_urlsafe(24)
        resp = _page(request, "login.html", login_csrf=token, next=_safe_next(next))
        _cookie(request, resp, LOGIN_COOKIE, token, max_age=1800)
        return resp

    @app.post("/login", include_in_schema=False)
    async def login_post(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        form = await request.form()
        presented, expected = str(form.get("csrf") or ""), request.cookies.get(LOGIN_COOKIE) or ""
        import hmac

        if not presented or not expected or not hmac.compare_digest(presented, expected):
            raise HTTPException(403, "the login form expired; reload the page and try again")
        username = str(form.get("username") or "").strip()
        password = str(form.get("password") or "")
        nxt = _safe_next(str(form.get("next") or "/"))
        eng = _settings(request).engine
        if await run_in_threadpool(auth.throttled, eng, username, _client(request)):
            raise HTTPException(
                429,
                f"too many failed logins; wait {auth.FAILURE_WINDOW.seconds // 60} minutes and try again",
                headers={"Retry-After": str(auth.FAILURE_WINDOW.seconds)},
            )
        got = await run_in_threadpool(auth.login, eng, username, password, _client(request))
        if got is None:
            resp = _page(
                request,
                "login.html",
                status=401,
                login_csrf=expected,
                next=nxt,
                flashes=[("err", "Wrong user name or password.")],
            )
            return resp
        token, user = got
        auth.audit(eng, user, "login", None, "ok", {}, client=_client(request))
        done = RedirectResponse(nxt, status_code=303)
        _cookie(request, done, SESSION_COOKIE, token, max_age=int(auth.SESSION_TTL.total_seconds()))
        done.delete_cookie(LOGIN_COOKIE, path="/")
        return done

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, user: User = Depends(csrf_checked)) -> Response:
        auth.logout(_settings(request).engine, request.cookies.get(SESSION_COOKIE, ""))
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    @app.get("/", include_in_schema=False)
    def overview(request: Request, scan: str | None = None, user: User = Depends(current_user)) -> Response:
        shown = _shown_scan(request, scan)
        if isinstance(shown, Response):
            return shown
        summ = shown.summary
        from phiscope.report.html import hbar_chart

        buckets = summ["buckets"]
        exposed_health = [
            b
            for b in buckets
            if b.get("exposure_level") in ("public", "authenticated")
            and (b.get("health") or b.get("contains_phi"))
        ]
        people = sorted(
            ((b["name"], float(b.get("people_affected") or 0)) for b in buckets), key=lambda x: -x[1]
        )[:12]
        types = list(summ["detections_by_type"].items())[:12]
        obligations = _deadlines(summ["impact"].get("obligations") or [])
        return _page(
            request,
            "overview.html",
            nav="Overview",
            **shown.header(),
            h=summ["headline"],
            exposed_health=exposed_health,
            sev_counts=summ["findings_by_severity"],
            regulations=", ".join(sorted({str(o.get("regulation")) for o in obligations})),
            obligations=obligations,
            people_chart=Markup(hbar_chart(people, color="#7a3db8")),
            types_chart=Markup(hbar_chart([(k, float(v)) for k, v in types], color="#1f6f9f")),
            trend_chart=_trend_svg(queries.trend(shown.settings.engine)),
        )

    @app.get("/buckets", include_in_schema=False)
    def buckets_page(
        request: Request, scan: str | None = None, user: User = Depends(current_user)
    ) -> Response:
        from phiscope.report.html import _bucket_map, _why

        shown = _shown_scan(request, scan)
        if isinstance(shown, Response):
            return shown
        bs = shown.summary["buckets"]
        return _page(
            request,
            "buckets.html",
            nav="Buckets",
            **shown.header(),
            buckets=bs,
            bucket_map=Markup(_bucket_map(bs)),
            why=Markup(_why(bs)),
        )

    @app.get("/buckets/{name}", include_in_schema=False)
    def bucket_page(
        request: Request, name: str, scan: str | None = None, user: User = Depends(current_user)
    ) -> Response:
        from phiscope.db import remediation as rdb
        from phiscope.report.html import _why

        s = _settings(request)
        sid = _scan_id(request, scan)
        summ = queries.scan_summary(s.engine, sid) if sid else None
        b = next((x for x in (summ or {}).get("buckets", []) if x["name"] == name), None)
        if summ is None or b is None:
            raise HTTPException(404, f"bucket {name!r} is not in this scan")
        return _page(
            request,
            "bucket.html",
            nav="Buckets",
            scan=summ["scan"],
            scan_q=scan,
            header_sev=b.get("severity"),
            b=b,
            why=Markup(_why([b]).replace("<details ", "<details open ", 1)),
            history=queries.bucket_history(s.engine, name),
            rhistory=rdb.bucket_history(s.engine, name),
            runs=actions.list_runs(s.engine, name),
        )

    @app.get("/findings", include_in_schema=False)
    def findings_page(
        request: Request,
        scan: str | None = None,
        bucket: str | None = None,
        prefix: str | None = None,
        type: str | None = None,
        category: str | None = None,
        severity: str | None = None,
        exposure: str | None = None,
        muted: str = "hide",
        sort: str = "severity",
        order: str = "desc",
        page: int = Query(1, ge=1),
        per_page: int = Query(50, ge=1, le=queries.MAX_PER_PAGE),
        user: User = Depends(current_user),
    ) -> Response:
        from phiscope.report.findings import location_text

        shown = _shown_scan(request, scan)
        if isinstance(shown, Response):
            return shown
        s, summ = shown.settings, shown.summary
        q = queries.FindingQuery(
            scan_id=shown.scan_id,
            bucket=bucket or None,
            prefix=prefix or None,
            type=type or None,
            category=category or None,
            severity=severity or None,
            exposure=exposure or None,
            muted=muted,
            sort=sort,
            desc=order != "asc",
            page=page,
            per_page=per_page,
        )
        result = queries.find(s.engine, q, summ["buckets"], _mutelist(request), indexed=summ["indexed"])
        for r in result["rows"]:
            locs = r.get("locations") or []
            r["where"] = "; ".join(location_text(loc) for loc in locs[:3]) + (
                f"; +{len(locs) - 3}" if len(locs) > 3 else ""
            )
        params = {k: v for k, v in request.query_params.items() if k != "page"}

        def page_url(n: int) -> str:
            return "/findings?" + urlencode({**params, "page": n})

        from phiscope.report.findings import data_exposure_kind

        return _page(
            request,
            "findings.html",
            nav="Findings",
            **shown.header(),
            q=q,
            result=result,
            facets={"types": sorted(summ["detections_by_type"]), "categories": summ["categories"]},
            bucket_names=sorted(b["name"] for b in summ["buckets"]),
            exposures=sorted({data_exposure_kind(b.get("exposure")) for b in summ["buckets"]}),
            sorts=queries.SORTS,
            page_url=page_url,
        )

    @app.get("/findings/mute", include_in_schema=False)
    def mute_form(
        request: Request,
        bucket: str,
        key: str = "",
        type: str = "",
        scan: str = "",
        user: User = Depends(current_user),
    ) -> Response:
        refused = _need(request, user, "operator", "mute", f"s3://{bucket}/{key}")
        if refused:
            return refused
        return _page(
            request,
            "mute.html",
            nav="Findings",
            bucket=bucket,
            key=key,
            type=type,
            scan_id=scan,
            mutelist_name=_settings(request).mutelist.name,
            default_expiry=(date.today() + timedelta(days=90)).isoformat(),
        )

    @app.get("/scans", include_in_schema=False)
    def scans_page(request: Request, user: User = Depends(current_user)) -> Response:
        return _page(request, "scans.html", nav="Scans", scans=queries.list_scans(_settings(request).engine))

    @app.get("/scans/diff", include_in_schema=False)
    def diff_page(request: Request, old: str, new: str, user: User = Depends(current_user)) -> Response:
        eng = _settings(request).engine
        ids = queries.scan_ids(eng)
        for sid in (old, new):
            if sid not in ids:
                raise HTTPException(404, f"no scan {sid!r}")
        return _page(request, "diff.html", nav="Scans", d=queries.diff_scans(eng, old, new))

    @app.get("/incidents", include_in_schema=False)
    def incidents_page(
        request: Request, scan: str | None = None, user: User = Depends(current_user)
    ) -> Response:
        from phiscope.db import remediation as rdb
        from phiscope.remediate.incident import exposed_buckets, render_incident

        shown = _shown_scan(request, scan)
        if isinstance(shown, Response):
            return shown
        s, summ = shown.settings, shown.summary
        report = {**summ, "objects": [], "schema": "phiscope/report/v1"}
        history = {b["name"]: rdb.bucket_history(s.engine, b["name"]) for b in exposed_buckets(report)}
        md = render_incident(report, history)
        return _page(
            request,
            "incidents.html",
            nav="Incidents",
            **shown.header(),
            obligations=_deadlines(summ["impact"].get("obligations") or []),
            incident_md=md,
        )

    @app.get("/fixes", include_in_schema=False)
    def fixes_page(request: Request, user: User = Depends(current_user)) -> Response:
        return _page(request, "fixes.html", nav="Fixes", runs=actions.list_runs(_settings(request).engine))

    @app.get("/plans/{plan_id}", include_in_schema=False)
    def plan_page(request: Request, plan_id: str, user: User = Depends(current_user)) -> Response:
        plan = actions.get_plan(_settings(request).engine, plan_id)
        if plan is None:
            raise HTTPException(404, f"no plan {plan_id!r}")
        return _page(request, "plan.html", nav="Fixes", plan=plan, names=actions.plan_buckets(plan))

    @app.get("/runs/{run_id}", include_in_schema=False)
    def run_page(request: Request, run_id: str, user: User = Depends(current_user)) -> Response:
        run = actions.get_run(_settings(request).engine, run_id)
        if run is None:
            raise HTTPException(404, f"no fix run {run_id!r}")
        return _page(request, "run.html", nav="Fixes", run=run)

    @app.get("/watch", include_in_schema=False)
    def watch_page(request: Request, user: User = Depends(current_user)) -> Response:
        return _page(
            request, "watch.html", nav="Watch", watch=queries.watch_status(_settings(request).engine)
        )

    @app.get("/audit", include_in_schema=False)
    def audit_page(request: Request, user: User = Depends(current_user)) -> Response:
        refused = _need(request, user, "admin", "view-audit", None)
        if refused:
            return refused
        return _page(request, "audit.html", nav="Audit", rows=auth.audit_rows(_settings(request).engine))

    @app.get("/tokens", include_in_schema=False)
    def tokens_page(request: Request, user: User = Depends(current_user)) -> Response:
        if user.via != "session":
            raise HTTPException(403, "manage tokens from a browser session")
        return _page(
            request,
            "tokens.html",
            nav="API tokens",
            tokens=auth.list_tokens(_settings(request).engine, user.id),
        )


def _safe_next(nxt: str) -> str:
    """Only a local path: no open redirect to another site."""
    if not nxt.startswith("/") or nxt.startswith("//") or "\\" in nxt or nxt.startswith("/login"):
        return "/"
    return nxt


def _cookie(request: Request, resp: Response, name: str, value: str, max_age: int) -> None:
    resp.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _mutelist(request: Request) -> Any:
    from phiscope.report.mutelist import MutelistError, load_mutelist

    path = _settings(request).mutelist
    if not path.exists():
        return None
    try:
        return load_mutelist(path)
    except MutelistError:
        return None


# -- actions --------------------------------------------------------------------------------------


def _actions(app: FastAPI) -> None:
    @app.post("/buckets/{name}/plan", include_in_schema=False)
    async def plan_post(request: Request, name: str, user: User = Depends(csrf_checked)) -> Response:
        from starlette.concurrency import run_in_threadpool

        s = _settings(request)
        refused = _need(request, user, "operator", "fix-plan", f"s3://{name}")
        if refused:
            return refused
        form = await request.form()
        sid = _scan_id(request, str(form.get("scan") or "") or None)
        summ = queries.scan_summary(s.engine, sid) if sid else None
        if summ is None or not any(b["name"] == name for b in summ["buckets"]):
            raise HTTPException(404, f"bucket {name!r} is not in this scan")
        endpoint = (summ["scan"] or {}).get("endpoint")
        try:
            plan = await run_in_threadpool(
                actions.plan_fix, s.engine, name, endpoint_url=endpoint, scan_id=sid
            )
        except Exception as e:
            auth.audit(
                s.engine,
                user,
                "fix-plan",
                f"s3://{name}",
                "failed",
                {"error": type(e).__name__},
                _client(request),
            )
            return _error(
                request, 502, "Cannot plan", f"cannot read the bucket's settings: {type(e).__name__}"
            )
        auth.audit(
            s.engine,
            user,
            "fix-plan",
            f"s3://{name}",
            "ok",
            {"plan_id": plan["id"], "changes": sum(len(b.get("changes") or []) for b in plan["buckets"])},
            client=_client(request),
        )
        return RedirectResponse(f"/plans/{plan['id']}", status_code=303)

    @app.post("/plans/{plan_id}/apply", include_in_schema=False)
    async def apply_post(request: Request, plan_id: str, user: User = Depends(csrf_checked)) -> Response:
        from starlette.concurrency import run_in_threadpool

        s = _settings(request)
        plan = actions.get_plan(s.engine, plan_id)
        target = " ".join(f"s3://{n}" for n in actions.plan_buckets(plan or {})) or plan_id
        refused = _need(request, user, "operator", "fix-apply", target)
        if refused:
            return refused
        if plan is None:
            raise HTTPException(404, f"no plan {plan_id!r}")
        form = await request.form()
        try:
            out = await run_in_threadpool(
                actions.apply_fix, s.engine, plan, str(form.get("confirm") or ""), s.backup_dir
            )
        except actions.ActionError as e:
            auth.audit(
                s.engine,
                user,
                "fix-apply",
                target,
                "refused",
                {"plan_id": plan_id, "why": str(e)},
                _client(request),
            )
            return _error(request, 400, "Not applied", str(e))
        result = "ok" if out["ok"] else "failed"
        detail = {k: out[k] for k in ("run_id", "applied", "failed", "skipped", "errors", "verifications")}
        auth.audit(
            s.engine, user, "fix-apply", target, result, {"plan_id": plan_id, **detail}, _client(request)
        )
        if out["applied"] == 0 and not out["verifications"]:
            return _error(
                request,
                409,
                "Nothing applied",
                "; ".join([*out["errors"], *out["skipped"].values()]) or "no change",
            )
        return RedirectResponse(f"/runs/{out['run_id']}", status_code=303)

    @app.post("/runs/{run_id}/rollback", include_in_schema=False)
    async def rollback_post(request: Request, run_id: str, user: User = Depends(csrf_checked)) -> Response:
        from starlette.concurrency import run_in_threadpool

        s = _settings(request)
        refused = _need(request, user, "operator", "fix-rollback", run_id)
        if refused:
            return refused
        run = actions.get_run(s.engine, run_id)
        if run is None:
            raise HTTPException(404, f"no fix run {run_id!r}")
        form = await request.form()
        target = " ".join(f"s3://{n}" for n in run["buckets"])
        try:
            out = await run_in_threadpool(actions.rollback_fix, s.engine, run, str(form.get("confirm") or ""))
        except actions.ActionError as e:
            auth.audit(
                s.engine,
                user,
                "fix-rollback",
                target,
                "refused",
                {"run_id": run_id, "why": str(e)},
                _client(request),
            )
            return _error(request, 400, "Not rolled back", str(e))
        auth.audit(
            s.engine,
            user,
            "fix-rollback",
            target,
            "ok" if out["ok"] else "failed",
            {"run_id": run_id, "steps": [(st["step"], st["status"]) for st in out["steps"]]},
            client=_client(request),
        )
        return RedirectResponse(f"/runs/{run_id}?msg=rolled-back", status_code=303)

    @app.post("/findings/mute", include_in_schema=False)
    async def mute_post(request: Request, user: User = Depends(csrf_checked)) -> Response:
        s = _settings(request)
        form = await request.form()
        bucket, key, typ = (str(form.get(k) or "") for k in ("bucket", "key", "type"))
        target = f"s3://{bucket}/{key}" + (f" [{typ}]" if typ else "")
        refused = _need(request, user, "operator", "mute", target)
        if refused:
            return refused
        if not bucket:
            raise HTTPException(400, "bucket is required")
        try:
            entry = actions.add_mute(
                s.mutelist,
                bucket=bucket,
                key=key or None,
                type=typ or None,
                reason=str(form.get("reason") or ""),
                owner=str(form.get("owner") or ""),
                expires=str(form.get("expires") or ""),
            )
        except actions.ActionError as e:
            auth.audit(s.engine, user, "mute", target, "refused", {"why": str(e)}, _client(request))
            return _error(request, 400, "Not muted", str(e))
        auth.audit(
            s.engine, user, "mute", target, "ok", {"entry": entry, "file": str(s.mutelist)}, _client(request)
        )
        scan = str(form.get("scan") or "")
        return RedirectResponse(
            "/findings?" + urlencode({"scan": scan, "bucket": bucket, "muted": "only", "msg": "muted"}),
            status_code=303,
        )

    @app.post("/tokens", include_in_schema=False)
    async def token_post(request: Request, user: User = Depends(csrf_checked)) -> Response:
        s = _settings(request)
        form = await request.form()
        name = str(form.get("name") or "token")
        token = auth.create_token(s.engine, user.id, name)
        auth.audit(s.engine, user, "token-create", name, "ok", {}, _client(request))
        return _page(
            request,
            "tokens.html",
            nav="API tokens",
            tokens=auth.list_tokens(s.engine, user.id),
            new_token=token,
        )

    @app.post("/tokens/{token_id}/revoke", include_in_schema=False)
    def token_revoke(request: Request, token_id: int, user: User = Depends(csrf_checked)) -> Response:
        s = _settings(request)
        ok = auth.revoke_token(s.engine, user.id, token_id)
        auth.audit(
            s.engine, user, "token-revoke", str(token_id), "ok" if ok else "not found", {}, _client(request)
        )
        return RedirectResponse("/tokens?msg=token-revoked", status_code=303)


# -- JSON API -------------------------------------------------------------------------------------


def _api() -> APIRouter:
    from phiscope.report.findings import exposure_kinds

    r = APIRouter(prefix="/api/v1", tags=["v1"])

    def summ_of(request: Request, scan_id: str) -> dict[str, Any]:
        eng = _settings(request).engine
        if scan_id == "latest":
            sid = queries.latest_finished_scan(eng)
            if sid is None:
                raise HTTPException(404, "no scan")
            scan_id = sid
        elif scan_id not in queries.scan_ids(eng):
            raise HTTPException(404, f"no scan {scan_id!r}")
        return queries.scan_summary(eng, scan_id)

    @r.get("/scans", response_model=list[ScanOut], summary="Scans, newest first")
    def api_scans(
        request: Request,
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0),
        user: User = Depends(current_user),
    ) -> list[dict[str, Any]]:
        return queries.list_scans(_settings(request).engine, limit, offset)

    @r.get("/scans/{scan_id}", response_model=SummaryOut, summary="One scan's headline (scan_id or 'latest')")
    def api_scan(request: Request, scan_id: str, user: User = Depends(current_user)) -> dict[str, Any]:
        s = summ_of(request, scan_id)
        return {
            "scan": s["scan"],
            "headline": s["headline"],
            "findings_by_severity": s["findings_by_severity"],
            "obligations": s["impact"].get("obligations") or [],
        }

    @r.get("/scans/{scan_id}/buckets", response_model=list[BucketOut], summary="Buckets of a scan")
    def api_buckets(
        request: Request, scan_id: str, user: User = Depends(current_user)
    ) -> list[dict[str, Any]]:
        s = summ_of(request, scan_id)
        return [
            {
                "name": b["name"],
                "region": b.get("region"),
                "exposure_level": b.get("exposure_level") or "none",
                "severity": b.get("severity") or "info",
                "people_affected": int(b.get("people_affected") or 0),
                "objects_scanned": int(b.get("objects_scanned") or 0),
                "contains_phi": bool(b.get("contains_phi")),
                "health": bool(b.get("health")),
                "categories": b.get("categories") or [],
                "open_exposures": exposure_kinds(b.get("exposure")),
            }
            for b in s["buckets"]
        ]

    @r.get(
        "/scans/{scan_id}/findings", response_model=FindingPage, summary="Data findings, filtered and paged"
    )
    def api_findings(
        request: Request,
        scan_id: str,
        bucket: str | None = None,
        prefix: str | None = None,
        type: str | None = None,
        category: str | None = None,
        severity: str | None = Query(None, description="minimum severity"),
        exposure: str | None = Query(None, description="anonymous:read, any_aws_account:read, private, ..."),
        muted: str = Query("hide", pattern="^(hide|only|all)$"),
        sort: str = Query("severity", pattern="^(" + "|".join(queries.SORTS) + ")$"),
        order: str = Query("desc", pattern="^(asc|desc)$"),
        page: int = Query(1, ge=1),
        per_page: int = Query(50, ge=1, le=queries.MAX_PER_PAGE),
        user: User = Depends(current_user),
    ) -> dict[str, Any]:
        s = summ_of(request, scan_id)
        sid = s["scan"]["id"]
        if severity is not None and severity not in LEVELS:
            raise HTTPException(422, f"unknown severity {severity!r}")
        q = queries.FindingQuery(
            scan_id=sid,
            bucket=bucket,
            prefix=prefix,
            type=type,
            category=category,
            severity=severity,
            exposure=exposure,
            muted=muted,
            sort=sort,
            desc=order == "desc",
            page=page,
            per_page=per_page,
        )
        res = queries.find(
            _settings(request).engine, q, s["buckets"], _mutelist(request), indexed=s["indexed"]
        )
        fields = FindingOut.model_fields
        return {
            "scan_id": sid,
            "total": res["total"],
            "total_is_lower_bound": res["total_is_lower_bound"],
            "page": res["page"],
            "per_page": res["per_page"],
            "pages": res["pages"],
            "findings": [{k: row.get(k) for k in fields} for row in res["rows"]],
        }

    return r
