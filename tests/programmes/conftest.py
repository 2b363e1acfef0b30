"""The targeting tests' small registry (poor and well-off households in Bogor and Bandung),
and a second decree maker to approve what the analyst prepares."""

import pytest

from ..targeting.conftest import analyst, population  # noqa: F401 (fixtures)


@pytest.fixture
def approver(make_user):
    from sejahtera.accounts.models import Role

    return make_user(Role.ADMINISTRATOR)
