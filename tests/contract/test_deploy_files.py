"""The deployment files keep their promises: KRaft Kafka, one image, health-gated start-up.

Static checks on docker-compose.yml, deploy/Dockerfile and deploy/k8s/*.yaml; the compose
file is additionally validated by `docker compose config` where the compose plugin exists.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
K8S_DIR = ROOT / "deploy" / "k8s"
SERVICES = {"scheduling": 8001, "delegation": 8002, "registration": 8003, "notification": 8004}
PORTAL_PORT = 8000  # the web application: no database, no Kafka, no private key
PRIVATE_KEYS = {
    "registration": {"jwt_private.pem", "badge_signing.pem", "registration_data.key"},
    "notification": {"notification_seal.key"},
}
EVERY_PRIVATE_KEY = set().union(*PRIVATE_KEYS.values())


def _compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def _k8s_documents() -> list[dict]:
    documents = []
    for path in sorted(K8S_DIR.glob("*.yaml")):
        documents.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return documents


def _deployments() -> dict[str, dict]:
    return {
        doc["metadata"]["name"]: doc for doc in _k8s_documents() if doc.get("kind") == "Deployment"
    }


def _container_env_names(container: dict) -> set[str]:
    """Every variable a container gets, including those an envFrom ConfigMap hands it."""
    config_maps = {
        doc["metadata"]["name"]: doc.get("data", {})
        for doc in _k8s_documents()
        if doc.get("kind") == "ConfigMap"
    }
    names = {item["name"] for item in container.get("env", [])}
    for source in container.get("envFrom", []):
        keys = config_maps[source["configMapRef"]["name"]] if "configMapRef" in source else {}
        names |= {source.get("prefix", "") + key for key in keys}
    return names


# --- docker-compose.yml -------------------------------------------------------------------------


def test_kafka_runs_in_kraft_mode_without_zookeeper() -> None:
    services = _compose()["services"]
    assert "kafka" in services
    roles = _env(services["kafka"]).get("KAFKA_PROCESS_ROLES", "")
    assert "controller" in roles.split(",")
    assert "broker" in roles.split(",")
    assert not [name for name in services if "zookeeper" in name.lower()]
    assert not [key for key in _env(services["kafka"]) if "ZOOKEEPER" in key]
    assert "healthcheck" in services["kafka"]


def test_postgres_is_version_15_with_healthcheck_and_volume() -> None:
    postgres = _compose()["services"]["postgres"]
    assert postgres["image"].startswith("postgres:15")
    assert "pg_isready" in str(postgres["healthcheck"]["test"])
    assert any(str(v).split(":")[0] in _compose()["volumes"] for v in postgres["volumes"])


def test_provision_is_a_one_shot_after_postgres() -> None:
    provision = _compose()["services"]["provision"]
    assert provision["build"]["dockerfile"] == "deploy/Dockerfile"
    assert provision["command"] == ["plenary", "provision"]
    assert _env(provision)["DATABASE_URL"].startswith("postgresql://")
    assert provision["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert str(provision.get("restart", "no")) == "no"


@pytest.mark.parametrize(("name", "port"), sorted(SERVICES.items()))
def test_service_builds_from_dockerfile_and_waits_for_provision(name: str, port: int) -> None:
    service = _compose()["services"][name]
    assert service["build"]["context"] == "."
    assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (ROOT / service["build"]["context"] / service["build"]["dockerfile"]).is_file()

    depends_on = service["depends_on"]
    assert depends_on["provision"]["condition"] == "service_completed_successfully"
    assert depends_on["kafka"]["condition"] == "service_healthy"

    health = " ".join(map(str, service["healthcheck"]["test"]))
    assert "/readyz" in health
    assert "urllib" in health  # the slim image has no curl

    command = service["command"]
    assert f"plenary_{name}.main:create_app" in command
    assert "--factory" in command
    assert str(port) in command
    assert f"{port}:{port}" in [str(p) for p in service["ports"]]

    env = _env(service)
    prefix = name.upper() + "_"
    assert env["PORT"] == str(port)  # read by the healthcheck
    assert env[prefix + "DATABASE_URL"].startswith(f"postgresql+asyncpg://plenary_{name}:")
    assert env[prefix + "KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    mounted = {str(v).split(":")[1] for v in service["volumes"]}
    assert env[prefix + "JWT_PUBLIC_KEY_FILE"] in mounted
    signs_sessions = name == "registration"  # it signs portal sessions; no other service may
    assert any("jwt_private" in str(v) for v in service["volumes"]) is signs_sessions, name
    opens_links = name == "notification"  # it alone opens the links registration seals for it
    assert any("notification_seal.key" in str(v) for v in service["volumes"]) is opens_links, name


def test_portal_waits_for_the_four_services_and_has_no_database_or_kafka() -> None:
    portal = _compose()["services"]["portal"]
    assert portal["build"]["dockerfile"] == "deploy/Dockerfile"
    assert {name: dep["condition"] for name, dep in portal["depends_on"].items()} == {
        name: "service_healthy" for name in SERVICES
    }  # not provision, postgres or kafka: it has neither database nor topics

    health = " ".join(map(str, portal["healthcheck"]["test"]))
    assert "/readyz" in health

    command = portal["command"]
    assert "plenary_portal.main:create_app" in command
    assert "--factory" in command
    assert str(PORTAL_PORT) in command
    assert f"{PORTAL_PORT}:{PORTAL_PORT}" in [str(p) for p in portal["ports"]]

    env = _env(portal)
    assert env["PORT"] == str(PORTAL_PORT)
    for name, port in SERVICES.items():
        assert env[f"PORTAL_{name.upper()}_URL"] == f"http://{name}:{port}"
    assert not [key for key in env if "DATABASE_URL" in key or "KAFKA" in key]
    assert env["PORTAL_SECURE_COOKIES"].lower() == "false"  # plain http on localhost
    mounted = {str(v).split(":")[1] for v in portal["volumes"]}
    assert env["PORTAL_JWT_PUBLIC_KEY_FILE"] in mounted
    assert all(str(v).endswith(":ro") for v in portal["volumes"])


def test_e_mail_links_point_to_the_portal() -> None:
    services = _compose()["services"]
    portal = f"http://localhost:{PORTAL_PORT}"
    assert _env(services["registration"])["REGISTRATION_PORTAL_URL"] == portal
    assert _env(services["notification"])["NOTIFICATION_PORTAL_URL"] == portal


def test_each_private_key_reaches_only_its_owner_in_compose() -> None:
    for name, service in _compose()["services"].items():
        if "build" not in service:
            continue
        files = {Path(str(v).split(":")[0]).name for v in service.get("volumes", [])}
        assert {f for f in files if f in EVERY_PRIVATE_KEY} == PRIVATE_KEYS.get(name, set()), name


def test_registration_gets_its_data_key() -> None:
    registration = _compose()["services"]["registration"]
    mounted = {str(v).split(":")[1] for v in registration["volumes"]}
    assert _env(registration)["REGISTRATION_DATA_KEY_FILE"] in mounted
    others = ("scheduling", "delegation", "notification", "portal")
    for name in others:
        assert not any(
            "registration_data" in str(v) for v in _compose()["services"][name]["volumes"]
        )


def test_mail_catcher_is_present() -> None:
    assert _compose()["services"]["mailpit"]["image"].startswith("axllent/mailpit")


def test_docker_compose_accepts_the_file() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker CLI not installed; cannot run `docker compose config`")
    probe = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, check=False, timeout=30
    )
    if probe.returncode != 0:
        pytest.skip(
            "the docker compose plugin is not installed (`docker compose version` failed); "
            "docker-compose.yml was only checked statically"
        )
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE_FILE), "config", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


# --- deploy/Dockerfile ----------------------------------------------------------------------------


def test_dockerfile_installs_the_lock_with_hashes_and_runs_unprivileged() -> None:
    text = DOCKERFILE.read_text()
    # Join continuation lines so each instruction is one logical line.
    instructions = re.sub(r"\\\n\s*", " ", text).splitlines()
    runs = [line for line in instructions if line.startswith("RUN ")]
    assert any("--require-hashes" in r and "requirements.lock" in r for r in runs)
    assert any("--no-deps" in r and "--no-build-isolation" in r for r in runs)
    assert re.search(r"^FROM python:3\.11-slim|^ARG PYTHON_IMAGE=python:3\.11-slim", text, re.M)
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2  # multi-stage
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_installs_and_exposes_every_process() -> None:
    text = DOCKERFILE.read_text()
    instructions = re.sub(r"\\\n\s*", " ", text).splitlines()
    installs = " ".join(line for line in instructions if line.startswith("RUN pip install"))
    exposed = {
        port for line in instructions if line.startswith("EXPOSE ") for port in line.split()[1:]
    }
    for name, port in {**SERVICES, "portal": PORTAL_PORT}.items():
        assert f"COPY services/{name}/ services/{name}/" in instructions, name
        assert f"./services/{name}" in installs.split(), name
        assert str(port) in exposed, name


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    entries = {
        line.strip().lstrip("*/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".run", ".git", "test-output", "__pycache__"} <= entries


# --- deploy/k8s -------------------------------------------------------------------------------


def test_every_manifest_parses_and_is_listed_in_kustomization() -> None:
    # the example Secrets are never applied (tests/contract/test_k8s_hardening.py)
    files = {p.name for p in K8S_DIR.glob("*.yaml")} - {
        "kustomization.yaml",
        "secrets.example.yaml",
    }
    assert files
    kustomization = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text())
    assert set(kustomization["resources"]) == files
    assert all("kind" in doc and "apiVersion" in doc for doc in _k8s_documents())


def test_every_deployment_has_probes_and_resource_requests() -> None:
    deployments = _deployments()
    assert deployments
    for name, deployment in deployments.items():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
            assert container["resources"]["requests"], name


def test_every_compose_service_has_a_deployment_and_service() -> None:
    compose_services = {
        name
        for name, spec in _compose()["services"].items()
        if "build" in spec and name != "provision"
    }
    assert compose_services == set(SERVICES) | {"portal"}
    assert compose_services <= set(_deployments())
    k8s_services = {d["metadata"]["name"] for d in _k8s_documents() if d.get("kind") == "Service"}
    assert compose_services <= k8s_services


def test_provision_job_and_secrets_are_placeholders() -> None:
    documents = _k8s_documents()
    jobs = [d for d in documents if d["kind"] == "Job"]
    assert [j["metadata"]["name"] for j in jobs] == ["provision"]
    container = jobs[0]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["plenary", "provision"]
    for secret in (d for d in documents if d["kind"] == "Secret"):
        for value in secret.get("stringData", {}).values():
            assert "REPLACE_ME" in value, secret["metadata"]["name"]


def test_every_config_map_key_reference_exists() -> None:
    data = {
        doc["metadata"]["name"]: doc.get("data", {})
        for doc in _k8s_documents()
        if doc.get("kind") == "ConfigMap"
    }
    for name, deployment in _deployments().items():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            for item in container.get("env", []):
                ref = (item.get("valueFrom") or {}).get("configMapKeyRef")
                if ref:
                    assert ref["key"] in data[ref["name"]], (name, item["name"])


def test_portal_deployment_has_no_database_or_kafka_and_secure_cookies() -> None:
    deployment = _deployments()["portal"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert "plenary_portal.main:create_app" in container["command"]
    assert container["ports"] == [{"name": "http", "containerPort": PORTAL_PORT}]
    names = _container_env_names(container)
    assert not [key for key in names if "DATABASE_URL" in key or "KAFKA" in key]
    for name in SERVICES:
        assert f"PORTAL_{name.upper()}_URL" in names
    assert "PORTAL_JWT_PUBLIC_KEY_FILE" in names
    values = {item["name"]: item.get("value") for item in container["env"]}
    assert values["PORTAL_SECURE_COOKIES"] == "true"
    (service,) = [
        d for d in _k8s_documents() if d["kind"] == "Service" and d["metadata"]["name"] == "portal"
    ]
    assert [p["port"] for p in service["spec"]["ports"]] == [PORTAL_PORT]


def test_e_mail_senders_know_the_portal_address_in_kubernetes() -> None:
    deployments = _deployments()
    for name in ("registration", "notification"):
        (container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert f"{name.upper()}_PORTAL_URL" in _container_env_names(container), name


def test_each_private_key_reaches_only_its_owner_in_kubernetes() -> None:
    for name, deployment in _deployments().items():
        items = [
            item["key"]
            for volume in deployment["spec"]["template"]["spec"].get("volumes", [])
            for item in (volume.get("secret") or {}).get("items", [])
        ]
        assert "jwt_public.pem" in items, name
        assert {k for k in items if k in EVERY_PRIVATE_KEY} == PRIVATE_KEYS.get(name, set()), name
