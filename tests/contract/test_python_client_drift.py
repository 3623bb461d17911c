"""The checked-in Python client equals a fresh generation from the services' OpenAPI documents
(`make client` regenerates it), so a changed document without a regenerated client fails."""

import filecmp
import importlib

from plenary_devstack.clientgen import PACKAGE, SKIPPED, documents, generate


def test_the_checked_in_client_is_what_make_client_writes(tmp_path):
    fresh = generate(tmp_path)
    assert len(fresh) == 10
    stale = [
        str(path.relative_to(tmp_path))
        for path in fresh
        if not filecmp.cmp(path, PACKAGE / path.relative_to(tmp_path), shallow=False)
    ]
    assert stale == [], "run `make client`"


def test_every_operation_has_a_method_but_the_live_stream():
    for service, document in documents().items():
        api = importlib.import_module(f"plenary_client.api.{service}")
        methods = set(vars(getattr(api, f"{service.capitalize()}Api")))
        ids = {o["operationId"] for item in document["paths"].values() for o in item.values()}
        assert ids - SKIPPED <= methods, service
