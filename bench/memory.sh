#!/usr/bin/env bash
# Benchmark: peak memory (max RSS) of building a 60-minute episode cold (target <= 150 MB).
# The issue is generated: twelve French stories of ten paragraphs, about an hour of
# espeak-ng speech. Mixing streams item by item, so the peak follows the longest story,
# not the episode.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet

python3 - "$work/long.md" <<'PY'
import sys
sentences = [
    "Le marché européen des batteries a connu une année contrastée, entre usines nouvelles et projets abandonnés.",
    "Les constructeurs automobiles révisent leurs prévisions de ventes pour les deux prochaines années.",
    "Les régulateurs demandent davantage de transparence sur l'origine des matières premières.",
    "Plusieurs start-up annoncent des levées de fonds pour industrialiser leurs procédés.",
    "Les analystes restent prudents face à la volatilité des prix de l'énergie.",
]
out = ["---", "title: Une heure d'actualité", "date: 2026-03-02", "---", ""]
for story in range(12):
    out.append(f"## Sujet numéro {story + 1} de la semaine\n")
    for paragraph in range(10):
        text = " ".join(sentences[(story + paragraph + i) % 5] for i in range(6))
        out.append(f"{text} Le chiffre clé est de {story * 10 + paragraph + 3} %.\n")
open(sys.argv[1], "w").write("\n".join(out))
PY

python3 - "$work" <<'PY'
import resource, subprocess, sys, time
work = sys.argv[1]
start = time.time()
done = subprocess.run(
    ["target/release/audition", "build", f"{work}/long.md", "--out", f"{work}/public", "--cache", f"{work}/cache"],
    capture_output=True, text=True)
wall = time.time() - start
if done.returncode != 0:
    sys.exit(done.stderr)
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(done.stdout.strip())
print(f"wall time: {wall:.1f} s")
print(f"peak memory (max RSS): {peak_mb:.0f} MB (target <= 150 MB)")
PY
