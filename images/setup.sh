#!/bin/sh
# Configures a runtime image after its packages are installed; run as root
# inside the image (a Dockerfile RUN, or chroot for testenv/images.sh).
# Sets up the ssh that mpi-operator's launcher uses to start ranks on the
# workers, for both ways a job can run its pods:
#   as root (what `mpijob` renders): workers run `/usr/sbin/sshd -De`, keys
#     mounted at /root/.ssh (sshAuthMountPath);
#   as the non-root user mpiuser (uid 1000, like mpi-operator's own images):
#     workers run `/usr/sbin/sshd -De -f /home/mpiuser/.sshd_config`, keys at
#     /home/mpiuser/.ssh, pods with securityContext.runAsUser: 1000.
set -eu
port=2222

# sshd's privilege separation directory (sshd as root refuses to start without it).
mkdir -p /run/sshd

# Client: the operator mounts ~/.ssh read-only from a Secret, so known_hosts
# cannot be written, and worker host keys are new for every job. Port 2222
# (not 22) lets a non-root sshd listen. LogLevel ERROR keeps the
# "Permanently added" warnings out of the job's log.
cat >/etc/ssh/ssh_config.d/mpijob.conf <<CONF
Host *
    StrictHostKeyChecking no
    UserKnownHostsFile /dev/null
    LogLevel ERROR
    Port $port
CONF

# Server (as root): the mounted keys' files have the Secret's modes
# (StrictModes would refuse them); no PAM: pam_loginuid fails in containers
# without CAP_AUDIT_CONTROL and key authentication needs nothing else from it.
cat >/etc/ssh/sshd_config.d/mpijob.conf <<CONF
Port $port
StrictModes no
UsePAM no
CONF

# The non-root user and its own sshd configuration (host key = the mounted
# private key, pid file in its home).
id mpiuser >/dev/null 2>&1 || useradd --create-home --uid 1000 --shell /bin/bash mpiuser
cat >/home/mpiuser/.sshd_config <<CONF
Port $port
PidFile /home/mpiuser/sshd.pid
HostKey /home/mpiuser/.ssh/id_rsa
StrictModes no
CONF
chown mpiuser:mpiuser /home/mpiuser/.sshd_config

# Smaller image: nothing here is read at run time.
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb \
  /usr/share/doc/* /usr/share/man/* /usr/share/info/*
