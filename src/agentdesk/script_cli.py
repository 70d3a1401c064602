"""`agentdesk script validate FILE...`: every problem of each call script, or OK.

Prints `file:line:col: message` for each problem (the form editors and CI jump to)
and exits 0 when every file is valid, 1 when any has a problem, 2 when a file cannot
be read at all. A fragment file (an included library) is checked for its structure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def add_script_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser],
                        parents: list[argparse.ArgumentParser]) -> None:
    script = commands.add_parser("script", parents=parents, help="call script tools")
    actions = script.add_subparsers(dest="action", metavar="ACTION", required=True)
    validate = actions.add_parser("validate", parents=parents,
                                  help="check call script files; print every problem")
    validate.add_argument("files", nargs="+", metavar="FILE", type=Path)


def run(args: argparse.Namespace) -> int:
    if args.action == "validate":
        return validate_files(args.files)
    return EXIT_USAGE


def validate_files(files: list[Path]) -> int:
    from agentdesk.core.scripts import load_and_validate  # not on every command's path

    status = EXIT_OK
    for path in files:
        try:
            script, problems = load_and_validate(path)
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            print(f"{path}: cannot read: {reason}", file=sys.stderr)
            status = EXIT_USAGE
            continue
        for problem in problems:
            print(problem)
        if problems:
            status = max(status, EXIT_INVALID)
        elif script is not None:
            print(f"{path}: OK ({script.id} v{script.version}, {len(script.nodes)} nodes, "
                  f"{len(script.objections)} objections)")
        else:
            print(f"{path}: OK (fragment)")
    return status
