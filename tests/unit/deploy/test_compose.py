"""docker-compose.yml is parsed and checked against the code (no Docker engine here)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from crosssell.services import SERVICES
from shared.settings import ServiceSettings
from tests.unit.deploy import checks


@pytest.fixture(scope="module")
def compose() -> tuple[dict[str, Any], str]:
    return checks.load_compose()


def test_compose_matches_the_code(compose: tuple[dict[str, Any], str]) -> None:
    assert checks.check_compose(*compose) == []


def test_every_service_and_port(compose: tuple[dict[str, Any], str]) -> None:
    services = compose[0]["services"]
    assert {"kafka", "postgres", "migrate", "sf_emulator", *SERVICES} <= set(services)
    published = {p for svc in services.values() for p, _ in checks._published(svc)}
    assert {8001, 8002, 8003, 8443} <= published
    assert [n for n, s in services.items() if "dev" in (s.get("profiles") or [])] == ["sf_emulator"]


def test_secrets_dir_is_read_by_settings() -> None:
    """CROSSSELL_SECRETS_DIR is allowed without being a field because load() reads it."""
    import inspect

    assert "CROSSSELL_SECRETS_DIR" in inspect.getsource(ServiceSettings.load)


def test_secret_names_come_from_the_settings() -> None:
    names = checks.secret_env_names()
    for name in (
        "SF_CLIENT_SECRET",
        "SF_WEBHOOK_SECRET",
        "SF_OUTBOUND_TOKEN",
        "INGEST_HMAC_SECRET",
        "INGEST_SOURCE_SECRETS",
        "CHURNZERO_TOKEN",
        "GAINSIGHT_SHARED_SECRET",
        "DATABASE_URL",
    ):
        assert name in names


# -- the checks fail on broken copies ---------------------------------------------------


def _broken(compose: tuple[dict[str, Any], str], change: Any, text: str | None = None) -> list[str]:
    data = copy.deepcopy(compose[0])
    change(data["services"])
    return checks.check_compose(data, text if text is not None else compose[1])


def _set_env(name: str, key: str, value: str) -> Any:
    def change(services: dict[str, Any]) -> None:
        services[name]["environment"][key] = value

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set_env("crm_sync", "SF_CLIENT_SECRETT", "${X:?x}"), "not settings of crm_sync"),
        (_set_env("signal_ingest", "SF_LOGIN_URL", "x"), "not settings of signal_ingest"),
        (_set_env("crm_sync", "SF_CLIENT_SECRET", "hunter2"), "SF_CLIENT_SECRET must be"),
        (
            _set_env("signal_ingest", "INGEST_HMAC_SECRET", "${INGEST_HMAC_SECRET:-dev}"),
            "INGEST_HMAC_SECRET must be",
        ),
        (
            _set_env("migrate", "DATABASE_URL", "postgresql://u:pw@postgres/db"),
            "DATABASE_URL password",
        ),
        (_set_env("sf_emulator", "SF_EMULATOR_NO_SUCH_OPTION", "1"), "unknown variables"),
        (
            lambda s: s["play_orchestrator"].update(
                command=["serve", "play_orchestrator", "--port", "8009"]
            ),
            "--port",
        ),
        (
            lambda s: s["crm_sync"].update(
                command=["serve", "crm_synk", "--host", "0.0.0.0", "--port", "8003"]
            ),
            "not a service",
        ),
        (lambda s: s["crm_sync"].update(ports=["8013:8003"]), "not published"),
        (lambda s: s["kafka"].pop("healthcheck"), "kafka: healthcheck"),
        (lambda s: s["postgres"].pop("healthcheck"), "pg_isready"),
        (lambda s: s["signal_ingest"].pop("healthcheck"), "/readyz"),
        (
            lambda s: s["crm_sync"]["depends_on"]["migrate"].update(condition="service_started"),
            "depends_on migrate",
        ),
        (lambda s: s["crm_sync"]["depends_on"]["sf_emulator"].pop("required"), "required: false"),
        (lambda s: s["sf_emulator"].pop("profiles"), "profiles: [dev]"),
        (lambda s: s["kafka"]["environment"].update(KAFKA_PROCESS_ROLES="broker"), "KRaft"),
        (lambda s: s.pop("migrate"), "service migrate missing"),
        (
            lambda s: s["signal_ingest"].update(volumes=["api_keys:/etc/crosssell/keys"]),
            "read-only",
        ),
    ],
)
def test_check_detects(compose: tuple[dict[str, Any], str], change: Any, expected: str) -> None:
    problems = _broken(compose, change)
    assert any(expected in p for p in problems), problems


def test_check_detects_a_defaulted_secret_in_the_text(
    compose: tuple[dict[str, Any], str],
) -> None:
    text = compose[1] + "\n# ${SF_WEBHOOK_SECRET:-changeme}\n"
    problems = checks.check_compose(compose[0], text)
    assert any("SF_WEBHOOK_SECRET" in p for p in problems), problems
