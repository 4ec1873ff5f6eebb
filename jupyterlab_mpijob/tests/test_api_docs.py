"""The API reference builds from the docstrings (scripts/api-docs.sh), and
every public verb of both clients has one."""

import inspect
import subprocess

import pytest

from jupyterlab_mpijob import AsyncMPIJobClient, MPIJobClient
from jupyterlab_mpijob.tests.conftest import ROOT

VERBS = ["create", "get", "list", "wait", "logs", "stream", "delete", "preflight", "benchmark", "files", "file"]


@pytest.mark.parametrize("cls", [MPIJobClient, AsyncMPIJobClient])
def test_every_verb_is_documented(cls):
    for verb in VERBS:
        assert inspect.getdoc(getattr(cls, verb)), f"{cls.__name__}.{verb} has no docstring"


def test_the_reference_builds(tmp_path):
    subprocess.run(["bash", str(ROOT / "scripts" / "api-docs.sh"), str(tmp_path)], check=True, capture_output=True)
    page = (tmp_path / "jupyterlab_mpijob" / "client.html").read_text()
    assert "Wait until a job reaches a phase" in page and "JobFailed" in page
    assert (tmp_path / "jupyterlab_mpijob" / "models.html").exists()
