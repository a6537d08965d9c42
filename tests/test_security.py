"""Deployment hardening: the deploy check, static files with DEBUG=0, the
Content-Security-Policy, no-store answers and who may read the API docs."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.services import progress_link_for
from outlets.services import api_token_issue
from tests.conftest import api_as

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


def readme_production_env() -> dict[str, str]:
    """The variables README's "Deploying behind TLS" tells a deployer to set."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Deploying behind TLS", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return dict(line.split("=", 1) for line in block.split())


def manage(env: dict, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def production_env(**extra: str) -> dict[str, str]:
    """This machine's environment with README's production values on top."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "SESSION_", "CSRF_"))
        # The browser tests' conftest allows sync ORM calls in async contexts
        # for Playwright; production never does (check --deploy says so).
        and key not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(readme_production_env())
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="crm.example.com",
        CSRF_TRUSTED_ORIGINS="https://crm.example.com",
    )
    env.update(extra)
    return env


def test_deploy_check_reports_no_issue_with_the_readme_production_values():
    result = manage(production_env(), "check", "--deploy", "--fail-level", "WARNING")

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output


def test_deploy_check_warns_without_them():
    env = production_env(SECURE_HSTS_SECONDS="0", SESSION_COOKIE_SECURE="0")

    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W012" in result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]

    result = manage(env, "check")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_server_in_a_checkout_never_defaults_to_debug():
    # What gunicorn or celery sees: no DEBUG, no manage.py. Settings load as
    # production and so want a key, rather than serve debug pages.
    dotenv = ROOT / ".env"
    if dotenv.exists() and "DEBUG" in dotenv.read_text():
        pytest.skip("this checkout has its own .env setting DEBUG")
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    env.pop("DJANGO_DEBUG_DEFAULT", None)
    script = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'"
    script += "; django.setup()"

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_manage_py_in_a_checkout_defaults_to_development_mode():
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}

    result = manage(
        env, "shell", "-c", "from django.conf import settings; print(settings.DEBUG)"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("True")


FETCH_STATIC = """
import re
from django.test import Client
client = Client()
page = client.get("/login/")
assert page.status_code == 200, page.status_code
hashed = r'href="(/static/vendor/bootstrap/css/bootstrap\\.min\\.[0-9a-f]+\\.css)"'
css = re.search(hashed, page.content.decode()).group(1)
asset = client.get(css)
assert asset.status_code == 200, (css, asset.status_code)
body = b"".join(asset.streaming_content)
assert b"Bootstrap" in body[:500], body[:200]
print("served", css, asset["Cache-Control"])
"""


def test_debug_off_serves_collected_static_files_with_hashed_names(tmp_path):
    env = production_env(
        STATIC_ROOT=str(tmp_path / "static"),
        ALLOWED_HOSTS="testserver",
        # The test client speaks plain HTTP, as a laptop does.
        SECURE_SSL_REDIRECT="0",
    )

    collected = manage(env, "collectstatic", "--noinput", "-v", "0")
    served = manage(env, "shell", "-c", FETCH_STATIC)

    assert collected.returncode == 0, collected.stderr[-2000:]
    assert served.returncode == 0, served.stdout[-2000:] + served.stderr[-2000:]
    assert "served /static/vendor/bootstrap/css/bootstrap.min." in served.stdout
    assert "max-age=315360000" in served.stdout  # hashed: cached for ever


# --- Content-Security-Policy ---------------------------------------------------


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part)
    }


@pytest.mark.django_db
def test_pages_allow_only_our_own_scripts_and_styles(client):
    directives = policy(client.get(reverse("login")))

    assert directives["default-src"] == ["'self'"]
    for kind in ("script-src", "style-src"):
        assert directives[kind][0] == "'self'"
        assert all(v == "'self'" or v.startswith("'nonce-") for v in directives[kind])
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_the_standalone_error_page_runs_its_inline_style_with_the_nonce(rf):
    from csp.middleware import CSPMiddleware

    from outlets.error_views import server_error

    request = rf.get("/somewhere/")
    middleware = CSPMiddleware(lambda request: server_error(request))

    response = middleware(request)

    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert nonce, response["Content-Security-Policy"]
    assert f'<style nonce="{nonce.group(1)}">' in response.text
    assert f'<script nonce="{nonce.group(1)}">' in response.text


INLINE = re.compile(
    r"""\sstyle=["']|\son[a-z]+=["']|javascript:|<script(?![^>]*\b(src|nonce)=)"""
    r"""|<style(?![^>]*\bnonce=)""",
    re.I,
)


def test_no_template_has_an_inline_script_style_or_handler():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if INLINE.search(line)
    ]

    assert offenders == []


# --- Cache-Control: no-store ---------------------------------------------------


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_pages_for_a_logged_in_person_are_never_stored(manager_a, customer_a):
    client = logged_in(manager_a)

    pages = [
        reverse("api-token"),
        reverse("customers:detail", args=[customer_a.pk]),
    ]

    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert no_store(response), page


@pytest.mark.django_db
def test_api_answers_are_never_stored(account_manager_a, customer_a):
    listed = api_as(account_manager_a).get("/api/v1/customers/")
    refused = Client().get("/api/v1/customers/")

    assert listed.status_code == 200 and no_store(listed)
    assert refused.status_code == 401 and no_store(refused)


@pytest.mark.django_db
def test_an_api_answer_to_a_token_is_never_stored(account_manager_a, customer_a):
    _, key = api_token_issue(staff=account_manager_a, now=timezone.now())

    response = Client().get("/api/v1/customers/", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200
    assert no_store(response)


@pytest.mark.django_db
def test_the_customers_progress_board_is_never_stored(customer_a):
    link = progress_link_for(customer_a, now=timezone.now())

    response = Client().get(f"/p/{link.token}/")

    assert response.status_code == 200
    assert no_store(response)


# --- API docs --------------------------------------------------------------------


@pytest.mark.django_db
def test_api_schema_and_docs_need_a_login(client, account_manager_a):
    schema = client.get(reverse("schema"))
    docs = client.get(reverse("api-docs"))

    assert schema.status_code == 401
    assert docs.status_code == 302
    assert docs["Location"].startswith(reverse("login"))
    client.force_login(account_manager_a)
    assert client.get(reverse("schema")).status_code == 200
    assert client.get(reverse("api-docs")).status_code == 200
    assert client.get(reverse("api-docs") + "?script").status_code == 200


@pytest.mark.django_db
def test_api_docs_public_opens_them_on_purpose(client, settings):
    settings.API_DOCS_PUBLIC = True

    assert client.get(reverse("schema")).status_code == 200
    assert client.get(reverse("api-docs")).status_code == 200
