"""Where the job service is, and starting it when none answers, as the CLI
does (src/node/cli/connect.ts).

A service always listens on its data directory's socket, also the one
JupyterLab started behind jupyter-server-proxy, so a kernel finds the
running service there. The Kubernetes backend gets a service of its own
(`mpijob serve --backend kubernetes`, on `kubernetes-service.sock`): the
backend logic lives only in the service.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from .errors import ServiceUnavailable

Backend = Literal["local", "kubernetes"]

#: How long a service we start stays up with no job and no client ($MPIJOB_IDLE_TIMEOUT).
DEFAULT_IDLE_TIMEOUT = "5m"

#: How long a service we started may take to answer.
START_TIMEOUT_S = 20.0

_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass(frozen=True)
class Endpoint:
    """How to reach a service: a unix socket, or a loopback URL with a token."""

    socket: str | None = None
    url: str | None = None
    token: str | None = None

    @property
    def where(self) -> str:
        """For messages."""
        return self.socket or self.url or "?"


def default_data_dir() -> Path:
    """`$MPIJOB_DATA_DIR`, else `$XDG_DATA_HOME/jupyterlab-mpijob`, else `~/.local/share/jupyterlab-mpijob`."""
    explicit = os.environ.get("MPIJOB_DATA_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_DATA_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "jupyterlab-mpijob"
    return Path.home() / ".local" / "share" / "jupyterlab-mpijob"


def backend_kind(backend: str | None) -> Backend:
    """The backend asked for, else `$MPIJOB_BACKEND`, else local."""
    kind = backend or os.environ.get("MPIJOB_BACKEND") or "local"
    if kind not in ("local", "kubernetes"):
        raise ValueError(f'unknown backend "{kind}": use local or kubernetes')
    return kind  # type: ignore[return-value]


def explicit_endpoint(server: str | None, token: str | None) -> Endpoint | None:
    """A service named by `server` (or `$MPIJOB_SERVER`): a socket path or an http URL.

    Raises:
        ValueError: for a URL that is not plain http on a loopback address
            (the token must never leave the machine).
    """
    server = server or os.environ.get("MPIJOB_SERVER")
    if not server:
        return None
    if "://" not in server:
        return Endpoint(socket=server, token=token)
    parts = urlsplit(server)
    if parts.scheme != "http" or parts.hostname not in _LOOPBACK:
        raise ValueError(f"the MPI job service URL must be http://127.0.0.1:PORT[/base], not {server}")
    return Endpoint(url=server.rstrip("/"), token=token or os.environ.get("MPIJOB_TOKEN"))


def own_socket(backend: Backend, data_dir: Path) -> Path:
    """The socket the service of a data directory and backend listens on."""
    return data_dir / ("service.sock" if backend == "local" else "kubernetes-service.sock")


def serve_command(
    backend: Backend,
    data_dir: Path,
    *,
    namespace: str | None,
    kubeconfig: str | None,
    context: str | None,
) -> list[str]:
    """The `mpijob serve` command line that starts the service, stopping itself once idle."""
    from .cli import BUNDLE, find_node

    node = find_node()
    if node is None or not BUNDLE.exists():
        raise ServiceUnavailable(
            "cannot start the MPI job service: Node.js or the mpijob CLI bundle is missing; reinstall jupyterlab_mpijob",
            reason="ServiceUnavailable",
        )
    idle = os.environ.get("MPIJOB_IDLE_TIMEOUT") or DEFAULT_IDLE_TIMEOUT
    command = [node, str(BUNDLE), "--backend", backend, "--data-dir", str(data_dir)]
    if kubeconfig:
        command += ["--kubeconfig", kubeconfig]
    if context:
        command += ["--context", context]
    command += ["serve", "--idle-timeout", idle]
    if backend == "kubernetes" and namespace:
        command += ["--namespace", namespace]
    return command


def start_service(command: list[str], data_dir: Path) -> subprocess.Popen[bytes]:
    """Start the service detached, logging to the data directory (as the CLI does)."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    log_path = data_dir / "service.log"
    with open(log_path, "ab") as log:
        os.chmod(log_path, 0o600)
        # Its own session: a kernel interrupt (SIGINT to our group) must not stop it.
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            close_fds=True,
        )


def await_started(answers: Callable[[], bool], data_dir: Path, process: subprocess.Popen[bytes]) -> None:
    """Wait for a service we just started to answer.

    The one wait here that asks again and again: a starting process has no
    event to listen to until its socket accepts, as in the CLI.
    """
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if answers():
            return
        check_exited(process, data_dir)
        time.sleep(0.1)
    raise not_started(data_dir)


def check_exited(process: subprocess.Popen[bytes], data_dir: Path) -> None:
    """Raise at once when the service we started failed (a bad kubeconfig, say), with what it said.

    An exit status 0 is another service of the data directory starting at the
    same time: that one will answer.
    """
    code = process.poll()
    if code is None or code == 0:
        return
    try:
        lines = (data_dir / "service.log").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    # The CLI's error line, like kubectl's; Node's warnings may follow it.
    errors = [line for line in lines if line.startswith(("Error from server", "error:"))]
    said = errors[-1] if errors else f"exit status {code}; see {data_dir / 'service.log'}"
    raise ServiceUnavailable(f"the MPI job service did not start: {said}", reason="ServiceUnavailable")


def not_started(data_dir: Path) -> ServiceUnavailable:
    """The error for a service that did not answer in time after we started it."""
    return ServiceUnavailable(
        f"the MPI job service did not start within {START_TIMEOUT_S:.0f}s; see {data_dir / 'service.log'}",
        reason="ServiceUnavailable",
    )

