"""The programme tests' enrolled registry, for objections that hold enrolments."""

from tests.programmes.conftest import approver, enrolled, manager  # noqa: F401 (fixtures)
from tests.targeting.conftest import population  # noqa: F401 (a fixture)
