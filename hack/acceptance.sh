#!/usr/bin/env bash
# hack/acceptance.sh BIN DIR MODE SCRIPT...: start a server the way `make run`
# does (own data dir and ports), run each acceptance script against it with
# real kubectl, then stop everything by PID and remove what it made.
#   MODE sim:  the server without its agent, plus three simulated nodes (`bosun sim`)
#   MODE node: the server with its local node agent running real containers
#              (BUSYBOX must name an image the node can pull: make testimages)
#   MODE cluster: a three-node `bosun cluster create`, each node in its own
#              network namespace, pulling BUSYBOX through the host's registry
set -euo pipefail
bin=$(readlink -f "$1") dir=$2 mode=$3; shift 3
[ -d "$dir" ] || { echo "acceptance scripts not found in $dir (../shared beside the checkout)"; exit 1; }
work=$(mktemp -d)
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(freeport)
pid= simpid= cluster=
stop_pid() { if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then kill -TERM "$1"; wait "$1" 2>/dev/null || true; fi; }
cleanup() {
  if [ "$mode" = node ] && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    # Let the agent stop the pods the scripts left, then remove anything still there.
    kubectl get namespaces -o name 2>/dev/null | grep '^namespace/acc-' | xargs -r kubectl delete --wait=false >/dev/null 2>&1 || true
    for _ in $(seq 1 120); do [ -z "$(kubectl get pods -A --no-headers 2>/dev/null)" ] && break; sleep 0.5; done
  fi
  stop_pid "$simpid"
  stop_pid "$pid"
  [ "$mode" = node ] && { "$bin" agent cleanup --data-dir "$work/data/agent" || true; }
  [ -n "$cluster" ] && { "$bin" cluster delete "$cluster" --state-dir "$work/clusters" || true; }
  [ "$mode" = sim ] || hack/testimages.sh --stop "$work/images" || true
  rm -rf "$work"
}
trap cleanup EXIT
agent_flags=(--disable-agent)
if [ "$mode" != sim ] && [ -z "${BUSYBOX:-}" ]; then
  echo "=== building test images (make testimages)"
  BUSYBOX=$(hack/testimages.sh "$work/images" | tail -1 | cut -d= -f2-)
  export BUSYBOX
fi
export KUBECACHEDIR=$work/kubecache
if [ "$mode" = cluster ]; then
  cluster=acc$(printf %04x $((RANDOM % 65536)))
  "$bin" cluster create "$cluster" --nodes 3 --state-dir "$work/clusters"
  KUBECONFIG=$("$bin" cluster kubeconfig "$cluster" --state-dir "$work/clusters")
  export KUBECONFIG
  rc=0
  for s in "$@"; do
    echo "=== acceptance ($mode): $s.sh"
    if ! bash "$dir/$s.sh"; then
      rc=1
      "$bin" cluster node list "$cluster" --state-dir "$work/clusters" || true
      for log in "$work/clusters/$cluster"/*/bosun.log; do echo "--- $log (last 40 lines)"; tail -40 "$log"; done
    fi
  done
  exit $rc
fi
[ "$mode" = node ] && agent_flags=(--kubelet-port "$(freeport)")
"$bin" server --data-dir "$work/data" --secure-port "$port" --bind-address 127.0.0.1 "${agent_flags[@]}" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -sfk "https://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
export KUBECONFIG=$work/data/admin.kubeconfig
nodes=1
if [ "$mode" = sim ]; then
  nodes=3
  "$bin" sim --kubeconfig "$KUBECONFIG" --nodes 3 >"$work/sim.log" 2>&1 &
  simpid=$!
fi
for _ in $(seq 1 300); do
  [ "$(kubectl get nodes --no-headers 2>/dev/null | grep -c ' Ready ')" -ge $nodes ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
rc=0
for s in "$@"; do
  echo "=== acceptance ($mode): $s.sh"
  if ! bash "$dir/$s.sh"; then
    rc=1
    echo "--- server log (last 60 lines)"; tail -60 "$work/server.log"
    [ -z "$simpid" ] || { echo "--- sim log (last 20 lines)"; tail -20 "$work/sim.log"; }
  fi
done
exit $rc
