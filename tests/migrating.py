"""Moving a test database between migrations, and back to where every other test expects it."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def migrate_every_app_to_its_latest() -> None:
    """Going back also undid the other apps' migrations that depend on the ones undone: the
    tests after this one need every app's."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
