#!/usr/bin/env bash
# Benchmark: `audition serve` under 200 concurrent range requests (what a podcast app's
# player and a crowd of downloaders send), with one feed request made in the middle.
# Prints the latency distribution of the range requests and the feed's latency.
#
# Usage: bench/serve.sh [CONCURRENCY]   (default 200)
# Needs: espeak-ng, curl.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-200}"
work="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
cargo build --release --quiet
bin=target/release/audition
$bin build feeds/qant/issues/2026-11-02.txt --show feeds/qant/show.toml \
  --out "$work/public" --cache "$work/cache" >/dev/null
$bin serve "$work/public" --addr "127.0.0.1:$port" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/feed.xml" && break; sleep 0.1; done
mp3=$(cd "$work/public" && ls episodes/*.mp3)
size=$(stat -c %s "$work/public/$mp3")
echo "== $n concurrent range requests on a $size-byte episode"
seq "$n" | xargs -P "$n" -I{} sh -c '
  from=$(( ({} * 7919) % ('"$size"' - 70000) ))
  curl -s -o /dev/null -r "$from-$((from + 65535))" -w "%{http_code} %{time_total}\n" \
    "http://127.0.0.1:'"$port"'/'"$mp3"'"' >"$work/times" &
storm=$!
sleep 0.05
feed=$(curl -s -o /dev/null -w "%{http_code} %{time_total}" "http://127.0.0.1:$port/feed.xml")
wait $storm
codes=$(awk '{print $1}' "$work/times" | sort | uniq -c | tr '\n' ' ')
sort -k2 -n "$work/times" | awk '{t[NR]=$2} END {
  printf "range requests: %d answered; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    NR, t[int(NR*0.5)]*1000, t[int(NR*0.99)]*1000, t[NR]*1000 }'
echo "status codes: $codes"
echo "feed during the storm: ${feed% *} in $(echo "${feed#* } * 1000" | bc -l | xargs printf "%.1f") ms"
