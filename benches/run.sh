#!/usr/bin/env bash
# The hertz-rs benchmark: builds our servers and the peers in release mode, runs every
# scenario with the servers pinned to one set of cores and the load generators to another,
# writes target/bench-report/ (report.md, results.json, one SVG per scenario) and prints the
# table. See benches/README.md.
#
#   benches/run.sh [--quick] [--transports tokio,netpoll] [--cores-server 0 --cores-load 1]
#                  [--peers hyper,axum,actix,may,epoll] [--scenarios plaintext,json,...]
#                  [--rounds N] [--seconds N] [--no-build]
#
# Any other flag is passed to the runner (`bench --help`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
command_line="benches/run.sh${*:+ $*}"

build=1
args=()
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    -h|--help)
      sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    *) args+=("$arg") ;;
  esac
done

need() { # need COMMAND DEBIAN-PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ]; then
    echo "installing $2 ..." >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  else
    echo "$1 is required: apt-get install -y $2" >&2
    exit 1
  fi
}
need wrk wrk
need h2load nghttp2-client
need taskset util-linux

routes="$root/../shared/data/github-api-routes.tsv"
if [ ! -f "$routes" ]; then
  echo "the GitHub route file is missing: $routes (shared/data beside the repository)" >&2
  exit 1
fi

harness_target="$root/target/bench-harness"
if [ "$build" = 1 ]; then
  echo "building hertz-rs examples (release) ..." >&2
  cargo build --release -p hertz-examples --example hello --example github
  echo "building the harness and the peers (release, separate workspace) ..." >&2
  CARGO_TARGET_DIR="$harness_target" cargo build --release \
    --manifest-path "$root/benches/harness/Cargo.toml"
fi

exec "$harness_target/release/bench" \
  --hello "$root/target/release/examples/hello" \
  --github "$root/target/release/examples/github" \
  --peers-dir "$harness_target/release" \
  --loadgen "$harness_target/release/loadgen" \
  --routes "$routes" \
  --lua "$root/benches/harness/lua/bench.lua" \
  --out "$root/target/bench-report" \
  --command "$command_line" \
  ${args[@]+"${args[@]}"}
