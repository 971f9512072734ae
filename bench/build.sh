#!/usr/bin/env bash
# Benchmark: builds the seed issue cold (empty clip cache, empty published folder) and warm
# (nothing changed), and compares the cold build with a reference pipeline doing the least
# possible work: espeak-ng speaking the whole seed in one process, plus the LAME command
# line encoding the same audio at 44.1 kHz with Audition's settings (mono, -V3).
#
# Usage: bench/build.sh [ISSUE]   (default: ../shared/seed/qant-2025-02-24.txt)
# Needs: espeak-ng, lame, ffmpeg (scripts/install-deps).
set -euo pipefail
cd "$(dirname "$0")/.."
issue="${1:-../shared/seed/qant-2025-02-24.txt}"
show="feeds/qant/show.toml"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet
bin=target/release/audition
now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }

echo "== Reference: espeak-ng (one process) + lame"
t0=$(now)
espeak-ng -v fr -w "$work/ref.wav" -f "$issue"
t1=$(now)
ffmpeg -v error -i "$work/ref.wav" -ar 44100 "$work/ref44.wav"
t2=$(now)
lame --quiet -m m -V 3 "$work/ref44.wav" "$work/ref.mp3"
t3=$(now)
espeak_s=$(elapsed "$t0" "$t1")
lame_s=$(elapsed "$t2" "$t3")
reference=$(echo "$espeak_s + $lame_s" | bc -l)
ref_audio=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$work/ref.wav")
printf "espeak-ng: %.2f s, lame: %.2f s, total %.2f s for %.0f s of speech\n" "$espeak_s" "$lame_s" "$reference" "$ref_audio"

echo "== Audition, cold (empty cache)"
t0=$(now)
$bin build "$issue" --show "$show" --out "$work/public" --cache "$work/cache" --timings
t1=$(now)
cold=$(elapsed "$t0" "$t1")
mp3=$(ls "$work"/public/episodes/*.mp3)
audio=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$mp3")

echo "== Audition, warm (nothing changed)"
t0=$(now)
$bin build "$issue" --show "$show" --out "$work/public" --cache "$work/cache" --timings
t1=$(now)
warm=$(elapsed "$t0" "$t1")

echo "== Summary"
printf "episode audio:        %.1f s (%d:%02d)\n" "$audio" "$(echo "$audio/60" | bc)" "$(echo "$audio%60/1" | bc)"
printf "cold build:           %.2f s  (real-time factor %.4f, %.0fx faster than real time)\n" "$cold" "$(echo "$cold/$audio" | bc -l)" "$(echo "$audio/$cold" | bc -l)"
printf "reference:            %.2f s  -> cold build is %.2fx the reference (target <= 2x)\n" "$reference" "$(echo "$cold/$reference" | bc -l)"
printf "warm (unchanged):     %.3f s (target < 0.5 s)\n" "$warm"
