"""AsyncMPIJobClient against the real job service on the local backend."""

import asyncio
import time

import pytest

from jupyterlab_mpijob import AsyncMPIJobClient, Conflict, Invalid, JobFailed, NotFound, WaitTimeout
from jupyterlab_mpijob.jobs import EndEvent, LogEvent


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 180))


def test_create_follow_wait_delete(data_dir, notebooks, gate):
    async def scenario():
        async with AsyncMPIJobClient(data_dir=data_dir) as client:
            job = await client.create(notebooks["gated"], workers=2, name="async-gated", env=gate.env)
            assert job.name == "async-gated"
            seen = []
            try:
                assert (await client.wait("async-gated", "Running", timeout=60)).phase == "Running"
                async for line in client.logs("async-gated", follow=True):
                    seen.append(line)
                    if line == "rank 0 started":
                        # The gate opens from another thread: the loop must keep reading meanwhile.
                        await asyncio.to_thread(gate.open)
                done = await client.wait("async-gated", timeout=60)
                assert done.phase == "Succeeded" and done.duration > 0
                assert "rank 1 done" in await client.logs("async-gated", rank=1)
                assert "async-gated" in [j.name for j in await client.list()]
            finally:
                await client.delete("async-gated")
            with pytest.raises(NotFound):
                await client.get("async-gated")
            return seen

    seen = run(scenario())
    assert seen.index("rank 0 started") < seen.index("rank 0 done")


def test_stream_and_failure(data_dir, notebooks):
    async def scenario():
        async with AsyncMPIJobClient(data_dir=data_dir) as client:
            await client.create(notebooks["fails"], workers=2, name="async-fails")
            try:
                events = [event async for event in client.stream("async-fails")]
                assert isinstance(events[-1], EndEvent) and events[-1].job.phase == "Failed"
                assert any(isinstance(e, LogEvent) and e.line.text == "rank 1" for e in events)
                with pytest.raises(JobFailed) as failure:
                    await client.wait("async-fails", timeout=60)
                assert (failure.value.rank, failure.value.cell) == (1, 2)
            finally:
                await client.delete("async-fails")

    run(scenario())


def test_typed_errors_and_timeout(data_dir, notebooks, gate):
    async def scenario():
        async with AsyncMPIJobClient(data_dir=data_dir) as client:
            with pytest.raises(NotFound):
                await client.delete("nope")
            with pytest.raises(Invalid) as invalid:
                await client.create(notebooks["ranks"], workers=1, name="Bad Name")
            assert invalid.value.errors[0].path == "name"
            await client.create(notebooks["gated"], workers=1, name="async-slow", env=gate.env)
            try:
                with pytest.raises(Conflict):
                    await client.create(notebooks["gated"], workers=1, name="async-slow", env=gate.env)
                started = time.monotonic()
                with pytest.raises(WaitTimeout):
                    await client.wait("async-slow", timeout=0.5)
                assert time.monotonic() - started < 5
            finally:
                await client.delete("async-slow")

    run(scenario())
