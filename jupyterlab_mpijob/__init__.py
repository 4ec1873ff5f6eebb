"""jupyterlab-mpijob: run notebook code as MPI jobs, locally under mpirun or as
Kubeflow MPIJobs, from JupyterLab, the `mpijob` CLI, or Python.

The Python SDK talks to the same job service as the CLI and JupyterLab:

    from jupyterlab_mpijob import MPIJobClient

    with MPIJobClient() as client:                  # local backend; starts the service if needed
        job = client.create("pi.ipynb", workers=2)
        for line in client.logs(job.name, follow=True):
            print(line)
        job = client.wait(job.name, timeout=600)    # raises JobFailed naming rank and cell
        print(job.phase, job.duration)

`AsyncMPIJobClient` has the same verbs as coroutines. In IPython,
`%load_ext jupyterlab_mpijob` adds the `%%mpijob` cell magic and `%mpijob`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - only in a source tree that was never built
    import warnings

    warnings.warn("Importing 'jupyterlab_mpijob' outside a proper installation.", stacklevel=2)
    __version__ = "dev"

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

    from .aio import AsyncMPIJobClient
    from .client import MPIJobClient
    from .errors import (
        Conflict,
        Forbidden,
        Invalid,
        JobFailed,
        MPIJobError,
        NotFound,
        ServiceUnavailable,
        Unauthorized,
        WaitTimeout,
    )
    from .jobs import EndEvent, Job, LogEvent, StatusEvent
    from .models import BenchmarkRecord, LaunchSpec, LogLine, PreflightReport

__all__ = [
    "MPIJobClient",
    "AsyncMPIJobClient",
    "LaunchSpec",
    "Job",
    "LogLine",
    "StatusEvent",
    "LogEvent",
    "EndEvent",
    "PreflightReport",
    "BenchmarkRecord",
    "MPIJobError",
    "NotFound",
    "Conflict",
    "Invalid",
    "Forbidden",
    "Unauthorized",
    "ServiceUnavailable",
    "JobFailed",
    "WaitTimeout",
]

# Loaded on first use: Jupyter Server imports this package for the
# labextension paths and the proxy entry, and needs none of the SDK.
_HOMES = {
    "MPIJobClient": "client",
    "AsyncMPIJobClient": "aio",
    "LaunchSpec": "models",
    "LogLine": "models",
    "PreflightReport": "models",
    "BenchmarkRecord": "models",
    "Job": "jobs",
    "StatusEvent": "jobs",
    "LogEvent": "jobs",
    "EndEvent": "jobs",
}


def __getattr__(name: str) -> Any:
    if name in __all__:
        from importlib import import_module

        module = import_module(f".{_HOMES.get(name, 'errors')}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt extension."""
    return [{"src": "labextension", "dest": "jupyterlab-mpijob"}]


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """`%load_ext jupyterlab_mpijob`: registers `%%mpijob` and `%mpijob`."""
    from .magics import MPIJobMagics

    ipython.register_magics(MPIJobMagics)
