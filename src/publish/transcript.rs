//! Transcripts: WebVTT and SubRip (SRT), one cue per sentence, timed from the timeline.

use crate::audio::mix::Cue;

/// The transcript's WebVTT text.
pub fn webvtt(cues: &[Cue]) -> String {
    let mut out = String::from("WEBVTT\n");
    for (n, cue) in cues.iter().enumerate() {
        out.push_str(&format!(
            "\n{}\n{} --> {}\n{}\n",
            n + 1,
            timestamp(cue.start_ms),
            timestamp(cue.end_ms.max(cue.start_ms + 1)),
            escape(&cue.text)
        ));
    }
    out
}

/// The transcript's SubRip (SRT) text.
pub fn srt(cues: &[Cue]) -> String {
    let mut out = String::new();
    for (n, cue) in cues.iter().enumerate() {
        out.push_str(&format!(
            "{}\n{} --> {}\n{}\n\n",
            n + 1,
            timestamp(cue.start_ms).replace('.', ","),
            timestamp(cue.end_ms.max(cue.start_ms + 1)).replace('.', ","),
            cue.text
                .replace("-->", "—")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    out
}

/// `HH:MM:SS.mmm`.
fn timestamp(ms: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Cue text may not contain `-->`, a blank line, or unescaped `&` and `<`.
fn escape(text: &str) -> String {
    text.replace("-->", "—")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_are_timed_and_escaped() {
        let vtt = webvtt(&[Cue {
            start_ms: 3_723_004,
            end_ms: 3_725_000,
            text: "a <b> & c --> d".to_string(),
        }]);
        assert_eq!(
            srt(&[Cue {
                start_ms: 1_500,
                end_ms: 2_000,
                text: "a & b".to_string(),
            }]),
            "1\n00:00:01,500 --> 00:00:02,000\na & b\n\n"
        );
        assert_eq!(
            vtt,
            "WEBVTT\n\n1\n01:02:03.004 --> 01:02:05.000\na &lt;b&gt; &amp; c — d\n"
        );
    }
}
