"""`make demo`: sample news from a local site, fetched by the real worker, served on :8000.

    python -m khabar.demo [--data-dir DIR] [--port 8000] [--setup-only]

The demo keeps its SQLite database in `data/demo` (or KHABAR_DATA_DIR), apart from a real
install's `data`, whatever DATABASE_URL says. It serves the sample sites in `khabar/demo_data`
on 127.0.0.1, subscribes to them with `khabar add-source` and `khabar add-file`, lets
`khabar worker` fetch, extract, clean and store them, creates a staff account, and serves the
site. Every step is safe to run again. Ctrl-C stops every process it started.
"""

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from khabar.demo_data.site import DemoSiteServer, load_feeds, scraped_pages

DEFAULT_DATA_DIR = "data/demo"
DEMO_EMAIL = "demo@example.org"
SCRAPED_SOURCE_NAME = "صحيفة الساحل (نصوص منسوخة)"
SITE_PORT_FILE = "demo-site-port"
PASSWORD_FILE = "demo-password"
STOP_TIMEOUT = 10


class DemoError(Exception):
    """A problem the person running the demo can fix; printed as one line."""


def say(message: str) -> None:
    print(f"[demo] {message}", flush=True)


# --- environment --------------------------------------------------------------------------


def demo_environment(data_dir: Path) -> dict[str, str]:
    """The environment for the demo and every process it starts.

    The demo always uses SQLite in its data dir: a DATABASE_URL meant for a real install (or
    for the PostgreSQL test run) must not receive the sample news.
    """
    inherited = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    return {
        **inherited,
        "KHABAR_DATA_DIR": str(data_dir),
        # The sample sites are served on 127.0.0.1, which the fetcher refuses by default.
        "KHABAR_ALLOW_PRIVATE_ADDRESSES": "1",
        "DJANGO_SETTINGS_MODULE": "khabar.settings",
        "PYTHONUNBUFFERED": "1",
    }


def configure_django(data_dir: Path) -> None:
    """Point this process's Django at the demo's data dir, before settings are first read."""
    environment = demo_environment(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(environment)
    import django

    django.setup()


def khabar_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "khabar.cli", *args]


def available_commands() -> set[str]:
    from django.core.management import get_commands

    return set(get_commands())


