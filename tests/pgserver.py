"""A throwaway PostgreSQL server for the tests: initdb into a temp dir, start, stop, remove.

The server listens on a free port on 127.0.0.1 (and a Unix socket in its temp dir), trusts
every local connection and trades durability for speed (fsync, synchronous commit and full
page writes off) unless it is made ``durable`` (PostgreSQL's defaults: every commit flushed to
disk, as the benchmarks need to compare it with SQLite's ``synchronous=FULL``). initdb and postgres refuse to run as root: under root (as in CI) they run
as the unprivileged ``postgres`` user that Debian's postgresql package creates.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

SERVER_USER = "postgres"  # the system user the server runs as when the tests run as root
SETTINGS = {"listen_addresses": "'127.0.0.1'", "max_connections": "200"}
FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
START_ATTEMPTS = 3  # a free port can be taken by another process before the server binds it


class PgServerError(RuntimeError):
    """The throwaway server could not be set up; the message says why."""


def find_binary(name: str) -> str:
    """``name`` from PATH, else from the newest /usr/lib/postgresql/*/bin (Debian's layout)."""
    on_path = shutil.which(name)
    if on_path:
        return on_path
    found = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    if not found:
        raise PgServerError(
            f"{name} is neither on PATH nor under /usr/lib/postgresql/*/bin: install the "
            "PostgreSQL server (Debian: apt-get install postgresql)"
        )
    return max(found, key=lambda path: int(Path(path).parts[-3].split(".")[0]))


def run_as() -> dict[str, Any]:
    """subprocess arguments that drop root to SERVER_USER; none for a normal user."""
    if os.geteuid() != 0:
        return {}
    try:
        user = pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise PgServerError(
            f"running as root, which initdb refuses, and there is no '{SERVER_USER}' user to "
            "run the server as: run the tests as a normal user, or install Debian's postgresql "
            "package (it creates that user)"
        ) from None
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PgServer:
    """A PostgreSQL server in a temp dir, from ``start()`` (or ``with``) to ``stop()``;
    ``durable`` keeps PostgreSQL's crash-safe defaults instead of `FAST`."""

    def __init__(self, durable: bool = False) -> None:
        self.durable = durable
        self._server_user = run_as()
        self.dir = Path(tempfile.mkdtemp(prefix="pgserver-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = 0
        self._names = itertools.count(1)

    @property
    def url(self) -> str:
        """The ``postgres`` database, as the superuser ``postgres``."""
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> PgServer:
        """initdb, then start on a free port and wait until the server accepts connections."""
        try:
            if self._server_user:
                os.chown(self.dir, self._server_user["user"], self._server_user["group"])
            self._run(
                find_binary("initdb"),
                *("-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync"),
                *("--encoding=UTF8", "--locale=C"),
            )
            settings = {
                **SETTINGS,
                **({} if self.durable else FAST),
                "unix_socket_directories": f"'{self.dir}'",
            }
            with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
                conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
            self._listen()
        except BaseException:
            self.stop()
            raise
        return self

    def _listen(self) -> None:
        """Start on a free port, choosing another if the chosen one was taken meanwhile."""
        for attempt in range(1, START_ATTEMPTS + 1):
            self.port = free_port()
            try:
                self._pg_ctl(
                    "start", "-w", "-t", "60", "-l", str(self.log), "-o", f"-p {self.port}"
                )
                return
            except PgServerError:
                if attempt == START_ATTEMPTS:
                    raise

    def stop(self) -> None:
        """Stop at once (no checkpoint: the data is thrown away) and remove the temp dir."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._pg_ctl("stop", "-w", "-m", "immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def fresh_database(self, template: str | None = None) -> str:
        """Create a new database with a unique name, empty or a copy of ``template``; return
        its URL."""
        name = f"test_{next(self._names)}"
        copy = f" TEMPLATE {template}" if template else ""
        self._run(
            find_binary("psql"),
            *("-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url),
            *("-c", f"CREATE DATABASE {name}{copy}"),
            as_server=False,
        )
        return self.database_url(name)

    def __enter__(self) -> PgServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _pg_ctl(self, *args: str) -> None:
        self._run(find_binary("pg_ctl"), "-D", str(self.data), *args)

    def _run(self, *command: str, as_server: bool = True) -> None:
        """Run a PostgreSQL program; raise PgServerError with its output and the server log."""
        result = subprocess.run(
            command,
            cwd=self.dir,
            capture_output=True,
            text=True,
            check=False,
            **(self._server_user if as_server else {}),
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PgServerError(
                f"{' '.join(command)} exited with {result.returncode}:\n"
                f"{result.stdout}{result.stderr}{log}"
            )
