#!/usr/bin/env bash
# hack/acceptance.sh BIN DIR SCRIPT...: start a server the way `make run` does
# (own data dir and port) and three simulated nodes (`bosun sim`), run each
# acceptance script against them with real kubectl, then stop both by PID and
# remove their data.
set -euo pipefail
bin=$(readlink -f "$1") dir=$2; shift 2
[ -d "$dir" ] || { echo "acceptance scripts not found in $dir (../shared beside the checkout)"; exit 1; }
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 16443)
pid= simpid=
stop_pid() { if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then kill -TERM "$1"; wait "$1" 2>/dev/null || true; fi; }
cleanup() {
  stop_pid "$simpid"
  stop_pid "$pid"
  rm -rf "$work"
}
trap cleanup EXIT
"$bin" server --data-dir "$work/data" --secure-port "$port" --bind-address 127.0.0.1 --disable-agent >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -sfk "https://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
export KUBECONFIG=$work/data/admin.kubeconfig KUBECACHEDIR=$work/kubecache
"$bin" sim --kubeconfig "$KUBECONFIG" --nodes 3 >"$work/sim.log" 2>&1 &
simpid=$!
for _ in $(seq 1 100); do
  [ "$(kubectl get nodes --no-headers 2>/dev/null | grep -c ' Ready ')" -ge 3 ] && break
  kill -0 "$simpid" 2>/dev/null || { cat "$work/sim.log"; exit 1; }
  sleep 0.1
done
rc=0
for s in "$@"; do
  echo "=== acceptance: $s.sh"
  if ! bash "$dir/$s.sh"; then rc=1; echo "--- server log (last 40 lines)"; tail -40 "$work/server.log"; echo "--- sim log (last 20 lines)"; tail -20 "$work/sim.log"; fi
done
exit $rc
