"""`agentdesk-server [--database-url URL] COMMAND`: the operator's tool.

Exit codes: 0 success; 1 partly done (`import customers` with rejected rows) or an
operation refused (unknown user, schema too new); 2 usage or unreadable-file error."""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError

from agentdesk.server import db, users
from agentdesk.server.config import Settings
from agentdesk.server.security import password_hasher
from agentdesk.sync.wire import ROLES, username_problem

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_PARTIAL) -> None:
        super().__init__(message)
        self.code = code


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="agentdesk-server",
                                description="The agentdesk central server and its admin tools.")
    p.add_argument("--database-url", help="SQLAlchemy URL (default: $AGENTDESK_DATABASE_URL, "
                                          "else a SQLite file in the user data dir)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("migrate", help="create or upgrade the database schema")

    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--tls-cert", type=Path, help="PEM certificate (enables HTTPS)")
    serve.add_argument("--tls-key", type=Path, help="PEM private key")
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes (each has its own login limits: see the README)")

    user = sub.add_parser("user", help="manage users").add_subparsers(
        dest="user_command", required=True, metavar="ACTION")
    add = user.add_parser("add", help="add a user (password from stdin when it is not a tty)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--team")
    user.add_parser("disable", help="disable a user and revoke its tokens").add_argument("name")
    user.add_parser("enable", help="enable a disabled user").add_argument("name")
    user.add_parser("passwd", help="set a user's password").add_argument("name")

    imp = sub.add_parser("import", help="import reference data").add_subparsers(
        dest="import_command", required=True, metavar="WHAT")
    customers = imp.add_parser("customers", help="import customers from a CSV file")
    customers.add_argument("file", type=Path)
    customers.add_argument("--encoding", default="utf-8",
                           help="utf-8 (with or without BOM, the default) or gb18030")
    customers.add_argument("--region", default=None,
                           help="default region for national phone numbers (default CN)")

    history = imp.add_parser("history", help="load historic records (JSON lines, each "
                                              "with its kind) as pushed by a user")
    history.add_argument("file", type=Path)
    history.add_argument("--owner", help="the user records without an `owner` key "
                                         "belong to")

    codes = imp.add_parser("codes", help="publish wrap-up code sets and not-ready reasons "
                                         "from a YAML file")
    codes.add_argument("file", type=Path)
    script = imp.add_parser("script", help="validate a call script (YAML) and publish it "
                                           "as a new version")
    script.add_argument("file", type=Path)
    campaign = imp.add_parser("campaign", help="publish or update a campaign (YAML or JSON, "
                                               "docs/campaigns.md); its leads reach its "
                                               "agents' desktops")
    campaign.add_argument("file", help="the YAML or JSON file, or - for stdin")
    leads = imp.add_parser("leads", help="import a campaign's leads from a CSV file "
                                         "(lead_id, phone, ...: docs/campaigns.md)")
    leads.add_argument("campaign_id")
    leads.add_argument("file", type=Path)
    leads.add_argument("--encoding", default="utf-8",
                       help="utf-8 (with or without BOM, the default) or gb18030")
    dnc = imp.add_parser("dnc", help="add numbers to the global or a campaign's "
                                     "do-not-call list from a CSV file (phone, reason, since)")
    dnc.add_argument("file", type=Path)
    dnc.add_argument("--campaign", help="the campaign whose own list this is (default: the "
                                        "global list)")
    dnc.add_argument("--region", help="region for numbers without a country code (default: "
                                      "the campaign's default_region, else the server's)")
    dnc.add_argument("--encoding", default="utf-8")

    camp = sub.add_parser("campaign", help="outbound campaigns").add_subparsers(
        dest="campaign_command", required=True, metavar="ACTION")
    check = camp.add_parser("check", help="the dial gate's decision for every lead, as CSV")
    check.add_argument("campaign_id")
    check.add_argument("--at", type=_since, help="the instant (ISO 8601 with offset or Z; "
                                                 "default now)")

    rep = sub.add_parser("report", help="reports from the synced records").add_subparsers(
        dest="report_command", required=True, metavar="WHAT")
    agents = rep.add_parser("agents", help="figures per agent and period")
    agents.add_argument("--from", dest="start", required=True, type=_moment,
                        help="YYYY-MM-DD (midnight in --tz) or an ISO 8601 time")
    agents.add_argument("--to", dest="end", required=True, type=_moment,
                        help="end (exclusive), like --from")
    agents.add_argument("--by", choices=("hour", "day", "week"), default="day")
    agents.add_argument("--tz", default="UTC",
                        help="time zone of the periods and of plain dates (default UTC)")
    agents.add_argument("--format", choices=("table", "csv"), default="table")
    script_report = rep.add_parser("script", help="node, objection and outcome figures of "
                                                  "one script version")
    script_report.add_argument("script_id")
    script_report.add_argument("--version", required=True, type=int)
    script_report.add_argument("--format", choices=("table", "csv", "json"), default="table")
    campaign_report = rep.add_parser("campaign", help="a campaign's leads by state, "
                                                      "attempts, contacts, conversions")
    campaign_report.add_argument("campaign_id")
    campaign_report.add_argument("--at", type=_since, help="the instant (default now)")
    campaign_report.add_argument("--format", choices=("table", "json"), default="table")

    exp = sub.add_parser("export", help="export records").add_subparsers(
        dest="export_command", required=True, metavar="WHAT")
    for what, helptext in (("wrapups", "wrap-ups received since a date, to stdout"),
                           ("access", "customer-file access entries received since a "
                                      "date, to stdout")):
        export = exp.add_parser(what, help=helptext)
        export.add_argument("--since", required=True, type=_since,
                            help="YYYY-MM-DD (UTC midnight) or an ISO 8601 time")
        export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    return p


def _since(text: str) -> datetime:
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _moment(text: str) -> str:
    """Checked now, made aware later (a plain date or time is in the report's --tz)."""
    try:
        date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r}") from None
    return text


