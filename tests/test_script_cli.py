"""`agentdesk script validate FILE...`: exit codes and the file:line:col lines."""

from __future__ import annotations

from pathlib import Path

from agentdesk.cli import main

SCRIPTS = Path(__file__).parent.parent / "src" / "agentdesk" / "resources" / "scripts"
FIXTURES = Path(__file__).parent / "core" / "scripts" / "fixtures"


def test_shipped_scripts_validate(capsys):
    files = [str(p) for p in sorted(SCRIPTS.rglob("*.yaml"))]
    assert main(["script", "validate", *files]) == 0
    out = capsys.readouterr().out
    assert "service_complaint.yaml: OK (service-complaint v1" in out
    assert "objections/telesales.yaml: OK (fragment)" in out


def test_broken_files_print_every_problem_and_exit_1(capsys):
    files = [str(FIXTURES / "unknown_node.yaml"), str(FIXTURES / "choice_no_target.yaml"),
             str(SCRIPTS / "order_confirmation.yaml")]
    assert main(["script", "validate", *files]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"{FIXTURES / 'unknown_node.yaml'}:9:11: unknown node 'goodbye_typo' "
        "(next of node 'hello')",
        f"{FIXTURES / 'unknown_node.yaml'}:10:5: node 'goodbye' is unreachable: no step "
        "leads to it from the start 'hello'",
        f"{FIXTURES / 'choice_no_target.yaml'}:12:9: choice 'No' of node 'ask' has no "
        "target: give it a 'next'",
        f"{SCRIPTS / 'order_confirmation.yaml'}: OK (order-confirmation v1, 25 nodes, "
        "4 objections)",
    ]


def test_unreadable_file_exits_2(capsys, tmp_path):
    missing = tmp_path / "missing.yaml"
    assert main(["script", "validate", str(missing)]) == 2
    assert f"{missing}: cannot read" in capsys.readouterr().err
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    assert main(["script", "validate", str(binary)]) == 2


def test_no_file_is_a_usage_error(capsys):
    try:
        main(["script", "validate"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("argparse must refuse a missing FILE")
