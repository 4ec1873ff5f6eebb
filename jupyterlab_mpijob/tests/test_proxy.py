"""The job service behind jupyter-server-proxy: reachable at <base>/mpijob/,
only with Jupyter's authentication."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
TOKEN = "mpijob-proxy-test-token-0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report redirects (to the login page) instead of following them."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def get(url, token=None, timeout=30):
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"token {token}")
    with OPENER.open(request, timeout=timeout) as response:
        return response.status, response.read().decode()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    data = tmp_path_factory.mktemp("data")
    port = free_port()
    env = dict(os.environ, MPIJOB_DATA_DIR=str(data), MPIJOB_PYTHON=sys.executable)
    process = subprocess.Popen(
        [
            str(BIN / "jupyter"), "server", "--no-browser", "--allow-root",
            f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={root}",
        ],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            get(f"{base}/api/status", TOKEN, timeout=2)
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("jupyter server did not start: " + process.stderr.read().decode()[-2000:])
    yield base, data
    process.terminate()
    process.wait(timeout=30)


def test_service_answers_through_the_proxy(server):
    base, data = server
    status, body = get(f"{base}/mpijob/api/health", TOKEN, timeout=60)
    assert status == 200
    assert json.loads(body)["backend"] == "local"
    # The service owns the data directory the server was started with.
    assert (data / "service.pid").exists()


def test_jobs_list_through_the_proxy(server):
    base, _ = server
    status, body = get(f"{base}/mpijob/api/jobs", TOKEN)
    assert status == 200
    assert json.loads(body)["items"] == []


def test_the_proxy_requires_jupyter_auth(server):
    base, _ = server
    with pytest.raises(urllib.error.HTTPError) as error:
        get(f"{base}/mpijob/api/jobs", token="wrong-token")
    assert error.value.code in (302, 401, 403)
    with pytest.raises(urllib.error.HTTPError) as error:
        get(f"{base}/mpijob/api/jobs")
    assert error.value.code in (302, 401, 403)
