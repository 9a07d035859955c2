"""deploy/k8s: structure, consistency with the code and, if available, the schemas."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.unit.deploy import checks

Files = dict[Path, tuple[list[dict[str, Any]], str]]


@pytest.fixture(scope="module")
def files() -> Files:
    return checks.load_k8s()


def test_manifests_match_the_code(files: Files) -> None:
    assert files, "no manifests in deploy/k8s"
    assert checks.check_k8s(files) == []


def _docs(files: Files) -> list[dict[str, Any]]:
    return [d for ds, _ in files.values() for d in ds]


def _validatable(files: Files) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{path.name}:{d['kind']}/{d['metadata']['name']}", d)
        for path, (ds, _) in files.items()
        for d in ds
        if d["kind"] != "Kustomization"
    ]


@pytest.mark.parametrize("k8s_version", ["1.29.0", "latest"])
def test_kubernetes_schema(files: Files, k8s_version: str) -> None:
    kv = pytest.importorskip("kubernetes_validate")
    version = kv.latest_version() if k8s_version == "latest" else k8s_version
    failures = []
    for label, doc in _validatable(files):
        try:
            kv.validate(doc, version, strict=True)
        except kv.ValidationError as exc:
            failures.append(f"{label}: {exc.message} at {list(exc.path)}")
    assert failures == []


def test_kubernetes_schema_is_strict(files: Files) -> None:
    kv = pytest.importorskip("kubernetes_validate")
    doc = copy.deepcopy(_find(_docs(files), "Deployment", "crm-sync"))
    doc["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    with pytest.raises(kv.ValidationError):
        kv.validate(doc, "1.29.0", strict=True)


# -- the checks fail on broken copies ---------------------------------------------------


def _find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


def _container(docs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    container: dict[str, Any] = _find(docs, "Deployment", name)["spec"]["template"]["spec"][
        "containers"
    ][0]
    return container


def _config(docs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    data: dict[str, Any] = _find(docs, "ConfigMap", name)["data"]
    return data


def _secret_items(docs: list[dict[str, Any]], name: str) -> list[dict[str, str]]:
    pod = _find(docs, "Deployment", name)["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if v["name"] == "secrets")
    items: list[dict[str, str]] = volume["projected"]["sources"][0]["secret"]["items"]
    return items


SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "crosssell-secrets", "namespace": "crosssell"},
    "stringData": {"sf_client_secret": "hunter2"},
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: _find(d, "Service", "crm-sync")["spec"]["selector"].update(
                {"app.kubernetes.io/component": "crm"}
            ),
            "one Service",
        ),
        (
            lambda d: _find(d, "HorizontalPodAutoscaler", "play-orchestrator")["spec"].update(
                maxReplicas=12
            ),
            "at most 8",
        ),
        (
            lambda d: _find(d, "HorizontalPodAutoscaler", "play-orchestrator")["spec"][
                "scaleTargetRef"
            ].update(name="play"),
            "one HorizontalPodAutoscaler",
        ),
        (
            lambda d: _find(d, "PodDisruptionBudget", "signal-ingest")["spec"].update(
                minAvailable=0
            ),
            "PodDisruptionBudget",
        ),
        (
            lambda d: _container(d, "signal-ingest")["readinessProbe"]["httpGet"].update(
                path="/healthz"
            ),
            "readinessProbe must GET /readyz",
        ),
        (
            lambda d: _container(d, "signal-ingest")["livenessProbe"]["httpGet"].update(port=9000),
            "livenessProbe port",
        ),
        (lambda d: _container(d, "crm-sync").pop("startupProbe"), "startupProbe"),
        (lambda d: _container(d, "crm-sync")["resources"]["limits"].update(memory="1Gi"), "512Mi"),
        (
            lambda d: _container(d, "crm-sync")["args"].__setitem__(1, "crm_synk"),
            "no Deployment for crm_sync",
        ),
        (lambda d: _container(d, "crm-sync")["args"].__setitem__(5, "8004"), "port must be"),
        (
            lambda d: _container(d, "crm-sync")["securityContext"].update(
                readOnlyRootFilesystem=False
            ),
            "readOnlyRootFilesystem",
        ),
        (
            lambda d: _find(d, "Deployment", "crm-sync")["spec"]["template"]["spec"].update(
                terminationGracePeriodSeconds=30
            ),
            "75",
        ),
        (
            lambda d: _config(d, "crosssell-play-orchestrator").update(SF_LOGIN_URL="x"),
            "not settings of play_orchestrator",
        ),
        (lambda d: _config(d, "crosssell-config").update(SF_CLIENT_SECRET="x"), "is a secret"),
        (
            lambda d: (
                _container(d, "signal-ingest")
                .setdefault("env", [])
                .append({"name": "INGEST_HMAC_SECRET", "value": "x"})
            ),
            "given as a literal",
        ),
        (lambda d: d.append(copy.deepcopy(SECRET)), "defined with values"),
        (
            lambda d: _find(d, "Job", "crosssell-migrate")["spec"]["template"]["spec"][
                "containers"
            ][0].update(args=["serve"]),
            "crosssell migrate",
        ),
        (
            lambda d: _secret_items(d, "crm-sync").append({"key": "x", "path": "sf_token"}),
            "not settings of crm_sync",
        ),
        (lambda d: _secret_items(d, "crm-sync").pop(0), "database_url missing"),
    ],
)
def test_check_detects(files: Files, change: Any, expected: str) -> None:
    broken = copy.deepcopy(files)
    docs = [d for ds, _ in broken.values() for d in ds]
    change(docs)
    extra = [d for d in docs if d not in _docs(broken)]
    if extra:  # a document added by the change: put it in its own file
        broken[checks.K8S / "extra.yaml"] = (extra, "")
    problems = checks.check_k8s(broken)
    assert any(expected in p for p in problems), problems


def test_hpa_comment_is_required(files: Files) -> None:
    broken = {path: (docs, text.replace("idle", "unused")) for path, (docs, text) in files.items()}
    assert any("partition count" in p for p in checks.check_k8s(broken))
