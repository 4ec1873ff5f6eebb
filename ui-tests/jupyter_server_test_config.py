"""Jupyter server configuration for the UI tests (Galata).

The MPI job service is started by jupyter-server-proxy (our Python package's
entry point) on the first request to ``<base_url>/mpijob/``; it inherits this
process's environment: a Python with mpi4py for the ranks and a throwaway
data directory, so every test run starts without jobs.
"""

import os
import sys
import tempfile
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 - `c` is injected by Jupyter

c.ServerApp.allow_root = True  # noqa: F821 - CI runs as root
c.LabApp.news_url = None  # noqa: F821

_venv_python = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "python"
os.environ.setdefault(
    "MPIJOB_PYTHON", str(_venv_python if _venv_python.exists() else sys.executable)
)
os.environ["MPIJOB_DATA_DIR"] = tempfile.mkdtemp(prefix="mpijob-ui-tests-")
os.environ.setdefault("MPIJOB_BACKEND", "local")
