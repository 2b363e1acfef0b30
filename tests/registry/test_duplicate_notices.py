"""The import report's note on a shared NIK names only the holders inside the importer's
region; of any other it says only that the NIK is registered elsewhere (issue #9 item 9)."""

import pytest

from sejahtera.accounts.models import Role

from .test_importing import household, person, run_import

pytestmark = pytest.mark.django_db
BOGOR = "3201011002"
ACEH = "1101012001"
SHARED = "3201011501800001"  # held in Bogor and in Aceh
ONLY_IN_ACEH = "3201011501800002"


@pytest.fixture
def holders(tmp_path_factory):
    run_import(
        tmp_path_factory.mktemp("setup"),
        [household("H-BOGOR", region_code=BOGOR), household("H-ACEH", region_code=ACEH)],
        [
            person("P-BOGOR", "H-BOGOR", nik=SHARED),
            person("P-ACEH", "H-ACEH", nik=SHARED),
            person("P-ACEH-2", "H-ACEH", nik=ONLY_IN_ACEH, relationship="spouse"),
        ],
    )


def _notes(tmp_path, actor):
    """The report's NIK_DUPLICATE messages of a Bogor import holding both NIKs."""
    _summary, report = run_import(
        tmp_path,
        [household("H-NEW", region_code=BOGOR)],
        [
            person("P-NEW", "H-NEW", nik=SHARED),
            person("P-NEW-2", "H-NEW", nik=ONLY_IN_ACEH, relationship="spouse"),
        ],
        actor=actor,
    )
    return {r["record_id"]: r["message"] for r in report if r["code"] == "NIK_DUPLICATE"}


def test_a_regional_importer_learns_no_holder_outside_its_region(tmp_path, make_user, holders):
    notes = _notes(tmp_path, make_user(Role.DISTRICT_OFFICE, "3201"))
    assert "P-BOGOR" in notes["P-NEW"]
    assert "P-ACEH" not in notes["P-NEW"]
    assert "P-" not in notes["P-NEW-2"]  # held only in Aceh: registered elsewhere, no more


def test_a_national_importer_is_told_every_holder(tmp_path, make_user, holders):
    notes = _notes(tmp_path, make_user(Role.ADMINISTRATOR))
    assert "P-BOGOR" in notes["P-NEW"]
    assert "P-ACEH" in notes["P-NEW"]
    assert "P-ACEH-2" in notes["P-NEW-2"]
