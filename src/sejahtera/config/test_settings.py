"""Settings for the test suite: the production settings with tasks run inline and a fast
password hasher; two-step verification required only where a test asks for it."""

import os

from sejahtera.config.settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests sign users in without a phone; tests/accounts/test_two_factor.py and the browser test of
# two-step verification turn it on.
SEJAHTERA_REQUIRE_TWO_FACTOR = False
# Each test process counts API requests in its own memory (the database cache would need its
# table in every test database and cost queries).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Each test process keeps its files (uploads, import reports named by the run's id, which
# several test databases reuse) in a folder of its own, so parallel processes never share one.
MEDIA_ROOT = MEDIA_ROOT / "test" / os.environ.get("PYTEST_XDIST_WORKER", "main")  # noqa: F405
