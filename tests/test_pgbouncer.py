"""A fleet that connects through pgbouncer in transaction mode (docs/deploy.md), with a real
pgbouncer (Debian's package; `.ci/run` installs it) started on a free loopback port in front of
the test PostgreSQL.

In transaction mode every transaction may run on a different server connection, so nothing may
outlive a transaction: no session settings, no session advisory locks, and no server-side
prepared statements (psycopg prepares a statement it has run five times on one connection; the
next client to run it on that server connection fails with "prepared statement _pg3_0 already
exists"). The pool here has a single server connection that every client shares, which makes
any such leak fail at once.
"""

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import POSTGRES_ENV, postgres_url
from tests.fleet import Farm, Workers, per_story, track
from tracker.config import normalise_url
from tracker.db.engine import open_database
from tracker.search import search
from tracker.sources.importer import import_paths, seeds_dir
from tracker.store.spacing import take_turn

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/sbin")
    if found is None:
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer; .ci/run does)")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


CONFIG = """\
[databases]
tracker = host={host} port={port} dbname={dbname} user={user} {connect_query}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {users}
pool_mode = transaction
default_pool_size = 1
max_client_conn = 50
"""


@pytest.fixture
def bouncer(tmp_path: Path) -> Iterator[str]:
    """The URL of a pgbouncer in transaction mode, one server connection in its pool, whose
    connections use a fresh schema of the test PostgreSQL (dropped afterwards)."""
    base = postgres_url()
    if not base:
        pytest.skip(f"set {POSTGRES_ENV} to run PostgreSQL tests")
    binary = pgbouncer_binary()
    server = create_engine(normalise_url(base))
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = server.url
    folder = tmp_path / "pgbouncer"
    folder.mkdir(mode=0o755)
    (folder / "users.txt").write_text(f'"{url.username}" ""\n')
    listen = free_port()
    config = folder / "pgbouncer.ini"
    config.write_text(CONFIG.format(host=url.host, port=url.port or 5432, dbname=url.database,
                                    user=url.username, listen=listen,
                                    connect_query=f"connect_query='SET search_path TO {schema}'",
                                    users=folder / "users.txt"))
    # pgbouncer refuses to run as root; -u drops to another user after reading its files.
    as_user = ["-u", "nobody"] if _is_root() else []
    process = subprocess.Popen([binary, *as_user, str(config)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for_port(listen, process)
        yield f"postgresql://{url.username}@127.0.0.1:{listen}/tracker"
    finally:
        process.terminate()
        process.communicate(timeout=10)
        with server.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        server.dispose()


def _is_root() -> bool:
    return os.geteuid() == 0


def _wait_for_port(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"pgbouncer exited: {process.communicate()[0]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    pytest.fail("pgbouncer did not start listening within 30 s")


def test_clients_sharing_one_server_connection_store_search_and_take_turns(
    bouncer: str,
) -> None:
    """Three clients, one server connection: the schema is created through pgbouncer (the
    upgrade's advisory lock is a transaction's), the sample story stored and searched, and a
    statement run many times by each client in turn (take_turn, as a worker does before each
    request) never meets another client's prepared statement."""
    databases = [open_database(bouncer) for _ in range(3)]
    try:
        assert import_paths(databases[0], [seeds_dir()]).added == 8
        for _ in range(3):
            for db in databases:
                assert [take_turn(db, "news.example.com", 0.0) for _ in range(7)] == [0.0] * 7
                assert len(search(db, "missile")) > 0
    finally:
        for db in databases:
            db.close()


def test_two_workers_through_pgbouncer_check_every_story_once(
    farm: Farm, bouncer: str
) -> None:
    """Two snapshot workers and one server connection: each claims, takes turns for the site,
    stores and renews through pgbouncer, and every story is checked once."""
    db = open_database(bouncer)
    ids = track(db, farm.serve(60))
    workers = Workers(bouncer)
    try:
        options = ("--per-host", "8", "--delay", "0.01")
        outputs = workers.finish([workers.start("snapshot", *options) for _ in range(2)])
    finally:
        workers.stop_all()
    assert all("checked" in output for output in outputs)
    assert set(farm.hits.values()) == {1} and len(farm.hits) == 60
    assert per_story(db, "checks") == Counter(dict.fromkeys(ids.values(), 1))
    assert per_story(db, "versions") == Counter(dict.fromkeys(ids.values(), 1))
    db.close()
