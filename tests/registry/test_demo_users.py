import pytest

from sejahtera.accounts.models import Role, User
from sejahtera.registry.models import Household
from sejahtera.registry.services.demo import ensure_demo_users

pytestmark = pytest.mark.django_db


@pytest.fixture
def households_in_two_villages(db):
    from django.utils import timezone

    now = timezone.now()
    for i, village in enumerate(["3201011002", "3201011002", "3273011001"]):
        Household.objects.create(
            external_id=f"H{i}", village_id=village, created_at=now, updated_at=now
        )


def test_one_demo_user_per_role_scoped_around_the_busiest_village(
    households_in_two_villages, settings
):
    settings.DEMO = True
    users = {u.role: u for u in ensure_demo_users()}

    assert set(users) == {r.value for r in Role}
    assert users["village_operator"].region == "3201011002"
    assert users["district_office"].region == "3201"
    assert users["provincial_office"].region == "32"
    assert users["ministry_analyst"].region == "national"
    for demo in users.values():
        user = User.objects.get(username=demo.username)
        assert user.check_password(demo.password)
        assert user.role == demo.role
    admin = User.objects.get(username="demo_administrator")
    assert admin.is_staff
    assert admin.is_superuser
    assert not User.objects.get(username="demo_village_operator").is_staff


def test_demo_users_are_reused_when_run_again(households_in_two_villages, settings):
    settings.DEMO = True
    ensure_demo_users()
    ensure_demo_users()
    assert User.objects.count() == len(Role)


def test_demo_users_keep_their_villages_when_the_busiest_one_changes(
    households_in_two_villages, settings
):
    from django.utils import timezone

    settings.DEMO = True
    ensure_demo_users()
    now = timezone.now()
    for i in range(3):  # Bandung's village becomes the busiest
        Household.objects.create(
            external_id=f"B{i}", village_id="3273011001", created_at=now, updated_at=now
        )
    users = {u.role: u for u in ensure_demo_users()}
    assert users["village_operator"].region == "3201011002"
    assert users["district_office"].region == "3201"
    assert User.objects.get(username="demo_village_operator").region_id == "3201011002"


def test_demo_users_are_refused_outside_the_demo(settings):
    settings.DEMO = False
    with pytest.raises(RuntimeError, match="SEJAHTERA_DEMO"):
        ensure_demo_users()
    assert not User.objects.exists()


def test_demo_users_are_named_in_the_sites_language_whatever_is_active(
    households_in_two_villages, settings
):
    from django.utils import translation

    settings.DEMO = True
    with translation.override("en"):  # as a request in English leaves it in this thread
        ensure_demo_users()
    with translation.override(settings.LANGUAGE_CODE):
        expected = str(Role.PROVINCIAL_OFFICE.label)
    assert User.objects.get(username="demo_provincial_office").last_name == expected
    assert expected != "Provincial social office"