def _in_zone(text: str, zone: Any) -> datetime:
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), zone)
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _read_password(stdin: TextIO, prompt: str) -> str:
    if stdin.isatty():
        first = getpass.getpass(f"{prompt}: ")
        if getpass.getpass("Again: ") != first:
            raise CliError("the passwords differ", EXIT_USAGE)
        return first
    line = stdin.readline()
    return line.rstrip("\r\n")


_engines: list[Engine] = []


def _engine(settings: Settings) -> Engine:
    try:
        make_url(settings.database_url)
    except ArgumentError:
        raise CliError(f"not a database URL: {settings.database_url!r}", EXIT_USAGE) from None
    engine = db.make_engine(settings.database_url, pool_size=settings.db_pool_size)
    _engines.append(engine)  # disposed when main() returns
    return engine


def _ready_engine(settings: Settings) -> Engine:
    """An engine on a database at this code's schema head (else a clear error)."""
    engine = _engine(settings)
    current = db.check_not_newer(engine)
    if current != db.head_revision(engine):
        raise CliError(f"the database schema is at {current or 'nothing'}, not "
                       f"{db.head_revision(engine)}: run `agentdesk-server migrate` first")
    return engine


def _cmd_migrate(settings: Settings, out: TextIO) -> int:
    engine = _engine(settings)
    before, after = db.migrate(engine)
    if before == after:
        print(f"the database is up to date (schema {after})", file=out)
    else:
        print(f"migrated the database from {before or 'empty'} to {after}", file=out)
    return EXIT_OK


