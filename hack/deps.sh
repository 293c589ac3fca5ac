#!/usr/bin/env bash
# Installs, with apt-get, what `make run` (run) or `make test` (test) needs and
# is missing. Prints what it installs; does nothing when all is there.
set -euo pipefail
want=()
need() { command -v "$1" >/dev/null 2>&1 || want+=("$2"); }
need curl curl
need git git
# the node agent: its own containerd, runc, the CNI plugins and iptables for portmap
need containerd containerd
need runc runc
[ -x /usr/lib/cni/bridge ] || [ -x /opt/cni/bin/bridge ] || want+=(containernetworking-plugins)
need iptables iptables
need nft nftables
# pod routes, Service rules and `bosun cluster`'s network namespaces
need ip iproute2
need nsenter util-linux
need kubectl kubectl
if [ "${1:-run}" = test ]; then
  # make testimages: busybox image from busybox-static, served by a local registry
  dpkg -s busybox-static >/dev/null 2>&1 || want+=(busybox-static)
  need docker-registry docker-registry
fi
command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ] || want+=(golang-go)
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing: ${want[*]} — run as root or install them" >&2; exit 1
fi
echo "installing: ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
for p in "${want[@]}"; do
  if [ "$p" = kubectl ]; then
    apt-get install -y -qq kubectl >/dev/null 2>&1 || apt-get install -y -qq kubernetes-client >/dev/null
  else
    apt-get install -y -qq "$p" >/dev/null
  fi
done
