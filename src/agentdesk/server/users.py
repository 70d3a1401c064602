"""Users and their tokens (repository functions: each owns its transaction)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agentdesk.server.models import Token, User, utcnow
from agentdesk.server.security import new_token, token_digest, verify_password
from agentdesk.server.token_cache import TokenCache
from agentdesk.sync.wire import PASSWORD_MAX_CHARS, ROLES, password_problem, username_problem


class UserError(ValueError):
    """A user command that cannot be carried out (unknown user, duplicate, bad role)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: what authorization decisions need, detached from the ORM."""

    id: int
    username: str
    role: str
    team: str | None


def _principal(user: User) -> Principal:
    return Principal(user.id, user.username, user.role, user.team)


# The server process registers a cache for its engine (main.create_app); the CLI and
# other callers have none and always ask the database.
_token_caches: weakref.WeakKeyDictionary[Engine, TokenCache[Principal]] = (
    weakref.WeakKeyDictionary())


def use_token_cache(engine: Engine, ttl_seconds: float,
                    recheck_seconds: float) -> TokenCache[Principal]:
    cache: TokenCache[Principal] = TokenCache(ttl_seconds, recheck_seconds)
    _token_caches[engine] = cache
    return cache


def _forget_tokens(engine: Engine) -> None:
    cache = _token_caches.get(engine)
    if cache is not None:
        cache.forget_all()


def add_user(engine: Engine, hasher: PasswordHasher, username: str, password: str,
             role: str, team: str | None = None) -> Principal:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r} (one of: {', '.join(ROLES)})")
    problem = username_problem(username)
    if problem is not None:
        raise UserError(problem)
    _check_password_length(password)
    try:
        with Session(engine) as s, s.begin():
            user = User(username=username, role=role, team=team,
                        password_hash=hasher.hash(password))
            s.add(user)
            s.flush()
            return _principal(user)
    except IntegrityError:
        raise UserError(f"user {username!r} already exists") from None


def set_disabled(engine: Engine, username: str, disabled: bool = True) -> None:
    with Session(engine) as s, s.begin():
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise UserError(f"no user {username!r}")
        user.disabled = disabled
        if disabled:
            s.execute(update(Token).where(Token.user_id == user.id, Token.revoked_at.is_(None))
                      .values(revoked_at=utcnow()))
    _forget_tokens(engine)


def _check_password_length(password: str) -> None:
    """Any password stored must be one login accepts (LoginRequest's maximum)."""
    if not password:
        raise UserError("the password is empty")
    if len(password) > PASSWORD_MAX_CHARS:
        raise UserError(f"a password has at most {PASSWORD_MAX_CHARS} characters "
                        "(login accepts no longer one)")


def check_new_password(password: str) -> None:
    """The rule for a password an operator sets (CLI `user add` and `user passwd`):
    PASSWORD_MIN_CHARS .. PASSWORD_MAX_CHARS characters, not only spaces."""
    problem = password_problem(password)
    if problem is not None:
        raise UserError(problem)


def set_password(engine: Engine, hasher: PasswordHasher, username: str, password: str) -> None:
    _check_password_length(password)
    with Session(engine) as s, s.begin():
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise UserError(f"no user {username!r}")
        user.password_hash = hasher.hash(password)
        s.execute(update(Token).where(Token.user_id == user.id, Token.revoked_at.is_(None))
                  .values(revoked_at=utcnow()))
    _forget_tokens(engine)


def authenticate(engine: Engine, hasher: PasswordHasher, username: str,
                 password: str) -> Principal | None:
    """The user if the password is right and the account enabled, else None."""
    with Session(engine) as s, s.begin():
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            hasher.hash(password)  # as long as a verify: no user-enumeration by timing
            return None
        if not verify_password(hasher, user.password_hash, password) or user.disabled:
            return None
        if hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hasher.hash(password)
        return _principal(user)


def issue_token(engine: Engine, user_id: int, ttl: timedelta) -> tuple[str, datetime]:
    token, digest = new_token()
    expires_at = utcnow() + ttl
    with Session(engine) as s, s.begin():
        # Housekeeping: the user's tokens dead for a day go when it gets a new one.
        s.execute(delete(Token).where(Token.user_id == user_id,
                                      Token.expires_at < utcnow() - timedelta(days=1)))
        s.add(Token(token_hash=digest, user_id=user_id, expires_at=expires_at))
    return token, expires_at


def cached_principal(engine: Engine, token: str) -> Principal | None:
    """The principal from this process's token cache, without touching the database;
    None when it must be asked (unknown token, stale entry, recheck due, no cache)."""
    cache = _token_caches.get(engine)
    return None if cache is None else cache.get(token_digest(token))


def _revocation_fingerprint(s: Session) -> tuple[int, datetime | None]:
    count, latest = s.execute(select(func.count(Token.revoked_at),
                                     func.max(Token.revoked_at))).one()
    return int(count), latest


def principal_for_token(engine: Engine, token: str) -> Principal | None:
    """The enabled user a live (unexpired, unrevoked) token belongs to."""
    digest = token_digest(token)
    cache = _token_caches.get(engine)
    if cache is not None and cache.enabled:
        if cache.recheck_due():
            with Session(engine) as s, s.begin():
                cache.observe(_revocation_fingerprint(s))
        who = cache.get(digest)
        if who is not None:
            return who
    generation = cache.generation() if cache is not None else 0
    with Session(engine) as s, s.begin():
        row = s.execute(
            select(User, Token.expires_at).join(Token, Token.user_id == User.id)
            .where(Token.token_hash == digest, Token.revoked_at.is_(None),
                   Token.expires_at > utcnow(), User.disabled.is_(False))
        ).one_or_none()
        if row is None:
            return None
        who = _principal(row[0])
    if cache is not None:
        cache.put(digest, who, row[1], generation)
    return who


def revoke_token(engine: Engine, token: str) -> None:
    with Session(engine) as s, s.begin():
        s.execute(update(Token).where(Token.token_hash == token_digest(token))
                  .values(revoked_at=utcnow()))
    _forget_tokens(engine)


def expire_tokens_of(engine: Engine, username: str) -> None:
    """Test and operator helper: make every token of a user expired now."""
    with Session(engine) as s, s.begin():
        user_id = s.scalar(select(User.id).where(User.username == username))
        s.execute(update(Token).where(Token.user_id == user_id)
                  .values(expires_at=utcnow() - timedelta(seconds=1)))
    _forget_tokens(engine)
