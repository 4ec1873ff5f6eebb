"""The SDK's pure parts: SSE framing, problem+json to typed errors, request bodies."""

import pytest

from jupyterlab_mpijob import Conflict, Forbidden, Invalid, MPIJobError, NotFound, ServiceUnavailable, Unauthorized
from jupyterlab_mpijob._protocol import job_name_from_notebook, launch_spec
from jupyterlab_mpijob._sse import EventDecoder, ServerEvent
from jupyterlab_mpijob.errors import error_from_problem


def decode(text):
    decoder = EventDecoder()
    return [e for e in (decoder.feed(line) for line in text.split("\n")) if e is not None]


def test_sse_events_ids_comments_and_multiline_data():
    events = decode(': ping\n\nevent: log\nid: 7\ndata: {"a":\ndata: 1}\n\ndata:x\n\n')
    assert events == [ServerEvent("log", '{"a":\n1}', "7"), ServerEvent("message", "x", None)]


@pytest.mark.parametrize(
    ("status", "title", "cls"),
    [
        (404, "NotFound", NotFound),
        (409, "AlreadyExists", Conflict),
        (409, "Conflict", Conflict),
        (400, "Invalid", Invalid),
        (400, "BadRequest", Invalid),
        (422, "Invalid", Invalid),
        (413, "RequestEntityTooLarge", Invalid),
        (403, "Forbidden", Forbidden),
        (401, "Unauthorized", Unauthorized),
        (503, "ServiceUnavailable", ServiceUnavailable),
        (500, "InternalError", MPIJobError),
    ],
)
def test_problems_become_typed_errors(status, title, cls):
    # The documents the service sends (src/node/service/http.ts toProblem).
    detail = 'user "alice" may not get mpijobs.kubeflow.org in namespace "team-b"'
    document = {"type": f"urn:jupyterlab-mpijob:problem:{title}", "title": title, "status": status,
                "detail": detail, "instance": "/api/jobs/team-b/pi", "message": detail,
                "errors": [{"path": "workers", "message": "must be at least 1"}]}
    error = error_from_problem(status, document, "sock")
    assert type(error) is cls
    assert (error.reason, error.status, error.instance) == (title, status, "/api/jobs/team-b/pi")
    assert str(error).splitlines() == [detail, "  workers: must be at least 1"]


def test_an_answer_that_is_not_a_problem_is_typed_by_its_status():
    error = error_from_problem(403, b"<html>Forbidden</html>", "http://127.0.0.1:1")
    assert type(error) is Forbidden and "answered 403" in str(error)


def test_spec_fields_in_snake_case_or_as_in_the_schema():
    body = launch_spec({"name": "a", "gpusPerWorker": 1}, {"slots_per_worker": 2, "runPolicy": {"backoffLimit": 1}, "image": None})
    assert body == {"name": "a", "gpusPerWorker": 1, "slotsPerWorker": 2, "runPolicy": {"backoffLimit": 1}}


@pytest.mark.parametrize(
    ("path", "name"),
    [("analysis/Train MNIST.ipynb", "train-mnist"), ("2024 run.ipynb", "run"), ("___.ipynb", "notebook")],
)
def test_job_names_from_notebooks_as_the_cli_makes_them(path, name):
    assert job_name_from_notebook(path) == name
