"""The password check of a login, as it runs on a hashing thread
(security.PasswordCheckPool): read the account in a short read, let go of the database,
hash, and write only when the stored hash must be upgraded (a short transaction of its
own). No database lock is ever held while argon2 runs, and the read takes none (on
SQLite a read-only transaction: the hashing thread runs at a low CPU priority and must
not hold the write lock every push waits for).

An unknown name costs what a known one does: its password is verified against a
dummy hash with the server's parameters, so the answer's timing does not tell which
names exist. A disabled account is verified too, then refused."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from agentdesk.server.db import reading
from agentdesk.server.models import User
from agentdesk.server.security import verify_password
from agentdesk.server.users import Principal


def dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of nobody's password, with `hasher`'s parameters."""
    return hasher.hash(secrets.token_urlsafe(24))


def check_password(engine: Engine, hasher: PasswordHasher, dummy: str, username: str,
                   password: str) -> Principal | None:
    """The user if the password is right and the account enabled, else None."""
    with Session(reading(engine)) as s, s.begin():  # no write lock, even on SQLite
        user = s.scalar(select(User).where(User.username == username))
        found = None if user is None else (
            Principal(user.id, user.username, user.role, user.team),
            user.password_hash, user.disabled)
    # the transaction is over: the hash below holds no lock and no connection
    if found is None:
        verify_password(hasher, dummy, password)
        return None
    who, stored, disabled = found
    if not verify_password(hasher, stored, password) or disabled:
        return None
    if hasher.check_needs_rehash(stored):
        upgraded = hasher.hash(password)
        with Session(engine) as s, s.begin():
            # only if nobody changed the password meanwhile (passwd)
            s.execute(update(User).where(User.id == who.id, User.password_hash == stored)
                      .values(password_hash=upgraded))
    return who
