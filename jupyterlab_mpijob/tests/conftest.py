"""Fixtures of the SDK tests: a real job service on the local backend (real
mpirun, real mpi4py), started the way the SDK starts it, in a throwaway data
directory; and notebooks that pause on a FIFO until the test lets them go, so
tests see live output and phases without sleeping."""

import json
import os
import signal
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A data directory whose service (started by the first client) runs ranks in this Python."""
    path = tmp_path_factory.mktemp("mpijob-data")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MPIJOB_DATA_DIR", str(path))
        env.setenv("MPIJOB_PYTHON", sys.executable)
        env.setenv("MPIJOB_IDLE_TIMEOUT", "60s")
        env.delenv("MPIJOB_SERVER", raising=False)
        env.delenv("MPIJOB_BACKEND", raising=False)
        yield path
    stop_service(path)


def stop_service(path):
    """Stop the service the SDK started for this data directory (its pid file names it)."""
    pid_file = path / "service.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            pass


def write_notebook(path, *sources):
    """An nbformat 4.5 notebook of these code cells."""
    cells = [
        {"cell_type": "code", "id": uuid.uuid4().hex[:8], "metadata": {}, "execution_count": None,
         "outputs": [], "source": source}
        for source in sources
    ]
    nb = {"nbformat": 4, "nbformat_minor": 5, "cells": cells,
          "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}}
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


SETUP = "import os\nfrom mpi4py import MPI\ncomm = MPI.COMM_WORLD\nrank = comm.Get_rank()"

# Rank 0 blocks reading the FIFO named by $GATE until the test writes to it.
GATED = (
    "print(f'rank {rank} started', flush=True)\n"
    "if rank == 0:\n"
    "    open(os.environ['GATE']).read()\n"
    "comm.Barrier()\n"
    "print(f'rank {rank} done', flush=True)"
)


class Gate:
    """A FIFO a gated notebook waits on."""

    def __init__(self, path):
        self.path = path
        os.mkfifo(path)

    @property
    def env(self):
        return [{"name": "GATE", "value": str(self.path)}]

    def open(self):
        # Blocks until rank 0 opens it for reading, then lets it go.
        with open(self.path, "w") as fifo:
            fifo.write("go")


@pytest.fixture
def gate(tmp_path):
    return Gate(tmp_path / "gate")


@pytest.fixture
def notebooks(tmp_path):
    """Notebooks: `ranks` prints each rank, `gated` waits for the gate, `fails` divides by zero on rank 1."""
    return {
        "ranks": write_notebook(tmp_path / "ranks.ipynb", SETUP, "print(f'hello from rank {rank} of {comm.Get_size()}')"),
        "gated": write_notebook(tmp_path / "gated.ipynb", SETUP, GATED),
        "fails": write_notebook(tmp_path / "fails.ipynb", SETUP, "print(f'rank {rank}')\nif rank == 1:\n    1 / 0"),
    }
