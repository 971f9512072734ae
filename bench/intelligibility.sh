#!/usr/bin/env bash
# What listeners understand, per voice: builds each sample issue with every voice profile in
# voices/ that speaks its language and can run here, has the ear (Whisper base via
# faster-whisper, tests/ear/ear.py) transcribe the MP3, and prints per voice and language:
#   WER         word error rate against the spoken script (numbers spelt out on both sides)
#   cues        transcript cues whose first word the ear heard in place / all cues
#   drift       |cue start - when its first word is heard|, median and 90th percentile
#   synth       synthesis speed: seconds of speech per second of synthesis (cold cache)
# Whisper base has a floor of its own (~0.07 on the best voices): compare voices with each
# other, not with zero.
#
# Usage: bench/intelligibility.sh [PROFILE…]   (default: every profile in voices/, and Kokoro)
# Needs: scripts/install-deps (espeak-ng, ffmpeg, faster-whisper and the ear's weights).
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
bin=target/release/audition

# language, show, issue
samples=(
  "fr feeds/qant/show.toml feeds/qant/issues/2026-11-02.txt"
  "fr feeds/qant/show.toml feeds/qant/issues/2026-11-09.txt"
  "en feeds/signal/show.toml feeds/signal/issues/2026-11-16.txt"
)
if [ "$#" -gt 0 ]; then
  profiles=("$@")
else
  profiles=(voices/*.toml)
  # Kokoro from PyPI (a Japanese voice reading English), when scripts/install-deps got it.
  [ -f voices/kokoro/kokoro-v1.0.int8.onnx ] && profiles+=(tests/fixtures/voices/en-kokoro-ja.toml)
fi

printf "%-12s %-4s %-12s %6s %8s %15s %8s\n" voice lang issue WER cues "drift med/p90" synth
for profile in "${profiles[@]}"; do
  [ "$(basename "$profile")" = prices.toml ] && continue
  lang=$(sed -n 's/^language *= *"\([a-z]*\).*/\1/p' "$profile")
  name=$(basename "$profile" .toml)
  for sample in "${samples[@]}"; do
    read -r sample_lang show issue <<<"$sample"
    [ "$sample_lang" = "$lang" ] || continue
    out="$work/$name-$(basename "$issue" .txt)"
    if ! $bin build "$issue" --show "$show" --voice "$profile" --out "$out/public" \
        --cache "$out/cache" --timings >"$out.log" 2>&1; then
      printf "%-12s %-4s %-12s %s\n" "$name" "$lang" "$(basename "$issue" .txt)" "cannot build: $(tail -n1 "$out.log")"
      continue
    fi
    synthesis=$(sed -n 's/^ *synthesis: \([0-9.]*\) s/\1/p' "$out.log")
    mp3=$(ls "$out"/public/episodes/*.mp3)
    $bin script "$issue" --show "$show" --voice "$profile" --json >"$out/script.json"
    python3 tests/ear/ear.py score "$mp3" --lang "$lang" --reference "$out/script.json" \
      --cues "$(ls "$out"/public/episodes/*.vtt)" >"$out/score.json"
    python3 - "$out/score.json" "$synthesis" "$name" "$lang" "$(basename "$issue" .txt)" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); synthesis = float(sys.argv[2] or 0)
speed = s["audio_s"] / synthesis if synthesis > 0 else float("inf")
drift = f'{s["drift_median_s"]:.2f}/{s["drift_p90_s"]:.2f} s' if s["drift_median_s"] is not None else "-"
print(f'{sys.argv[3]:<12} {sys.argv[4]:<4} {sys.argv[5]:<12} {s["wer"]:6.3f} {s["cues_matched"]:>3}/{s["cues"]:<4} {drift:>15} {speed:7.0f}x')
PY
  done
done
