"""Issue #12, finding 10: passwords of 8 to 1,024 characters (the maximum login
accepts), user names without control or bidi characters - with clear errors."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import Engine

from agentdesk.server.cli import main
from agentdesk.server.users import UserError, add_user, set_password
from agentdesk.sync.wire import PASSWORD_MAX_CHARS


def _cli(db_url: str, *args: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--database-url", db_url, *args], stdin=io.StringIO(stdin), stdout=out,
                stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(("password", "message"), [
    ("a", "at least 8 characters"), (" ", "at least 8 characters"),
    (" " * 12, "not only spaces"), ("seven77", "at least 8 characters"),
    ("p" * 5000, f"at most {PASSWORD_MAX_CHARS} characters"),
])
def test_cli_refuses_weak_or_unusable_passwords(db_url: str, password: str,
                                                message: str) -> None:
    code, _, err = _cli(db_url, "user", "add", "li.na", "--role", "agent",
                        stdin=password + "\n")
    assert code != 0 and message in err, err
    assert _cli(db_url, "user", "add", "li.na", "--role", "agent",
                stdin="a good one\n")[0] == 0
    code, _, err = _cli(db_url, "user", "passwd", "li.na", stdin=password + "\n")
    assert code != 0 and message in err, err


@pytest.mark.parametrize("name", ["evil\u202egnp.exe", "a\u0000b", "tab\there", "zero\u200bwidth",
                                  "line\u2028sep", " padded", "x" * 65, ""])
def test_cli_refuses_user_names_with_control_or_bidi_characters(db_url: str,
                                                                name: str) -> None:
    code, _, err = _cli(db_url, "user", "add", name, "--role", "agent",
                        stdin="a good one\n")
    assert code == 2 and "user name" in err, err


def test_the_longest_password_that_can_be_set_can_log_in(db_url: str, client: Any) -> None:
    longest = "p" * PASSWORD_MAX_CHARS
    assert _cli(db_url, "user", "add", "li.na", "--role", "agent", stdin=longest + "\n")[0] == 0
    r = client.post("/api/v1/auth/login", json={"username": "li.na", "password": longest})
    assert r.status_code == 200, r.text
    r = client.post("/api/v1/auth/login", json={"username": "li.na", "password": longest + "p"})
    assert r.status_code == 422


def test_no_function_stores_a_password_login_would_refuse(app: Any, engine: Engine) -> None:
    hasher = app.state.server.hasher
    too_long = "p" * (PASSWORD_MAX_CHARS + 1)
    with pytest.raises(UserError, match="at most"):
        add_user(engine, hasher, "li.na", too_long, "agent")
    with pytest.raises(UserError, match="U\\+202E"):
        add_user(engine, hasher, "li\u202ena", "a good one", "agent")
    add_user(engine, hasher, "li.na", "a good one", "agent")
    with pytest.raises(UserError, match="at most"):
        set_password(engine, hasher, "li.na", too_long)
    with pytest.raises(UserError, match="empty"):
        set_password(engine, hasher, "li.na", "")
