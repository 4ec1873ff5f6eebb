"""IPython magics: `%%mpijob` runs a cell as an MPI job, `%mpijob` manages jobs.

    %load_ext jupyterlab_mpijob

    %%mpijob --workers 2 --cells 1,3
    from mpi4py import MPI
    print(MPI.COMM_WORLD.Get_rank())

The cell (after the earlier cells `--cells` names by their execution count,
`In [1]` and `In [3]` here) becomes the job's program. Its output streams
into the cell, tagged by rank, and the cell ends with the phase and the
duration. Interrupting the kernel deletes the job. A failure shows the
failing rank's traceback with the cells named as IPython names them.

    %mpijob list
    %mpijob logs NAME [--rank N] [-f]
    %mpijob delete NAME [NAME ...]
    %mpijob bench --workers 1,2,4 [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shlex
import sys
import uuid
from pathlib import Path
from typing import Any, NoReturn

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

from ._protocol import job_name_from_notebook
from .client import MPIJobClient
from .errors import JobFailed
from .jobs import EndEvent, Job, LogEvent
from .models import BenchmarkRecord

__all__ = ["MPIJobMagics"]


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as IPython usage errors instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise UsageError(message or self.format_help())


def _counts(text: str) -> list[int]:
    """`1,3,5-7` -> [1, 3, 5, 6, 7]."""
    counts: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise UsageError(f'invalid cell list "{text}": use execution counts such as 1,3 or 2-4')
        counts += range(int(first), int(last or first) + 1)
    return counts


def _job_parser() -> _Parser:
    parser = _Parser(prog="%%mpijob", description="Run this cell as an MPI job.")
    parser.add_argument("--workers", type=int, help="worker pods (local: ranks)")
    parser.add_argument("--gpus-per-worker", type=int)
    parser.add_argument("--slots-per-worker", type=int)
    parser.add_argument("--cells", type=_counts, default=[], help="earlier cells to run first, by execution count: 1,3 or 2-4")
    parser.add_argument("--name", help="job name (default: from the notebook, with a random suffix)")
    parser.add_argument("--image")
    parser.add_argument("--mpi", dest="mpi_implementation", choices=["OpenMPI", "Intel", "MPICH"])
    parser.add_argument("--cpu")
    parser.add_argument("--memory")
    parser.add_argument("--python")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--oversubscribe", action="store_true", default=None)
    parser.add_argument("--figures", choices=["rank0", "all", "none"])
    parser.add_argument("-n", "--namespace")
    parser.add_argument("--backend", choices=["local", "kubernetes"])
    return parser


def _admin_parser() -> _Parser:
    parser = _Parser(prog="%mpijob", description="Manage MPI jobs.")
    parser.add_argument("-n", "--namespace")
    parser.add_argument("--backend", choices=["local", "kubernetes"])
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)
    verbs.add_parser("list", help="the namespace's jobs")
    logs = verbs.add_parser("logs", help="a job's output")
    logs.add_argument("name")
    logs.add_argument("--rank", type=int)
    logs.add_argument("-f", "--follow", action="store_true")
    delete = verbs.add_parser("delete", help="stop and remove jobs")
    delete.add_argument("names", nargs="+")
    bench = verbs.add_parser("bench", help="benchmark this notebook (as saved) at several worker counts")
    bench.add_argument("--workers", type=_counts, default=[1, 2, 4])
    bench.add_argument("--repeats", type=int)
    bench.add_argument("--warmups", type=int)
    bench.add_argument("--no-bare", dest="bare", action="store_false", default=None)
    bench.add_argument("--notebook", help="the notebook file (default: the one this kernel runs)")
    return parser


class CellJobFailed(JobFailed):
    """A `%%mpijob` cell's job failed: shown as its traceback, the cells named as IPython does."""

    def __init__(self, job: Job, wanted: str, text: str) -> None:
        super().__init__(job, wanted)
        self.text = text

    def _render_traceback_(self) -> list[str]:
        return self.text.splitlines()


