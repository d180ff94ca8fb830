#!/usr/bin/env bash
# Build a local Python base image without any image registry: a minimal Debian bookworm root
# made by debootstrap from the machine's own apt mirror, imported as an image.
# Usage: docker/build-base-image.sh [NAME:TAG]   (default golive/python-base:bookworm)
# Idempotent: does nothing when the image already exists.
set -euo pipefail
image="${1:-golive/python-base:bookworm}"

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "base image $image exists: skipping"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap missing: apt-get install -y debootstrap" >&2; exit 2; }

# The mirror apt itself uses (deb822 .sources first, then the one-line sources.list), never a
# security or updates suite: debootstrap needs the main archive.
mirror=$(
  { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {print $2}' || true
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
      sed -E 's/^deb +(\[[^]]*\] +)?//' | awk '{print $1}'
  } | grep -v -e security -e updates | grep -E '/debian/?$' | head -1 || true
)
[ -n "$mirror" ] || { echo "no Debian mirror found in apt's sources list" >&2; exit 2; }

root=$(mktemp -d /tmp/golive-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "debootstrap bookworm from $mirror"
debootstrap --variant=minbase --include=python3,python3-venv,python3-pip \
  bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
  tail -20 "$root.log" >&2
  exit 1
}
rm -f "$root.log"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
# Trust what this machine trusts: a local CA (a TLS-inspecting proxy's, say) is what lets pip
# in a build step reach the package index. Debian's pip reads the system bundle.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1
fi
echo "importing $image"
# docker import keeps no CMD or ENV: give it the ones a Python base image is expected to have.
tar -C "$root" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'ENV LANG=C.UTF-8' \
  -c 'CMD ["python3"]' - "$image" >/dev/null
echo "base image $image built"
