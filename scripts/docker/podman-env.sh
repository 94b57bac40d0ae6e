# shellcheck shell=bash
# Sourced: points podman at a containers.conf of our own under DIR ($1), so that podman works
# on a machine without systemd or cgroup v2 delegation (runc, cgroupfs, events in a file) and
# never asks a container for more descriptors or processes than this shell may have.
podman_conf_dir=$1
mkdir -p "$podman_conf_dir"
podman_nofile=$(ulimit -Hn)
podman_nproc=$(ulimit -Hu)
if [ "$podman_nproc" = unlimited ] || [ "$podman_nproc" -gt 32768 ]; then podman_nproc=32768; fi
if [ "$podman_nofile" = unlimited ]; then podman_nofile=1048576; fi
cat >"$podman_conf_dir/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$podman_nofile:$podman_nofile", "nproc=$podman_nproc:$podman_nproc"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF="$podman_conf_dir/containers.conf"
