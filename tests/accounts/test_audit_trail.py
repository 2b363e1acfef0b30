"""The read log and the change history cannot be edited or deleted: not in the admin, and on
PostgreSQL not in the database either."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from sejahtera.accounts.access import log_sensitive_read
from sejahtera.accounts.models import Role, SensitiveAccess
from sejahtera.registry.models import ChangeRecord
from sejahtera.registry.services.records import person_cells, update_person

pytestmark = pytest.mark.django_db
only_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only triggers are PostgreSQL's"
)


@pytest.fixture
def trail(make_user, household_factory):
    """One read-log row and one change record."""
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    log_sensitive_read(office, "person", [1], "/registry/")
    person = household_factory().members.get()
    cells = {**person_cells(person), "full_name": "Siti Aminah Baru"}
    update_person(actor=office, person=person, cells=cells, expected_version=person.version)
    return office


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("url", "model"),
    [
        ("/admin/accounts/sensitiveaccess/", SensitiveAccess),
        ("/admin/registry/changerecord/", ChangeRecord),
    ],
)
def test_the_admin_neither_changes_nor_deletes_the_trail(admin_client, trail, url, model):
    row = model.objects.first()
    assert admin_client.get(f"{url}{row.pk}/delete/").status_code == 403
    bulk_delete = {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    admin_client.post(url, bulk_delete)
    assert admin_client.post(f"{url}{row.pk}/change/", {}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()
    assert admin_client.get(url).status_code == 200  # still readable


def test_a_user_or_import_named_in_the_change_history_cannot_be_deleted(
    make_user, household_factory
):
    editor = make_user(Role.DISTRICT_OFFICE, "3201")
    person = household_factory().members.get()
    cells = {**person_cells(person), "full_name": "Siti Aminah Baru"}
    update_person(actor=editor, person=person, cells=cells, expected_version=person.version)
    with pytest.raises(ProtectedError):
        editor.delete()
    assert ChangeRecord.objects.filter(actor=editor).exists()


@only_postgresql
@pytest.mark.parametrize("model", [SensitiveAccess, ChangeRecord])
def test_postgresql_refuses_updates_and_deletes_of_the_trail(trail, model):
    rows = model.objects.count()
    for attempt in (
        lambda: model.objects.all().delete(),
        lambda: model.objects.update(id=999),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert model.objects.count() == rows
