#!/usr/bin/env bash
# hack/run.sh BIN DATA PORT: start `bosun server` in the background, wait for
# /readyz, print how to use the cluster.
set -euo pipefail
bin=$1 data=$2 port=$3
mkdir -p "$data"
if [ -f "$data/bosun.pid" ] && kill -0 "$(cat "$data/bosun.pid")" 2>/dev/null; then
  echo "bosun server already running (pid $(cat "$data/bosun.pid")); make stop to stop it"
else
  echo "starting bosun server (data in $data, log in $data/bosun.log)"
  nohup "$bin" server --data-dir "$data" --secure-port "$port" >"$data/bosun.log" 2>&1 &
  echo $! >"$data/bosun.pid"
fi
for _ in $(seq 1 100); do
  if curl -sfk "https://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$(cat "$data/bosun.pid")" 2>/dev/null; then echo "bosun server exited:"; tail -20 "$data/bosun.log"; exit 1; fi
  sleep 0.1
done
curl -sfk "https://127.0.0.1:$port/readyz" >/dev/null || { echo "bosun server not ready after 10 s:"; tail -20 "$data/bosun.log"; exit 1; }
echo "API server ready; waiting for the node agent (containerd, pause image, node registration)"
export KUBECONFIG=$data/admin.kubeconfig
ready=
for _ in $(seq 1 600); do
  if kubectl get nodes --no-headers 2>/dev/null | grep -q ' Ready '; then ready=1; break; fi
  if ! kill -0 "$(cat "$data/bosun.pid")" 2>/dev/null; then echo "bosun server exited:"; tail -20 "$data/bosun.log"; exit 1; fi
  sleep 0.1
done
[ -n "$ready" ] || { echo "node not Ready after 60 s:"; tail -20 "$data/bosun.log"; exit 1; }
cat <<MSG
bosun is ready on https://127.0.0.1:$port

  export KUBECONFIG=$data/admin.kubeconfig
  kubectl get nodes

Run a container (images come from a registry the node can reach, or
bin/bosun images import FILE.tar; make testimages builds busybox and serves it):
  eval "\$(make -s testimages | tail -1)"
  kubectl run hello --image=\$BUSYBOX -- sh -c 'echo hi; sleep 3600'
  kubectl logs -f hello

Stop it with: make stop
MSG
