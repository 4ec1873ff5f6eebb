"""MPI_Allreduce sweep over message sizes, in the manner of osu_allreduce.

For each size (bytes, float32 sum) the ranks run a few untimed warm-up
reductions, then ``iterations`` timed ones between barriers. Latency is the
mean time of one reduction (averaged over ranks; the slowest rank is kept
too); bandwidth is algorithmic (bytes / latency) and bus bandwidth as
nccl-tests defines it (algbw x 2(n-1)/n). ``seconds`` is the whole sweep.
"""

import argparse

import numpy as np
from mpi4py import MPI

from _mpijob_bench import emit


def sizes(smallest, largest, factor):
    """Message sizes from ``smallest`` to ``largest`` bytes, times ``factor``."""
    size = smallest
    while size <= largest:
        yield size
        size *= factor


def iterations_for(size, small, large, threshold):
    """Iterations per size: many for small messages, fewer for large ones (as OSU)."""
    return small if size <= threshold else large


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--min-bytes", type=int, default=4)
    parser.add_argument("--max-bytes", type=int, default=4 * 1024 * 1024)
    parser.add_argument("--factor", type=int, default=4)
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--iterations-large", type=int, default=100)
    parser.add_argument("--large-threshold", type=int, default=8192)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()

    comm = MPI.COMM_WORLD
    rank = comm.Get_rank()
    size = comm.Get_size()
    sweep = []

    comm.Barrier()
    sweep_start = MPI.Wtime()
    for nbytes in sizes(args.min_bytes, args.max_bytes, args.factor):
        count = max(1, nbytes // 4)
        send = np.full(count, 1.0, dtype=np.float32)
        recv = np.empty_like(send)
        iterations = iterations_for(
            nbytes, args.iterations, args.iterations_large, args.large_threshold
        )
        for _ in range(args.warmup):
            comm.Allreduce(send, recv, op=MPI.SUM)
        comm.Barrier()
        start = MPI.Wtime()
        for _ in range(iterations):
            comm.Allreduce(send, recv, op=MPI.SUM)
        latency = (MPI.Wtime() - start) / iterations
        if recv[0] != size:
            raise RuntimeError(f"allreduce of {nbytes} bytes gave {recv[0]}, not {size}")
        mean = comm.reduce(latency, op=MPI.SUM, root=0)
        slowest = comm.reduce(latency, op=MPI.MAX, root=0)
        if rank == 0:
            mean /= size
            algbw = count * 4 / mean
            sweep.append(
                {
                    "bytes": count * 4,
                    "iterations": iterations,
                    "latency_us": mean * 1e6,
                    "latency_max_us": slowest * 1e6,
                    "algbw_MBps": algbw / 1e6,
                    "busbw_MBps": algbw * (2 * (size - 1) / size) / 1e6,
                }
            )
    comm.Barrier()
    seconds = MPI.Wtime() - sweep_start
    emit({"seconds": seconds, "metric": "allreduce", "ranks": size, "sweep": sweep}, rank)


if __name__ == "__main__":
    main()