def _cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from agentdesk.server.main import create_app, freeze_startup_objects

    if (args.tls_cert is None) != (args.tls_key is None):
        raise CliError("--tls-cert and --tls-key go together", EXIT_USAGE)
    for path in (args.tls_cert, args.tls_key):
        if path is not None and not path.is_file():
            raise CliError(f"cannot read {path}", EXIT_USAGE)
    engine = _ready_engine(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # proxy_headers off: uvicorn would believe X-Forwarded-For from 127.0.0.1 and make
    # any local process any client; the app reads it only from `trusted_proxies`.
    options: dict[str, Any] = {
        "host": args.host, "port": args.port, "ssl_certfile": args.tls_cert,
        "ssl_keyfile": args.tls_key, "access_log": False, "log_level": "info",
        "proxy_headers": False}
    if args.workers > 1:
        engine.dispose()
        os.environ["AGENTDESK_DATABASE_URL"] = settings.database_url
        uvicorn.run("agentdesk.server.main:app_from_environment", factory=True,
                    workers=args.workers, **options)
    else:
        app = create_app(settings, engine)
        freeze_startup_objects()
        uvicorn.run(app, **options)
    return EXIT_OK


def _cmd_user(settings: Settings, args: argparse.Namespace, stdin: TextIO,
              out: TextIO) -> int:
    engine = _ready_engine(settings)
    hasher = password_hasher(settings)
    try:
        if args.user_command == "add":
            problem = username_problem(args.name)
            if problem is not None:
                raise CliError(problem, EXIT_USAGE)
            password = _read_password(stdin, f"Password for {args.name}")
            users.check_new_password(password)
            users.add_user(engine, hasher, args.name, password, args.role, args.team)
            print(f"added {args.role} {args.name}" + (f" (team {args.team})"
                                                      if args.team else ""), file=out)
        elif args.user_command in ("disable", "enable"):
            users.set_disabled(engine, args.name, args.user_command == "disable")
            print(f"{args.user_command}d {args.name}", file=out)
        else:
            password = _read_password(stdin, f"New password for {args.name}")
            users.check_new_password(password)
            users.set_password(engine, hasher, args.name, password)
            print(f"changed the password of {args.name}; its tokens are revoked", file=out)
    except users.UserError as exc:
        raise CliError(str(exc)) from None
    return EXIT_OK


def _cmd_import(settings: Settings, args: argparse.Namespace, stdin: TextIO, out: TextIO,
                err: TextIO) -> int:
    if args.import_command == "history":
        return _cmd_import_history(settings, args, out, err)
    if args.import_command == "codes":
        return _cmd_import_codes(settings, args, out, err)
    if args.import_command == "script":
        return _cmd_import_script(settings, args, out, err)
    if args.import_command == "campaign":
        return _cmd_import_campaign(settings, args, stdin, out, err)
    if args.import_command in ("leads", "dnc"):
        return _cmd_import_campaign_lists(settings, args, out, err)
    from agentdesk.server.customer_import import ImportFileError, import_customers

    engine = _ready_engine(settings)
    try:
        report = import_customers(engine, args.file, encoding=args.encoding,
                                  region=args.region or settings.default_phone_region)
    except ImportFileError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    for line, reason in report.rejected:
        print(f"line {line}: {reason}", file=err)
    print(f"imported {report.imported} customers, rejected {len(report.rejected)} rows",
          file=out)
    return EXIT_PARTIAL if report.rejected else EXIT_OK


def _cmd_import_history(settings: Settings, args: argparse.Namespace, out: TextIO,
                        err: TextIO) -> int:
    from agentdesk.server.history_import import HistoryFileError, import_history_file

    engine = _ready_engine(settings)
    try:
        report = import_history_file(engine, args.owner, args.file)
    except HistoryFileError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    except users.UserError as exc:
        raise CliError(str(exc)) from None
    for line, reason in report.rejected:
        print(f"{args.file}:{line}: {reason}" if line else f"{args.file}: {reason}", file=err)
    print(f"imported {report.accepted} records, {report.duplicates} already there, "
          f"rejected {len(report.rejected)}", file=out)
    return EXIT_PARTIAL if report.rejected else EXIT_OK


def _read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}", EXIT_USAGE) from None
    except UnicodeDecodeError as exc:
        raise CliError(f"{path} is not UTF-8 ({exc.reason} at byte {exc.start})",
                       EXIT_USAGE) from None


def _cmd_import_codes(settings: Settings, args: argparse.Namespace, out: TextIO,
                      err: TextIO) -> int:
    from agentdesk.core.wrapup_codes import CodeFileError, parse_code_file
    from agentdesk.server.reference import put_document

    text = _read_file(args.file)
    try:
        parsed = parse_code_file(text, str(args.file))
    except CodeFileError as exc:
        for problem in exc.problems:
            print(str(problem), file=err)
        print(f"nothing published: {len(exc.problems)} problem(s)", file=out)
        return EXIT_PARTIAL
    engine = _ready_engine(settings)
    for code_set in parsed.code_sets:
        put_document(engine, "wrapup_code_set", code_set.id, code_set.to_document())
    for reason in parsed.not_ready_reasons:
        put_document(engine, "not_ready_reason", reason.code, reason.to_document())
    print(f"published {len(parsed.code_sets)} code sets and "
          f"{len(parsed.not_ready_reasons)} not-ready reasons", file=out)
    return EXIT_OK


