"""API tokens: every one expires, at most ten are live per user, and a token stops when its
user's role or region changes (a token made before a promotion must not carry the new powers,
nor skip the second factor they need); the migration gives existing tokens all three."""

from datetime import timedelta

import pytest
from click.testing import CliRunner
from django.db import connection
from django.utils import timezone

from sejahtera.accounts.models import ApiToken, Role
from sejahtera.accounts.scopes import DEFAULT_LIFETIME_DAYS
from sejahtera.accounts.tokens import MAX_LIVE_TOKENS, TokenRefused, authenticate, create_token
from sejahtera.cli import main

from ..migrating import migrate, migrate_every_app_to_its_latest

pytestmark = pytest.mark.django_db

REGENCY = "3201"


def test_a_token_expires_after_the_days_chosen(make_user):
    user = make_user(Role.DISTRICT_OFFICE, REGENCY)
    token, secret = create_token(user, "dinsos", ["registry:read"], days=30)
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert authenticate(secret) == token

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert authenticate(secret) is None


def test_a_lifetime_outside_the_choices_is_refused(make_user):
    user = make_user(Role.DISTRICT_OFFICE, REGENCY)
    with pytest.raises(TokenRefused):
        create_token(user, "forever", ["registry:read"], days=3650)
    with pytest.raises(TokenRefused):
        create_token(user, "typo", ["registry:reed"])
    assert not ApiToken.objects.exists()


def test_no_token_is_made_for_an_inactive_user(make_user):
    user = make_user(Role.DISTRICT_OFFICE, REGENCY)
    user.is_active = False
    user.save(update_fields=["is_active"])
    with pytest.raises(TokenRefused, match="not active"):
        create_token(user, "old laptop", ["registry:read"])
    assert not ApiToken.objects.exists()


def test_a_promotion_stops_the_tokens_made_before_it(client, make_user):
    """An analyst's token, kept after the analyst became a programme manager, would approve
    decrees without the second factor the new role needs."""
    user = make_user(Role.MINISTRY_ANALYST)
    _token, secret = create_token(user, "notebook", ["delivery", "registry:read"])
    user.role = Role.PROGRAMME_MANAGER
    user.save()
    assert authenticate(secret) is None
    response = client.get("/api/v1/households", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 401

    _fresh, fresh_secret = create_token(user, "notebook", ["delivery"])
    assert authenticate(fresh_secret).role == Role.PROGRAMME_MANAGER


@pytest.mark.parametrize(
    ("before", "after"),
    [("3201", "3273"), ("3201", "3201011002"), (None, "3201")],
    ids=["another regency", "a village of it", "regional after national"],
)
def test_a_move_to_another_region_stops_the_tokens(make_user, before, after):
    role = Role.MINISTRY_ANALYST if before is None else Role.DISTRICT_OFFICE
    user = make_user(role, before)
    _token, secret = create_token(user, "app", ["registry:read"])
    user.role, user.region_id = Role.DISTRICT_OFFICE, after
    user.save()
    assert authenticate(secret) is None


def test_at_most_ten_live_tokens_per_user(make_user):
    """The API's rate limit counts per token: many tokens would add up to many limits."""
    user = make_user(Role.DISTRICT_OFFICE, REGENCY)
    made = [create_token(user, f"t{i}", ["registry:read"])[0] for i in range(MAX_LIVE_TOKENS)]
    with pytest.raises(TokenRefused):
        create_token(user, "one more", ["registry:read"])

    ApiToken.objects.filter(pk=made[0].pk).update(revoked_at=timezone.now())
    ApiToken.objects.filter(pk=made[1].pk).update(expires_at=timezone.now())
    create_token(user, "in place of a revoked one", ["registry:read"])
    create_token(user, "in place of an expired one", ["registry:read"])
    with pytest.raises(TokenRefused):
        create_token(user, "one more", ["registry:read"])
    other = make_user(Role.DISTRICT_OFFICE, REGENCY)
    create_token(other, "someone else's are their own", ["registry:read"])


def test_the_account_page_offers_the_lifetimes_and_says_why_a_token_stopped(client, make_user):
    user = make_user(Role.DISTRICT_OFFICE, REGENCY)
    client.force_login(user)
    page = client.post(
        "/account/api-tokens/",
        {"name": "Dinsos app", "scopes": ["registry:read"], "days": "180"},
    )
    token = ApiToken.objects.get()
    assert token.expires_at - timezone.now() > timedelta(days=179)
    assert authenticate(page.context["secret"]) == token

    user.region_id = "3273"
    user.save()
    html = client.get("/account/api-tokens/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "stopped: your role or region changed" in html
    assert "Regency/city social office · Kabupaten Bogor" in html


def test_the_account_page_refuses_an_eleventh_token_with_the_reason(client, make_user):
    user = make_user(Role.DISTRICT_OFFICE, REGENCY)
    for i in range(MAX_LIVE_TOKENS):
        create_token(user, f"t{i}", ["registry:read"])
    client.force_login(user)
    page = client.post(
        "/account/api-tokens/",
        {"name": "one more", "scopes": ["registry:read"], "days": "30"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.context["secret"] is None
    assert "At most 10 tokens can be in use at once: revoke one first." in page.content.decode()
    assert ApiToken.objects.count() == MAX_LIVE_TOKENS


def test_the_command_line_takes_a_lifetime_from_the_same_choices(make_user):
    user = make_user(Role.ADMINISTRATOR)
    args = ["token", "create", "--user", user.username, "--name", "p", "--scope", "imports"]
    made = CliRunner().invoke(main, [*args, "--days", "365"])
    assert made.exit_code == 0, made.output
    token = authenticate(made.output.strip())
    assert timedelta(days=364) < token.expires_at - timezone.now() <= timedelta(days=365)
    assert CliRunner().invoke(main, [*args, "--days", "1000"]).exit_code == 2
    assert ApiToken.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_tokens_their_users_scope_and_an_expiry(make_user):
    user = make_user(Role.DISTRICT_OFFICE, REGENCY)
    _token, secret = create_token(user, "old", ["registry:read"])
    migrate([("accounts", "0014_submission_answer_sealed")])
    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE accounts_apitoken SET expires_at = NULL")
        migrate([("accounts", "0016_apitoken_expiry_required")])
    finally:
        migrate_every_app_to_its_latest()
    token = authenticate(secret)
    assert (token.role, token.region_id) == (Role.DISTRICT_OFFICE, REGENCY)
    remaining = token.expires_at - timezone.now()
    assert timedelta(days=DEFAULT_LIFETIME_DAYS - 1) < remaining <= timedelta(days=90)
