"""The DuckDB runner keeps to the memory the operator gives it (SEJAHTERA_DUCKDB_MEMORY)."""

from sejahtera.targeting_engine.run import DuckDBRunner


def memory_limit(runner: DuckDBRunner) -> str:
    return runner.fetch("SELECT current_setting('memory_limit') AS m").to_pylist()[0]["m"]


def test_the_operator_sets_the_memory_duckdb_may_use(monkeypatch):
    monkeypatch.delenv("SEJAHTERA_DUCKDB_MEMORY", raising=False)
    default = DuckDBRunner()
    monkeypatch.setenv("SEJAHTERA_DUCKDB_MEMORY", "512MB")
    limited = DuckDBRunner()
    try:
        assert memory_limit(limited) == "488.2 MiB"
        assert memory_limit(default) != memory_limit(limited)
    finally:
        default.close()
        limited.close()