@magics_class
class MPIJobMagics(Magics):
    """`%%mpijob` and `%mpijob`."""

    _clients: dict[tuple[str | None, str | None], MPIJobClient] = {}

    def _client(self, backend: str | None, namespace: str | None) -> MPIJobClient:
        key = (backend, namespace)
        if key not in self._clients:
            self._clients[key] = MPIJobClient(backend, namespace)
        return self._clients[key]

    @line_cell_magic
    def mpijob(self, line: str, cell: str | None = None) -> None:
        """`%%mpijob [flags]` runs the cell as an MPI job; `%mpijob list|logs|delete|bench` manage jobs."""
        if cell is None:
            self._admin(_admin_parser().parse_args(shlex.split(line)))
        else:
            self._run_cell(_job_parser().parse_args(shlex.split(line)), cell)

    # -- %%mpijob ---------------------------------------------------------

    def _run_cell(self, args: argparse.Namespace, cell: str) -> None:
        assert self.shell is not None
        history: list[str] = self.shell.history_manager.input_hist_raw  # type: ignore[union-attr]
        # This cell is stored already: its number (In [N]) is the last index.
        count = len(history) - 1
        picked: list[tuple[str, str]] = []
        for n in args.cells:
            source = history[n] if 0 < n < count else None
            if source is None:
                raise UsageError(f"--cells: there is no In [{n}] before this cell")
            if source.lstrip().startswith("%%mpijob"):
                raise UsageError(f"--cells: In [{n}] is an %%mpijob cell itself")
            picked.append((f"In[{n}]", source))
        picked.append((f"In[{count}]", cell))
        notebook = _notebook([source for _, source in picked])
        client = self._client(args.backend, args.namespace)
        env = [dict(zip(("name", "value"), item.split("=", 1))) for item in args.env]
        if any(len(item) != 2 for item in env):
            raise UsageError("--env: use NAME=VALUE")
        fields: dict[str, Any] = {
            key: value
            for key, value in vars(args).items()
            if key not in {"cells", "name", "namespace", "backend", "env"} and value is not None
        }
        if env:
            fields["env"] = env
        if client.backend == "local":
            # As a kernel does: files beside the notebook are found.
            fields.setdefault("working_dir", os.getcwd())
        name = args.name or f"{_notebook_slug(self.shell.user_ns)[:33]}-{_suffix()}"
        job = client.create(notebook, name=name, source={"notebook": f"In[{count}]"}, **fields)
        print(f"mpijob.kubeflow.org/{job.name} created ({job.workers} workers)", flush=True)
        try:
            final = None
            for event in client.stream(job.name, job.namespace):
                if isinstance(event, LogEvent):
                    line = event.line
                    tag = "mpirun" if line.rank is None else f"rank {line.rank}"
                    out = sys.stderr if line.stream == "stderr" else sys.stdout
                    print(f"[{tag}] {line.text}", file=out, flush=True)
                elif isinstance(event, EndEvent):
                    final = event.job
        except KeyboardInterrupt:
            client.delete(job.name, job.namespace)
            print(f"interrupted: mpijob.kubeflow.org/{job.name} deleted", file=sys.stderr, flush=True)
            raise
        if final is None or final.phase != "Succeeded":
            final = final or client.get(job.name, job.namespace)
            raise CellJobFailed(final, "Succeeded", _name_cells(final.message or final.phase, picked))
        took = f" in {final.duration:.2f} s" if final.duration is not None else ""
        print(f"mpijob.kubeflow.org/{final.name} {final.phase}{took}", flush=True)

    # -- %mpijob ----------------------------------------------------------

    def _admin(self, args: argparse.Namespace) -> None:
        client = self._client(args.backend, args.namespace)
        if args.verb == "list":
            jobs = client.list()
            if not jobs:
                print(f"No resources found in {client._namespace(args.namespace)} namespace.", file=sys.stderr)
                return
            rows = [("NAME", "WORKERS", "STATUS", "DURATION")]
            rows += [(j.name, str(j.workers), j.phase, _seconds(j.duration)) for j in jobs]
            widths = [max(len(row[i]) for row in rows) for i in range(4)]
            for row in rows:
                print("   ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        elif args.verb == "logs":
            if args.follow:
                for text in client.logs(args.name, follow=True, rank=args.rank):
                    print(text, flush=True)
            else:
                print(client.logs(args.name, rank=args.rank), end="")
        elif args.verb == "delete":
            for name in args.names:
                client.delete(name)
                print(f'mpijob.kubeflow.org "{name}" deleted')
        else:
            self._bench(client, args)

    def _bench(self, client: MPIJobClient, args: argparse.Namespace) -> None:
        assert self.shell is not None
        notebook = args.notebook or _session_notebook(self.shell.user_ns)
        if notebook is None:
            raise UsageError("%mpijob bench: cannot tell which notebook this kernel runs; give --notebook PATH")
        seen: list[str] = []

        def progress(record: BenchmarkRecord) -> None:
            for line in record.lines:
                if line not in seen:
                    seen.append(line)
                    print(line, flush=True)

        record = client.benchmark(
            notebook, args.workers, repeats=args.repeats, warmups=args.warmups, bare=args.bare, on_progress=progress
        )
        from ._benchview import show_results

        show_results(record)


def _notebook(sources: list[str]) -> dict[str, Any]:
    """An nbformat 4.5 notebook of these code cells."""
    cells: list[dict[str, Any]] = [
        {
            "cell_type": "code",
            "id": uuid.uuid4().hex[:8],
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": source,
        }
        for source in sources
    ]
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
        "cells": cells,
    }


_CELL_AT = re.compile(r'(?:File "[^"\n]*", )?\bcell (\d+), line (\d+)')


def _name_cells(text: str, picked: list[tuple[str, str]]) -> str:
    """`File "...", cell 2, line 3` -> `Cell In[7], line 3`: the packaged cells named by execution count."""

    def name(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        label = picked[index][0] if 0 <= index < len(picked) else f"cell {match.group(1)}"
        return f"{'Cell ' if match.group(0).startswith('File') else ''}{label}, line {match.group(2)}"

    return _CELL_AT.sub(name, text)


def _session_notebook(user_ns: dict[str, Any]) -> str | None:
    """The notebook this kernel runs, as Jupyter Server names it ($JPY_SESSION_NAME)."""
    session = user_ns.get("__session__") or os.environ.get("JPY_SESSION_NAME")
    if not isinstance(session, str) or not session.endswith(".ipynb"):
        return None
    path = Path(session)
    return str(path if path.is_absolute() else Path.cwd() / path.name)


def _notebook_slug(user_ns: dict[str, Any]) -> str:
    notebook = _session_notebook(user_ns)
    return job_name_from_notebook(notebook) if notebook else "cell"


def _suffix() -> str:
    # As the API server's generateName: reruns of a cell never collide.
    return "".join(secrets.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))


def _seconds(value: float | None) -> str:
    return "<none>" if value is None else f"{value:.1f}s"
