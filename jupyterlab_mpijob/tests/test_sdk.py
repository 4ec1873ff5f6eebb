"""MPIJobClient against the real job service on the local backend: real
mpirun, real ranks, the service started by the client as the CLI starts it."""

import time

import pytest

from jupyterlab_mpijob import (
    Conflict,
    Invalid,
    Job,
    JobFailed,
    LaunchSpec,
    MPIJobClient,
    NotFound,
    ServiceUnavailable,
    WaitTimeout,
)
from jupyterlab_mpijob.jobs import EndEvent, LogEvent, StatusEvent
from jupyterlab_mpijob.tests.conftest import write_notebook


@pytest.fixture(scope="module")
def client(data_dir):
    with MPIJobClient(data_dir=data_dir) as client:
        yield client


def test_the_client_starts_the_service_of_its_data_directory(client, data_dir):
    assert client.health().backend == "local"
    assert (data_dir / "service.sock").exists()
    assert client.endpoint.socket == str(data_dir / "service.sock")


def test_create_wait_logs_delete(client, notebooks):
    job = client.create(notebooks["ranks"], workers=2, name="ranks")
    assert isinstance(job, Job) and job.name == "ranks" and job.workers == 2
    assert job.spec.working_dir == str(notebooks["ranks"].parent)  # as the CLI: beside the notebook

    done = client.wait("ranks", timeout=120)
    assert done.phase == "Succeeded" and done.done and done.duration > 0
    assert [c.type for c in done.conditions if c.status == "True"][-1] == "Succeeded"

    text = client.logs("ranks")
    assert "hello from rank 0 of 2" in text and "hello from rank 1 of 2" in text
    assert client.logs("ranks", rank=1).strip() == "hello from rank 1 of 2"
    assert [j.name for j in client.list()].count("ranks") == 1

    assert client.delete("ranks").name == "ranks"
    with pytest.raises(NotFound):
        client.get("ranks")


def test_follow_streams_lines_while_the_job_runs(client, notebooks, gate):
    client.create(notebooks["gated"], workers=2, name="follow", env=gate.env)
    try:
        lines = client.logs("follow", follow=True)
        seen = []
        for line in lines:
            seen.append(line)
            if line == "rank 0 started":
                # The job is still blocked on the gate: the line came live.
                assert client.get("follow").phase == "Running"
                gate.open()
        assert seen.index("rank 0 started") < seen.index("rank 0 done")
        assert {"rank 1 started", "rank 1 done"} <= set(seen)
    finally:
        client.delete("follow")


def test_stream_yields_status_then_lines_then_the_end(client, notebooks):
    client.create(notebooks["ranks"], workers=2, name="streamed")
    try:
        events = list(client.stream("streamed"))
        assert isinstance(events[0], StatusEvent) and events[0].type == "ADDED"
        logs = [e for e in events if isinstance(e, LogEvent)]
        assert [e.id for e in logs] == list(range(1, len(logs) + 1))
        assert {e.line.rank for e in logs} >= {0, 1}
        assert isinstance(events[-1], EndEvent) and events[-1].job.phase == "Succeeded"
    finally:
        client.delete("streamed")


def test_wait_follows_phases_and_times_out_on_time(client, notebooks, gate):
    client.create(notebooks["gated"], workers=2, name="phases", env=gate.env)
    try:
        assert client.wait("phases", condition="running", timeout=60).phase == "Running"
        started = time.monotonic()
        with pytest.raises(WaitTimeout, match="timed out waiting for the condition on mpijobs/phases"):
            client.wait("phases", timeout=0.5)
        # Well before the next heartbeat (15 s): the deadline, not the stream, ended the wait.
        assert time.monotonic() - started < 5
        gate.open()
        assert client.wait("phases", timeout=60).phase == "Succeeded"
    finally:
        client.delete("phases")


def test_a_failed_job_raises_job_failed_naming_rank_and_cell(client, notebooks):
    client.create(notebooks["fails"], workers=2, name="fails")
    try:
        with pytest.raises(JobFailed) as failure:
            client.wait("fails", timeout=120)
        error = failure.value
        assert (error.rank, error.cell, error.line) == (1, 2, 3)
        assert error.job.phase == "Failed"
        assert "ended Failed, not Succeeded" in str(error)
        assert "ZeroDivisionError" in str(error) and "cell 2, line 3" in str(error)
    finally:
        client.delete("fails")


