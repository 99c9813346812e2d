#!/usr/bin/env bash
# HTTPS on both transports: `hello --tls-cert/--tls-key` on tokio vs netpoll, GET /plaintext,
# 64 keep-alive connections, server pinned to one core and wrk to another, alternating the
# two servers for several rounds. Prints requests/s and server CPU µs per request
# (utime+stime from /proc/PID/stat ÷ requests) per run, then the medians and the ratios.
#
#   benches/tls.sh [ROUNDS=3] [SECONDS=10] [plain]   (after: cargo build --release -p hertz-examples --example hello)
#
# `plain` runs the same comparison over cleartext HTTP, to see what TLS adds per transport.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-3}"
seconds="${2:-10}"
mode="${3:-tls}"
hello="$root/target/release/examples/hello"
[ -x "$hello" ] || { echo "build first: cargo build --release -p hertz-examples --example hello" >&2; exit 1; }
for tool in wrk taskset openssl; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
ticks="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() { # run TRANSPORT -> prints "TRANSPORT REQ/S CPU-µs/REQ"
  local transport="$1" port log
  log="$(mktemp -p "$work")" # fresh per run, so an old port is never read
  local scheme=https tls=(--tls-cert "$work/cert.pem" --tls-key "$work/key.pem")
  if [ "$mode" = plain ]; then scheme=http tls=(); fi
  NO_COLOR=1 taskset -c 0 "$hello" --addr 127.0.0.1:0 --workers 1 --transport "$transport" \
    "${tls[@]}" >"$log" 2>&1 &
  server=$!
  # The port is read from the "listening" log line, which is written once it accepts.
  until port="$(grep -o 'listening addr=[0-9.]*:[0-9]*' "$log" | grep -o '[0-9]*$')"; do
    kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.05
  done
  local url="$scheme://127.0.0.1:$port/plaintext"
  taskset -c 1 wrk -t1 -c64 -d2s "$url" >/dev/null # warm-up: handshakes, buffers
  local before after
  before="$(cpu_ticks "$server")"
  taskset -c 1 wrk -t1 -c64 -d"${seconds}s" "$url" >"$work/wrk"
  after="$(cpu_ticks "$server")"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  local requests
  requests="$(awk '/requests in/ {print $1}' "$work/wrk")"
  grep -q 'Non-2xx\|Socket errors' "$work/wrk" && { cat "$work/wrk" >&2; }
  awk -v t="$transport" -v r="$requests" -v s="$seconds" -v c=$((after - before)) -v hz="$ticks" \
    'BEGIN { printf "%s %.0f %.2f\n", t, r / s, c / hz * 1e6 / r }'
}

echo "mode: $mode; load: $(uptime)"
results="$work/results"
for round in $(seq "$rounds"); do
  for transport in netpoll tokio; do
    line="$(run "$transport")"
    echo "round $round: $line"
    echo "$line" >>"$results"
  done
done
echo "load: $(uptime)"
median() { grep "^$1 " "$results" | awk '{print $'"$2"'}' | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
np_rps="$(median netpoll 2)"; tk_rps="$(median tokio 2)"
np_cpu="$(median netpoll 3)"; tk_cpu="$(median tokio 3)"
echo "median netpoll: $np_rps req/s, $np_cpu µs CPU/req"
echo "median tokio:   $tk_rps req/s, $tk_cpu µs CPU/req"
awk -v a="$np_rps" -v b="$tk_rps" -v c="$np_cpu" -v d="$tk_cpu" \
  'BEGIN { printf "netpoll/tokio: %.2fx req/s, %.2fx CPU per request\n", a / b, c / d }'