def _cmd_import_campaign(settings: Settings, args: argparse.Namespace, stdin: TextIO,
                         out: TextIO, err: TextIO) -> int:
    from agentdesk.core.campaigns.campaign_file import CampaignFileError, parse_campaign_file
    from agentdesk.server.reference import put_document

    name = "<stdin>" if args.file == "-" else args.file
    text = stdin.read() if args.file == "-" else _read_file(Path(args.file))
    try:
        campaign = parse_campaign_file(text, name)
    except CampaignFileError as exc:
        for problem in exc.problems:
            print(str(problem), file=err)
        return EXIT_PARTIAL
    document = campaign.document
    usn = put_document(_ready_engine(settings), "campaign", campaign.id, document)
    print(f"published campaign {campaign.id} with {len(document.get('leads', []))} lead(s) "
          f"(usn {usn})", file=out)
    return EXIT_OK


def _load_campaign(engine: Engine, campaign_id: str) -> Any:
    from sqlalchemy.orm import Session

    from agentdesk.server.campaigns import CampaignNotFoundError, load_campaign

    with Session(engine) as s:
        try:
            return load_campaign(s, campaign_id)
        except CampaignNotFoundError as exc:
            raise CliError(f"{exc}: import it first (import campaign)", EXIT_USAGE) from None


def _cmd_import_campaign_lists(settings: Settings, args: argparse.Namespace, out: TextIO,
                               err: TextIO) -> int:
    """`import leads` and `import dnc`: 0 all good, 1 some rows rejected, 2 nothing
    imported (or an unreadable file)."""
    from agentdesk.server.customer_import import ImportFileError
    from agentdesk.server.dnc import GLOBAL, import_dnc
    from agentdesk.server.leads_import import import_leads

    engine = _ready_engine(settings)
    try:
        if args.import_command == "leads":
            campaign = _load_campaign(engine, args.campaign_id)
            leads = import_leads(engine, campaign, args.file, encoding=args.encoding)
            imported, rejected = leads.imported, leads.rejected
            summary = (f"imported {leads.imported} leads ({leads.created} new, "
                       f"{leads.updated} changed, {leads.customers_created} new customers), "
                       f"rejected {len(rejected)} rows")
        else:
            region = args.region
            if args.campaign and region is None:
                region = _load_campaign(engine, args.campaign).rules.default_region
            elif args.campaign:
                _load_campaign(engine, args.campaign)
            lists = import_dnc(engine, args.file, scope=args.campaign or GLOBAL,
                               region=region or settings.default_phone_region,
                               encoding=args.encoding)
            imported, rejected = lists.imported, lists.rejected
            summary = (f"imported {imported} numbers to the "
                       f"{'campaign ' + args.campaign if args.campaign else 'global'} "
                       f"do-not-call list, rejected {len(rejected)} rows")
    except ImportFileError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    for line, reason in rejected:
        print(f"line {line}: {reason}", file=err)
    print(summary, file=out)
    if imported == 0:
        return EXIT_USAGE
    return EXIT_PARTIAL if rejected else EXIT_OK


