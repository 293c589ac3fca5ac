#!/usr/bin/env bash
# hack/stop.sh DATA [BIN]: stop the server `make run` started, by its PID, then
# (with BIN) stop its pods and containerd and remove what the node agent made
# on the host (mounts, pod cgroups, bridge), keeping its images. The API
# objects stay in DATA: the next `make run` starts the pods again, as a
# rebooted node would.
set -euo pipefail
data=$1 bin=${2:-}
pidfile=$data/bosun.pid
if [ -f "$pidfile" ]; then
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stopped bosun server (pid $pid)"
  fi
  rm -f "$pidfile"
else
  echo "no bosun server started by make run"
fi
if [ -n "$bin" ] && [ -x "$bin" ] && [ -d "$data/agent/containerd" ]; then
  echo "stopping the node's pods and containerd"
  "$bin" agent cleanup --keep-images --data-dir "$data/agent" 2>&1 | grep -v level=INFO || true
fi
