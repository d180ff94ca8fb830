#!/usr/bin/env bash
# Install and start a Docker engine for the tests, and build the local Python base image.
# No bridge and no iptables on these machines: containers use the host network.
# Prints progress lines only; the daemon logs to /tmp/golive-dockerd.log.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
base_image="${GOLIVE_BASE_IMAGE:-golive/python-base:bookworm}"

if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
  echo "docker: installing docker.io and debootstrap"
  apt-get install -y -q docker.io debootstrap >/tmp/golive-apt-docker.log 2>&1 ||
    { tail -20 /tmp/golive-apt-docker.log >&2; exit 1; }
fi

if ! docker info >/dev/null 2>&1; then
  echo "docker: starting dockerd"
  nohup dockerd --iptables=false --bridge=none >/tmp/golive-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "docker: dockerd did not answer; see /tmp/golive-dockerd.log" >&2; exit 1; }
fi
echo "docker: engine $(docker version --format '{{.Server.Version}}') answers"

start=$(date +%s)
bash docker/build-base-image.sh "$base_image" | sed -u 's/^/docker: /'
echo "docker: base image ready in $(( $(date +%s) - start ))s"
