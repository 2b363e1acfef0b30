import pytest

from sejahtera.registry.models import Region
from sejahtera.registry.services.regions import load_regions

pytestmark = pytest.mark.django_db


def test_loading_regions_again_changes_nothing():
    # The session fixture loaded them once already.
    before = Region.objects.count()
    Region.objects.filter(code="3201").update(name="Renamed")
    assert load_regions() == before
    assert Region.objects.count() == before == 38 + 514 + 7285 + 83762
    assert Region.objects.get(code="3201").name == "Kabupaten Bogor"


def test_every_region_hangs_under_its_parent():
    village = Region.objects.select_related("parent__parent__parent").get(code="3201011002")
    assert village.level == "village"
    assert [village.parent.code, village.parent.parent.code, village.parent.parent.parent.code] == [
        "320101",
        "3201",
        "32",
    ]
    assert not Region.objects.filter(level="province", parent__isnull=False).exists()
    assert not Region.objects.exclude(level="province").filter(parent__isnull=True).exists()
