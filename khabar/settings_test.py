"""Settings for the test suite: the real settings with fast, synchronous pieces swapped in."""

import atexit
import shutil
import tempfile
from pathlib import Path

from .settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests serve fixture feeds from 127.0.0.1; the guard itself is tested with this switched off.
KHABAR_ALLOW_PRIVATE_ADDRESSES = True

# Each test run gets its own search index directory (tests/search gives each test its own).
KHABAR_SEARCH_DIR = Path(tempfile.mkdtemp(prefix="khabar-test-search-"))
atexit.register(shutil.rmtree, KHABAR_SEARCH_DIR, True)
