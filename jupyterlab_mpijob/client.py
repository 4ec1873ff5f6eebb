"""`MPIJobClient`: the job service from Python, blocking.

Every verb is one request to the service (`mpijob serve`), the same one the
CLI and JupyterLab use. `wait` and `logs(follow=True)` follow the service's
Server-Sent Events and return as soon as the event arrives; nothing polls.
"""

from __future__ import annotations

import builtins
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal, overload

import httpx

from . import _service
from ._base import RECONNECT_DELAY, RECONNECTS, ClientBase
from ._protocol import MISSING, SSE, CellsInput, NotebookInput, Waiter, job_path, phase_of
from ._sse import EventDecoder, ServerEvent
from .errors import MPIJobError, ServiceUnavailable, WaitTimeout
from .jobs import EndEvent, Job, LogEvent, StreamEvent, decode_stream_event
from .models import BenchmarkRecord, Health, JobFile, LaunchSpec, PreflightReport

__all__ = ["MPIJobClient"]


class MPIJobClient(ClientBase):
    """A blocking client of the MPI job service.

    Args:
        backend: `local` (mpirun on this machine) or `kubernetes`
            (Kubeflow MPIJobs); `$MPIJOB_BACKEND`, else local.
        namespace: the namespace verbs use unless told otherwise (`default`).
        server: a service's unix socket path or `http://127.0.0.1:PORT[/base]`
            (`$MPIJOB_SERVER`); else the data directory's service, which
            JupyterLab's service also listens on.
        token: bearer token for an http `server` (`$MPIJOB_TOKEN`).
        data_dir: the data directory (`$MPIJOB_DATA_DIR`, else
            `~/.local/share/jupyterlab-mpijob`).
        kubeconfig, context: for a Kubernetes service this client starts.
        start: start `mpijob serve` when no service answers (it stops
            itself once idle), as the CLI does.
        timeout: seconds for one request.

    Raises:
        ServiceUnavailable: no service answers (and none could be started).
    """

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
        super().__init__(
            backend,
            namespace,
            server=server,
            token=token,
            data_dir=data_dir,
            kubeconfig=kubeconfig,
            context=context,
            start=start,
            timeout=timeout,
        )
        transport = httpx.HTTPTransport(uds=self.endpoint.socket) if self.endpoint.socket else None
        self._http = httpx.Client(transport=transport, **self._client_options())
        try:
            self._connect()
        except BaseException:
            self._http.close()
            raise

    def _connect(self) -> None:
        try:
            self.health()
            return
        except ServiceUnavailable:
            if self._serve is None:
                raise
        process = _service.start_service(self._serve, self._data_dir)
        _service.await_started(self._answers, self._data_dir, process)

    def _answers(self) -> bool:
        try:
            self.health()
            return True
        except ServiceUnavailable:
            return False

    def close(self) -> None:
        """Close the connections (a service this client started stops itself once idle)."""
        self._http.close()

    def __enter__(self) -> MPIJobClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise self._unavailable(error) from error
        if response.status_code >= 400:
            raise self._problem(response)
        return response

    @contextmanager
    def _open_events(
        self, path: str, headers: Mapping[str, str], params: Mapping[str, str] | None = None, limit: float | None = None
    ) -> Iterator[Iterator[ServerEvent]]:
        """An SSE response's events; after `limit` seconds the connection is shut (the read ends)."""
        try:
            with self._http.stream(
                "GET", path, params=params, headers=headers, timeout=self._stream_timeout(limit)
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    raise self._problem(response)
                watchdog = _shutdown_after(response, limit)
                try:
                    yield _events(response)
                finally:
                    if watchdog is not None:
                        watchdog.cancel()
        except httpx.TransportError as error:
            raise self._unavailable(error) from error

    # -- verbs ------------------------------------------------------------

    def health(self) -> Health:
        """Whether the service answers, and its backend."""
        health = Health.model_validate_json(self._request("GET", "/api/health").content)
        self.backend = health.backend
        return health

    def create(
        self,
        notebook: NotebookInput | None = None,
        *,
        spec: LaunchSpec | Mapping[str, Any] | None = None,
        manifest: str | os.PathLike[str] | Mapping[str, Any] | None = None,
        name: str | None = None,
        workers: int | None = None,
        gpus_per_worker: int | None = None,
        cells: CellsInput | None = None,
        image: str | None = None,
        namespace: str | None = None,
        dry_run: bool = False,
        **fields: Any,
    ) -> Job:
        """Start a job from a notebook, a launch spec or an MPIJob manifest.

        Args:
            notebook: an .ipynb path (read here; on the local backend the
                ranks start beside it) or nbformat JSON as a dict.
            spec: a `LaunchSpec` (or its JSON); the keyword fields go on top.
            manifest: an MPIJob (kubeflow.org/v2beta1) as a YAML/JSON file or a dict.
            name: the job's name; from the notebook's file name when absent.
            workers, gpus_per_worker, image: launch spec fields.
            cells: `all`, `tagged`, `upto:K`, or a list of cell numbers
                (every cell counts, from 1).
            namespace: else the client's.
            dry_run: only validate; nothing runs.
            **fields: any other launch spec field, snake_case or as in the
                schema (`slots_per_worker`, `env=[{"name": ..., "value": ...}]`).

        Returns:
            The job as recorded.

        Raises:
            Invalid: the service refused the spec or notebook; `errors`
                names each field (`workers`) or cell (`cell 3, line 2`).
            Conflict: a job of that name exists.
        """
        fields = {"name": name, "workers": workers, "gpus_per_worker": gpus_per_worker, "image": image, **fields}
        body, params = self._create_request(notebook, spec, manifest, cells, namespace, dry_run, fields)
        return Job.model_validate_json(self._request("POST", "/api/jobs", json=body, params=params).content)

    def get(self, name: str, namespace: str | None = None) -> Job:
        """One job. Raises `NotFound`."""
        path = job_path(self._namespace(namespace), name)
        return Job.model_validate_json(self._request("GET", path).content)

    def list(self, namespace: str | None = None, all_namespaces: bool = False) -> builtins.list[Job]:
        """The jobs of a namespace (or of all), oldest first."""
        params = {} if all_namespaces else {"namespace": self._namespace(namespace)}
        items = self._request("GET", "/api/jobs", params=params).json()["items"]
        return [Job.model_validate(item) for item in items]

    def delete(self, name: str, namespace: str | None = None) -> Job:
        """Stop a job (every rank) and remove it; returns it as it was. Raises `NotFound`."""
        path = job_path(self._namespace(namespace), name)
        return Job.model_validate_json(self._request("DELETE", path).content)

    def wait(
        self, name: str, condition: str = "Succeeded", timeout: float | None = None, namespace: str | None = None
    ) -> Job:
        """Wait until a job reaches a phase, following the service's change feed.

        Args:
            condition: the phase, e.g. `Succeeded` or `Running` (any case).
            timeout: seconds; None waits as long as it takes.

        Returns:
            The job in that phase.

        Raises:
            JobFailed: it ended in another phase; the message names the rank
                and notebook cell of the failure.
            WaitTimeout: `timeout` passed first.
            NotFound: there is no such job, or it was deleted meanwhile.
        """
        waiter = Waiter(self._namespace(namespace), name, phase_of(condition))
        deadline = None if timeout is None else time.monotonic() + timeout
        failures = 0
        while True:
            limit = None if deadline is None else deadline - time.monotonic()
            try:
                with self._open_events(
                    "/api/events", waiter.headers(), {"namespace": waiter.namespace}, limit
                ) as events:
                    for event in events:
                        failures = 0
                        result = waiter.feed(event)
                        if result is MISSING:
                            result = waiter.check(self.get(name, waiter.namespace))
                        if isinstance(result, Job):
                            return result
            except ServiceUnavailable:
                if deadline is not None and time.monotonic() >= deadline:
                    break
                failures += 1
                if failures > RECONNECTS:
                    raise
                time.sleep(RECONNECT_DELAY * 2 ** (failures - 1))
            if deadline is not None and time.monotonic() >= deadline:
                break
            waiter.reconnecting()
        raise WaitTimeout(
            f"timed out waiting for the condition on mpijobs/{name} ({timeout:g}s)", reason="Timeout"
        )

    def stream(self, name: str, namespace: str | None = None) -> Iterator[StreamEvent]:
        """A job's status changes and output lines as they happen, until it ends.

        Yields `StatusEvent` (the current state first), `LogEvent` per output
        line, and last `EndEvent` with the final record. A lost connection
        is resumed where it broke (`Last-Event-ID`): no line lost or repeated.
        """
        path = job_path(self._namespace(namespace), name) + "/stream"
        last: int | None = None
        failures = 0
        while True:
            headers = {"Accept": SSE} if last is None else {"Accept": SSE, "Last-Event-ID": str(last)}
            try:
                with self._open_events(path, headers) as events:
                    for event in events:
                        item = decode_stream_event(event.event, event.data, event.id, self.endpoint.where)
                        failures = 0
                        if isinstance(item, LogEvent):
                            last = item.id
                        if item is not None:
                            yield item
                        if isinstance(item, EndEvent):
                            return
            except ServiceUnavailable:
                failures += 1
                if failures > RECONNECTS:
                    raise
                time.sleep(RECONNECT_DELAY * 2 ** (failures - 1))

    @overload
    def logs(
        self, name: str, follow: Literal[False] = False, rank: int | None = None, namespace: str | None = None
    ) -> str: ...
    @overload
    def logs(
        self, name: str, follow: Literal[True], rank: int | None = None, namespace: str | None = None
    ) -> Iterator[str]: ...
    def logs(
        self, name: str, follow: bool = False, rank: int | None = None, namespace: str | None = None
    ) -> str | Iterator[str]:
        """A job's output: all of it as one string, or (`follow=True`) its lines as they come until it ends.

        Args:
            rank: only this MPI rank's lines.
        """
        if follow:
            return self._follow(name, rank, namespace)
        params = {} if rank is None else {"rank": str(rank)}
        path = job_path(self._namespace(namespace), name) + "/logs"
        return self._request("GET", path, params=params, headers={"Accept": "text/plain"}).text

    def _follow(self, name: str, rank: int | None, namespace: str | None) -> Iterator[str]:
        for event in self.stream(name, namespace):
            if isinstance(event, LogEvent) and (rank is None or event.line.rank == rank):
                yield event.line.text

    def files(self, name: str, namespace: str | None = None) -> builtins.list[JobFile]:
        """The files the job's ranks left (its notebook's figures)."""
        path = job_path(self._namespace(namespace), name) + "/files"
        return [JobFile.model_validate(f) for f in self._request("GET", path).json()["items"]]

    def file(self, name: str, filename: str, namespace: str | None = None) -> bytes:
        """One file the job's ranks left, as bytes."""
        path = job_path(self._namespace(namespace), name) + "/files/" + filename
        return self._request("GET", path).content

    def preflight(
        self,
        notebook: NotebookInput | None = None,
        *,
        spec: LaunchSpec | Mapping[str, Any] | None = None,
        cells: CellsInput | None = None,
        namespace: str | None = None,
        **fields: Any,
    ) -> PreflightReport:
        """Check that jobs can run on the backend; with a notebook or spec, that this one can.

        The local backend also compiles the notebook's code and looks up its
        imports in the ranks' Python, naming cell and line.
        """
        body = self._preflight_body(notebook, spec, cells, namespace, fields)
        response = self._request("GET", "/api/preflight") if body is None else self._request(
            "POST", "/api/preflight", json=body
        )
        return PreflightReport.model_validate_json(response.content)

    def benchmark(
        self,
        notebook: NotebookInput,
        workers: Sequence[int] = (1, 2, 4),
        *,
        repeats: int | None = None,
        warmups: int | None = None,
        bare: bool | None = None,
        results_dir: str | None = None,
        cells: CellsInput | None = None,
        namespace: str | None = None,
        on_progress: Callable[[BenchmarkRecord], None] | None = None,
        interval: float = 1.0,
        **fields: Any,
    ) -> BenchmarkRecord:
        """Benchmark a notebook at several worker counts; returns the record with its speedup `summary`.

        The service runs it in the background and offers no event stream
        for it, so this asks for its progress every `interval` seconds
        (calling `on_progress` each time). Interrupting stops it; what was
        measured so far is still written.

        Raises:
            Invalid: bad worker counts, spec or notebook (the fields named).
            Conflict: another benchmark is running.
        """
        body = self._benchmark_request(notebook, workers, repeats, warmups, bare, results_dir, cells, namespace, fields)
        record = BenchmarkRecord.model_validate_json(self._request("POST", "/api/benchmarks", json=body).content)
        path = f"/api/benchmarks/{record.id}"
        try:
            while record.state == "running":
                if on_progress is not None:
                    on_progress(record)
                time.sleep(interval)
                record = BenchmarkRecord.model_validate_json(self._request("GET", path).content)
        except BaseException:
            try:
                self._request("DELETE", path)
            except MPIJobError:
                pass
            raise
        if on_progress is not None:
            on_progress(record)
        return record


def _events(response: httpx.Response) -> Iterator[ServerEvent]:
    decoder = EventDecoder()
    for line in response.iter_lines():
        event = decoder.feed(line)
        if event is not None:
            yield event
    # Streams end with `end` (or are left once the awaited event came): an
    # earlier close is a lost connection, resumed after a pause.
    raise ServiceUnavailable("the MPI job service closed the event stream", reason="ServiceUnavailable")


def _shutdown_after(response: httpx.Response, limit: float | None) -> threading.Timer | None:
    """Shut the response's socket after `limit` seconds, which ends a blocked read at once."""
    if limit is None:
        return None
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if not isinstance(sock, socket.socket):
        return None

    def shut() -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    timer = threading.Timer(max(limit, 0.0), shut)
    timer.daemon = True
    timer.start()
    return timer
