# Runtime image for MPIJobs with MPICH 4 (Debian bookworm): python3, mpi4py,
# numpy, MPICH and the sshd that mpi-operator's launcher reaches the workers
# through. Build from this folder:
#   docker build -f mpich.Dockerfile -t REGISTRY/mpijob-runtime:mpich .
# Debian's python3-mpi4py is built against Open MPI (under MPICH's mpirun each
# rank would run alone), so mpi4py is compiled here against MPICH.
FROM debian:bookworm-slim AS mpi4py
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       gcc libmpich-dev python3-dev python3-pip \
    && pip install --no-cache-dir --break-system-packages \
       --no-binary=mpi4py 'mpi4py>=4,<5'

FROM debian:bookworm-slim
COPY packages.txt packages.sh setup.sh /tmp/mpijob-image/
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       $(sh /tmp/mpijob-image/packages.sh mpich) \
    && sh /tmp/mpijob-image/setup.sh \
    && rm -rf /tmp/mpijob-image
# pip put it in /usr/local/lib/python3.11/dist-packages (Debian's scheme for
# root), which Debian's python3 reads.
COPY --from=mpi4py /usr/local/lib/ /usr/local/lib/
