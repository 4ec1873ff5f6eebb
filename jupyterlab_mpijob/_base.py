"""Configuration shared by `MPIJobClient` and `AsyncMPIJobClient`: where the
service is, how to start it, and the bodies of the verbs."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from . import _service
from ._protocol import CellsInput, NotebookInput, read_manifest, submit_body
from ._service import Backend, Endpoint
from .errors import Invalid, MPIJobError, ServiceUnavailable, error_from_problem
from .models import FieldProblem, LaunchSpec

#: Seconds a stream may stay silent: the service sends a heartbeat every 15 s.
STREAM_READ_TIMEOUT = 45.0

#: Reconnections of a stream in a row before giving up, and the first pause (doubling).
RECONNECTS = 5
RECONNECT_DELAY = 0.25


class ClientBase:
    """Connection settings and request bodies; no I/O of its own."""

    backend: Backend
    namespace: str

    def __init__(
        self,
        backend: str | None = None,
        namespace: str | None = None,
        *,
        server: str | None = None,
        token: str | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        kubeconfig: str | None = None,
        context: str | None = None,
        start: bool = True,
        timeout: float = 60.0,
    ) -> None:
        self.backend = _service.backend_kind(backend)
        self.namespace = namespace or "default"
        self._explicit_namespace = namespace is not None
        self._data_dir = Path(data_dir) if data_dir is not None else _service.default_data_dir()
        self._timeout = timeout
        explicit = _service.explicit_endpoint(server, token)
        self._serve: list[str] | None = None
        if explicit is not None:
            self.endpoint = explicit
        else:
            socket = _service.own_socket(self.backend, self._data_dir)
            self.endpoint = Endpoint(socket=str(socket), token=token)
            if start:
                self._serve = _service.serve_command(
                    self.backend, self._data_dir, namespace=namespace, kubeconfig=kubeconfig, context=context
                )

    def _client_options(self) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        if self.endpoint.token:
            headers["Authorization"] = f"Bearer {self.endpoint.token}"
        return {
            "base_url": self.endpoint.url or "http://mpijob",
            "headers": headers,
            "timeout": httpx.Timeout(self._timeout),
        }

    def _stream_timeout(self, limit: float | None = None) -> httpx.Timeout:
        connect = self._timeout if limit is None else max(min(self._timeout, limit), 0.001)
        return httpx.Timeout(STREAM_READ_TIMEOUT, connect=connect)

    def _unavailable(self, error: Exception) -> ServiceUnavailable:
        cause = getattr(error, "__cause__", None) or error
        text = str(cause) or type(cause).__name__
        if isinstance(cause, FileNotFoundError) or "No such file" in text:
            text = "no such socket (is the service running?)"
        elif isinstance(cause, ConnectionRefusedError) or "Connection refused" in text:
            text = "connection refused (is the service running?)"
        return ServiceUnavailable(
            f"cannot reach the MPI job service at {self.endpoint.where}: {text}", reason="ServiceUnavailable"
        )

    def _problem(self, response: httpx.Response) -> MPIJobError:
        return error_from_problem(response.status_code, response.content, self.endpoint.where)

    def _namespace(self, namespace: str | None) -> str:
        return namespace or self.namespace

    def _create_request(
        self,
        notebook: NotebookInput | None,
        spec: LaunchSpec | Mapping[str, Any] | None,
        manifest: str | os.PathLike[str] | Mapping[str, Any] | None,
        cells: CellsInput | None,
        namespace: str | None,
        dry_run: bool,
        fields: Mapping[str, Any],
    ) -> tuple[dict[str, Any], dict[str, str]]:
        params = {"dryRun": "true" if dry_run else "false"}
        if manifest is not None:
            given = [k for k, v in {"notebook": notebook, "spec": spec, **fields}.items() if v is not None]
            if given:
                raise Invalid(
                    "give either manifest or a launch spec, not both",
                    errors=[FieldProblem(path=k, message="cannot be used with manifest") for k in given],
                )
            if namespace is not None or self._explicit_namespace:
                params["namespace"] = self._namespace(namespace)
            return {"manifest": read_manifest(manifest)}, params
        body = submit_body(
            notebook=notebook,
            spec=spec,
            fields=fields,
            cells=cells,
            namespace=self._namespace(namespace),
            local=self.backend == "local",
        )
        return body, params

    def _benchmark_request(
        self,
        notebook: NotebookInput,
        workers: Sequence[int],
        repeats: int | None,
        warmups: int | None,
        bare: bool | None,
        results_dir: str | None,
        cells: CellsInput | None,
        namespace: str | None,
        fields: Mapping[str, Any],
    ) -> dict[str, Any]:
        body = submit_body(
            notebook=notebook,
            spec=None,
            fields=fields,
            cells=cells,
            namespace=self._namespace(namespace),
            local=self.backend == "local",
        )
        body["workers"] = list(workers)
        extra = {"repeats": repeats, "warmups": warmups, "bare": bare, "resultsDir": results_dir}
        body.update({k: v for k, v in extra.items() if v is not None})
        return body

    def _preflight_body(
        self,
        notebook: NotebookInput | None,
        spec: LaunchSpec | Mapping[str, Any] | None,
        cells: CellsInput | None,
        namespace: str | None,
        fields: Mapping[str, Any],
    ) -> dict[str, Any] | None:
        if notebook is None and spec is None and not any(v is not None for v in fields.values()):
            return None
        return submit_body(
            notebook=notebook,
            spec=spec,
            fields=fields,
            cells=cells,
            namespace=self._namespace(namespace),
            local=self.backend == "local",
        )
