"""The programme tests' enrolled registry, for objections that hold enrolments; a media
directory of each test's own."""

import pytest
from tests.programmes.conftest import enrolled  # noqa: F401 (a fixture)
from tests.targeting.conftest import population  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Photos and minutes go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
