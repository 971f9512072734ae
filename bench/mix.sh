#!/usr/bin/env bash
# Benchmark: mix + encode, measured in one run on the same clips.
#
# 1. Audition builds the issue once to fill a fresh clip cache, then builds it again into a
#    new folder: every clip is cached, so that build is the mix and the encode (timed by
#    `--timings`: the rundown with jingles, loudness passes, true-peak limiter, LAME, tags).
# 2. ffmpeg does the same job on the same clips (the cache's WAVs): concat, two-pass
#    `loudnorm` (-16 LUFS, -1 dBTP; measure, then apply linearly), `libmp3lame` -V3 mono 44.1 kHz.
# 3. The `lame` command line alone encodes the same PCM (Audition's episode, decoded to WAV).
# Both outputs are then measured with ffmpeg's own EBU R128 meter.
#
# Usage: bench/mix.sh [ISSUE]   (default: ../shared/seed/qant-2025-02-24.txt)
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
loudness() {
  ffmpeg -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 |
    awk '/Integrated loudness:/ {f=1} f && /I:/ {i=$2} f && /Peak:/ {p=$2} END {printf "%s LUFS, %s dBTP", i, p}'
}

echo "== Filling the clip cache"
$bin build "$issue" --show "$show" --out "$work/first" --cache "$work/cache" >/dev/null

echo "== Audition: mix + encode (every clip cached)"
t0=$(now)
report=$($bin build "$issue" --show "$show" --out "$work/public" --cache "$work/cache" --timings 2>&1)
t1=$(now)
echo "$report"
ours=$(echo "$report" | awk '/mix\+encode:/ {print $2}')
ours_total=$(elapsed "$t0" "$t1")
mp3=$(ls "$work"/public/episodes/*.mp3)
audio=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$mp3")

echo "== ffmpeg: concat + two-pass loudnorm + libmp3lame on the same clips"
for wav in "$work"/cache/clips/*.wav; do echo "file '$wav'"; done >"$work/clips.txt"
t0=$(now)
stats=$(ffmpeg -hide_banner -nostats -f concat -safe 0 -i "$work/clips.txt" \
  -af loudnorm=I=-16:TP=-1:LRA=11:print_format=json -f null - 2>&1 | sed -n '/^{/,/^}/p')
field() { echo "$stats" | sed -n "s/.*\"$1\" : \"\\([^\"]*\\)\".*/\\1/p"; }
ffmpeg -hide_banner -nostats -v error -f concat -safe 0 -i "$work/clips.txt" \
  -af "loudnorm=I=-16:TP=-1:LRA=11:measured_I=$(field input_i):measured_TP=$(field input_tp):measured_LRA=$(field input_lra):measured_thresh=$(field input_thresh):offset=$(field target_offset):linear=true" \
  -ar 44100 -ac 1 -c:a libmp3lame -q:a 3 "$work/ffmpeg.mp3"
t1=$(now)
ffmpeg_s=$(elapsed "$t0" "$t1")

echo "== lame alone on the same PCM"
ffmpeg -v error -i "$mp3" -ac 1 -ar 44100 "$work/episode.wav"
t0=$(now)
lame --quiet -m m -V 3 "$work/episode.wav" "$work/lame.mp3"
t1=$(now)
lame_s=$(elapsed "$t0" "$t1")

echo "== Summary"
printf "episode audio:             %.1f s\n" "$audio"
printf "Audition mix+encode:       %.2f s  (whole command %.2f s)  %s\n" "$ours" "$ours_total" "$(loudness "$mp3")"
printf "ffmpeg pipeline:           %.2f s  %s\n" "$ffmpeg_s" "$(loudness "$work/ffmpeg.mp3")"
printf "lame alone:                %.2f s\n" "$lame_s"
printf "Audition / ffmpeg:         %.2fx (target < 1)\n" "$(echo "$ours/$ffmpeg_s" | bc -l)"
printf "Audition / lame:           %.2fx (target <= 1.3)\n" "$(echo "$ours/$lame_s" | bc -l)"
