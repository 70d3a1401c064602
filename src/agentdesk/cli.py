"""The `agentdesk` command: the desktop, demo mode, and IT provisioning of secrets.

    agentdesk [--config FILE] [--data-dir DIR] [--log-level LEVEL] [--lang zh_CN|en]
    agentdesk demo                       the desktop with a simulated caller, no PBX
    agentdesk credentials set sip|server [--account NAME]   secret read from stdin
    agentdesk credentials delete sip|server [--account NAME]
    agentdesk config check               validate the settings file and say where it is
    agentdesk script validate FILE...    check call scripts; print every problem
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import sys
from collections.abc import Iterator, Sequence

from agentdesk import __version__
from agentdesk.core.secrets import SecretKind, SecretStoreError
from agentdesk.core.settings import Settings, SettingsError, load_settings
from agentdesk.paths import SeatPaths

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _add_seat_options(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("--config", metavar="FILE", default=default,
                        help="settings file (TOML)")
    parser.add_argument("--data-dir", metavar="DIR", default=default,
                        help="where logs, recordings and the local database go "
                        "(isolates several agents on one machine)")
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        default=default, help="overrides [logging] level")
    parser.add_argument("--lang", metavar="LANG", default=default,
                        help="UI language, e.g. zh_CN or en (default: the system's)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agentdesk", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"agentdesk {__version__}")
    _add_seat_options(parser, None)
    # The same options after a command (`agentdesk demo --data-dir D`, which is what
    # `./scripts/demo --data-dir D` runs); SUPPRESS keeps the value given before it.
    seat_options = argparse.ArgumentParser(add_help=False)
    _add_seat_options(seat_options, argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", parents=[seat_options], help="open the desktop (the default)")
    demo = commands.add_parser("demo", parents=[seat_options],
                               help="the desktop with a simulated caller on loopback")
    demo.add_argument("--no-simulated-caller", action="store_true",
                      help="do not start the simulated caller process")
    creds = commands.add_parser("credentials", parents=[seat_options],
                                help="store or remove secrets in the OS keyring")
    creds_cmd = creds.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, text in (("set", "store a secret read from stdin"),
                         ("delete", "remove a stored secret"),
                         ("status", "say whether a secret is stored (never prints it)")):
        sub = creds_cmd.add_parser(action, parents=[seat_options], help=text)
        sub.add_argument("kind", choices=[SecretKind.SIP.value, SecretKind.SERVER.value])
        sub.add_argument("--account", help="account name (default: from the settings file)")
    config = commands.add_parser("config", parents=[seat_options], help="settings file tools")
    config_cmd = config.add_subparsers(dest="action", metavar="ACTION", required=True)
    config_cmd.add_parser("check", parents=[seat_options], help="validate the settings file")
    from agentdesk.script_cli import add_script_commands

    add_script_commands(commands, [seat_options])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    paths = SeatPaths.resolve(args.config, args.data_dir)
    command = args.command or "run"
    if command == "script":  # needs no settings file: it only reads the files given
        from agentdesk import script_cli

        return script_cli.run(args)
    if command == "demo":
        with _desktop_start():
            from agentdesk.app import run_demo

            return run_demo(paths, args)
    try:
        settings = load_settings(paths.config_file)
    except SettingsError as exc:
        print(f"agentdesk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if command == "credentials":
        return _credentials(args, settings)
    if command == "config":
        print(f"{paths.config_file}: OK" if paths.config_file.exists()
              else f"{paths.config_file}: not present, defaults in use")
        return EXIT_OK
    from agentdesk.credentials.keyring_store import start_detecting

    start_detecting()  # finding the OS keyring overlaps with loading the desktop
    with _desktop_start():
        from agentdesk.app import run_desktop

        return run_desktop(paths, settings, args)


@contextlib.contextmanager
def _desktop_start() -> Iterator[None]:
    """Load and run the desktop the quick way (see ui.fast_start)."""
    from agentdesk.ui import fast_start

    fast_start.begin()
    try:
        yield
    finally:
        fast_start.end()


def _account_for(kind: SecretKind, settings: Settings, override: str | None) -> str:
    if override:
        return override
    if kind is SecretKind.SIP:
        return settings.sip.effective_auth_username
    return settings.server.username


def _credentials(args: argparse.Namespace, settings: Settings) -> int:
    from agentdesk.credentials import KeyringSecretStore

    kind = SecretKind(args.kind)
    account = _account_for(kind, settings, args.account)
    if not account:
        field = "[sip] username" if kind is SecretKind.SIP else "[server] username"
        print(f"agentdesk: no account name: set {field} in the settings file or pass --account",
              file=sys.stderr)
        return EXIT_USAGE
    store = KeyringSecretStore()
    if not store.available:
        print(f"agentdesk: {store.problem}\nThe secret was not stored; the desktop will ask "
              "for it at start and keep it for that session only.", file=sys.stderr)
        return EXIT_FAILED
    try:
        if args.action == "set":
            secret = _read_secret(kind)
            if not secret:
                print("agentdesk: empty secret; nothing stored", file=sys.stderr)
                return EXIT_USAGE
            store.set(kind, account, secret)
            print(f"Stored the {kind.value} secret for '{account}' in the system keyring.")
        elif args.action == "delete":
            if store.delete(kind, account):
                print(f"Deleted the {kind.value} secret for '{account}'.")
            else:
                print(f"No {kind.value} secret was stored for '{account}'.")
        else:
            stored = store.get(kind, account) is not None
            print(f"{kind.value} secret for '{account}': {'stored' if stored else 'not stored'}")
            return EXIT_OK if stored else EXIT_FAILED
    except SecretStoreError as exc:
        print(f"agentdesk: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _read_secret(kind: SecretKind) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(f"{kind.value} password: ")
    # Provisioning scripts pipe the secret in; one line, trailing newline removed.
    return sys.stdin.readline().rstrip("\r\n")
