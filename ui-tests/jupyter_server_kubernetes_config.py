"""Jupyter server configuration for the UI tests on the Kubernetes backend.

Like jupyter_server_test_config.py (loaded first), but the MPI job service
(started by jupyter-server-proxy on the first request) runs jobs on the test
control plane of testenv/ as its admin user, whose context's namespace is
`default`. Without that control plane the server refuses to start.
"""

import os
from pathlib import Path

load_subconfig("jupyter_server_test_config.py")  # noqa: F821 - provided by traitlets

_testenv = Path(
    os.environ.get("MPIJOB_TESTENV_DIR", Path(__file__).resolve().parent.parent / "testenv" / ".run")
)
_kubeconfig = _testenv / "kubeconfig"
if not _kubeconfig.exists():
    raise SystemExit(f"no Kubernetes control plane at {_testenv}: run testenv/build.sh and testenv/start.sh")

os.environ["MPIJOB_BACKEND"] = "kubernetes"
os.environ["KUBECONFIG"] = str(_kubeconfig)
# As an admin sets it for a platform: notebook jobs get an image with Python
# (testenv's runtime image), not the built-in MPI base image.
os.environ.setdefault("MPIJOB_DEFAULT_IMAGE", "mpijob.test/runtime:openmpi4")
