#!/usr/bin/env bash
# User-space instructions per `parse_request_head` call (the server's request-head parser and
# checks) for each head of the parser benchmark, counted by callgrind: robust to a busy
# machine, unlike the criterion timings. Each head is parsed 10,000 and 20,000 times; the
# difference of the two counts ÷ 10,000 is the cost of one call.
#
#   benches/parse-instructions.sh
#
# Needs valgrind (apt-get install -y valgrind).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v valgrind >/dev/null || { echo "valgrind is required: apt-get install -y valgrind" >&2; exit 1; }
cargo build --release -q -p hertz-benches --example parse_instructions --manifest-path "$root/Cargo.toml"
bin="$root/target/release/examples/parse_instructions"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
count() { # count HEAD N
  valgrind --tool=callgrind --callgrind-out-file="$work/cg" "$bin" "$1" "$2" >/dev/null 2>&1
  awk '/^summary:/ { print $2 }' "$work/cg"
}
for head in wrk techempower post-json; do
  short="$(count "$head" 10000)"
  long="$(count "$head" 20000)"
  echo "$head: $(((long - short) / 10000)) instructions per parse_request_head"
done
