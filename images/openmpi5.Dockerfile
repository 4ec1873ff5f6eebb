# Runtime image for MPIJobs with Open MPI 5 (Debian trixie): python3, mpi4py,
# numpy, Open MPI 5 and the sshd that mpi-operator's launcher reaches the workers
# through. Build from this folder:
#   docker build -f openmpi5.Dockerfile -t REGISTRY/mpijob-runtime:openmpi5 .
# testenv/images.sh builds the same image with debootstrap (same packages.txt,
# same setup.sh), for tests on machines without a container registry.
FROM debian:trixie-slim

COPY packages.txt packages.sh setup.sh /tmp/mpijob-image/
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       $(sh /tmp/mpijob-image/packages.sh openmpi5) \
    && sh /tmp/mpijob-image/setup.sh \
    && rm -rf /tmp/mpijob-image
