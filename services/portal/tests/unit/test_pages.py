"""Sign-in redirects stay on this site, and the language follows the choice or the browser."""

import pytest
from plenary_portal.adapters.backend import ServiceError
from plenary_portal.entrypoints.web.auth import _local
from plenary_portal.entrypoints.web.pages import Viewer, language_wanted, problem_page
from starlette.requests import Request


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/delegation?state=nominated", "/delegation?state=nominated"),
        ("//evil.example/", None),
        ("https://evil.example/", None),
        ("/\\evil.example", None),
        ("", None),
        (None, None),
    ],
)
def test_only_paths_of_this_site_are_returned_to(target, kept):
    assert _local(target) == kept


def _request(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "headers": raw, "method": "GET", "path": "/"})


@pytest.mark.parametrize(
    ("headers", "language"),
    [
        ({}, "en"),
        ({"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"}, "ru"),
        ({"Accept-Language": "fr-FR,zh-CN;q=0.8"}, "zh"),
        ({"Accept-Language": "fr-FR,de;q=0.5"}, "en"),
        ({"Accept-Language": "ru", "Cookie": "plenary_lang=zh"}, "zh"),
        ({"Cookie": "plenary_lang=xx"}, "en"),
    ],
)
def test_the_language_is_the_chosen_one_else_the_browsers_first_supported(headers, language):
    assert language_wanted(_request(headers)) == language


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "Try again in 5 seconds."), ("ru", "Повторите через 5 секунд."), ("zh", "5 秒后重试")],
)
def test_a_service_answering_503_with_a_wait_becomes_a_503_page_saying_it(language, words):
    request = _request({"Accept-Language": language, "Host": "portal"})
    seen = Viewer(principal=None, language=language, request=request)
    page = problem_page(seen, ServiceError(503, "unreachable", retry_after=5))
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert words in page.body.decode()