def run_khabar(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    """Run one `khabar` command to completion, its output shown as it goes."""
    return subprocess.run(khabar_command(*args), env=demo_environment(data_dir), check=False)


# --- setup --------------------------------------------------------------------------------


def start_demo_site(data_dir: Path) -> DemoSiteServer:
    """The sample sites, on the port they had last time when it is free, so URLs stay put."""
    port_file = data_dir / SITE_PORT_FILE
    preferred = int(port_file.read_text()) if port_file.exists() else 0
    try:
        server = DemoSiteServer(port=preferred)
    except OSError:
        server = DemoSiteServer(port=0)
    port_file.write_text(server.base_url.rsplit(":", 1)[1])
    return server.start()


def migrate_database() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def move_demo_sources(*, base_url: str) -> int:
    """Point sources of an earlier demo run, served on another port, at this run's site."""
    from khabar.sources.models import Source

    demo_paths = {feed.feed_path for feed in load_feeds()}
    moved = 0
    for source in Source.objects.filter(url__startswith="http://127.0.0.1:"):
        path = urlsplit(source.url).path
        if path in demo_paths and source.url != base_url + path:
            source.url = base_url + path
            source.save(update_fields=["url"])
            moved += 1
    return moved


def make_demo_sources_due(site: DemoSiteServer) -> None:
    """Have the worker fetch the sample feeds on this run too, so a rerun shows fresh times."""
    from django.utils import timezone

    from khabar.sources.models import Source

    urls = [url for _feed, url in site.site.feed_urls()]
    Source.objects.filter(url__in=urls, enabled=True).update(next_check_at=timezone.now())


def subscribed_urls() -> set[str]:
    from khabar.sources.models import Source

    return set(Source.objects.exclude(url=None).values_list("url", flat=True))


def add_feeds(site: DemoSiteServer, *, data_dir: Path) -> None:
    """Subscribe to each sample feed through `khabar add-source`, once."""
    already = subscribed_urls()
    for feed, url in site.site.feed_urls():
        if url in already:
            continue
        say(f"khabar add-source {url} --folder {feed.folder}")
        if run_khabar("add-source", url, "--folder", feed.folder, data_dir=data_dir).returncode:
            say(f"add-source failed for {url}; the demo goes on without it")


def add_scraped_pages(site: DemoSiteServer, *, data_dir: Path) -> None:
    """Ingest the scraped-text pages through `khabar add-file` (storing twice changes nothing)."""
    for text_file in scraped_pages():
        url = site.site.scraped_url(text_file)
        say(f"khabar add-file {text_file.name}")
        result = run_khabar(
            "add-file", str(text_file), "--source", SCRAPED_SOURCE_NAME, "--url", url,
            data_dir=data_dir,
        )  # fmt: skip
        if result.returncode != 0:
            say(f"add-file failed for {text_file.name}; the demo goes on without it")


def fetch_everything(*, data_dir: Path) -> None:
    """Let the real worker fetch every due source and run every queued job, then exit."""
    say("khabar worker --batch   (fetching, extracting, cleaning, storing)")
    if run_khabar("worker", "--batch", data_dir=data_dir).returncode != 0:
        say("the worker stopped with an error; the site shows what was stored")


def ensure_demo_account(*, data_dir: Path) -> tuple[str, str]:
    """The staff account readers log in with: the same password on every run."""
    from django.contrib.auth import get_user_model

    password_file = data_dir / PASSWORD_FILE
    if not password_file.exists():
        password_file.write_text(secrets.token_urlsafe(12))
        password_file.chmod(0o600)
    password = password_file.read_text().strip()
    user, _created = get_user_model().objects.update_or_create(
        username=DEMO_EMAIL,
        defaults={"email": DEMO_EMAIL, "is_staff": True, "is_superuser": True, "is_active": True},
    )
    user.set_password(password)
    user.save()
    return DEMO_EMAIL, password


def missing_commands(names: tuple[str, ...]) -> list[str]:
    present = available_commands()
    return [name for name in names if name not in present]


def setup_demo(site: DemoSiteServer, *, data_dir: Path) -> tuple[str, str]:
    """Create or migrate the database, load the sample news, and return the demo login."""
    say(f"data directory: {data_dir}")
    migrate_database()
    moved = move_demo_sources(base_url=site.base_url)
    if moved:
        say(f"moved {moved} demo sources to {site.base_url}")
    make_demo_sources_due(site)
    missing = missing_commands(("add-source", "add-file", "worker"))
    if missing:
        say(
            "not available yet: "
            + ", ".join(f"khabar {name}" for name in missing)
            + " — the steps that need them are skipped"
        )
    if "add-source" not in missing:
        add_feeds(site, data_dir=data_dir)
    if "add-file" not in missing:
        add_scraped_pages(site, data_dir=data_dir)
    if "worker" not in missing:
        fetch_everything(data_dir=data_dir)
    say(article_summary())
    return ensure_demo_account(data_dir=data_dir)


def article_summary() -> str:
    from django.db.models import Count

    from khabar.articles.models import Article

    counts = dict(
        Article.objects.values_list("language").annotate(n=Count("id")).values_list("language", "n")
    )
    total = sum(counts.values())
    parts = ", ".join(f"{language or '?'}: {n}" for language, n in sorted(counts.items()))
    return f"{total} articles stored" + (f" ({parts})" if parts else "") + "; " + story_summary()


def story_summary() -> str:
    from khabar.stories.queries import live_stories

    stories = live_stories()
    several = stories.filter(source_count__gt=1).count()
    return f"{stories.count()} stories, {several} of them told by several sources"


# --- serving ------------------------------------------------------------------------------


def check_port_free(port: int) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise DemoError(
                f"port {port} is in use; stop what runs there or use --port N"
            ) from None


def wait_until_listening(port: int, *, process: subprocess.Popen, timeout: float = 60) -> None:
    """Return once the web server accepts connections, so the printed address works at once."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise DemoError(f"the web server did not start on port {port}")


def start_process(*args: str, data_dir: Path, children: list) -> subprocess.Popen:
    process = subprocess.Popen(khabar_command(*args), env=demo_environment(data_dir))
    children.append(process)
    return process


def serve_demo(*, port: int, data_dir: Path, login: tuple[str, str], children: list) -> None:
    """Run the scheduler and the web server until Ctrl-C or until one of them stops."""
    from django.db import connections

    connections.close_all()  # the children write; this process has nothing left to say
    check_port_free(port)
    if "worker" in available_commands():
        start_process("worker", data_dir=data_dir, children=children)
    server = start_process(
        "runserver", f"127.0.0.1:{port}", "--noreload", data_dir=data_dir, children=children
    )
    wait_until_listening(port, process=server)
    email, password = login
    say("")
    say(f"khabar is at http://127.0.0.1:{port}/   (admin: http://127.0.0.1:{port}/admin/)")
    say(f"log in as {email} with password {password}")
    say("Ctrl-C stops everything")
    while all(child.poll() is None for child in children):
        time.sleep(0.5)
    stopped = next(child for child in children if child.poll() is not None)
    raise DemoError(f"{' '.join(stopped.args[3:])} stopped (exit {stopped.returncode})")


def stop_processes(children: list[subprocess.Popen]) -> None:
    """Ask each child to stop, then insist; never leave one running.

    SIGTERM, not SIGINT: a process started in the background inherits an ignored SIGINT.
    """
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m khabar.demo", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("KHABAR_DATA_DIR", DEFAULT_DATA_DIR),
        help=f"where the demo keeps its database (default: KHABAR_DATA_DIR or {DEFAULT_DATA_DIR})",
    )
    parser.add_argument("--port", type=int, default=8000, help="the site's port (default 8000)")
    parser.add_argument(
        "--setup-only", action="store_true", help="load the sample news and exit without serving"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data_dir = Path(args.data_dir).resolve()
    # STATIC_ROOT: WhiteNoise warns when it is missing, though the demo serves from the finders.
    (data_dir / "static").mkdir(parents=True, exist_ok=True)
    configure_django(data_dir)
    # Ctrl-C and `kill` both end in the `finally` below, which stops the children; the default
    # SIGINT handler is set explicitly because a background start would inherit it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    children: list[subprocess.Popen] = []
    site = start_demo_site(data_dir)
    say(f"sample news sites at {site.base_url}/")
    try:
        login = setup_demo(site, data_dir=data_dir)
        if args.setup_only:
            say(f"demo account: {login[0]} / {login[1]}")
            return 0
        serve_demo(port=args.port, data_dir=data_dir, login=login, children=children)
    except KeyboardInterrupt:
        say("stopping")
    except DemoError as error:
        say(str(error))
        return 1
    finally:
        stop_processes(children)
        site.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