def _cmd_campaign(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    from agentdesk.server.campaigns import check_rows

    engine = _ready_engine(settings)
    _load_campaign(engine, args.campaign_id)
    at = args.at or datetime.now(UTC)
    writer = csv.writer(out, lineterminator="\n")
    for row in check_rows(engine, args.campaign_id, at):
        writer.writerow(row)
    return EXIT_OK


def _cmd_report_campaign(engine: Engine, args: argparse.Namespace, out: TextIO) -> int:
    from agentdesk.server.campaigns import report

    _load_campaign(engine, args.campaign_id)
    found = report(engine, args.campaign_id, args.at)
    if args.format == "json":
        out.write(json.dumps(found, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    rows = [["figure", "value"]]
    for key, value in found.items():
        if isinstance(value, dict):
            rows += [[f"{key}.{k}", str(v)] for k, v in sorted(value.items())] or \
                [[key, "0"]]
        else:
            rows.append([key, str(value)])
    _write_table(rows, out, "table")
    return EXIT_OK


def _cmd_import_script(settings: Settings, args: argparse.Namespace, out: TextIO,
                       err: TextIO) -> int:
    from agentdesk.server.scripts import (
        ScriptInvalidError,
        ScriptVersionConflictError,
        publish_file,
    )

    _read_file(args.file)  # a clear exit 2 for a missing or non-UTF-8 file
    engine = _ready_engine(settings)
    try:
        published = publish_file(engine, args.file, published_by="agentdesk-server import")
    except ScriptInvalidError as exc:
        for problem in exc.problems:
            print(str(problem), file=err)
        print(f"not published: {len(exc.problems)} problem(s)", file=out)
        return EXIT_PARTIAL
    except ScriptVersionConflictError as exc:
        raise CliError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {args.file}: {exc}", EXIT_USAGE) from None
    if published.created:
        print(f"published script {published.script_id} version {published.version}", file=out)
    else:
        print(f"script {published.script_id} version {published.version} is already "
              "published with this content", file=out)
    return EXIT_OK


def _write_table(rows: list[list[str]], out: TextIO, fmt: str) -> None:
    if fmt == "csv":
        csv.writer(out, lineterminator="\n").writerows(rows)
        return
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
              .rstrip(), file=out)


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CliError(f"unknown time zone {name!r}", EXIT_USAGE) from None


def _cmd_report(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    engine = _ready_engine(settings)
    if args.report_command == "campaign":
        return _cmd_report_campaign(engine, args, out)
    if args.report_command == "agents":
        from agentdesk.server.agent_report import agent_report, report_rows

        zone = _zone(args.tz)
        start, end = _in_zone(args.start, zone), _in_zone(args.end, zone)
        if end <= start:
            raise CliError("--to must be after --from", EXIT_USAGE)
        items = agent_report(engine, start, end, args.by, zone)
        _write_table(report_rows(items, zone), out, args.format)
        return EXIT_OK
    from agentdesk.server.script_report import load_script_report
    from agentdesk.server.script_report import report_rows as script_rows
    from agentdesk.server.scripts import script_version_document

    document = script_version_document(engine, args.script_id, args.version)
    if document is None:
        raise CliError(f"script {args.script_id!r} version {args.version} was never "
                       "published: the report lists only calls, not the script's nodes")
    report = load_script_report(engine, args.script_id, args.version, document)
    if args.format == "json":
        out.write(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        _write_table(script_rows(report), out, args.format)
    return EXIT_OK


def _flat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _cmd_export(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    from agentdesk.server.records import iter_records

    engine = _ready_engine(settings)
    kind = {"wrapups": "wrapup", "access": "access_entry"}[args.export_command]
    rows = [r.model_dump(mode="json") for r in iter_records(engine, kind, args.since)]
    if args.format == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return EXIT_OK
    fixed = ["id", "owner", "client_created_at", "received_at", "batch_id"]
    # the payload's own id is the record's: one "id" column, not two
    payload_keys = sorted({k for row in rows for k in row["payload"]} - set(fixed))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fixed + payload_keys)
    for row in rows:
        writer.writerow([_flat(row[k]) for k in fixed]
                        + [_flat(row["payload"].get(k)) for k in payload_keys])
    return EXIT_OK


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None,
         stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdin, out, err = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    args = _parser().parse_args(argv)
    overrides = {"database_url": args.database_url} if args.database_url else {}
    settings = Settings(**overrides)
    try:
        if args.command == "migrate":
            return _cmd_migrate(settings, out)
        if args.command == "serve":
            return _cmd_serve(settings, args)
        if args.command == "user":
            return _cmd_user(settings, args, stdin, out)
        if args.command == "import":
            return _cmd_import(settings, args, stdin, out, err)
        if args.command == "report":
            return _cmd_report(settings, args, out)
        if args.command == "campaign":
            return _cmd_campaign(settings, args, out)
        return _cmd_export(settings, args, out)
    except db.SchemaTooNewError as exc:
        print(f"agentdesk-server: {exc}", file=err)
        return EXIT_PARTIAL
    except CliError as exc:
        print(f"agentdesk-server: {exc}", file=err)
        return exc.code
    except DatabaseError as exc:  # OperationalError, ProgrammingError, a corrupt file, ...
        print(f"agentdesk-server: database error: {exc.orig}", file=err)
        return EXIT_PARTIAL
    finally:
        while _engines:
            _engines.pop().dispose()


if __name__ == "__main__":
    sys.exit(main())
