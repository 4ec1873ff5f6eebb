"""PyTorch DistributedDataParallel training step on synthetic data, one GPU a rank.

Ranks come from MPI (mpi4py); rank 0 picks the rendezvous address and port
and broadcasts them, then every rank joins an NCCL process group and trains
an MLP on random batches (weak scaling: ``--batch-size`` per GPU). The time
reported covers ``--steps`` steps after ``--warmup-steps`` untimed ones.

Where torch, CUDA or a GPU per rank is missing, rank 0 prints a skip line
and every rank exits 0: the runner records the run as skipped.
"""

import argparse
import socket
import time

from mpi4py import MPI

from _mpijob_bench import emit, skip


def missing_requirement(local_rank):
    """Why this rank cannot run the benchmark, or None."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return "PyTorch (torch) is not installed"
    if not torch.cuda.is_available():
        return "no CUDA GPU is visible (torch.cuda.is_available() is False)"
    if torch.cuda.device_count() <= local_rank:
        return (
            f"local rank {local_rank} has no GPU of its own: "
            f"{torch.cuda.device_count()} visible on this node"
        )
    return None


def free_port():
    """A TCP port free on this host right now."""
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--warmup-steps", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--hidden", type=int, default=4096)
    parser.add_argument("--layers", type=int, default=8)
    args = parser.parse_args()

    comm = MPI.COMM_WORLD
    rank = comm.Get_rank()
    size = comm.Get_size()
    local_rank = comm.Split_type(MPI.COMM_TYPE_SHARED).Get_rank()

    reasons = comm.gather(missing_requirement(local_rank), root=0)
    reason = None
    if rank == 0:
        reason = next((r for r in reasons if r is not None), None)
    reason = comm.bcast(reason, root=0)
    if reason is not None:
        skip(reason, rank)

    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    address = comm.bcast(
        (socket.gethostname(), free_port()) if rank == 0 else None, root=0
    )
    torch.cuda.set_device(local_rank)
    dist.init_process_group(
        "nccl",
        init_method=f"tcp://{address[0]}:{address[1]}",
        rank=rank,
        world_size=size,
    )
    device = torch.device("cuda", local_rank)
    layers = []
    for _ in range(args.layers):
        layers += [torch.nn.Linear(args.hidden, args.hidden), torch.nn.ReLU()]
    model = DistributedDataParallel(
        torch.nn.Sequential(*layers).to(device), device_ids=[local_rank]
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    inputs = torch.randn(args.batch_size, args.hidden, device=device)
    targets = torch.randn(args.batch_size, args.hidden, device=device)
    loss_fn = torch.nn.MSELoss()

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()

    for _ in range(args.warmup_steps):
        step()
    torch.cuda.synchronize()
    comm.Barrier()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    torch.cuda.synchronize()
    comm.Barrier()
    seconds = time.perf_counter() - start
    parameters = sum(p.numel() for p in model.parameters())
    emit(
        {
            "seconds": seconds,
            "metric": "ddp_step",
            "ranks": size,
            "step_ms": seconds / args.steps * 1e3,
            "samples_per_sec": args.steps * args.batch_size * size / seconds,
            "parameters": parameters,
            "torch": torch.__version__,
            "gpu": torch.cuda.get_device_name(device),
        },
        rank,
    )
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
