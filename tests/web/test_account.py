import pytest
from click.testing import CliRunner

from sejahtera.accounts.models import ApiToken, Role
from sejahtera.accounts.tokens import authenticate
from sejahtera.cli import main

pytestmark = pytest.mark.django_db


def test_a_user_creates_a_token_sees_it_once_and_revokes_it(client, make_user):
    user = make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(user)
    page = client.post("/account/api-tokens/", {"name": "Dinsos app", "scopes": ["registry:read"]})
    secret = page.context["secret"]
    assert secret.startswith("sjt_")
    assert authenticate(secret).user == user
    assert secret not in client.get("/account/api-tokens/").content.decode()

    token = ApiToken.objects.get()
    client.post(f"/account/api-tokens/{token.pk}/revoke/")
    assert authenticate(secret) is None


def test_a_user_cannot_revoke_someone_elses_token(client, make_user):
    owner, other = make_user(Role.DISTRICT_OFFICE, "3201"), make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(owner)
    client.post("/account/api-tokens/", {"name": "x", "scopes": ["registry:read"]})
    token = ApiToken.objects.get()
    client.force_login(other)
    client.post(f"/account/api-tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is None


def test_cli_creates_a_token(make_user):
    user = make_user(Role.ADMINISTRATOR)
    result = CliRunner().invoke(
        main,
        [
            "token",
            "create",
            "--user",
            user.username,
            "--name",
            "partner",
            "--scope",
            "registry:read",
        ],
    )
    assert result.exit_code == 0, result.output
    assert authenticate(result.output.strip()).scopes == ["registry:read"]
    missing = CliRunner().invoke(
        main, ["token", "create", "--user", "nobody", "--name", "x", "--scope", "imports"]
    )
    assert missing.exit_code == 2


def test_the_admin_revokes_tokens_but_issues_none(client, make_user):
    """A token acts as its user: one issued in the admin in another's name would let an
    administrator act as them. The admin lists and revokes tokens; it issues none."""
    from sejahtera.accounts.tokens import create_token

    admin_user = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    partner = make_user(Role.PARTNER_AGENCY)
    token, secret = create_token(partner, "Kemenkop UKM", ["registry:read"])
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/apitoken/add/",
        {"user": partner.pk, "name": "integrasi", "scopes": ["registry:read"]},
    )
    assert response.status_code == 403
    assert list(ApiToken.objects.all()) == [token]
    client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )
    assert authenticate(secret) is None
