"""The agentdesk command line."""

import pytest

from agentdesk.cli import build_parser


@pytest.mark.parametrize("argv", [
    ["--data-dir", "D", "demo"],
    ["demo", "--data-dir", "D"],  # what `./scripts/demo --data-dir D` runs
    ["--config", "C", "credentials", "status", "sip", "--data-dir", "D"],
])
def test_seat_options_before_or_after_the_command(argv):
    args = build_parser().parse_args(argv)
    assert args.data_dir == "D"
    assert args.config == ("C" if "--config" in argv else None)
