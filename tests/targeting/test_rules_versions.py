import pytest

from sejahtera.accounts.models import Role
from sejahtera.targeting.models import RulesVersion
from sejahtera.targeting.rules import default_rules_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    return client


def test_an_administrator_puts_new_rules_in_force(admin_client):
    shipped = default_rules_text()
    form = admin_client.get("/admin/targeting/rulesversion/add/")
    assert "PKH" in form.content.decode()  # starts from the rules in force

    changed = shipped.replace('version = "2026.1"', 'version = "2026.2"', 1)
    response = admin_client.post(
        "/admin/targeting/rulesversion/add/",
        {"text": changed, "note": "raise nothing, new version label", "active": "on"},
    )
    assert response.status_code == 302
    saved = RulesVersion.objects.get()
    assert saved.version == "2026.2"
    assert default_rules_text().strip() == changed.strip()


def test_a_broken_rules_file_is_refused_with_the_key_that_is_wrong(admin_client):
    broken = default_rules_text().replace(
        "[programmes.SEMBAKO]", "[programmes.SEMBAKO]\nbogus = 1", 1
    )
    response = admin_client.post(
        "/admin/targeting/rulesversion/add/", {"text": broken, "note": "typo", "active": "on"}
    )
    assert response.status_code == 200
    assert "programmes.SEMBAKO" in response.content.decode()
    assert not RulesVersion.objects.exists()


def test_inactive_versions_do_not_apply(admin_client):
    text = default_rules_text().replace('version = "2026.1"', 'version = "2027.1"', 1)
    admin_client.post("/admin/targeting/rulesversion/add/", {"text": text, "note": "draft"})
    assert RulesVersion.objects.get().active is False
    assert 'version = "2026.1"' in default_rules_text()
