"""Local users, sessions, API tokens, login rate limiting and the audit log of the dashboard.

Passwords are argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile). Session cookies and API
tokens are 256-bit random values stored only as SHA-256 hashes, so a copy of the database lets no one
log in. Failed logins are counted per user name and per client in the database, so the limit holds
across restarts and workers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update

from phiscope.db.serve import (
    ROLES,
    serve_api_tokens,
    serve_audit,
    serve_login_attempts,
    serve_sessions,
    serve_users,
)

SESSION_TTL = timedelta(hours=8)
MAX_FAILURES = 5  # per user name and per client, within FAILURE_WINDOW
FAILURE_WINDOW = timedelta(minutes=15)
TOKEN_PREFIX = "phs_"
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-")
MIN_PASSWORD = 12


class AuthError(ValueError):
    """A user-management request that cannot be done (the message says why)."""


def now() -> datetime:
    return datetime.now(UTC)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id


def hash_password(password: str) -> str:
    return str(_hasher().hash(password))


# A hash of a random password: checking it costs the same as a real check, so a missing user name
# cannot be told apart from a wrong password by timing.
_DUMMY_HASH: str | None = None


def verify_password(stored: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    global _DUMMY_HASH
    if stored is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
        stored, password = _DUMMY_HASH, password + "\x00never"
    try:
        return bool(_hasher().verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    role: str
    csrf: str | None = None  # set for cookie sessions; None for API tokens
    via: str = "session"  # session | token

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def check_username(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 128 or not set(name) <= USERNAME_CHARS:
        raise AuthError("a user name is 1-128 characters of letters, digits and . _ @ -")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    return role


# -- users ----------------------------------------------------------------------------------------


def add_user(engine: Engine, username: str, password: str, role: str) -> None:
    username, role = check_username(username), check_role(role)
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"the password must be at least {MIN_PASSWORD} characters")
    with engine.begin() as c:
        if c.execute(select(serve_users.c.id).where(serve_users.c.username == username)).first():
            raise AuthError(f"user {username!r} already exists")
        c.execute(
            insert(serve_users).values(
                username=username,
                password_hash=hash_password(password),
                role=role,
                created_at=now(),
                disabled=False,
            )
        )


def remove_user(engine: Engine, username: str) -> None:
    with engine.begin() as c:
        uid = c.execute(select(serve_users.c.id).where(serve_users.c.username == username)).scalar()
        if uid is None:
            raise AuthError(f"no user {username!r}")
        c.execute(delete(serve_sessions).where(serve_sessions.c.user_id == uid))
        c.execute(delete(serve_api_tokens).where(serve_api_tokens.c.user_id == uid))
        c.execute(delete(serve_users).where(serve_users.c.id == uid))


def set_role(engine: Engine, username: str, role: str) -> None:
    role = check_role(role)
    with engine.begin() as c:
        n = c.execute(
            update(serve_users).where(serve_users.c.username == username).values(role=role)
        ).rowcount
        if not n:
            raise AuthError(f"no user {username!r}")


def list_users(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as c:
        rows = c.execute(
            select(serve_users.c.username, serve_users.c.role, serve_users.c.created_at).order_by(
                serve_users.c.username
            )
        ).mappings()
        return [dict(r) for r in rows]


def user_count(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(serve_users)).scalar() or 0)


# -- login and sessions ---------------------------------------------------------------------------


def throttled(engine: Engine, username: str, client: str) -> bool:
    """True when this user name or this client has too many recent failures to try again now."""
    since = now() - FAILURE_WINDOW
    with engine.connect() as c:
        for col, value in (
            (serve_login_attempts.c.username, username),
            (serve_login_attempts.c.client, client),
        ):
            n = c.execute(
                select(func.count())
                .select_from(serve_login_attempts)
                .where(col == value, serve_login_attempts.c.at >= since, serve_login_attempts.c.ok.is_(False))
            ).scalar()
            if int(n or 0) >= MAX_FAILURES:
                return True
    return False


def login(engine: Engine, username: str, password: str, client: str) -> tuple[str, User] | None:
    """A new session (cookie value, user) for good credentials, else None; every attempt is recorded."""
    username = username.strip()[:128]
    with engine.connect() as c:
        row = (
            c.execute(
                select(serve_users).where(
                    serve_users.c.username == username, serve_users.c.disabled.is_(False)
                )
            )
            .mappings()
            .first()
        )
    ok = verify_password(row["password_hash"] if row else None, password)
    with engine.begin() as c:
        c.execute(insert(serve_login_attempts).values(at=now(), username=username, client=client[:64], ok=ok))
        if not ok or row is None:
            return None
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        c.execute(
            insert(serve_sessions).values(
                id=sha256(token),
                user_id=row["id"],
                csrf=csrf,
                created_at=now(),
                expires_at=now() + SESSION_TTL,
            )
        )
        # expired sessions and old attempts are cleaned on the way
        c.execute(delete(serve_sessions).where(serve_sessions.c.expires_at < now()))
        c.execute(delete(serve_login_attempts).where(serve_login_attempts.c.at < now() - timedelta(days=30)))
    return token, User(row["id"], row["username"], row["role"], csrf=csrf)


def session_user(engine: Engine, token: str) -> User | None:
    with engine.connect() as c:
        r = c.execute(
            select(
                serve_users.c.id,
                serve_users.c.username,
                serve_users.c.role,
                serve_sessions.c.csrf,
                serve_sessions.c.expires_at,
            )
            .join(serve_users, serve_users.c.id == serve_sessions.c.user_id)
            .where(serve_sessions.c.id == sha256(token), serve_users.c.disabled.is_(False))
        ).first()
    if r is None or _aware(r.expires_at) < now():
        return None
    return User(r.id, r.username, r.role, csrf=r.csrf)


def logout(engine: Engine, token: str) -> None:
    with engine.begin() as c:
        c.execute(delete(serve_sessions).where(serve_sessions.c.id == sha256(token)))


def csrf_ok(user: User, presented: str | None) -> bool:
    return bool(user.csrf and presented) and hmac.compare_digest(str(user.csrf), str(presented))


# -- API tokens -----------------------------------------------------------------------------------


def create_token(engine: Engine, user_id: int, name: str, days: int | None = 90) -> str:
    """A new API token for the user (shown once; only its hash is kept)."""
    name = name.strip()[:128] or "token"
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as c:
        c.execute(
            insert(serve_api_tokens).values(
                user_id=user_id,
                name=name,
                token_hash=sha256(token),
                prefix=token[:10],
                created_at=now(),
                expires_at=now() + timedelta(days=days) if days else None,
            )
        )
    return token


def token_user(engine: Engine, token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    with engine.connect() as c:
        r = c.execute(
            select(
                serve_api_tokens.c.id,
                serve_api_tokens.c.expires_at,
                serve_users.c.id.label("uid"),
                serve_users.c.username,
                serve_users.c.role,
            )
            .join(serve_users, serve_users.c.id == serve_api_tokens.c.user_id)
            .where(serve_api_tokens.c.token_hash == sha256(token), serve_users.c.disabled.is_(False))
        ).first()
    if r is None or (r.expires_at is not None and _aware(r.expires_at) < now()):
        return None
    with engine.begin() as c:
        c.execute(update(serve_api_tokens).where(serve_api_tokens.c.id == r.id).values(last_used_at=now()))
    return User(r.uid, r.username, r.role, csrf=None, via="token")


def list_tokens(engine: Engine, user_id: int) -> list[dict[str, Any]]:
    with engine.connect() as c:
        rows = c.execute(
            select(
                serve_api_tokens.c.id,
                serve_api_tokens.c.name,
                serve_api_tokens.c.prefix,
                serve_api_tokens.c.created_at,
                serve_api_tokens.c.last_used_at,
                serve_api_tokens.c.expires_at,
            )
            .where(serve_api_tokens.c.user_id == user_id)
            .order_by(serve_api_tokens.c.id)
        ).mappings()
        return [dict(r) for r in rows]


def revoke_token(engine: Engine, user_id: int, token_id: int) -> bool:
    with engine.begin() as c:
        n = c.execute(
            delete(serve_api_tokens).where(
                serve_api_tokens.c.id == token_id, serve_api_tokens.c.user_id == user_id
            )
        ).rowcount
    return bool(n)


# -- audit ----------------------------------------------------------------------------------------


def audit(
    engine: Engine,
    user: User,
    action: str,
    target: str | None,
    result: str,
    detail: dict[str, Any] | None = None,
    client: str | None = None,
) -> None:
    with engine.begin() as c:
        c.execute(
            insert(serve_audit).values(
                at=now(),
                username=user.username,
                role=user.role,
                client=(client or "")[:64],
                action=action,
                target=target,
                result=result,
                detail=detail or {},
            )
        )


def audit_rows(engine: Engine, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    with engine.connect() as c:
        rows = c.execute(
            select(serve_audit).order_by(serve_audit.c.id.desc()).limit(limit).offset(offset)
        ).mappings()
        return [dict(r) for r in rows]
