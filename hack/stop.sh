#!/usr/bin/env bash
# hack/stop.sh DATA: stop the server `make run` started, by its PID.
set -euo pipefail
pidfile=$1/bosun.pid
[ -f "$pidfile" ] || { echo "no bosun server started by make run"; exit 0; }
pid=$(cat "$pidfile")
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  echo "stopped bosun server (pid $pid)"
fi
rm -f "$pidfile"
