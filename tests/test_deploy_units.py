"""The systemd units in ``deploy/systemd/`` (docs/operations.md, "Running without
containers") start real commands in the right order, hardened.

Each unit's ``ExecStart`` must be a ``raqib`` sub-command that the project's own parser
accepts with those flags (a renamed flag breaks this test, not a production start); every
long-running unit starts after, and requires, the migration unit, and after PostgreSQL
and Redis; every unit is hardened; and ``systemd-analyze verify`` (where installed)
accepts each file with the ExecStart pointed at this checkout's ``raqib``.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from raqib.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "deploy" / "systemd"
SERVICES = sorted(UNITS.glob("*.service"))
LONG_RUNNING = [p for p in SERVICES if p.name != "raqib-migrate.service"]
HARDENING = {"NoNewPrivileges": "yes", "ProtectSystem": "strict",
             "ReadWritePaths": "/var/lib/raqib", "ProtectHome": "yes", "PrivateTmp": "yes",
             "CapabilityBoundingSet": "", "RestrictSUIDSGID": "yes"}


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """Sections -> key -> values (systemd allows a key more than once)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def words(unit: dict, section: str, key: str) -> set[str]:
    return {w for value in unit.get(section, {}).get(key, []) for w in value.split()}


def test_the_scaled_layout_has_its_units() -> None:
    assert {p.name for p in SERVICES} == {
        "raqib-migrate.service", "raqib-scheduler.service", "raqib-worker-io@.service",
        "raqib-worker-transcribe.service", "raqib-web.service"}
    target = parse_unit(UNITS / "raqib.target")
    wanted = words(target, "Unit", "Wants")
    assert {"raqib-migrate.service", "raqib-scheduler.service", "raqib-web.service",
            "raqib-worker-transcribe.service", "raqib-worker-io@1.service"} <= wanted


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_exec_start_is_a_real_raqib_command(path: Path) -> None:
    unit = parse_unit(path)
    (command,) = unit["Service"]["ExecStart"]
    argv = shlex.split(command)
    assert argv[0].endswith("/bin/raqib"), argv
    try:
        args = build_parser().parse_args(argv[1:])
    except SystemExit as exc:  # argparse refused a sub-command or a flag
        raise AssertionError(f"{path.name}: `{command}` is not a valid raqib command") from exc
    assert getattr(args, "handler", None), f"{path.name}: {command} names no command"
    doc = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert path.name in doc and " ".join(argv[1:3]) in doc, f"{path.name} not documented"


@pytest.mark.parametrize("path", LONG_RUNNING, ids=lambda p: p.name)
def test_started_after_migrations_and_the_backends(path: Path) -> None:
    unit = parse_unit(path)
    after, requires = words(unit, "Unit", "After"), words(unit, "Unit", "Requires")
    assert "raqib-migrate.service" in after and "raqib-migrate.service" in requires
    assert {"postgresql.service", "redis-server.service"} <= after
    assert unit["Service"]["Restart"] == ["always"]


def test_migrations_run_once_first() -> None:
    unit = parse_unit(UNITS / "raqib-migrate.service")
    assert unit["Service"]["Type"] == ["oneshot"]
    assert unit["Service"]["RemainAfterExit"] == ["yes"]  # dependants see it as started
    assert shlex.split(unit["Service"]["ExecStart"][0])[1:] == ["migrate"]
    assert "postgresql.service" in words(unit, "Unit", "After")


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_hardened(path: Path) -> None:
    service = parse_unit(path)["Service"]
    for key, value in HARDENING.items():
        assert service.get(key) == [value], (path.name, key, service.get(key))
    assert service["User"] != ["root"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not here")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    raqib = Path(sys.executable).with_name("raqib")
    if not raqib.exists():
        pytest.skip("no raqib entry point beside this Python")
    for path in [*UNITS.glob("*.service"), UNITS / "raqib.target"]:
        text = path.read_text(encoding="utf-8").replace("/opt/raqib/venv/bin/raqib",
                                                         str(raqib))
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    names = [p.name for p in tmp_path.glob("*.service") if "@." not in p.name]
    names.append("raqib-worker-io@1.service")
    (tmp_path / "raqib-worker-io@1.service").symlink_to(tmp_path / "raqib-worker-io@.service")
    done = subprocess.run(["systemd-analyze", "verify", "--man=no",
                           *[str(tmp_path / n) for n in names]],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    problems = [line for line in (done.stdout + done.stderr).splitlines()
                if "raqib" in line and "postgresql" not in line and "redis" not in line]
    assert done.returncode == 0 and not problems, done.stdout + done.stderr
