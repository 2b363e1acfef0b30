"""The office the registry's tests of held records and merges review duplicates as."""

import pytest

from sejahtera.accounts.models import Role


@pytest.fixture
def office(make_user):
    """A regency office of Kabupaten Bogor: reviews the pairs of its region."""
    return make_user(Role.DISTRICT_OFFICE, "3201")
