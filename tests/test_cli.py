"""The `khabar` command as an operator runs it: a real process on a fresh data directory."""

import json
import os
import subprocess
import sys
from pathlib import Path

KHABAR = Path(sys.executable).parent / "khabar"


def run_khabar(*args, data_dir: Path, stdin: str | None = None):
    env = {**os.environ, "KHABAR_DATA_DIR": str(data_dir)}
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL"):
        env.pop(name, None)
    return subprocess.run(
        [str(KHABAR), *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=120,
    )


def test_help_explains_every_khabar_command_in_one_line(tmp_path):
    done = run_khabar("--help", data_dir=tmp_path)
    assert done.returncode == 0
    for command in (
        "worker",
        "add-source",
        "import-opml",
        "export-opml",
        "add-file",
        "extract",
        "import-jsonl",
    ):
        line = next(line for line in done.stdout.splitlines() if line.strip().startswith(command))
        assert len(line.split(maxsplit=1)) == 2, line  # the name, then its one line of help


def test_import_jsonl_works_on_a_new_empty_data_dir(tmp_path):
    data_dir = tmp_path / "new"
    line = {
        "url": "https://example.org/2026/11/25/majalis",
        "title": "المجالس المحلية تنتخب رؤساءها",
        "text": "انتخبت المجالس المحلية رؤساءها في جلسات علنية.",
        "published": "Wed, 25 Nov 2026 08:00:00 +0300",
        "source": "مثال",
    }
    done = run_khabar("import-jsonl", "-", "--quiet", data_dir=data_dir, stdin=json.dumps(line))
    assert done.returncode == 0, done.stderr
    assert "1 stored" in done.stdout + done.stderr
    assert (data_dir / "khabar.sqlite3").exists()


def test_an_unknown_command_fails_with_a_clear_line(tmp_path):
    done = run_khabar("no-such-command", data_dir=tmp_path)
    assert done.returncode != 0
    assert "Unknown command" in done.stderr
    assert "Traceback" not in done.stderr
