"""The audit trail is a keyed hash chain: `verify` finds an entry changed, removed or inserted
(by someone who can write to the database but lacks the key) and a removed head; appends from
parallel requests never fork the chain. Reads, changes, logins and commands all append."""

import contextlib
import threading

import pytest
from click.testing import CliRunner
from django.db import connection, connections

from sejahtera.accounts import audit
from sejahtera.accounts.access import log_sensitive_read
from sejahtera.accounts.models import AuditEntry, Role
from sejahtera.cli import changes_data, main

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def tampering():
    """As an attacker with the database's superuser: PostgreSQL's guard held off."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = origin")


@pytest.fixture
def five(make_user):
    """Five reads of one office, chained."""
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    for person in range(1, 6):
        log_sensitive_read(office, "person", [person], f"/registry/persons/{person}/")
    return list(AuditEntry.objects.order_by("id"))


def test_each_entry_follows_the_one_before(five):
    assert five[0].previous_digest == audit.GENESIS
    assert [e.previous_digest for e in five[1:]] == [e.digest for e in five[:-1]]
    assert [e.id for e in five] == list(range(five[0].id, five[0].id + 5))
    assert audit.verify() == (5, [])


def test_a_changed_entry_is_found(five):
    with tampering():
        AuditEntry.objects.filter(pk=five[2].pk).update(record_ids=[99])
    assert audit.verify()[1] == [
        audit.Problem(five[2].id, "content changed (its digest does not match)")
    ]


def test_a_removed_entry_is_found(five):
    with tampering():
        AuditEntry.objects.filter(pk=five[2].pk).delete()
    (problem,) = audit.verify()[1]
    assert problem.entry_id == five[3].id
    assert "removed" in problem.what


def test_an_entry_forged_without_the_key_is_found(five, settings):
    settings.SEJAHTERA_AUDIT_KEY = "the attacker's guess"
    forged = audit.record(user=None, action="read", entity="person", record_ids=[1], path="/")
    settings.SEJAHTERA_AUDIT_KEY = ""
    assert audit.verify()[1] == [
        audit.Problem(forged.id, "content changed (its digest does not match)")
    ]


def test_removing_the_newest_entries_is_found_against_the_recorded_head(five):
    recorded = audit.head()
    assert recorded == (five[-1].id, five[-1].digest)
    with tampering():
        AuditEntry.objects.filter(pk__gte=five[3].pk).delete()
    assert audit.verify()[1] == []  # the chain alone cannot tell
    (problem,) = audit.verify(expect_head=recorded)[1]
    assert problem.entry_id == five[-1].id


def test_the_command_says_where_the_chain_breaks(five):
    runner = CliRunner()
    intact = runner.invoke(main, ["audit", "verify"])
    assert intact.exit_code == 0
    assert "chain intact" in intact.output
    head = runner.invoke(main, ["audit", "head"]).output.strip()
    assert head == f"{five[-1].id}:{five[-1].digest}"
    with tampering():
        AuditEntry.objects.filter(pk=five[1].pk).update(path="/elsewhere/")
    broken = runner.invoke(main, ["audit", "verify", "--expect-head", head])
    assert broken.exit_code == 1
    assert f"entry {five[1].id}: content changed" in broken.output


def test_a_command_that_changes_data_appends_an_entry():
    assert CliRunner().invoke(main, ["figures", "refresh"]).exit_code == 0
    (entry,) = AuditEntry.objects.filter(action=AuditEntry.Action.COMMAND)
    assert (entry.entity, entry.purpose, entry.user) == ("figures refresh", "command", None)
    assert "@" in entry.client_address  # the operating-system user and host


@pytest.mark.parametrize(
    ("args", "audited"),
    [
        (("migrate",), True),
        (("createsuperuser", "--noinput"), True),
        (("shell",), True),
        (("check", "--deploy"), False),
        (("showmigrations",), False),
        (("dumpdata", "registry.person"), True),  # every person's NIK and name, to a file
        (("addstatictoken", "admin"), True),  # a code that passes a second factor
        (("axes_reset",), True),  # lifts every login lockout
        (("some_command_added_later",), True),  # audited unless known to be harmless
        (("--help",), False),
        ((), False),
    ],
)
def test_django_commands_are_audited_unless_they_neither_change_nor_read_data(args, audited):
    assert changes_data(args) is audited


def test_a_command_that_fails_after_changing_data_is_recorded_with_how_it_ended(tmp_path):
    """The good rows of a file are kept when a row is refused (exit 1): that change is
    audited too."""
    wages = tmp_path / "wages.csv"
    wages.write_text("region_code,year,amount\n32,2026,2191232\n32,2026,abc\n")
    result = CliRunner().invoke(main, ["wages", "load", str(wages)])
    assert result.exit_code not in (0, None)
    (entry,) = AuditEntry.objects.filter(action=AuditEntry.Action.COMMAND)
    assert entry.entity == "wages load"
    assert entry.path.endswith(f"[exit {result.exit_code}]")


def test_a_change_through_a_page_names_the_fields_not_their_values(client, make_user):
    user = make_user(Role.SOCIAL_WORKER, "3201")
    client.force_login(user)
    client.post("/account/api-tokens/", {"name": "Sistem desa", "scopes": ["registry:read"]})
    entry = AuditEntry.objects.get(action=AuditEntry.Action.WRITE)
    assert (entry.user, entry.entity, entry.fields) == (user, "web:api-tokens", ["name", "scopes"])
    assert (entry.purpose, entry.client_address, entry.status) == ("account", "127.0.0.1", 200)
    assert "Sistem desa" not in str(vars(entry))
    client.post("/account/api-tokens/999/revoke/")
    revoked = AuditEntry.objects.filter(entity="web:api-token-revoke").get()
    assert revoked.record_ids == [999]


def test_logins_and_failed_logins_are_entries(client, make_user):
    user = make_user(Role.SOCIAL_WORKER, "3201")
    client.post("/login/", {"username": user.username, "password": "wrong"})
    client.post("/login/", {"username": user.username, "password": "pw-for-tests"})
    failed, login = AuditEntry.objects.order_by("id")
    assert (failed.action, failed.user, failed.record_ids) == ("login_failed", None, [user.pk])
    assert (login.action, login.user) == ("login", user)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers")
def test_parallel_appends_never_fork_the_chain(make_user):
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    barrier = threading.Barrier(4)

    def append() -> None:
        barrier.wait()
        try:
            for n in range(10):
                log_sensitive_read(office, "person", [n], "/")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert audit.verify() == (40, [])


def test_a_record_outside_the_region_answers_404_and_the_attempt_is_an_entry(
    client, make_user, household_factory
):
    elsewhere = household_factory("3273011001")
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(office)
    assert client.get(f"/registry/households/{elsewhere.pk}/").status_code == 404
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DENIED)
    assert (entry.user, entry.entity, entry.record_ids, entry.status) == (
        office,
        "web:household",
        [elsewhere.pk],
        404,
    )
