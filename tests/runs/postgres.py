"""A throwaway PostgreSQL cluster for the run-store tests.

``initdb`` into a temporary folder, a free port on 127.0.0.1, ``pg_ctl start``;
stopped and removed at the end. The server programs are found on PATH or in
``/usr/lib/postgresql/*/bin`` (Debian's ``postgresql`` package, which
``make test-deps`` installs). PostgreSQL refuses to run as root, so a root test
run starts it as the unprivileged ``nobody``.

The cluster's superuser (``admin``) only makes databases; the tests connect as
``analyst``, an ordinary role with a password that owns its database -- the
privileges the README asks of a team's role -- over TCP with password
authentication (scram-sha-256), as a team's server would be used.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ADMIN = "admin"
ROLE = "analyst"
#: The analyst's password: only ever given in URLs built here.
PASSWORD = "s3cret-pw-42"

MISSING = ("PostgreSQL's server programs (initdb, pg_ctl) were not found on PATH or in "
           "/usr/lib/postgresql/*/bin: install Debian's postgresql package "
           "(`make test-deps` does it) to run the run-store tests")


def server_bin() -> Path | None:
    """The folder holding initdb and pg_ctl, or None."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A running throwaway cluster."""

    bin: Path
    root: Path
    port: int
    user: str | None
    made: int = field(default=0)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), user=self.user, capture_output=True, text=True,
                              check=check, timeout=120, cwd=self.root)

    def pg_ctl(self, action: str, *extra: str) -> None:
        """``pg_ctl start|stop|restart`` on the cluster, waiting until it is done."""
        opts = (f"-p {self.port} -h 127.0.0.1 -k {self.root} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                  str(self.root / "server.log"), "-o", opts, "-w", "-m", "fast", action, *extra)

    def url(self, database: str, password: str | None = PASSWORD) -> str:
        """The URL of ``database`` as the analyst (with ``password``, or none)."""
        cred = f"{ROLE}:{password}" if password is not None else ROLE
        return f"postgresql://{cred}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        """Run ``sql`` as the superuser (over the cluster's own socket)."""
        import psycopg

        with psycopg.connect(host=str(self.root), port=self.port, user=ADMIN,
                             dbname="postgres", autocommit=True) as con:
            con.execute(sql)

    def new_database(self) -> str:
        """A new empty database owned by the analyst; its name."""
        self.made += 1
        name = f"store_{self.made}"
        self.admin(f"CREATE DATABASE {name} OWNER {ROLE}")
        self.admin(f"REVOKE ALL ON DATABASE {name} FROM PUBLIC")
        return name

    def drop_database(self, name: str) -> None:
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-m", "immediate",
                  "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> Cluster:
    """initdb and start a cluster; the analyst role made. Raises RuntimeError with a
    clear message when the programs are missing or the server does not start."""
    bin_ = server_bin()
    if bin_ is None:
        raise RuntimeError(MISSING)
    user = "nobody" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="sovopt-pg-"))
    root.chmod(0o755)
    if user:
        shutil.chown(root, user=user)
    cluster = Cluster(bin_, root, free_port(), user)
    try:
        cluster._run(str(bin_ / "initdb"), "-D", str(cluster.data), "-U", ADMIN,
                     "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                     "--no-sync", "--locale=C")
        for attempt in range(3):
            try:
                cluster.pg_ctl("start")
                break
            except subprocess.CalledProcessError:
                if attempt == 2:
                    raise
                cluster.port = free_port()
                time.sleep(0.5)
        cluster.admin(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}' NOSUPERUSER "
                      "NOCREATEDB NOCREATEROLE")
    except subprocess.CalledProcessError as exc:
        log = (root / "server.log")
        tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
        cluster.stop()
        raise RuntimeError(f"the throwaway PostgreSQL cluster did not start: "
                           f"{exc.stderr or exc.stdout}\n{tail}") from None
    return cluster
