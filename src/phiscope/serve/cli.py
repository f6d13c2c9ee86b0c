"""`phiscope serve` and `phiscope users add|remove|list|set-role|token`.

Exit codes as everywhere: 0 done, 1 error (database unreachable, no such user), 2 usage (bad role,
bad option). Heavy imports (FastAPI, uvicorn, argon2) happen inside the commands.
"""

from __future__ import annotations

import ipaddress
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from sqlalchemy import Engine

users_app = typer.Typer(
    help="Local users of the dashboard (argon2id hashes; roles viewer/operator/admin).", no_args_is_help=True
)


def _err(msg: str, code: int) -> typer.Exit:
    typer.echo(f"error: {msg}", err=True)
    return typer.Exit(code)


def _engine(db: str | None) -> Engine:
    from phiscope.db.store import connect

    try:
        return connect(db)
    except Exception as e:
        raise _err(f"cannot open the database: {type(e).__name__}: {e}", 1) from None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_command(
    db: str | None = typer.Option(
        None, "--db", help="Findings database URL (default: PHISCOPE_DB or the user's)."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (loopback unless told otherwise)."),
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="Port to listen on."),
    mutelist: Path | None = typer.Option(None, "--mutelist", help="Mutelist YAML that mutes write to."),
    backup_dir: Path | None = typer.Option(None, "--backup-dir", help="Where fix backups are written."),
    certfile: Path | None = typer.Option(None, "--certfile", help="TLS certificate (PEM): serve HTTPS."),
    keyfile: Path | None = typer.Option(None, "--keyfile", help="TLS private key (PEM)."),
) -> None:
    """Serve the web dashboard over the findings database (login required)."""
    from phiscope.db.store import default_db_url
    from phiscope.serve import auth

    if bool(certfile) != bool(keyfile):
        raise _err("--certfile and --keyfile go together", 2)
    url = db or default_db_url()
    engine = _engine(url)
    if auth.user_count(engine) == 0:
        raise _err("no dashboard user yet: create one with `phiscope users add NAME --role admin`", 1)
    if not _is_loopback(host) and not certfile:
        typer.echo(
            f"warning: serving on {host} without TLS: passwords and session cookies travel in clear",
            err=True,
        )
    import uvicorn

    from phiscope.serve.app import create_app

    app = create_app(url, engine=engine, mutelist=mutelist, backup_dir=backup_dir)
    threading.Thread(target=_warm, args=(engine,), daemon=True, name="phiscope-warm").start()
    scheme = "https" if certfile else "http"

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if self.started:  # the real address (with --port 0, the port the system chose)
                bound = self.servers[0].sockets[0].getsockname()
                typer.echo(
                    f"PHIscope dashboard on {scheme}://{bound[0]}:{bound[1]}/ — Ctrl-C to stop", err=True
                )

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        ssl_certfile=str(certfile) if certfile else None,
        ssl_keyfile=str(keyfile) if keyfile else None,
        server_header=False,
    )
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler that
    # was there before it: make that a clean exit (0), as a stop asked for is not an error.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _clean_exit)
    Server(config).run()


def _clean_exit(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def _warm(engine: Engine) -> None:
    """Summarise the latest scans in the background, so the first visitor does not wait for them."""
    from phiscope.serve import queries

    try:
        queries.warm(engine)
    except Exception as e:  # the pages compute what they need themselves; this is only a head start
        typer.echo(f"warning: could not prepare the latest scans: {type(e).__name__}", err=True)


def _password(stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def users_add(
    username: str = typer.Argument(..., help="User name"),
    role: str = typer.Option("viewer", "--role", help="viewer | operator | admin"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
    db: str | None = typer.Option(None, "--db", help="Findings database URL."),
) -> None:
    """Add a user (asks for the password, at least 12 characters)."""
    from phiscope.serve import auth

    try:
        auth.check_role(role)
        auth.check_username(username)
    except auth.AuthError as e:
        raise _err(str(e), 2) from None
    engine = _engine(db)
    try:
        auth.add_user(engine, username, _password(password_stdin), role)
    except auth.AuthError as e:
        raise _err(str(e), 1) from None
    typer.echo(f"user {username} added ({role})", err=True)


@users_app.command("remove")
def users_remove(
    username: str = typer.Argument(...),
    db: str | None = typer.Option(None, "--db", help="Findings database URL."),
) -> None:
    """Remove a user, their sessions and API tokens."""
    from phiscope.serve import auth

    try:
        auth.remove_user(_engine(db), username)
    except auth.AuthError as e:
        raise _err(str(e), 1) from None
    typer.echo(f"user {username} removed", err=True)


@users_app.command("list")
def users_list(db: str | None = typer.Option(None, "--db", help="Findings database URL.")) -> None:
    """List users and their roles."""
    from phiscope.serve import auth

    for u in auth.list_users(_engine(db)):
        typer.echo(f"{u['username']}\t{u['role']}\t{u['created_at']}")


@users_app.command("set-role")
def users_set_role(
    username: str = typer.Argument(...),
    role: str = typer.Argument(..., help="viewer | operator | admin"),
    db: str | None = typer.Option(None, "--db", help="Findings database URL."),
) -> None:
    """Change a user's role."""
    from phiscope.serve import auth

    try:
        auth.check_role(role)
    except auth.AuthError as e:
        raise _err(str(e), 2) from None
    try:
        auth.set_role(_engine(db), username, role)
    except auth.AuthError as e:
        raise _err(str(e), 1) from None
    typer.echo(f"user {username} is now {role}", err=True)


@users_app.command("token")
def users_token(
    username: str = typer.Argument(...),
    name: str = typer.Option("automation", "--name", help="What the token is for."),
    days: int = typer.Option(90, "--days", min=0, help="Validity in days (0: no expiry)."),
    db: str | None = typer.Option(None, "--db", help="Findings database URL."),
) -> None:
    """Create an API token for a user (printed once on stdout) for the JSON API under /api/v1."""
    from sqlalchemy import select

    from phiscope.db.serve import serve_users
    from phiscope.serve import auth

    engine = _engine(db)
    with engine.connect() as c:
        uid = c.execute(select(serve_users.c.id).where(serve_users.c.username == username)).scalar()
    if uid is None:
        raise _err(f"no user {username!r}", 1)
    typer.echo(auth.create_token(engine, int(uid), name, days or None))
