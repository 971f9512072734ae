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

/// The cues of a WebVTT transcript as [`webvtt`] writes it (numbered cues, one line of text
/// each); anything else in the file is skipped.
pub fn parse_webvtt(text: &str) -> Vec<Cue> {
    let mut cues = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some((start, end)) = line.split_once(" --> ") else {
            continue;
        };
        let (Some(start_ms), Some(end_ms)) = (parse_timestamp(start), parse_timestamp(end)) else {
            continue;
        };
        let mut words = Vec::new();
        for text in lines.by_ref() {
            if text.trim().is_empty() {
                break;
            }
            words.push(text.trim());
        }
        cues.push(Cue {
            start_ms,
            end_ms,
            text: unescape(&words.join(" ")),
        });
    }
    cues
}

/// `HH:MM:SS.mmm` or `MM:SS.mmm` (settings after the time are ignored).
fn parse_timestamp(text: &str) -> Option<u64> {
    let time = text.split_whitespace().next()?;
    let (clock, millis) = time.split_once('.')?;
    let parts: Vec<u64> = clock
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let seconds = match parts[..] {
        [h, m, s] => h * 3600 + m * 60 + s,
        [m, s] => m * 60 + s,
        _ => return None,
    };
    Some(seconds * 1000 + millis.parse::<u64>().ok()?)
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
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

    #[test]
    fn what_is_written_reads_back() {
        let cues = vec![
            Cue {
                start_ms: 0,
                end_ms: 1_250,
                text: "Bonjour & <bienvenue>.".to_string(),
            },
            Cue {
                start_ms: 3_723_004,
                end_ms: 3_725_000,
                text: "Deux heures plus tard.".to_string(),
            },
        ];
        assert_eq!(parse_webvtt(&webvtt(&cues)), cues);
        assert!(parse_webvtt("WEBVTT\n\nnot a cue\n").is_empty());
    }
}
