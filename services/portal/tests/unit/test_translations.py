"""Every sentence of the portal's pages is translated, and the pages render in each language."""

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from plenary_portal.adapters.backend import ServiceError
from plenary_portal.adapters.templates import LOCALES, TEMPLATES, environment

from plenary_shared.i18n import LANGUAGES

TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _sentences() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(
        str(TEMPLATES),
        method_map=[("**.html", "jinja2")],
        options_map={"**": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalog(language: str):
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=language)


def _forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def _key(message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


def test_the_templates_say_something():
    assert len(_sentences()) > 100


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_sentence_is_translated(language):
    catalog = _catalog(language)
    translated = {
        _key(m)
        for m in catalog
        # a fuzzy entry is left out when the catalogue is compiled, so it does not count
        if m.id and not m.fuzzy and all(_forms(m))
    }
    assert _sentences() - translated == set()


@pytest.mark.parametrize("language", TRANSLATED)
def test_plurals_have_every_form_of_the_language(language):
    catalog = _catalog(language)
    plurals = [m for m in catalog if m.id and isinstance(m.id, tuple)]
    assert plurals
    for message in plurals:
        assert len(_forms(message)) == catalog.num_plurals, message.id


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders(language):
    for message in _catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for form in _forms(message):
            assert set(PLACEHOLDER.findall(form)) == wanted, (message.id, form)
            # pages format every sentence with %, so a lone % would break the page
            assert "%" not in PLACEHOLDER.sub("", form), (message.id, form)


def _page(language: str, template: str, **context) -> str:
    return (
        environment(language)
        .get_template(template)
        .render(
            {
                "principal": None,
                "language": language,
                "notice": None,
                "new_key": lambda: "k",
                "path": "/login",
                "query": "",
                "csp_nonce": "nonce",
                "csrf_token": "token",
                **context,
            }
        )
    )


SIGN_IN = {
    "en": ("Sign in to Plenary", "The e-mail address or the password is wrong."),
    "ru": ("Вход в Plenary", "Неверный адрес электронной почты или пароль."),
    "zh": ("登录 Plenary", "电子邮件地址或密码错误。"),
}
APPROVED = {"en": "3 applications approved.", "ru": "Одобрены 3 заявки.", "zh": "已批准 3 份申请。"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sign_in_page_is_in_the_language(language):
    html = _page(
        language,
        "login.html",
        next="",
        expired=True,
        errors={"form": "@wrong_password"},
        email="",
        notice={"code": "granted", "done": 3},
    )
    assert f'<html lang="{language}">' in html
    heading, error = SIGN_IN[language]
    assert heading in html and error in html and APPROVED[language] in html


def test_russian_counts_take_the_right_form():
    page = _page("ru", "notice.html", notice={"code": "refused", "done": 21})
    assert "Отклонена 21 заявка." in page
    page = _page("ru", "notice.html", notice={"code": "refused", "done": 11})
    assert "Отклонено 11 заявок." in page


WAITS = {
    "en": ("Too many attempts. Try again in 2 minutes.", "Try again in 1 second."),
    "ru": ("Слишком много попыток. Повторите через 2 минуты.", "Повторите через 1 секунду."),
    "zh": ("尝试次数过多。请在 2 分钟后重试。", "请在 1 秒后重试。"),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", ["login.html", "forgot.html"])
def test_a_throttled_sign_in_or_reset_says_the_wait_in_words(language, template):
    minutes, second = WAITS[language]
    context = {"next": "", "expired": False, "email": ""}
    assert minutes in _page(language, template, errors={"form": "@too_many:61"}, **context)
    assert second in _page(language, template, errors={"form": "@too_many:1"}, **context)


DATABASE_AWAY = {
    "en": "The database is not reachable right now; nothing was saved. Try again in 5 seconds.",
    "ru": "База данных сейчас недоступна; ничего не сохранено. Повторите через 5 секунд.",
    "zh": "数据库暂时无法访问，未保存任何内容。请在 5 秒后重试。",  # noqa: RUF001
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_service_whose_database_is_away_is_explained_with_the_wait(language):
    error = ServiceError(503, "unreachable", retry_after=5)
    assert DATABASE_AWAY[language] in _page(language, "problem.html", http_status=503, error=error)
    unreachable = _page(language, "problem.html", http_status=503, error=ServiceError(503, "x"))
    assert DATABASE_AWAY[language] not in unreachable
