import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would refuse ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Debian's Chromium, not a Playwright download (none can be fetched here). The network is closed
# but for package registries: without these flags Chromium keeps trying to reach Google's
# services in the background, which only adds noise and delay.
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-gpu",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture
def fresh_clusterer():
    """The enrich step's story clusterer lives in its process: each test starts like a new
    worker process, with none in memory, and leaves none behind."""
    from khabar.stories.enrich import forget_clusterer

    forget_clusterer()
    yield
    forget_clusterer()
