"""Settings as a fresh installation gets them: no debug pages, a secret key of its own, a
database file no other account reads."""

import os
import stat
import subprocess
import sys
from pathlib import Path

PRINT_SETTINGS = "from sejahtera.config import settings as s; print(s.DEBUG, s.DEMO, s.SECRET_KEY)"


def settings_in(home, **env) -> list[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("SEJAHTERA_", "DATABASE_URL"))
    }
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        env={**clean, "SEJAHTERA_HOME": str(home), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_debug_pages_are_off_unless_asked_for(tmp_path):
    assert settings_in(tmp_path)[:2] == ["False", "False"]
    assert settings_in(tmp_path, SEJAHTERA_DEBUG="1")[0] == "True"


def test_each_installation_generates_and_keeps_its_own_secret_key(tmp_path):
    first = settings_in(tmp_path / "a")[2]
    assert settings_in(tmp_path / "a")[2] == first
    assert settings_in(tmp_path / "b")[2] != first
    assert len(first) > 40
    assert stat.S_IMODE((tmp_path / "a" / "secret_key").stat().st_mode) == 0o600
    assert settings_in(tmp_path / "c", SEJAHTERA_SECRET_KEY="given")[2] == "given"
    assert not (tmp_path / "c" / "secret_key").exists()


def test_the_embedded_database_is_readable_by_the_apps_user_only(tmp_path):
    """Was a defect: the SQLite file, which holds specific personal data, was created 0644 —
    readable by every account on the machine."""
    settings_in(tmp_path / "new")
    assert stat.S_IMODE((tmp_path / "new" / "sejahtera.sqlite3").stat().st_mode) == 0o600
    (tmp_path / "old").mkdir()
    earlier = tmp_path / "old" / "sejahtera.sqlite3"
    earlier.write_bytes(b"")
    earlier.chmod(0o644)  # as an earlier version left it
    settings_in(tmp_path / "old")
    assert stat.S_IMODE(earlier.stat().st_mode) == 0o600
    settings_in(tmp_path / "memory", DATABASE_URL="sqlite://:memory:")
    assert not Path(":memory:").exists()  # no file named after an in-memory database
