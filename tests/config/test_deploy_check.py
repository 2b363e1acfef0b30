"""Production settings pass Django's deployment checks (issue #15): served over TLS, directly
or behind a proxy that redirects plain HTTP itself."""

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "tls",
    [
        {"SEJAHTERA_HTTPS": "1"},
        {
            "SEJAHTERA_HTTPS": "1",
            "SEJAHTERA_SSL_REDIRECT": "0",
            "SEJAHTERA_PROXY_HTTPS_HEADER": "1",
        },
    ],
    ids=["direct", "behind-a-proxy"],
)
def test_check_deploy_is_clean_with_production_settings(tmp_path, tls):
    # As a server's environment: without what the browser tests set for themselves.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "sejahtera.config.settings",
        "SEJAHTERA_HOME": str(tmp_path),
        "SEJAHTERA_DEBUG": "0",
        "SEJAHTERA_DATA_KEYS": "k1:" + "A" * 43 + "=",
        **tls,
    }
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "sejahtera",
            "manage",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no issues" in checked.stdout


def test_the_demo_over_plain_http_keeps_cookies_usable(settings):
    assert settings.HTTPS is False
    assert not settings.SESSION_COOKIE_SECURE
    assert not settings.SECURE_SSL_REDIRECT


def test_the_deploy_check_warns_when_two_step_verification_is_off(settings):
    from sejahtera.accounts.checks import two_factor_required

    settings.SEJAHTERA_REQUIRE_TWO_FACTOR = False
    assert [warning.id for warning in two_factor_required()] == ["sejahtera.W001"]
    settings.SEJAHTERA_REQUIRE_TWO_FACTOR = True
    assert two_factor_required() == []
