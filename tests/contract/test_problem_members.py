"""Every extra member a service puts on a problem document is one the shared Problem declares."""

import ast
from pathlib import Path

from plenary_shared.problem_docs import Problem

ROOT = Path(__file__).resolve().parents[2]
TREES = [
    ast.parse(path.read_text())
    for path in [*ROOT.glob("services/*/src/**/*.py"), *ROOT.glob("shared/src/**/*.py")]
]


def _refusals() -> set[str]:
    """`DomainError` and every class derived from it, here or in a service, and `problem`."""
    names = {"DomainError", "problem"}
    while True:
        derived = {
            node.name
            for tree in TREES
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef)
            and any(isinstance(base, ast.Name) and base.id in names for base in node.bases)
        }
        if derived <= names:
            return names
        names |= derived


def _is_super_init(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "__init__"
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "super"
    )


def _members_put_on_problems() -> set[str]:
    """Keyword arguments of every refusal raised or built, and of a refusal's own __init__."""
    refusals = _refusals()
    calls = [
        node
        for tree in TREES
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in refusals
    ]
    for tree in TREES:
        for cls in ast.walk(tree):
            if isinstance(cls, ast.ClassDef) and cls.name in refusals:
                calls += [n for n in ast.walk(cls) if isinstance(n, ast.Call) and _is_super_init(n)]
    return {keyword.arg for call in calls for keyword in call.keywords if keyword.arg}


def test_every_extra_member_of_a_problem_is_documented():
    members = _members_put_on_problems()
    assert {"conflicts", "current_state", "retry_after"} <= members, "the scan finds them"
    assert members - set(Problem.model_fields) == set()
