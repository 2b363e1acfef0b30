"""Decision 0001: the domain core, the generator, the targeting engine and the linkage code
run without Django. import-linter checks the imports written in the code; this imports every
module in a fresh interpreter and checks what is loaded, which also catches an import made
by a library or by a string."""

from __future__ import annotations

import subprocess
import sys

PLAIN_PYTHON = (
    "sejahtera.domain",
    "sejahtera.synth",
    "sejahtera.targeting_engine",
    "sejahtera.linkage",
)
# Their command lines are the Django command's subcommands.
COMMAND_LINES = ("sejahtera.targeting_engine.cli", "sejahtera.linkage.cli")

PROBE = f"""
import importlib, pkgutil, sys
loaded = []
for name in {PLAIN_PYTHON!r}:
    package = importlib.import_module(name)
    for module in pkgutil.walk_packages(package.__path__, name + "."):
        if module.name not in {COMMAND_LINES!r}:
            importlib.import_module(module.name)
            loaded.append(module.name)
print(len(loaded))
print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] in ("django", "ninja"))))
print(" ".join(sorted(m for m in sys.modules if m.startswith("sejahtera.")
                      and not m.startswith({PLAIN_PYTHON!r}))))
"""


def test_the_plain_python_packages_load_without_django():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout
    modules, frameworks, apps = out.split("\n")[:3]
    assert int(modules) > 30
    assert frameworks == ""
    assert apps == ""
