"""`AsyncMPIJobClient`: the same verbs as `MPIJobClient`, as coroutines.

    async with AsyncMPIJobClient() as client:
        job = await client.create("pi.ipynb", workers=2)
        async for line in client.logs(job.name, follow=True):
            print(line)
        job = await client.wait(job.name)

Following and waiting read the service's Server-Sent Events; nothing polls.
"""

from __future__ import annotations

import builtins
import os
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, Literal, overload

import anyio
import httpx

from . import _service
from ._base import RECONNECT_DELAY, RECONNECTS, ClientBase
from ._protocol import MISSING, SSE, CellsInput, NotebookInput, Waiter, job_path, phase_of
from ._sse import EventDecoder, ServerEvent
from .errors import MPIJobError, ServiceUnavailable, WaitTimeout
from .jobs import EndEvent, Job, LogEvent, StreamEvent, decode_stream_event
from .models import BenchmarkRecord, Health, JobFile, LaunchSpec, PreflightReport

__all__ = ["AsyncMPIJobClient"]


class AsyncMPIJobClient(ClientBase):
    """An asyncio (or trio) client of the MPI job service; use it with `async with`.

    Takes the arguments of `MPIJobClient`. It connects (and starts the
    service when none answers) on entering `async with` or on the first verb.
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
        transport = httpx.AsyncHTTPTransport(uds=self.endpoint.socket) if self.endpoint.socket else None
        self._http = httpx.AsyncClient(transport=transport, **self._client_options())
        self._connected = False

    async def connect(self) -> None:
        """Reach the service, starting it when none answers. Raises `ServiceUnavailable`."""
        if self._connected:
            return
        try:
            await self.health()
        except ServiceUnavailable:
            if self._serve is None:
                raise
            process = _service.start_service(self._serve, self._data_dir)
            deadline = time.monotonic() + _service.START_TIMEOUT_S
            while not await self._answers():
                # A starting process has no event to wait for until its socket accepts.
                _service.check_exited(process, self._data_dir)
                if time.monotonic() > deadline:
                    raise _service.not_started(self._data_dir) from None
                await anyio.sleep(0.1)
        self._connected = True

    async def _answers(self) -> bool:
        try:
            await self.health()
            return True
        except ServiceUnavailable:
            return False

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncMPIJobClient:
        try:
            await self.connect()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    # -- plumbing ---------------------------------------------------------

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if not self._connected and path != "/api/health":
            await self.connect()
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise self._unavailable(error) from error
        if response.status_code >= 400:
            raise self._problem(response)
        return response

    @asynccontextmanager
    async def _open_events(
        self, path: str, headers: Mapping[str, str], params: Mapping[str, str] | None = None
    ) -> AsyncIterator[AsyncIterator[ServerEvent]]:
        await self.connect()
        try:
            async with self._http.stream(
                "GET", path, params=params, headers=headers, timeout=self._stream_timeout()
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise self._problem(response)
                yield _events(response)
        except httpx.TransportError as error:
            raise self._unavailable(error) from error

    # -- verbs ------------------------------------------------------------

    async def health(self) -> Health:
        """Whether the service answers, and its backend."""
        health = Health.model_validate_json((await self._request("GET", "/api/health")).content)
        self.backend = health.backend
        return health

    async def create(
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
        """Start a job; see `MPIJobClient.create`."""
        await self.connect()
        fields = {"name": name, "workers": workers, "gpus_per_worker": gpus_per_worker, "image": image, **fields}
        body, params = self._create_request(notebook, spec, manifest, cells, namespace, dry_run, fields)
        response = await self._request("POST", "/api/jobs", json=body, params=params)
        return Job.model_validate_json(response.content)

    async def get(self, name: str, namespace: str | None = None) -> Job:
        """One job. Raises `NotFound`."""
        response = await self._request("GET", job_path(self._namespace(namespace), name))
        return Job.model_validate_json(response.content)

    async def list(self, namespace: str | None = None, all_namespaces: bool = False) -> builtins.list[Job]:
        """The jobs of a namespace (or of all), oldest first."""
        params = {} if all_namespaces else {"namespace": self._namespace(namespace)}
        items = (await self._request("GET", "/api/jobs", params=params)).json()["items"]
        return [Job.model_validate(item) for item in items]

    async def delete(self, name: str, namespace: str | None = None) -> Job:
        """Stop a job (every rank) and remove it. Raises `NotFound`."""
        response = await self._request("DELETE", job_path(self._namespace(namespace), name))
        return Job.model_validate_json(response.content)

    async def wait(
        self, name: str, condition: str = "Succeeded", timeout: float | None = None, namespace: str | None = None
    ) -> Job:
        """Wait until a job reaches a phase; see `MPIJobClient.wait`."""
        waiter = Waiter(self._namespace(namespace), name, phase_of(condition))
        try:
            with anyio.fail_after(timeout):
                return await self._wait(waiter)
        except TimeoutError:
            raise WaitTimeout(
                f"timed out waiting for the condition on mpijobs/{name} ({timeout:g}s)", reason="Timeout"
            ) from None

    async def _wait(self, waiter: Waiter) -> Job:
        failures = 0
        while True:
            try:
                async with self._open_events("/api/events", waiter.headers(), {"namespace": waiter.namespace}) as events:
                    async for event in events:
                        failures = 0
                        result = waiter.feed(event)
                        if result is MISSING:
                            result = waiter.check(await self.get(waiter.name, waiter.namespace))
                        if isinstance(result, Job):
                            return result
            except ServiceUnavailable:
                failures += 1
                if failures > RECONNECTS:
                    raise
                await anyio.sleep(RECONNECT_DELAY * 2 ** (failures - 1))
            waiter.reconnecting()

    async def stream(self, name: str, namespace: str | None = None) -> AsyncIterator[StreamEvent]:
        """A job's status changes and output lines as they happen; see `MPIJobClient.stream`."""
        path = job_path(self._namespace(namespace), name) + "/stream"
        last: int | None = None
        failures = 0
        while True:
            headers = {"Accept": SSE} if last is None else {"Accept": SSE, "Last-Event-ID": str(last)}
            try:
                async with self._open_events(path, headers) as events:
                    async for event in events:
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
                await anyio.sleep(RECONNECT_DELAY * 2 ** (failures - 1))

    @overload
    def logs(
        self, name: str, follow: Literal[False] = False, rank: int | None = None, namespace: str | None = None
    ) -> Coroutine[Any, Any, str]: ...
    @overload
    def logs(
        self, name: str, follow: Literal[True], rank: int | None = None, namespace: str | None = None
    ) -> AsyncIterator[str]: ...
    def logs(
        self, name: str, follow: bool = False, rank: int | None = None, namespace: str | None = None
    ) -> Coroutine[Any, Any, str] | AsyncIterator[str]:
        """`await client.logs(name)` for all output as one string;
        `async for line in client.logs(name, follow=True)` for its lines as they come."""
        if follow:
            return self._follow(name, rank, namespace)
        return self._logs_text(name, rank, namespace)

    async def _logs_text(self, name: str, rank: int | None, namespace: str | None) -> str:
        params = {} if rank is None else {"rank": str(rank)}
        path = job_path(self._namespace(namespace), name) + "/logs"
        return (await self._request("GET", path, params=params, headers={"Accept": "text/plain"})).text

    async def _follow(self, name: str, rank: int | None, namespace: str | None) -> AsyncIterator[str]:
        async for event in self.stream(name, namespace):
            if isinstance(event, LogEvent) and (rank is None or event.line.rank == rank):
                yield event.line.text

    async def files(self, name: str, namespace: str | None = None) -> builtins.list[JobFile]:
        """The files the job's ranks left (its notebook's figures)."""
        path = job_path(self._namespace(namespace), name) + "/files"
        return [JobFile.model_validate(f) for f in (await self._request("GET", path)).json()["items"]]

    async def file(self, name: str, filename: str, namespace: str | None = None) -> bytes:
        """One file the job's ranks left, as bytes."""
        path = job_path(self._namespace(namespace), name) + "/files/" + filename
        return (await self._request("GET", path)).content

    async def preflight(
        self,
        notebook: NotebookInput | None = None,
        *,
        spec: LaunchSpec | Mapping[str, Any] | None = None,
        cells: CellsInput | None = None,
        namespace: str | None = None,
        **fields: Any,
    ) -> PreflightReport:
        """Check that jobs (or this one) can run on the backend; see `MPIJobClient.preflight`."""
        await self.connect()
        body = self._preflight_body(notebook, spec, cells, namespace, fields)
        if body is None:
            response = await self._request("GET", "/api/preflight")
        else:
            response = await self._request("POST", "/api/preflight", json=body)
        return PreflightReport.model_validate_json(response.content)

    async def benchmark(
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
        """Benchmark a notebook; see `MPIJobClient.benchmark` (the API offers only polling for it)."""
        await self.connect()
        body = self._benchmark_request(notebook, workers, repeats, warmups, bare, results_dir, cells, namespace, fields)
        record = BenchmarkRecord.model_validate_json((await self._request("POST", "/api/benchmarks", json=body)).content)
        path = f"/api/benchmarks/{record.id}"
        try:
            while record.state == "running":
                if on_progress is not None:
                    on_progress(record)
                await anyio.sleep(interval)
                record = BenchmarkRecord.model_validate_json((await self._request("GET", path)).content)
        except BaseException:
            with anyio.CancelScope(shield=True):
                try:
                    await self._request("DELETE", path)
                except MPIJobError:
                    pass
            raise
        if on_progress is not None:
            on_progress(record)
        return record


async def _events(response: httpx.Response) -> AsyncIterator[ServerEvent]:
    decoder = EventDecoder()
    async for line in response.aiter_lines():
        event = decoder.feed(line)
        if event is not None:
            yield event
    # Streams end with `end` (or are left once the awaited event came): an
    # earlier close is a lost connection, resumed after a pause.
    raise ServiceUnavailable("the MPI job service closed the event stream", reason="ServiceUnavailable")
