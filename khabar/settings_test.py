"""Settings for the test suite: the real settings with fast, synchronous pieces swapped in."""

from .settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests serve fixture feeds from 127.0.0.1; the guard itself is tested with this switched off.
KHABAR_ALLOW_PRIVATE_ADDRESSES = True
