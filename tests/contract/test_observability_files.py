"""The Grafana dashboard and the Prometheus alert rules in deploy/observability are sound.

Every query parses as PromQL (promql-parser, the Prometheus project's grammar in Rust) and
names only metrics the services expose.
"""

import functools
import importlib
import json
import re
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml
from prometheus_client import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
OBSERVABILITY = ROOT / "deploy" / "observability"
DASHBOARD = OBSERVABILITY / "plenary-dashboard.json"
ALERTS = OBSERVABILITY / "alerts.yaml"
# the operator's metrics (issue 17), by name and type, as the exposition names them
OPERATOR_METRICS = {
    "plenary_http_request_duration_seconds": "histogram",
    "plenary_consumer_lag": "gauge",
    "plenary_outbox_backlog": "gauge",
    "plenary_outbox_oldest_age_seconds": "gauge",
    "plenary_dead_letters": "counter",
    "plenary_parked_events": "gauge",
    "plenary_deliveries": "counter",
    "plenary_delivery_duration_seconds": "histogram",
    "plenary_db_pool_in_use": "gauge",
}
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("", "_sum", "_count"),
    "gauge": ("",),
    "info": ("_info",),
}
# Grafana's own variables, replaced by a value before the query reaches Prometheus
GRAFANA_RANGES = re.compile(r"\$__(rate_interval|interval|range)\b")


@functools.cache
def _exposed() -> frozenset[str]:
    """Every series name the services can expose, plus Prometheus' own `up`."""
    for service in ("scheduling", "delegation", "registration", "notification", "portal"):
        importlib.import_module(f"plenary_{service}.main")
    families = {m.name: m.type for m in REGISTRY.collect()}
    assert OPERATOR_METRICS.items() <= families.items(), "the operator metrics are registered"
    names = {"up"}
    for name, kind in families.items():
        names |= {name + suffix for suffix in SUFFIXES.get(kind, ("",))}
    return frozenset(names)


def _metrics_in(expr: str) -> set[str]:
    names: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            names.add(node.name)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return names


def _rules() -> list[dict[str, Any]]:
    return [
        rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]
    ]


def _panels() -> list[dict[str, Any]]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def _dashboard_expressions() -> list[str]:
    return [GRAFANA_RANGES.sub("5m", t["expr"]) for p in _panels() for t in p["targets"]]


# --- alert rules ------------------------------------------------------------------------------------


def test_the_rule_file_has_groups_of_named_alerts() -> None:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    assert len({g["name"] for g in groups}) == len(groups)
    names = [rule["alert"] for rule in _rules()]
    assert len(set(names)) == len(names)
    for rule in _rules():
        assert set(rule) <= {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        if "for" in rule:
            promql_parser.parse_duration(rule["for"])


@pytest.mark.parametrize("rule", _rules(), ids=lambda rule: rule["alert"])
def test_every_alert_parses_and_names_exposed_metrics(rule: dict[str, Any]) -> None:
    metrics = _metrics_in(rule["expr"])
    assert metrics, rule["alert"]
    assert metrics <= _exposed(), metrics - _exposed()


def test_the_parser_refuses_a_broken_expression() -> None:
    with pytest.raises(ValueError):
        promql_parser.parse("sum by (service) (rate(plenary_dead_letters_total[5m])")


def test_alerts_cover_what_an_operator_must_hear_about() -> None:
    watched = {metric for rule in _rules() for metric in _metrics_in(rule["expr"])}
    assert {
        "up",  # a service down
        "plenary_consumer_lag",  # consumers falling behind
        "plenary_outbox_oldest_age_seconds",  # an outbox that does not drain
        "plenary_dead_letters_total",  # dead letters appearing
        "plenary_deliveries_total",  # a webhook endpoint failing
    } <= watched


# --- the dashboard ----------------------------------------------------------------------------------


def test_the_dashboard_is_a_grafana_dashboard_with_a_datasource_variable() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["title"] and dashboard["uid"]
    assert isinstance(dashboard["schemaVersion"], int)
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(set(ids)) == len(ids)
    for panel in _panels():
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"], panel["title"]
        refs = [t["refId"] for t in panel["targets"]]
        assert len(set(refs)) == len(refs), panel["title"]


def test_the_dashboard_panels_fit_the_grid_without_overlapping() -> None:
    taken: set[tuple[int, int]] = set()
    for panel in json.loads(DASHBOARD.read_text())["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        cells = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & taken, panel["title"]
        taken |= cells


@pytest.mark.parametrize("expr", _dashboard_expressions())
def test_every_dashboard_query_parses_and_names_exposed_metrics(expr: str) -> None:
    metrics = _metrics_in(expr)
    assert metrics
    assert metrics <= _exposed(), metrics - _exposed()


def test_the_dashboard_shows_every_operator_metric() -> None:
    shown = {m for expr in _dashboard_expressions() for m in _metrics_in(expr)}
    for name, kind in OPERATOR_METRICS.items():
        assert {name + suffix for suffix in SUFFIXES[kind]} & shown, name


# --- the scrape configuration ---------------------------------------------------------------------


def test_the_scrape_configuration_loads_the_rules_and_keeps_annotated_pods() -> None:
    config = yaml.safe_load((OBSERVABILITY / "prometheus.yml").read_text())
    assert [OBSERVABILITY / f for f in config["rule_files"]] == [ALERTS]
    (job,) = config["scrape_configs"]
    relabel = job["relabel_configs"]
    keep = [r for r in relabel if r.get("action") == "keep"]
    assert keep[0]["source_labels"] == ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"]
    # the labels the rules and the dashboard select on
    assert {"namespace", "pod"} <= {r.get("target_label") for r in relabel}
    ports = next(r for r in relabel if r.get("target_label") == "__address__")
    assert re.fullmatch(ports["regex"], "10.1.2.3:8080;8003")
    assert re.sub(
        ports["regex"], ports["replacement"].replace("$", "\\"), "10.1.2.3:8080;8003"
    ) == ("10.1.2.3:8003")
