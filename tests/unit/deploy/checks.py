"""Checks of the deployment files against the code, as functions returning problems.

Each check returns a list of human-readable problems (empty when all is well),
so the tests can assert that the real files pass and that mutated copies fail.
The code is the reference: service names and ports come from
``crosssell.services.SERVICES``, setting names from the pydantic settings
classes of each service, emulator options from its argument parser.
"""

from __future__ import annotations

import importlib
import inspect
import re
import shlex
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from pydantic import SecretStr

from crosssell.services import SERVICES
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
K8S = ROOT / "deploy" / "k8s"

TOPIC_PARTITIONS = 8
EMULATOR_PORT = 8443
# A pod's SIGTERM: 5 s preStop, uvicorn up to 30 s for requests in flight, consumers
# up to 20 s to finish their batch and commit, relay and loops up to 5 s; plus margin.
TERMINATION_GRACE_S = 75
# Read by ServiceSettings.load() from os.environ rather than being a field.
META_ENV = {"CROSSSELL_SECRETS_DIR"}
SECRET_WORDS = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY$", re.IGNORECASE)
REQUIRED_VAR = re.compile(r"^\$\{[A-Z0-9_]+:\?[^}]+\}$")
INTERPOLATION = re.compile(r"\$\{([A-Za-z0-9_]+)(:?[-?+])?")

Problems = list[str]


# -- the code side -------------------------------------------------------------


@cache
def settings_classes() -> dict[str, type[ServiceSettings]]:
    """``{service name: its settings class}``, found in ``services/<name>/settings.py``."""
    found: dict[str, type[ServiceSettings]] = {}
    for name in SERVICES:
        module = importlib.import_module(f"services.{name}.settings")
        classes = [
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj)
            and issubclass(obj, ServiceSettings)
            and obj is not ServiceSettings
            and obj.__module__ == module.__name__
        ]
        if len(classes) != 1:
            raise AssertionError(f"services/{name}/settings.py: expected one settings class")
        found[name] = classes[0]
    return found


def env_names(cls: type[ServiceSettings]) -> set[str]:
    """Names (upper case) pydantic-settings reads for ``cls``: field names and aliases."""
    names: set[str] = set()
    for field_name, field in cls.model_fields.items():
        names.add(field_name.upper())
        for alias in (field.alias, field.validation_alias):
            if isinstance(alias, str):
                names.add(alias.upper())
    return names


def service_env_names(service: str) -> set[str]:
    return env_names(settings_classes()[service]) | META_ENV


def all_env_names() -> set[str]:
    names = set(META_ENV)
    for cls in settings_classes().values():
        names |= env_names(cls)
    return names


def secret_env_names() -> set[str]:
    """Settings holding secrets: every SecretStr field, plus the database URL."""
    names = {"DATABASE_URL", "POSTGRES_PASSWORD"}
    for cls in settings_classes().values():
        for field_name, field in cls.model_fields.items():
            if "SecretStr" in repr(field.annotation) or field.annotation is SecretStr:
                names.add(field_name.upper())
                if isinstance(field.alias, str):
                    names.add(field.alias.upper())
    return names


def is_secret_name(name: str) -> bool:
    if name.upper() in META_ENV:
        return False
    return name.upper() in secret_env_names() or bool(SECRET_WORDS.search(name))


@cache
def emulator_env_names() -> set[str]:
    """``SF_EMULATOR_<OPTION>`` names the emulator's parser reads."""
    from emulators.salesforce.server import ENV_ONLY, build_parser

    names = set(ENV_ONLY)  # secrets: read from the environment only, never an option
    for action in build_parser({})._actions:
        for opt in action.option_strings:
            if opt.startswith("--") and opt != "--help":
                names.add("SF_EMULATOR_" + opt[2:].upper().replace("-", "_"))
    return names


# -- docker compose ----------------------------------------------------------------


