import pytest

DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that touches the database, so `make test` can run those on PostgreSQL
    too (`pytest -m database`), and put every test using Spark in one xdist group, so that one
    worker runs them all in one JVM (``--dist loadgroup``)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("django_db") or fixtures & DATABASE_FIXTURES:
            item.add_marker(pytest.mark.database)
        if "spark" in fixtures:
            item.add_marker(pytest.mark.xdist_group("spark"))


@pytest.fixture(scope="session")
def spark():
    """One local Spark (tuned for a fast start) for every test that needs it."""
    pytest.importorskip("pyspark")
    from sejahtera.targeting_engine import spark_session

    session = spark_session("sejahtera-tests", fast_start=True)
    yield session
    session.stop()


def _ensure_regions() -> None:
    from sejahtera.registry.models import Region
    from sejahtera.registry.services.regions import load_regions

    if not Region.objects.exists():
        load_regions()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite the test database is a file, as the app's is, not memory. Over an in-memory
    database the live server's threads share the tests' one connection, and two threads on it
    at once (a page's background request beside the test's own query) break it for every test
    after; over a file each thread has its own connection and SQLite makes them take turns."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        folder = tmp_path_factory.mktemp("database")
        database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database holds the official regions, loaded once per session."""
    with django_db_blocker.unblock():
        _ensure_regions()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends by emptying the database: put the regions back for the
    tests that follow it."""
    yield
    marker = item.get_closest_marker("django_db")
    # After the last test the test databases are gone already (nextitem is None).
    if nextitem is not None and marker is not None and marker.kwargs.get("transaction"):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _ensure_regions()


BOGOR_VILLAGE = "3201011002"  # Karadenan, Cibinong, Kabupaten Bogor
OTHER_VILLAGE = "3273011001"  # a village in Kota Bandung


@pytest.fixture
def make_user(db):
    """make_user(role, region=None) → a saved user with that role and region scope."""
    from sejahtera.accounts.models import User

    def make(role: str, region: str | None = None, **extra):
        return User.objects.create_user(
            username=f"{role}-{region or 'national'}-{User.objects.count()}",
            password="pw-for-tests",
            role=role,
            region_id=region,
            **extra,
        )

    return make


@pytest.fixture
def manager(make_user):
    """A ministry programme manager: prepares decrees, opens cycles, pays."""
    from sejahtera.accounts.models import Role

    return make_user(Role.PROGRAMME_MANAGER)


@pytest.fixture
def approver(make_user):
    """A second decree maker, to approve what the manager prepares (four eyes)."""
    from sejahtera.accounts.models import Role

    return make_user(Role.ADMINISTRATOR)


@pytest.fixture
def household_factory(db):
    """household_factory(village, members=[{...cells...}], **household cells) → Household,
    registered through the registry service as an administrator would."""
    from sejahtera.accounts.models import Role, User
    from sejahtera.registry.services.records import register_household

    admin = User.objects.create_user(username="factory-admin", role=Role.ADMINISTRATOR)

    def make(village: str = BOGOR_VILLAGE, members=None, **cells):
        members = members or [
            {
                "full_name": "Siti Aminah",
                "sex": "P",
                "birth_date": "1990-08-05",
                "relationship": "head",
                "nik": "3201014508900001",
            }
        ]
        return register_household(
            actor=admin, household={"region_code": village, **cells}, members=members
        )

    return make


@pytest.fixture
def linked_pair(household_factory):
    """Siti Aminah of Karadenan and "Hj. Siti Aminah", without a NIK, of Pondok Rajeg (both
    Cibinong, Bogor): a pair linkage found, with its probability and evidence."""
    from sejahtera.registry.models import DuplicateCandidate

    def head(name, nik=""):
        return {"full_name": name, "nik": nik, "sex": "P", "birth_date": "1980-05-04",
                "relationship": "head"}  # fmt: skip

    siti = household_factory("3201011002", [head("Siti Aminah", "3201014405800001")])
    again = household_factory("3201011001", [head("Hj. Siti Aminah")])
    return DuplicateCandidate.objects.create(
        person=siti.members.get(),
        other=again.members.get(),
        reason=DuplicateCandidate.Reason.LINKAGE,
        match_probability=0.9987,
        evidence={
            "name": 6,
            "birth_date": 5,
            "sex": 1,
            "nik": -1,
            "kk_number": 0,
            "village": 1,
            "birth_place": -1,
        },
        model_version="abc123def456",
    )


@pytest.fixture
def one_time_key():
    """one_time_key(page) → the one-time submission key of the form on a rendered page."""
    import re

    def find(page: str) -> str:
        return re.search(r'name="submission_key" value="([0-9a-f-]+)"', page)[1]

    return find


@pytest.fixture
def api_post(client):
    """api_post(user, path, body, key) → the response to a JSON POST with that user's token
    (every scope) and an Idempotency-Key."""
    from sejahtera.accounts.models import ApiToken
    from sejahtera.accounts.tokens import create_token

    def post(user, path, body, key):
        _token, secret = create_token(user, "t", list(ApiToken.Scope))
        headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_IDEMPOTENCY_KEY": key}
        return client.post(path, body, content_type="application/json", **headers)

    return post


@pytest.fixture
def served_case(db):
    """served_case(household, worker, supervisor, today=None) → a case opened and moved to
    protection (today by default)."""
    from datetime import date

    from sejahtera.cases import services
    from sejahtera.domain.cases import Stage

    def open_and_serve(household, worker, supervisor, today=None):
        today = today or date.today()
        case = services.open_case(
            actor=worker,
            household=household,
            social_worker=worker,
            supervisor=supervisor,
            today=today,
        )
        services.move_case(
            case=case,
            to_stage=Stage.PROTECTION,
            actor=worker,
            reason="",
            expected_version=case.version,
            today=today,
        )
        case.refresh_from_db()
        return case

    return open_and_serve


@pytest.fixture
def enrol(make_user):
    """enrol(household, programme) → an open, active enrolment of the household, from a decree
    of a completed run (no cycle): a family the programme already serves."""
    from datetime import date

    from sejahtera.accounts.models import Role
    from sejahtera.programmes.models import Decree, Enrolment
    from sejahtera.targeting.models import TargetingRun
    from sejahtera.targeting.rules import default_rules_text

    def make(household, programme: str):
        run = TargetingRun.objects.create(
            as_of=date(2026, 1, 1), rules_text=default_rules_text(), status="completed"
        )
        decree = Decree.objects.create(
            programme=programme, period_start=date(2026, 1, 1), run=run,
            prepared_by=make_user(Role.PROGRAMME_MANAGER),
        )  # fmt: skip
        return Enrolment.objects.create(
            programme=programme, subject=f"H{household.pk}", household=household,
            region_code=household.village_id, started_on=date(2026, 1, 1),
            per_stage_amount=937_500, monthly_amount=200_000, yearly_amount=3_750_000,
            start_decree=decree,
        )  # fmt: skip

    return make
