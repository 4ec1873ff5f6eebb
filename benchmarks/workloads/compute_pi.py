"""Compute-bound, data-parallel numpy kernel: Monte-Carlo estimate of pi.

Strong scaling (default): ``--samples`` points in total, split over the
ranks. Weak scaling: ``--samples`` points per rank. Each rank draws its own
random stream, counts the points inside the unit circle in chunks that stay
in the core's L2 cache (2 x 128 KiB by default, so neighbours sharing L3 and
memory disturb it less), and rank 0 reduces the counts. The time reported is wall time
between two barriers on rank 0: compute plus the reduction, no start-up.

Run with one BLAS/OpenMP thread per rank (OPENBLAS_NUM_THREADS=1,
OMP_NUM_THREADS=1) so ranks do not compete for cores.
"""

import argparse
import math
import os

import numpy as np
from mpi4py import MPI

from _mpijob_bench import emit


def count_inside(rng, samples, chunk):
    """Points of ``samples`` uniform draws in [0, 1)^2 inside the unit circle."""
    x = np.empty(chunk)
    y = np.empty(chunk)
    inside = 0
    done = 0
    while done < samples:
        n = min(chunk, samples - done)
        xs = x[:n]
        ys = y[:n]
        rng.random(out=xs)
        rng.random(out=ys)
        np.multiply(xs, xs, out=xs)
        np.multiply(ys, ys, out=ys)
        np.add(xs, ys, out=xs)
        inside += int(np.count_nonzero(xs < 1.0))
        done += n
    return inside


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=200_000_000)
    parser.add_argument("--scaling", choices=["strong", "weak"], default="strong")
    parser.add_argument("--chunk", type=int, default=16384)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    comm = MPI.COMM_WORLD
    rank = comm.Get_rank()
    size = comm.Get_size()
    if args.scaling == "strong":
        mine = args.samples // size + (1 if rank < args.samples % size else 0)
        total = args.samples
    else:
        mine = args.samples
        total = args.samples * size
    rng = np.random.default_rng([args.seed, rank])

    comm.Barrier()
    start = MPI.Wtime()
    inside = count_inside(rng, mine, args.chunk)
    compute = MPI.Wtime() - start
    inside_total = comm.reduce(inside, op=MPI.SUM, root=0)
    computes = comm.gather(compute, root=0)
    comm.Barrier()
    seconds = MPI.Wtime() - start

    if rank == 0:
        estimate = 4.0 * inside_total / total
        emit(
            {
                "seconds": seconds,
                "metric": "pi",
                "value": estimate,
                "error": abs(estimate - math.pi),
                "samples": total,
                "ranks": size,
                "scaling": args.scaling,
                "rank_compute_seconds": computes,
                "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
            }
        )


if __name__ == "__main__":
    main()
