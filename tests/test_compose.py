"""The scaled deployment files agree with the code: docker-compose.yml and the Dockerfile.

Docker cannot run in the test environment, so these tests read the files: every Raqib
command in the compose file is one the real ``raqib`` parser accepts, every environment
variable is one Raqib (``raqib.config.SETTINGS``) or the third-party image reads, every
service is health-checked or waits for healthy services, and named volumes are declared.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from raqib.cli import build_parser
from raqib.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"

RAQIB_ENV = {s.env for s in SETTINGS} | {"RAQIB_CONFIG", "RAQIB_PASSWORD"}
# Variables each third-party image documents; anything else would be silently ignored.
IMAGE_ENV: dict[str, tuple[str, ...]] = {
    "elasticsearch": ("ELASTIC_PASSWORD", "discovery.type", "xpack.security.enabled",
                      "xpack.security.http.ssl.enabled", "ES_JAVA_OPTS"),
    "postgres": ("POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_INITDB_ARGS"),
    "redis": (),
    "caddy": ("RAQIB_PUBLIC_HOST",),  # read by deploy/Caddyfile as {$RAQIB_PUBLIC_HOST}
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _is_raqib(service: dict[str, Any]) -> bool:
    return "build" in service or str(service.get("image", "")).startswith("raqib")


def _image_kind(service: dict[str, Any]) -> str:
    image = str(service.get("image", ""))
    name = image.rsplit("/", 1)[-1].split(":", 1)[0]
    return name


def _env_names(service: dict[str, Any]) -> list[str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return [item.split("=", 1)[0] for item in env]
    return list(env)


def _volume(spec: Any) -> tuple[str, str]:
    """(source, target) of a short-syntax volume; the source may hold ``${VAR:-default}``."""
    parts = str(spec).split(":")
    if parts[-1] in ("ro", "rw", "z", "Z"):
        parts = parts[:-1]
    return ":".join(parts[:-1]), parts[-1]


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def test_expected_services(compose: dict[str, Any]) -> None:
    assert {"elasticsearch", "postgres", "redis", "web", "worker-io",
            "worker-transcribe"} <= set(_services(compose))


def test_raqib_commands_parse(compose: dict[str, Any]) -> None:
    parser = build_parser()
    checked = 0
    for name, service in _services(compose).items():
        if not _is_raqib(service):
            continue
        cmd = service.get("command")
        assert isinstance(cmd, list) and cmd[0] == "raqib", \
            f"{name}: command must be an exec-form list starting with 'raqib', got {cmd!r}"
        # Compose fills ${VAR:-default} in before the command runs: parse what it runs.
        cmd = [re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(arg)) for arg in cmd]
        try:
            args = parser.parse_args(cmd[1:])
        except SystemExit as exc:
            pytest.fail(f"{name}: `{' '.join(cmd)}` is rejected by the raqib parser "
                        f"(exit {exc.code})")
        assert getattr(args, "handler", None) is not None, f"{name}: {cmd} runs no command"
        checked += 1
    assert checked >= 3


def test_worker_queues(compose: dict[str, Any]) -> None:
    services = _services(compose)
    assert services["worker-io"]["command"][-2:] == ["--queues", "io"]
    assert services["worker-transcribe"]["command"][-2:] == ["--queues", "transcribe"]
    web = services["web"]["command"]
    assert web[:2] == ["raqib", "serve"] and "0.0.0.0" in web
    assert web[web.index("--workers") + 1] == "${RAQIB_WEB_WORKERS:-4}"


def test_io_workers_scale_freely(compose: dict[str, Any]) -> None:
    """Nothing pins worker-io to one replica: no fixed container name or port, no replica
    count, and the file no longer asks for exactly one (the scheduler elects a leader)."""
    text = COMPOSE.read_text(encoding="utf-8")
    assert not re.search(r"exactly one worker-io", text)
    assert "--scale worker-io=" in text
    for name in ("worker-io", "worker-transcribe"):
        service = _services(compose)[name]
        assert "container_name" not in service, f"{name}: a fixed name cannot scale"
        assert not service.get("ports"), f"{name}: a published port cannot scale"
        replicas = (service.get("deploy") or {}).get("replicas")
        assert replicas is None or replicas > 1, f"{name}: pinned to {replicas} replica"
    io_args = build_parser().parse_args(_services(compose)["worker-io"]["command"][1:])
    assert not io_args.no_scheduler, "worker-io replicas must compete for the scheduler lease"


def test_environment_is_read_by_someone(compose: dict[str, Any]) -> None:
    for name, service in _services(compose).items():
        if _is_raqib(service):
            allowed = RAQIB_ENV
        else:
            kind = _image_kind(service)
            assert kind in IMAGE_ENV, f"{name}: no environment allowlist for image {kind!r}"
            allowed = set(IMAGE_ENV[kind])
        unknown = sorted(set(_env_names(service)) - allowed)
        assert not unknown, f"{name}: environment variables nobody reads: {unknown}"


def test_raqib_services_use_the_scaled_backends(compose: dict[str, Any]) -> None:
    for name, service in _services(compose).items():
        if not _is_raqib(service):
            continue
        env = _env(service)
        assert env["RAQIB_SEARCH_BACKEND"] == "elasticsearch", name
        assert env["RAQIB_DATA_DIR"] == "/data", name
        assert env["DATABASE_URL"].startswith("postgresql://"), name
        assert env["REDIS_URL"].startswith("redis://"), name
        assert "@elasticsearch:9200" in env["ELASTICSEARCH_URL"], name
        targets = {_volume(v)[1] for v in service["volumes"]}
        assert "/data" in targets, f"{name}: /data (media, evidence) must be on a volume"
        assert env["RAQIB_CONFIG"] in targets, f"{name}: RAQIB_CONFIG must point at a mounted file"


def test_secrets_come_from_the_environment(compose: dict[str, Any]) -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    for var in ("POSTGRES_PASSWORD", "ELASTIC_PASSWORD", "RAQIB_SECRET_KEY"):
        assert re.search(r"\$\{" + var + r":\?", text), f"{var} must be required from .env"


def test_health_checked_or_waiting_on_healthy(compose: dict[str, Any]) -> None:
    services = _services(compose)
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        assert isinstance(depends, dict), f"{name}: depends_on must give conditions"
        for dep, spec in depends.items():
            assert dep in services, f"{name}: depends on unknown service {dep!r}"
            assert spec.get("condition") == "service_healthy", f"{name} -> {dep}"
            assert "healthcheck" in services[dep], f"{name} waits on {dep}, which has none"
        assert "healthcheck" in service or depends, \
            f"{name}: neither health-checked nor waiting on healthy services"


def test_backends_have_their_healthchecks(compose: dict[str, Any]) -> None:
    services = _services(compose)
    checks = {name: " ".join(services[name]["healthcheck"]["test"])
              for name in ("elasticsearch", "postgres", "redis")}
    assert "curl" in checks["elasticsearch"] and "-u" in checks["elasticsearch"]
    assert "pg_isready" in checks["postgres"]
    assert "redis-cli ping" in checks["redis"]
    es_env = _env(services["elasticsearch"])
    assert es_env["xpack.security.enabled"] == "true"
    assert es_env["discovery.type"] == "single-node"
    # The 9.x Python client needs a 9.x server.
    assert services["elasticsearch"]["image"].split(":")[-1].startswith("9.")


def test_volumes_declared(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    used = set()
    for service in _services(compose).values():
        for volume in service.get("volumes") or []:
            source = _volume(volume)[0]
            if not source.startswith((".", "/", "$")):
                used.add(source)
    assert used, "no named volumes: data would be lost with the containers"
    assert used <= declared, f"undeclared volumes: {sorted(used - declared)}"
    for name in ("elasticsearch", "postgres", "redis"):
        assert _services(compose)[name].get("volumes"), f"{name} keeps no data on a volume"


def test_gpu_worker_is_optional(compose: dict[str, Any]) -> None:
    gpu = [(n, s) for n, s in _services(compose).items() if "deploy" in s]
    for name, service in gpu:
        assert service.get("profiles"), f"{name} reserves a GPU but is not behind a profile"


def test_dockerfile() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert "ffmpeg" in text
    assert "pip install" in text
    for package in re.findall(r"^COPY (\w+) ", text, re.M):
        assert (ROOT / package).is_dir(), f"Dockerfile copies missing {package}/"
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert "data" in ignored and ".git" in ignored


def test_dockerfile_copies_every_installed_package_and_the_catalogs() -> None:
    """The image installs Raqib from its sources, so each top-level package pyproject's
    packages.find includes must be copied in (a missing one fails at import inside the
    container only), and the UI catalogs must be there, compiled, where settings looks."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY (\w+) ", text, re.M))
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in include}
    assert packages <= copied, f"Dockerfile does not copy {sorted(packages - copied)}"
    assert "locale" in copied and "msgfmt" in text
    assert "RAQIB_LOCALE_DIR=/app/locale" in text
    for tool in ("libchromaprint-tools", "tesseract-ocr-ara", "openssl"):
        assert tool in text, f"the image lacks {tool}"


def test_dockerfile_collects_the_static_files_without_baking_a_key() -> None:
    """Issue 26: the image holds the collected static files (hashed, compressed) where
    settings looks (RAQIB_STATIC_ROOT), collected with a throw-away data dir."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "ENV RAQIB_STATIC_ROOT=/app/static" in text
    assert "staticfiles.collect()" in text
    collect = text[text.index("RUN mkdir -p /tmp/raqib-build"):]
    collect = collect[:collect.index("rm -rf /tmp/raqib-build")]
    assert "RAQIB_DATA_DIR=/tmp/raqib-build/data" in collect
    assert "USER raqib" in text[text.index("staticfiles.collect()"):]  # collected as root
