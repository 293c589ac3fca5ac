#!/usr/bin/env bash
# hack/testimages.sh DATA: build the test images and serve them from a local
# docker-registry (Debian package docker-registry) on $REGISTRY_ADDR
# (default 0.0.0.0:5000), storage in DATA/registry, pid in
# DATA/registry.pid; a registry already running there is reused. Prints
# BUSYBOX=<ref> as its last line.
# hack/testimages.sh --stop DATA: stop that registry, by its pid.
set -euo pipefail
GO=${GO:-go}

if [ "${1:-}" = --stop ]; then
  pidfile=$2/registry.pid
  [ -f "$pidfile" ] || exit 0
  pid=$(cat "$pidfile")
  # Only signal the pid if it is still our registry, not a recycled pid.
  if grep -qa docker-registry "/proc/$pid/cmdline" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stopped docker-registry (pid $pid)"
  fi
  rm -f "$pidfile"
  exit 0
fi

data=$(realpath -m "${1:?usage: hack/testimages.sh DATA}")
addr=${REGISTRY_ADDR:-0.0.0.0:5000}
host=localhost:${addr##*:}
reg=$data/registry
pidfile=$data/registry.pid
mkdir -p "$reg/storage"

ready() { curl -fsS -o /dev/null "http://$host/v2/" 2>/dev/null; }

if [ -f "$pidfile" ] && grep -qa docker-registry "/proc/$(cat "$pidfile")/cmdline" 2>/dev/null; then
  echo "docker-registry already running (pid $(cat "$pidfile"))"
elif ready; then
  echo "using the registry already answering on $host"
else
  command -v docker-registry >/dev/null || { echo "docker-registry is not installed (apt-get install docker-registry)" >&2; exit 1; }
  cat >"$reg/config.yml" <<CONFIG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $reg/storage
  delete:
    enabled: true
http:
  addr: $addr
CONFIG
  setsid docker-registry serve "$reg/config.yml" >"$reg/registry.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 100); do
    ready && break
    kill -0 "$(cat "$pidfile")" 2>/dev/null || { cat "$reg/registry.log" >&2; rm -f "$pidfile"; exit 1; }
    sleep 0.1
  done
  ready || { echo "docker-registry not ready on $host; see $reg/registry.log" >&2; exit 1; }
  echo "started docker-registry on $addr (pid $(cat "$pidfile"), storage $reg/storage)"
fi

"$GO" run ./hack/testimages -registry "$host" -archive "$data/images/busybox.tar"
