#!/usr/bin/env bash
# Install Prometheus for the monitoring tests (they start their own instances on free ports)
# and make sure the Debian package's own instance is not left holding 127.0.0.1:9090.
set -euo pipefail
if ! command -v prometheus >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q prometheus >/dev/null
fi
# The package starts its service where init scripts may run; stop it through its init script.
if [ -x /etc/init.d/prometheus ]; then
  /etc/init.d/prometheus stop >/dev/null 2>&1 || true
fi
for _ in $(seq 1 20); do
  (exec 3<>/dev/tcp/127.0.0.1/9090) 2>/dev/null || break
  sleep 0.5
done
if (exec 3<>/dev/tcp/127.0.0.1/9090) 2>/dev/null; then
  echo "warning: something still listens on 127.0.0.1:9090 (golive's tests use free ports)" >&2
fi
prometheus --version 2>&1 | head -1
