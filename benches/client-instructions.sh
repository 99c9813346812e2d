#!/usr/bin/env bash
# Instructions per request of each client driver, counted by valgrind's callgrind: robust to
# a busy machine where CPU-time figures are not. Each driver runs twice against the raw
# epoll responder (a short and a long measured window, no warm-up); the difference of the
# two runs' instruction counts ÷ the difference of their answers is the steady-state cost
# per request (start-up and dialing cancel out). User-space instructions only: the kernel's
# TCP path, which every client pays alike, is not counted.
#
#   benches/client-instructions.sh [--cores-server 0] [--cores-load 1]
#
# Needs `benches/run.sh` to have built the harness, and valgrind (apt-get install valgrind).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/target/bench-harness/release"
cores_server=0
cores_load=1
while [ $# -gt 0 ]; do
  case "$1" in
    --cores-server) cores_server="$2"; shift 2 ;;
    --cores-load) cores_load="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
command -v valgrind >/dev/null || { echo "valgrind is required: apt-get install -y valgrind" >&2; exit 1; }
[ -x "$bin/peer-epoll" ] || { echo "$bin/peer-epoll is missing: run benches/run.sh first" >&2; exit 1; }

port=18390
work="$(mktemp -d)"
taskset -c "$cores_server" "$bin/peer-epoll" --addr "127.0.0.1:$port" --workers 1 >"$work/epoll.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done

# One run: prints "<answers> <instructions>".
run() { # run DRIVER MILLISECONDS
  local out="$work/$1-$2"
  local answers
  answers=$(taskset -c "$cores_load" valgrind --tool=callgrind --callgrind-out-file="$out.cg" \
      "$bin/client-$1" --addr "127.0.0.1:$port" --warmup-ms 0 --duration-ms "$2" 2>"$out.err" |
    sed -n 's/.*"requests":\([0-9]*\).*/\1/p')
  [ -n "$answers" ] || { echo "client-$1 failed: $(tail -3 "$out.err")" >&2; exit 1; }
  echo "$answers $(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$out.cg" | head -1)"
}

printf '| client driver | instructions per request |\n|---|--:|\n'
for driver in hertz hertz-get reqwest hyper; do
  read -r a1 i1 < <(run "$driver" 1000)
  read -r a2 i2 < <(run "$driver" 4000)
  printf '| client-%s | %s |\n' "$driver" "$(( (i2 - i1) / (a2 - a1) ))"
done
