import sys
from pathlib import Path

import pytest

# Test modules import the builders as `targeting_builders` (pytest runs with importlib mode).
sys.path.insert(0, str(Path(__file__).parent))

from targeting_builders import Runner, make_runner


@pytest.fixture
def run() -> Runner:
    return make_runner()
