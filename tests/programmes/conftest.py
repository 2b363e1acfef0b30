"""The targeting tests' small registry (poor and well-off households in Bogor and Bandung)."""

from ..targeting.conftest import analyst, population  # noqa: F401 (fixtures)
