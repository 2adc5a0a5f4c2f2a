"""The header every benchmark prints first: when and where it ran, on which commit, how.

docs/benchmarks.md records these lines with each figure, so they are the same in every
benchmark.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def print_header(title: str, **details: object) -> None:
    """Print `title`, the run's date, machine, load, Python and commit, its command line, then
    one line for each of `details` (name, value)."""
    print(title)
    print(f"  date      {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    print(f"  machine   {machine()}")
    print(f"  load      {load_average()} (1, 5, 15 min)")
    print(f"  python    {sys.version.split()[0]}, commit {git_commit()}")
    print(f"  command   {' '.join([Path(sys.executable).name, *sys.argv])}")
    for name, value in details.items():
        print(f"  {name:<9} {value}")


def machine() -> str:
    """Cores, CPU model and memory, as the figures in docs/benchmarks.md name the machine."""
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {model}, {memory:.0f} GiB RAM"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def git_commit() -> str:
    """The commit measured, marked -dirty when the working tree differs from it."""
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
        )
    except OSError:
        return "?"
    return described.stdout.strip() or "?"