def load_compose() -> tuple[dict[str, Any], str]:
    text = COMPOSE.read_text()
    return yaml.safe_load(text), text


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) if "=" in item else (item, "") for item in env)
        return {k: v for k, v in pairs}
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def _published(service: dict[str, Any]) -> set[tuple[int, int]]:
    """``{(host port, container port)}``."""
    out = set()
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            out.add((int(port["published"]), int(port["target"])))
        else:
            parts = str(port).split("/")[0].split(":")
            out.add((int(parts[-2]), int(parts[-1])))
    return out


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


def _option(args: list[str], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _healthcheck_text(service: dict[str, Any]) -> str:
    test = (service.get("healthcheck") or {}).get("test") or []
    return " ".join(test) if isinstance(test, list) else str(test)


def check_compose(compose: dict[str, Any], text: str) -> Problems:
    problems: Problems = []
    services: dict[str, Any] = compose.get("services") or {}
    wanted = ["kafka", "postgres", "migrate", *SERVICES, "sf_emulator"]
    for name in wanted:
        if name not in services:
            problems.append(f"service {name} missing")
    if problems:
        return problems

    # profiles: the emulator only in dev, the rest always on
    if services["sf_emulator"].get("profiles") != ["dev"]:
        problems.append("sf_emulator must be in profiles: [dev] only")
    for name in ["kafka", "postgres", "migrate", *SERVICES]:
        if services[name].get("profiles"):
            problems.append(f"{name} must not be behind a profile")

    # kafka (KRaft) and postgres
    kafka = services["kafka"]
    if not re.fullmatch(r"apache/kafka:(3\.9|4\.\d+)(\.\d+)?", str(kafka.get("image"))):
        problems.append(f"kafka image {kafka.get('image')!r}: want apache/kafka:3.9.x or 4.x")
    kenv = _environment(kafka)
    if kenv.get("KAFKA_PROCESS_ROLES") != "broker,controller":
        problems.append("kafka: KAFKA_PROCESS_ROLES must be broker,controller (KRaft, one node)")
    for key in ("KAFKA_LISTENERS", "KAFKA_ADVERTISED_LISTENERS", "KAFKA_CONTROLLER_QUORUM_VOTERS"):
        if not kenv.get(key):
            problems.append(f"kafka: {key} missing")
    if "kafka-broker-api-versions.sh --bootstrap-server localhost:9092" not in _healthcheck_text(
        kafka
    ):
        problems.append("kafka: healthcheck must run kafka-broker-api-versions.sh")
    postgres = services["postgres"]
    if not re.fullmatch(r"postgres:1[67](\.\d+)?", str(postgres.get("image"))):
        problems.append(f"postgres image {postgres.get('image')!r}: want postgres:16 or 17")
    if "pg_isready" not in _healthcheck_text(postgres):
        problems.append("postgres: healthcheck must use pg_isready")

    # migrate: one shot, after postgres
    migrate = services["migrate"]
    if _command(migrate)[:1] != ["migrate"]:
        problems.append("migrate: command must be `crosssell migrate`")
    if (migrate.get("depends_on") or {}).get("postgres", {}).get("condition") != (
        "service_healthy"
    ):
        problems.append("migrate: must wait for postgres to be healthy")
    if str(migrate.get("restart", "no")) != "no":
        problems.append("migrate: a one-shot service must not restart")

    # the three services
    for name, spec in SERVICES.items():
        svc = services[name]
        args = _command(svc)
        if args[:1] != ["serve"] or len(args) < 2:
            problems.append(f"{name}: command must be `crosssell serve {name} ...`")
            continue
        if args[1] != name:
            problems.append(f"{name}: command serves {args[1]!r}")
        if args[1] not in SERVICES:
            problems.append(f"{name}: {args[1]!r} is not a service in crosssell/services.py")
        if _option(args, "--port") != str(spec.port):
            problems.append(f"{name}: --port {_option(args, '--port')} != {spec.port}")
        if _option(args, "--host") != "0.0.0.0":
            problems.append(f"{name}: must listen on --host 0.0.0.0 in a container")
        if (spec.port, spec.port) not in _published(svc):
            problems.append(f"{name}: port {spec.port} not published as {spec.port}")
        health = _healthcheck_text(svc)
        if f"127.0.0.1:{spec.port}/readyz" not in health:
            problems.append(f"{name}: healthcheck must GET http://127.0.0.1:{spec.port}/readyz")
        if svc.get("restart") != "unless-stopped":
            problems.append(f"{name}: restart must be unless-stopped")
        depends = svc.get("depends_on") or {}
        if not isinstance(depends, dict):
            problems.append(f"{name}: depends_on needs conditions")
            depends = {}
        for dep, condition in (
            ("kafka", "service_healthy"),
            ("postgres", "service_healthy"),
            ("migrate", "service_completed_successfully"),
        ):
            if (depends.get(dep) or {}).get("condition") != condition:
                problems.append(f"{name}: depends_on {dep} must be {condition}")
        for dep, cond in depends.items():
            if dep not in services:
                problems.append(f"{name}: depends on unknown service {dep}")
            elif services[dep].get("profiles") and cond.get("required", True):
                problems.append(f"{name}: dependency {dep} is behind a profile: required: false")
        unknown = sorted(set(_environment(svc)) - service_env_names(name))
        if unknown:
            problems.append(f"{name}: not settings of {name}: {', '.join(unknown)}")
        keys_file = _environment(svc).get("CROSSSELL_API_KEYS_FILE")
        if not keys_file:
            problems.append(f"{name}: CROSSSELL_API_KEYS_FILE not set")
        else:
            folder = str(PurePosixPath(keys_file).parent)
            mounts = [str(v) for v in svc.get("volumes") or []]
            if not any(v.split(":")[1:] == [folder, "ro"] for v in mounts):
                problems.append(f"{name}: API keys folder {folder} not mounted read-only")

    # the other crosssell containers: the migrate job and tools
    for name, svc in services.items():
        if name in SERVICES or "crosssell" not in str(svc.get("image", "")):
            continue
        allowed = emulator_env_names() if name == "sf_emulator" else all_env_names()
        unknown = sorted(set(_environment(svc)) - allowed)
        if unknown:
            problems.append(f"{name}: unknown variables {', '.join(unknown)}")

    # the emulator
    emulator = services["sf_emulator"]
    args = _command(emulator)
    if args[:1] != ["sf-emulator"] or _option(args, "--port") != str(EMULATOR_PORT):
        problems.append(f"sf_emulator: command must be `sf-emulator ... --port {EMULATOR_PORT}`")
    if (EMULATOR_PORT, EMULATOR_PORT) not in _published(emulator):
        problems.append(f"sf_emulator: port {EMULATOR_PORT} not published")
    if "/admin/health" not in _healthcheck_text(emulator):
        problems.append("sf_emulator: healthcheck must GET /admin/health")

    problems += check_compose_secrets(services, text)
    return problems


def check_compose_secrets(services: dict[str, Any], text: str) -> Problems:
    problems: Problems = []
    for name, svc in services.items():
        for key, value in _environment(svc).items():
            if key == "DATABASE_URL":
                match = re.match(r"^postgres(?:ql)?(?:\+\w+)?://[^:/@]+:(.*)@[^@]+$", value)
                if match is None or not REQUIRED_VAR.match(match.group(1)):
                    problems.append(f"{name}: DATABASE_URL password must be ${{VAR:?...}}")
            elif is_secret_name(key) and not REQUIRED_VAR.match(value):
                problems.append(f"{name}: {key} must be ${{VAR:?message}}, not a literal/default")
    for var, operator in INTERPOLATION.findall(text):
        if is_secret_name(var) and operator != ":?":
            problems.append(f"${{{var}{operator}...}}: a secret must use :? (no default)")
    return problems


# -- Kubernetes ------------------------------------------------------------------


def load_k8s() -> dict[Path, tuple[list[dict[str, Any]], str]]:
    files: dict[Path, tuple[list[dict[str, Any]], str]] = {}
    for path in sorted(K8S.glob("*.y*ml")):
        text = path.read_text()
        files[path] = ([d for d in yaml.safe_load_all(text) if d], text)
    return files


def _labels_match(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _secret_refs(obj: Any) -> set[str]:
    """Every Secret name referenced anywhere in ``obj``."""
    refs: set[str] = set()
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key == "secretName":
                refs.add(value)
            elif key in ("secretKeyRef", "secretRef", "secret") and isinstance(value, dict):
                if "name" in value:
                    refs.add(value["name"])
            refs |= _secret_refs(value)
    elif isinstance(obj, list):
        for item in obj:
            refs |= _secret_refs(item)
    return refs


def _container_port(container: dict[str, Any], port: Any) -> int | None:
    if isinstance(port, int):
        return port
    for p in container.get("ports") or []:
        if p.get("name") == port:
            return int(p["containerPort"])
    return None


def _probe(container: dict[str, Any], kind: str) -> tuple[str | None, int | None]:
    get = (container.get(kind) or {}).get("httpGet") or {}
    return get.get("path"), _container_port(container, get.get("port"))


def _mounted_secret_files(
    pod: dict[str, Any], container: dict[str, Any], mount_path: str
) -> list[str] | None:
    """Files a Secret puts under ``mount_path`` (items' paths), None if nothing is mounted."""
    names = [m["name"] for m in container.get("volumeMounts") or [] if m["mountPath"] == mount_path]
    if not names:
        return None
    files: list[str] = []
    for volume in pod.get("volumes") or []:
        if volume["name"] not in names:
            continue
        sources = []
        if "secret" in volume:
            sources.append(volume["secret"])
        for source in (volume.get("projected") or {}).get("sources") or []:
            if "secret" in source:
                sources.append(source["secret"])
        for source in sources:
            if not source.get("items"):
                raise AssertionError(f"volume {volume['name']}: list the Secret's keys as items")
            files += [item["path"] for item in source["items"]]
    return files


def check_k8s(files: dict[Path, tuple[list[dict[str, Any]], str]]) -> Problems:
    problems: Problems = []
    docs = [d for ds, _ in files.values() for d in ds]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        by_kind.setdefault(doc.get("kind", "?"), []).append(doc)
    for kind in (
        "Namespace",
        "ConfigMap",
        "Job",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    ):
        if kind not in by_kind:
            problems.append(f"no {kind}")
    if problems:
        return problems

    namespace = by_kind["Namespace"][0]["metadata"]["name"]
    for doc in docs:
        if doc["kind"] in ("Namespace", "Kustomization"):
            continue
        if doc["metadata"].get("namespace") != namespace:
            problems.append(f"{doc['kind']} {doc['metadata']['name']}: namespace != {namespace}")

    # secrets: referenced, never defined with values
    for secret in by_kind.get("Secret", []):
        if secret.get("data") or secret.get("stringData"):
            problems.append(f"Secret {secret['metadata']['name']} defined with values")
    refs = _secret_refs(docs)
    if refs != {"crosssell-secrets", "crosssell-api-keys"}:
        problems.append(f"referenced Secrets {sorted(refs)}: want crosssell-secrets, -api-keys")

    configmaps = {c["metadata"]["name"]: c.get("data") or {} for c in by_kind["ConfigMap"]}
    for cm_name, data in configmaps.items():
        for key in data:
            if is_secret_name(key):
                problems.append(f"ConfigMap {cm_name}: {key} is a secret")

    deployments: dict[str, dict[str, Any]] = {}
    for dep in by_kind["Deployment"]:
        containers = dep["spec"]["template"]["spec"]["containers"]
        args = [str(a) for a in containers[0].get("command", []) + containers[0].get("args", [])]
        args = args[1:] if args[:1] == ["crosssell"] else args
        if args[:1] != ["serve"] or len(args) < 2 or args[1] not in SERVICES:
            problems.append(f"Deployment {dep['metadata']['name']}: not `serve <service>`")
            continue
        if args[1] in deployments:
            problems.append(f"two Deployments serve {args[1]}")
        deployments[args[1]] = dep
    for name in SERVICES:
        if name not in deployments:
            problems.append(f"no Deployment for {name}")

    images = set()
    for name, dep in deployments.items():
        problems += _check_deployment(name, dep, by_kind, configmaps)
        images |= {c["image"] for c in dep["spec"]["template"]["spec"]["containers"]}

    jobs = by_kind["Job"]
    for job in jobs:
        pod = job["spec"]["template"]["spec"]
        container = pod["containers"][0]
        images.add(container["image"])
        args = [str(a) for a in container.get("command", []) + container.get("args", [])]
        if (args[1:] if args[:1] == ["crosssell"] else args)[:1] != ["migrate"]:
            problems.append(f"Job {job['metadata']['name']}: command must be `crosssell migrate`")
        if pod.get("restartPolicy") not in ("OnFailure", "Never"):
            problems.append("Job: restartPolicy must be OnFailure or Never")
        env = {e["name"]: e for e in container.get("env") or []}
        if "secretKeyRef" not in (env.get("DATABASE_URL", {}).get("valueFrom") or {}):
            problems.append("Job: DATABASE_URL must come from a secretKeyRef")
        unknown = sorted(set(env) - all_env_names())
        if unknown:
            problems.append(f"Job: not settings: {', '.join(unknown)}")
        problems += _check_pod_security(f"Job {job['metadata']['name']}", pod, container)
    if len(images) != 1:
        problems.append(f"one image for everything, found {sorted(images)}")

    for path, (file_docs, text) in files.items():
        if any(d["kind"] == "HorizontalPodAutoscaler" for d in file_docs) and "idle" not in text:
            problems.append(f"{path.name}: say that consumers beyond the partition count idle")

    for kustomization in by_kind.get("Kustomization", []):
        listed = set(kustomization.get("resources") or [])
        present = {p.name for p, (ds, _) in files.items() if ds[0]["kind"] != "Kustomization"}
        if listed != present:
            problems.append(f"kustomization resources {sorted(listed)} != files {sorted(present)}")
    return problems


def _check_pod_security(what: str, pod: dict[str, Any], container: dict[str, Any]) -> Problems:
    problems: Problems = []
    pod_sc = pod.get("securityContext") or {}
    sc = container.get("securityContext") or {}
    if not (sc.get("runAsNonRoot") or pod_sc.get("runAsNonRoot")):
        problems.append(f"{what}: runAsNonRoot")
    if sc.get("readOnlyRootFilesystem") is not True:
        problems.append(f"{what}: readOnlyRootFilesystem")
    if sc.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{what}: allowPrivilegeEscalation: false")
    tmp = [m["name"] for m in container.get("volumeMounts") or [] if m["mountPath"] == "/tmp"]
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    if not tmp or "emptyDir" not in volumes.get(tmp[0], {}):
        problems.append(f"{what}: /tmp must be an emptyDir")
    return problems


def _check_deployment(
    name: str,
    dep: dict[str, Any],
    by_kind: dict[str, list[dict[str, Any]]],
    configmaps: dict[str, dict[str, str]],
) -> Problems:
    problems: Problems = []
    spec = SERVICES[name]
    dep_name = dep["metadata"]["name"]
    what = f"Deployment {dep_name}"
    selector = dep["spec"]["selector"]["matchLabels"]
    pod_meta = dep["spec"]["template"]["metadata"]
    pod = dep["spec"]["template"]["spec"]
    container = pod["containers"][0]
    if not _labels_match(selector, pod_meta.get("labels") or {}):
        problems.append(f"{what}: selector does not match the pod labels")
    for other in by_kind["Deployment"]:
        if other is not dep and _labels_match(
            selector, other["spec"]["template"]["metadata"].get("labels") or {}
        ):
            problems.append(f"{what}: selector also matches {other['metadata']['name']}")

    args = [str(a) for a in container.get("args") or []]
    ports = [int(p["containerPort"]) for p in container.get("ports") or []]
    if ports != [spec.port] or _option(args, "--port") != str(spec.port):
        problems.append(f"{what}: port must be {spec.port} (args and containerPort)")
    if _option(args, "--host") != "0.0.0.0":
        problems.append(f"{what}: --host 0.0.0.0")
    for kind, path in (
        ("livenessProbe", "/healthz"),
        ("readinessProbe", "/readyz"),
        ("startupProbe", None),
    ):
        got_path, got_port = _probe(container, kind)
        if got_path is None or (path is not None and got_path != path):
            problems.append(f"{what}: {kind} must GET {path or 'a path'}")
        if got_port != spec.port:
            problems.append(f"{what}: {kind} port {got_port} != {spec.port}")
    resources = container.get("resources") or {}
    if (resources.get("limits") or {}).get("memory") != "512Mi":
        problems.append(f"{what}: memory limit must be 512Mi")
    if not (resources.get("requests") or {}).get("memory") or not (
        resources.get("requests") or {}
    ).get("cpu"):
        problems.append(f"{what}: cpu and memory requests")
    if pod.get("terminationGracePeriodSeconds") != TERMINATION_GRACE_S:
        problems.append(f"{what}: terminationGracePeriodSeconds must be {TERMINATION_GRACE_S}")
    problems += _check_pod_security(what, pod, container)

    # environment: every name a real setting of this service
    names = {e["name"] for e in container.get("env") or []}
    settings: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        ref = (source.get("configMapRef") or {}).get("name")
        if ref is None:
            problems.append(f"{what}: envFrom only from ConfigMaps (secrets are files)")
        elif ref not in configmaps:
            problems.append(f"{what}: ConfigMap {ref} not defined")
        else:
            settings.update(configmaps[ref])
    for env in container.get("env") or []:
        if "value" in env and is_secret_name(env["name"]):
            problems.append(f"{what}: {env['name']} given as a literal")
        if "value" in env:
            settings[env["name"]] = str(env["value"])
    names |= set(settings)
    secrets_dir = settings.get("CROSSSELL_SECRETS_DIR")
    secret_files = _mounted_secret_files(pod, container, secrets_dir) if secrets_dir else None
    if secret_files is None:
        problems.append(f"{what}: crosssell-secrets must be mounted at CROSSSELL_SECRETS_DIR")
    else:
        names |= {f.upper() for f in secret_files}
        if "database_url" not in secret_files:
            problems.append(f"{what}: database_url missing from the secrets dir")
    unknown = sorted(n for n in names if n.upper() not in service_env_names(name))
    if unknown:
        problems.append(f"{what}: not settings of {name}: {', '.join(unknown)}")
    keys_file = settings.get("CROSSSELL_API_KEYS_FILE")
    if not keys_file:
        problems.append(f"{what}: CROSSSELL_API_KEYS_FILE not set")
    else:
        keys_path = PurePosixPath(keys_file)
        files = _mounted_secret_files(pod, container, str(keys_path.parent))
        if files != [keys_path.name]:
            problems.append(f"{what}: crosssell-api-keys not mounted as {keys_file}")

    # Service, HPA, PDB
    services = [s for s in by_kind["Service"] if (s["spec"].get("selector") or {}) == selector]
    if len(services) != 1:
        problems.append(f"{what}: want one Service selecting it, found {len(services)}")
    for svc in services:
        if svc["spec"].get("type", "ClusterIP") != "ClusterIP":
            problems.append(f"Service {svc['metadata']['name']}: ClusterIP")
        targets = {
            _container_port(container, p.get("targetPort", p["port"])) for p in svc["spec"]["ports"]
        }
        if targets != {spec.port}:
            problems.append(f"Service {svc['metadata']['name']}: targetPort != {spec.port}")
    hpas = [
        h
        for h in by_kind["HorizontalPodAutoscaler"]
        if h["spec"]["scaleTargetRef"].get("name") == dep_name
        and h["spec"]["scaleTargetRef"].get("kind") == "Deployment"
    ]
    if len(hpas) != 1:
        problems.append(f"{what}: want one HorizontalPodAutoscaler, found {len(hpas)}")
    for hpa in hpas:
        if hpa["apiVersion"] != "autoscaling/v2":
            problems.append(f"HPA {hpa['metadata']['name']}: autoscaling/v2")
        low, high = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
        if not 1 <= low <= high <= TOPIC_PARTITIONS:
            problems.append(
                f"HPA {hpa['metadata']['name']}: replicas {low}..{high} "
                f"(at most {TOPIC_PARTITIONS}, the partition count)"
            )
    pdbs = [
        p
        for p in by_kind["PodDisruptionBudget"]
        if (p["spec"].get("selector") or {}).get("matchLabels") == selector
    ]
    if len(pdbs) != 1 or pdbs[0]["spec"].get("minAvailable") != 1:
        problems.append(f"{what}: want one PodDisruptionBudget with minAvailable 1")
    return problems


# -- Dockerfile ---------------------------------------------------------------------


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """``[(INSTRUCTION, arguments)]``, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        line, pending = pending + line, ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def check_dockerfile(text: str) -> Problems:
    problems: Problems = []
    instructions = dockerfile_instructions(text)
    froms = [i for i, (word, _) in enumerate(instructions) if word == "FROM"]
    if not froms:
        return ["no FROM"]
    for i in froms:
        image = instructions[i][1].split()[0]
        if image != "python:3.11-slim":
            problems.append(f"FROM {image}: want python:3.11-slim")
    final = instructions[froms[-1] :]
    users = [args.split(":")[0] for word, args in final if word == "USER"]
    if not users:
        problems.append("the final stage needs a USER")
    elif users[-1] in ("root", "0"):
        problems.append("the final USER must not be root")
    elif not users[-1].isdigit():
        problems.append("USER should be numeric so Kubernetes can verify runAsNonRoot")
    entrypoints = [args for word, args in final if word == "ENTRYPOINT"]
    if not entrypoints or _json_list(entrypoints[-1]) != ["crosssell"]:
        problems.append('ENTRYPOINT must be ["crosssell"]')
    if not any(
        word == "RUN" and re.search(r"pip install (\S+ )*\.$", a) for word, a in instructions
    ):
        problems.append("the project must be installed with `pip install .`")
    if any(word == "HEALTHCHECK" for word, _ in instructions):
        problems.append("no HEALTHCHECK: compose and Kubernetes probe the services")
    for word, args in instructions:
        if word == "COPY" and "--from" not in args:
            for source in args.split()[:-1]:
                if not (ROOT / source).exists():
                    problems.append(f"COPY {source}: no such path in the repository")
    return problems


def _json_list(value: str) -> list[str] | None:
    try:
        loaded = yaml.safe_load(value)
    except yaml.YAMLError:
        return None
    return loaded if isinstance(loaded, list) else None


def check_dockerignore(text: str) -> Problems:
    lines = {line.strip().rstrip("/") for line in text.splitlines() if line.strip()}
    problems = [
        f".dockerignore: add {p}" for p in (".git", ".venv", ".crosssell") if p not in lines
    ]
    for needed in ("README.md", "pyproject.toml", "deploy/salesforce", "crosssell"):
        if needed in lines:
            problems.append(f".dockerignore: {needed} is needed by the build")
    return problems