def test_typed_errors(client, notebooks, tmp_path):
    with pytest.raises(NotFound, match='mpijobs.kubeflow.org "nope" not found') as missing:
        client.get("nope")
    assert (missing.value.status, missing.value.reason) == (404, "NotFound")
    with pytest.raises(NotFound):
        client.wait("nope", timeout=30)

    with pytest.raises(Invalid) as invalid:
        client.create(notebooks["ranks"], workers=0, name="bad")
    assert [(p.path, p.message) for p in invalid.value.errors] == [("workers", "must be at least 1")]
    assert isinstance(invalid.value, ValueError)

    with pytest.raises(Invalid) as bad_name:
        client.get("Not_A_Name")
    assert [p.path for p in bad_name.value.errors] == ["name"]

    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [', encoding="utf-8")
    with pytest.raises(Invalid, match="not valid JSON"):
        client.create(broken, name="broken")
    with pytest.raises(Invalid) as unreadable:
        client.create(tmp_path / "absent.ipynb")
    assert unreadable.value.errors[0].path == "notebook"
    with pytest.raises(Invalid) as condition:
        client.wait("nope", condition="Finished")
    assert condition.value.errors[0].path == "condition"

    client.create(notebooks["ranks"], workers=1, name="twice")
    try:
        with pytest.raises(Conflict) as conflict:
            client.create(notebooks["ranks"], workers=1, name="twice")
        assert conflict.value.reason == "AlreadyExists" and conflict.value.status == 409
    finally:
        client.delete("twice")


def test_a_launch_spec_model_and_a_dry_run(client, notebooks):
    spec = LaunchSpec(name="modelled", workers=2, env=[{"name": "X", "value": "1"}])
    job = client.create(notebooks["ranks"], spec=spec, dry_run=True)
    assert job.name == "modelled" and job.spec.env[0].name == "X"
    with pytest.raises(NotFound):
        client.get("modelled")


def test_preflight_checks_the_notebook_code(client, tmp_path):
    assert client.preflight().ok
    missing = tmp_path / "imports.ipynb"
    write_notebook(missing, "import numpy", "import no_such_module_here")
    report = client.preflight(missing, workers=1)
    assert not report.ok
    failed = [c for c in report.checks if not c.ok]
    assert any("no_such_module_here" in c.message and "cell 2" in c.message for c in failed)


def test_benchmark_returns_the_speedup_summary(client, notebooks):
    progress = []
    record = client.benchmark(
        notebooks["ranks"], [1, 2], repeats=1, warmups=0, bare=False, on_progress=progress.append,
        results_dir=str(notebooks["ranks"].parent),
    )
    assert record.state == "completed", record.message
    assert [row["workers"] for row in record.summary["rows"]] == [1, 2]
    assert progress[-1].state == "completed"
    assert record.results_file and record.results_file.startswith(str(notebooks["ranks"].parent))


def test_no_service_and_no_start_is_service_unavailable(tmp_path):
    with pytest.raises(ServiceUnavailable, match="cannot reach the MPI job service at .*: no such socket"):
        MPIJobClient(server=str(tmp_path / "none.sock"))
    with pytest.raises(ValueError, match="must be http://127.0.0.1"):
        MPIJobClient(server="https://example.org/mpijob")


def test_an_http_service_needs_its_token(tmp_path):
    import os
    import socket
    import subprocess

    from jupyterlab_mpijob import Unauthorized
    from jupyterlab_mpijob.cli import BUNDLE, find_node

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = "sdk-test-token-0123456789abcdef"
    serve = subprocess.Popen(
        [find_node(), str(BUNDLE), "--data-dir", str(tmp_path / "data"), "serve", "--port", str(port)],
        env=dict(os.environ, MPIJOB_TOKEN=token), stderr=subprocess.PIPE, text=True,
    )
    try:
        for line in serve.stderr:
            if f"listening on http://127.0.0.1:{port}" in line:
                break
        with pytest.raises(Unauthorized) as refused:
            MPIJobClient(server=f"http://127.0.0.1:{port}", token="not-the-token-0123456789")
        assert refused.value.status == 401
        with MPIJobClient(server=f"http://127.0.0.1:{port}", token=token) as client:
            assert client.list() == []
    finally:
        serve.terminate()
        serve.wait(timeout=30)


def test_the_kubernetes_backend_starts_a_kubernetes_service_and_reports_its_failure(tmp_path):
    # No cluster here: the service the client starts (`mpijob --backend
    # kubernetes ... serve`) fails on the kubeconfig, and says why at once.
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable, match="did not start: .*cannot read the kubeconfig .*missing"):
        MPIJobClient("kubernetes", "team-b", data_dir=tmp_path, kubeconfig=str(tmp_path / "missing"))
    assert time.monotonic() - started < 15
    assert "kubernetes-service" not in " ".join(p.name for p in tmp_path.iterdir() if p.suffix == ".sock")
