"""`client.create` + `client.wait` against the CLI's `mpijob create` + `mpijob
wait`, on the same notebooks and the same running service, side by side:
the two take turns, so drift on a noisy machine hits both alike.

    python benchmarks/sdk_overhead.py [--repeats 10] [notebook.ipynb ...]

Prints per notebook the median (and min-max) seconds of each, the ratio of
the medians and the median of the paired differences, and writes every
sample to benchmarks/results/sdk-overhead-<time>.json (`--out` elsewhere),
from which scripts/bench-readme.mjs writes the README's table. The SDK
client is made once, as in a notebook; each CLI step is a new process, as
in a shell.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyterlab_mpijob import MPIJobClient

ROOT = Path(__file__).resolve().parents[1]
TINY = (
    '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "id": "a1",'
    ' "metadata": {}, "execution_count": null, "outputs": [],'
    ' "source": "from mpi4py import MPI\\nprint(MPI.COMM_WORLD.Get_rank())"}]}'
)


def sdk_run(client, notebook, name):
    started = time.perf_counter()
    client.create(notebook, workers=2, name=name)
    client.wait(name, timeout=300)
    return time.perf_counter() - started


def cli_run(notebook, name):
    mpijob = str(Path(sys.executable).parent / "mpijob")
    started = time.perf_counter()
    subprocess.run([mpijob, "create", "--from-notebook", str(notebook), "--workers", "2", "--name", name],
                   check=True, capture_output=True)
    subprocess.run([mpijob, "wait", name, "--for=condition=Succeeded", "--timeout=300s"],
                   check=True, capture_output=True)
    return time.perf_counter() - started


def summary(label, samples):
    return (f"{label:>4}: median {statistics.median(samples):.3f} s "
            f"(min {min(samples):.3f}, max {max(samples):.3f}, n={len(samples)})")


def iso_now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def environment():
    """What the other results files record of the machine, as far as Python sees it."""
    def text(*command):
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        return done.stdout.strip() if done.returncode == 0 else None

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {
        "hostname": platform.node(),
        "platform": sys.platform,
        "cpuModel": cpu,
        "cores": os.cpu_count(),
        "loadAverage": {"start": list(os.getloadavg())},
        "python": sys.version.split()[0],
        "git": {"commit": text("git", "rev-parse", "HEAD"), "dirty": bool(text("git", "status", "--porcelain"))},
        "backend": "local",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--out", help="the results file (default: benchmarks/results/sdk-overhead-<time>.json)")
    parser.add_argument("notebooks", nargs="*")
    args = parser.parse_args()
    started_at = iso_now()
    env = environment()
    measured = []
    work = Path(tempfile.mkdtemp(prefix="sdk-overhead-"))
    (work / "tiny.ipynb").write_text(TINY)
    notebooks = [Path(n).resolve() for n in args.notebooks] or [work / "tiny.ipynb", ROOT / "examples" / "mpi-pi.ipynb"]
    os.environ["MPIJOB_DATA_DIR"] = str(work / "data")
    os.environ.setdefault("MPIJOB_PYTHON", sys.executable)
    with MPIJobClient() as client:
        for notebook in notebooks:
            sdk, cli = [], []
            # One unmeasured run each: caches (the program checks, the page cache) warm up.
            for i in range(args.repeats + 1):
                order = [("sdk", sdk), ("cli", cli)] if i % 2 == 0 else [("cli", cli), ("sdk", sdk)]
                for kind, samples in order:
                    name = f"{kind}-{i}"
                    took = sdk_run(client, notebook, name) if kind == "sdk" else cli_run(notebook, name)
                    client.delete(name)
                    if i > 0:
                        samples.append(took)
            measured.append({"notebook": notebook.name, "workers": 2, "sdkSeconds": sdk, "cliSeconds": cli})
            paired = [s - c for s, c in zip(sdk, cli)]
            print(f"{notebook.name} (2 ranks, local backend)")
            print(summary("sdk", sdk))
            print(summary("cli", cli))
            print(f"     sdk/cli median ratio {statistics.median(sdk) / statistics.median(cli):.3f}; "
                  f"median paired difference {statistics.median(paired) * 1000:+.0f} ms")
    pid = work / "data" / "service.pid"
    if pid.exists():
        os.kill(int(pid.read_text()), 15)
    env["loadAverage"]["end"] = list(os.getloadavg())
    out = Path(args.out) if args.out else ROOT / "benchmarks" / "results" / (
        "sdk-overhead-" + started_at.replace("-", "").replace(":", "").replace("T", "-")[:15] + ".json")
    out.write_text(json.dumps({
        "schemaVersion": 1, "kind": "sdk-overhead", "name": "sdk-overhead",
        "startedAt": started_at, "finishedAt": iso_now(), "environment": env,
        "repeats": args.repeats, "notebooks": measured,
    }, indent=2) + "\n")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
