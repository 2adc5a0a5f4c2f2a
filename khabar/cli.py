"""The `khabar` command: Django's management commands plus khabar's own, one line of help each."""

import os
import sys

# Commands that must not (or need not) migrate the database before they run.
NO_DATABASE_COMMANDS = frozenset(
    {
        "makemigrations",
        "migrate",
        "check",
        "compilemessages",
        "makemessages",
        "collectstatic",
        "extract",
        "sqlmigrate",
        "showmigrations",
        "squashmigrations",
        "startapp",
        "startproject",
        "diffsettings",
        "version",
        "help",
        "test",
        "findstatic",
        "optimizemigration",
        "sendtestemail",
        "train",
        "analyze",
    }
)
FEATURED_DJANGO_COMMANDS = (
    "migrate",
    "createsuperuser",
    "changepassword",
    "runserver",
    "shell",
    "dbshell",
    "check",
)


def one_line(text: str) -> str:
    return " ".join((text or "").split()).split(". ")[0].rstrip(".")


def print_overview() -> None:
    from django.core.management import get_commands, load_command_class

    commands = get_commands()
    khabar_commands = sorted(name for name, app in commands.items() if app.startswith("khabar"))
    print("usage: khabar COMMAND [options]   (khabar COMMAND --help for its options)\n")
    print("khabar commands:")
    for name in khabar_commands:
        help_text = one_line(load_command_class(commands[name], name).help)
        print(f"  {name:<16} {help_text}")
    print("\nDjango commands (khabar help --commands lists them all):")
    for name in FEATURED_DJANGO_COMMANDS:
        help_text = one_line(load_command_class(commands[name], name).help)
        print(f"  {name:<16} {help_text}")


def ensure_migrated() -> None:
    """Bring a new or older database up to date so every command works on a fresh install."""
    from django.core.management import call_command
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections["default"]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "khabar"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khabar.settings")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    if len(argv) < 2 or argv[1:] in (["help"], ["-h"], ["--help"]):
        print_overview()
        return
    if argv[1] not in NO_DATABASE_COMMANDS and not argv[1].startswith("-"):
        ensure_migrated()
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
