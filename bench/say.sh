#!/usr/bin/env bash
# How long `audition say` takes to speak a five-word phrase with the embedded voice (Pico),
# cold (a new clip: what a pronunciation fix costs) and warm (the clip cached), over 10 runs
# each of the release binary. The issue asks for under a second.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
bin=target/release/audition
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
phrase="Cinq mots pour la mesure"
ms() { echo $(( $(date +%s%N) / 1000000 )); }
run() {
  local start end
  start=$(ms)
  "$bin" say "$phrase" --show feeds/qant/show.toml --out "$work/say.wav" --cache "$1" >/dev/null
  end=$(ms)
  echo $((end - start))
}
cold=(); warm=()
for i in $(seq 1 10); do
  cold+=("$(run "$work/cache-$i")")
  warm+=("$(run "$work/cache-$i")")
done
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "median %d ms, max %d ms", a[int((NR+1)/2)], a[NR]}'; }
echo "say, five words, Pico: cold $(stats "${cold[@]}"); warm $(stats "${warm[@]}") (10 runs each)"
