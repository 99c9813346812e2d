#!/usr/bin/env bash
# Where a server's time goes, per request, under wrk (64 connections, one thread): the
# figures behind the README's "Where the time goes". The server runs pinned to one core,
# wrk to the other; every figure is divided by the requests wrk completed.
#
#   benches/server-profile.sh cpu       SERVER [LOAD]   user and system CPU µs/request (/proc)
#   benches/server-profile.sh syscalls  SERVER [LOAD]   system calls per request (strace -c)
#   benches/server-profile.sh instr     SERVER [LOAD]   user-space instructions per request
#                                                       (callgrind: robust to a busy machine)
#   benches/server-profile.sh perf      SERVER [LOAD]   perf record; prints the report command
#
# SERVER: hertz-netpoll, hertz-tokio, or a peer of the harness (hyper, axum, actix, may,
# epoll); over HTTP/2 (h2c, under `h2load -c16 -m16` instead of wrk, as the bench's `h2`
# scenario): hertz-netpoll-h2, hertz-tokio-h2, hyper-h2. LOAD: a path to GET (default
# /plaintext), or (HTTP/1.1 only) the harness's request script arguments, checked responses
# included: "plaintext 16" (pipelined 16 deep), "echo 1 16384". PORT (default 18998): where
# the server listens; give each profile running at once its own, or they share its connections.
# Needs `benches/run.sh` to have built everything, and strace, valgrind or linux-perf for the
# modes that use them (Debian packages of those names; h2load is in nghttp2-client).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:-}"
server="${2:-}"
load_spec="${3:-/plaintext}"
port="${PORT:-18998}"
secs=4
case "$mode" in cpu|syscalls|instr|perf) ;; *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;; esac
h2=0
case "$server" in
  hertz-netpoll|hertz-tokio)
    cmd=("$root/target/release/examples/hello" --transport "${server#hertz-}") ;;
  hertz-netpoll-h2|hertz-tokio-h2)
    h2=1
    transport="${server#hertz-}"
    cmd=("$root/target/release/examples/hello" --transport "${transport%-h2}" --h2c) ;;
  hyper|axum|actix|may|epoll|hyper-h2)
    [ "$server" = hyper-h2 ] && h2=1
    cmd=("$root/target/bench-harness/release/peer-$server") ;;
  *) echo "unknown server '$server'" >&2; exit 2 ;;
esac
[ -x "${cmd[0]}" ] || { echo "${cmd[0]} is missing: run benches/run.sh first" >&2; exit 1; }
cmd+=(--addr "127.0.0.1:$port" --workers 1)
base="http://127.0.0.1:$port"
if [[ "$load_spec" == /* ]]; then
  url="$base$load_spec"
  wrk_args=("$url")
elif [ "$h2" = 1 ]; then
  echo "HTTP/2 servers take a path to GET, not '$load_spec'" >&2; exit 2
else
  url="$base/plaintext"   # every server answers it: the readiness probe
  read -r -a script_args <<<"$load_spec"
  wrk_args=(-s "$root/benches/harness/lua/bench.lua" "$base" -- "${script_args[@]}")
fi
work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

if [ "$mode" = instr ]; then
  command -v valgrind >/dev/null || { echo "valgrind is required" >&2; exit 1; }
  taskset -c 0 valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "${cmd[@]}" \
    >"$work/server.log" 2>&1 &
else
  taskset -c 0 "${cmd[@]}" >"$work/server.log" 2>&1 &
fi
pid=$!
curl_flags=(-sf -o /dev/null)
[ "$h2" = 1 ] && curl_flags+=(--http2-prior-knowledge)
for _ in $(seq 1 100); do curl "${curl_flags[@]}" "$url" && break; sleep 0.2; done
curl "${curl_flags[@]}" "$url" || { echo "the server did not answer $url" >&2; exit 1; }

# Requests completed: wrk's "N requests in", h2load's "requests: … N succeeded".
requests() { awk '/requests in/ {print $1} /^requests:/ {print $8}' "$1"; }
load() {
  if [ "$h2" = 1 ]; then
    taskset -c 1 h2load -c16 -m16 -D "$1" "$url" >"$work/wrk.txt"
    if ! grep -q '^requests:.* 0 failed, 0 errored, 0 timeout' "$work/wrk.txt"; then
      echo "failed requests under load:" >&2; grep '^requests:' "$work/wrk.txt" >&2; exit 1
    fi
    return
  fi
  taskset -c 1 wrk -t1 -c64 -d"$1s" "${wrk_args[@]}" >"$work/wrk.txt"
  if grep -q '"bad_status":[1-9]\|"bad_body":[1-9]' "$work/wrk.txt"; then
    echo "wrong responses under load:" >&2; grep WRK_RESULT "$work/wrk.txt" >&2; exit 1
  fi
}
load 1   # warm-up

case "$mode" in
  cpu)
    read -r f0 u0 s0 < <(awk '{print $10, $14, $15}' "/proc/$pid/stat")
    load "$secs"
    read -r f1 u1 s1 < <(awk '{print $10, $14, $15}' "/proc/$pid/stat")
    awk -v r="$(requests "$work/wrk.txt")" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v t="$(getconf CLK_TCK)" \
      -v f=$((f1 - f0)) \
      'BEGIN { printf "%d requests: user %.2f + system %.2f = %.2f µs CPU per request; %.3f page faults per request\n",
               r, u*1e6/t/r, s*1e6/t/r, (u+s)*1e6/t/r, f/r }'
    ;;
  syscalls)
    timeout $((secs + 1)) strace -c -f -p "$pid" -o "$work/strace.txt" &
    tracer=$!
    sleep 0.5
    load "$secs"
    wait "$tracer" || true
    awk -v r="$(requests "$work/wrk.txt")" \
      'NR > 2 && $4 ~ /^[0-9]+$/ { printf "%-14s %8.3f per request\n", $NF, $4 / r }' \
      "$work/strace.txt" | head -8
    ;;
  instr)
    callgrind_control -z "$pid" >/dev/null 2>&1
    load "$secs"
    callgrind_control -d "$pid" >/dev/null 2>&1
    dump="$(ls -t "$work"/cg.out.* | head -1)"
    total="$(callgrind_annotate "$dump" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')"
    r="$(requests "$work/wrk.txt")"
    cp "$dump" "$root/target/callgrind-$server.out"
    echo "$r requests: $((total / r)) user-space instructions per request" \
      "(callgrind_annotate target/callgrind-$server.out)"
    ;;
  perf)
    perf record -F 4999 -g -p "$pid" -o "$root/target/perf-$server.data" -- sleep "$secs" \
      2>/dev/null &
    recorder=$!
    load "$secs"
    wait "$recorder" || true
    echo "$(requests "$work/wrk.txt") requests; samples in target/perf-$server.data:"
    echo "  perf report -i target/perf-$server.data --no-children --sort dso,sym"
    ;;
esac
