"""`%%mpijob` and `%mpijob` in a real IPython kernel (jupyter_client), running
real MPI jobs through the local job service."""

import os
import sys

import pytest
from jupyter_client.manager import start_new_kernel

from jupyterlab_mpijob import MPIJobClient, NotFound
from jupyterlab_mpijob.tests.conftest import ROOT, stop_service, write_notebook

DEFINITIONS = "greeting = 'hello'\ndef boom(rank):\n    return 1 / (rank - 1)"

RANK = "from mpi4py import MPI\nrank = MPI.COMM_WORLD.Get_rank()\n"


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    data = tmp_path_factory.mktemp("magic-data")
    work = tmp_path_factory.mktemp("magic-work")
    notebook = write_notebook(work / "Magic Test.ipynb", RANK + "print(f'bench rank {rank}')")
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        MPIJOB_DATA_DIR=str(data),
        MPIJOB_PYTHON=sys.executable,
        MPIJOB_IDLE_TIMEOUT="60s",
        JPY_SESSION_NAME=str(notebook),
    )
    env.pop("MPIJOB_SERVER", None)
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(work), env=env, startup_timeout=120)
    try:
        assert execute(kc, "%load_ext jupyterlab_mpijob")["error"] is None
        assert execute(kc, DEFINITIONS)["error"] is None  # In [2]
        yield km, kc, data
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        stop_service(data)


def execute(kc, code, on_output=None, timeout=180):
    """Run code; collect its stdout, stderr, displays and error as they arrive."""
    msg_id = kc.execute(code)
    out = {"stdout": "", "stderr": "", "error": None, "displays": []}
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out[content["name"]] += content["text"]
            if on_output:
                on_output(out)
        elif kind == "error":
            out["error"] = content
        elif kind == "display_data":
            out["displays"].append(content["data"])
        elif kind == "status" and content["execution_state"] == "idle":
            return out


def test_a_cell_runs_as_a_job_with_rank_tagged_live_output(kernel, tmp_path):
    km, kc, _ = kernel
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    opened = []

    def let_go(out):
        # Rank 0 waits on the gate: its first line must reach the cell before the job ends.
        if "[rank 0] started" in out["stdout"] and not opened:
            with open(gate, "w") as fifo:
                fifo.write("go")
            opened.append(True)

    cell = (
        f"%%mpijob --workers 2 --cells 2 --name magic-live --env GATE={gate}\n"
        + RANK
        + "print('started', flush=True)\n"
        "if rank == 0:\n    open(__import__('os').environ['GATE']).read()\n"
        "MPI.COMM_WORLD.Barrier()\n"
        "print(f'{greeting} from rank {rank}')\n"
    )
    out = execute(kc, cell, let_go)
    assert out["error"] is None, out
    assert opened
    assert "[rank 0] hello from rank 0" in out["stdout"] and "[rank 1] hello from rank 1" in out["stdout"]
    assert out["stdout"].index("[rank 0] started") < out["stdout"].index("[rank 0] hello from rank 0")
    last = out["stdout"].strip().splitlines()[-1]
    assert last.startswith("mpijob.kubeflow.org/magic-live Succeeded in ") and last.endswith(" s")


def test_a_failure_shows_the_traceback_mapped_to_the_cells(kernel):
    _, kc, _ = kernel
    out = execute(kc, "%%mpijob --workers 2 --name magic-fails\n" + RANK + "if rank == 1:\n    1 / 0\n")
    error = out["error"]
    assert error is not None and error["ename"] == "CellJobFailed"
    text = "\n".join(error["traceback"])
    count = kc.execute_interactive("pass", timeout=30)["content"]["execution_count"] - 1
    assert f"rank 1 failed (exit code 1) in In[{count}], line 4: ZeroDivisionError: division by zero" in text
    assert f"Cell In[{count}], line 4, in <module>" in text

    # Through a function that In [2] defined: its frame is named by In [2]'s line.
    error = execute(kc, "%%mpijob --workers 2 --cells 2 --name magic-fails-2\n" + RANK + "x = boom(rank)\n")["error"]
    text = "\n".join(error["traceback"])
    assert "in In[2], line 3: ZeroDivisionError" in text and "Cell In[2], line 3, in boom" in text


def test_interrupting_the_kernel_deletes_the_job(kernel, tmp_path):
    km, kc, data = kernel
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    interrupted = []

    def interrupt(out):
        if "[rank 0] started" in out["stdout"] and not interrupted:
            km.interrupt_kernel()
            interrupted.append(True)

    cell = (
        f"%%mpijob --workers 1 --name magic-stop --env GATE={gate}\n"
        "print('started', flush=True)\nopen(__import__('os').environ['GATE']).read()\n"
    )
    out = execute(kc, cell, interrupt)
    assert out["error"]["ename"] == "KeyboardInterrupt"
    assert "interrupted: mpijob.kubeflow.org/magic-stop deleted" in out["stderr"]
    with MPIJobClient(data_dir=data) as client, pytest.raises(NotFound):
        client.get("magic-stop")


def test_line_magics_list_logs_delete_and_bench(kernel):
    _, kc, _ = kernel
    assert execute(kc, "%%mpijob --workers 2 --name magic-admin\n" + RANK + "print(rank)")["error"] is None
    listed = execute(kc, "%mpijob list")["stdout"].splitlines()
    assert listed[0].split() == ["NAME", "WORKERS", "STATUS", "DURATION"]
    assert any(line.split()[:3] == ["magic-admin", "2", "Succeeded"] for line in listed)
    assert execute(kc, "%mpijob logs magic-admin --rank 1")["stdout"] == "1\n"
    assert "1\n" in execute(kc, "%mpijob logs magic-admin -f")["stdout"]
    assert execute(kc, "%mpijob delete magic-admin")["stdout"] == 'mpijob.kubeflow.org "magic-admin" deleted\n'
    missing = execute(kc, "%mpijob delete magic-admin")["error"]
    assert missing["ename"] == "NotFound" and 'mpijobs.kubeflow.org "magic-admin" not found' in missing["evalue"]

    bench = execute(kc, "%mpijob bench --workers 1,2 --repeats 1 --warmups 0 --no-bare")
    assert bench["error"] is None, bench
    html = next(d["text/html"] for d in bench["displays"] if "text/html" in d)
    assert "<td>1</td>" in html and "<td>2</td>" in html and "magic-test" in html
    assert any("image/png" in d for d in bench["displays"])


def test_bad_flags_are_usage_errors(kernel):
    _, kc, _ = kernel
    # IPython shows a magic's usage error as one line on stderr.
    out = execute(kc, "%%mpijob --workers two\nprint(1)")
    assert "UsageError: %%mpijob: argument --workers: invalid int value: 'two'" in out["stderr"]
    out = execute(kc, "%%mpijob --cells 99\nprint(1)")
    assert "UsageError: --cells: there is no In [99] before this cell" in out["stderr"]
