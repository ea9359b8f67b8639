"""What the benchmarks share: the line that says where figures were measured, and a scratch
PostgreSQL schema.

Figures from this machine only compare with figures from the same run, so every benchmark prints
the CPU, the load when it started and the versions of what it measures beside its results.
"""

import os
import platform
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from tracker.config import normalise_url


def machine(*versions: str) -> str:
    """One line: system, CPU, cores, load average, Python, then `versions` ("SQLite 3.40")."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                    if line.startswith("model name")), cpu)
    load = " ".join(f"{n:.1f}" for n in os.getloadavg())
    return ", ".join([f"{platform.system()} {platform.release()}", cpu,
                      f"{os.cpu_count()} CPUs", f"load average {load}",
                      f"Python {platform.python_version()}", *versions])


def postgres_version(url: str) -> str:
    engine = create_engine(normalise_url(url))
    with engine.connect() as connection:
        version = str(connection.execute(text("SHOW server_version")).scalar())
    engine.dispose()
    return version


@contextmanager
def scratch_schema(url: str) -> Iterator[str]:
    """A URL of the same server whose search_path is a new, empty schema, dropped on exit, so a
    benchmark never touches the tables of the database it is pointed at."""
    base = normalise_url(url)
    admin, schema = create_engine(base), f"bench_{uuid.uuid4().hex[:8]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in base else "?"
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
