//! The espeak-ng engine: the system's `espeak-ng` program, which reads SSML natively.
//!
//! espeak-ng's command line does not report where `<mark>`s fall, so a document is spoken
//! in mark-delimited parts, one short process each, and the parts are joined; the join points
//! are the marks. Process start-up is about 20 ms, small next to a paragraph of speech.
//! The profile's voice (an MBROLA `mb-*` voice, a variant such as `fr+f3`) is the one heard:
//! espeak-ng is not told the document's language, which would make it pick its own voice.
//! espeak-ng is also the phonemiser of the neural engines ([`phonemize`]).

use std::path::Path;

use quick_xml::events::Event;
use tokio::process::Command;

use super::{Clip, Engine, MarkTime, Notes};
use crate::error::{Error, Result};
use crate::settings::VoiceProfile;

const PROGRAM: &str = "espeak-ng";
const INSTALL_HINT: &str =
    "espeak-ng is not installed; install it with `sudo apt-get install espeak-ng` \
     (Debian/Ubuntu), `sudo dnf install espeak-ng` (Fedora) or `brew install espeak-ng` (macOS)";
/// espeak-ng's default speed in words per minute.
const DEFAULT_WPM: f32 = 175.0;

/// The local espeak-ng voice.
pub struct Espeak {
    version: String,
    voice: String,
    wpm: u32,
    pitch: u32,
}

impl Espeak {
    /// Checks that espeak-ng is installed and knows the voice.
    pub fn new(profile: &VoiceProfile) -> Result<Espeak> {
        let output = std::process::Command::new(PROGRAM)
            .arg("--version")
            .output()
            .map_err(|_| engine_error(INSTALL_HINT))?;
        let version = String::from_utf8_lossy(&output.stdout)
            .split_whitespace()
            .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
            .unwrap_or("unknown")
            .to_string();
        let known = std::process::Command::new(PROGRAM)
            .args(["-v", &profile.voice, "-q", ""])
            .output()
            .map_err(|_| engine_error(INSTALL_HINT))?;
        if !known.status.success() {
            return Err(Error::config(
                &profile.path,
                format!(
                    "espeak-ng has no voice {:?} (see `espeak-ng --voices` for the list)",
                    profile.voice
                ),
            ));
        }
        Ok(Espeak {
            version,
            voice: profile.voice.clone(),
            wpm: (DEFAULT_WPM * profile.rate).round() as u32,
            // espeak-ng's pitch runs 0–99 around 50; about four steps make a semitone.
            pitch: (50.0 + 4.0 * profile.pitch).round().clamp(0.0, 99.0) as u32,
        })
    }

    async fn speak_part(&self, dir: &Path, n: usize, ssml: &str) -> Result<(Vec<i16>, u32)> {
        let input = dir.join(format!("part{n}.ssml"));
        let output = dir.join(format!("part{n}.wav"));
        tokio::fs::write(&input, ssml)
            .await
            .map_err(|e| Error::io(&input, e))?;
        let result = Command::new(PROGRAM)
            .args([
                "-v",
                &self.voice,
                "-s",
                &self.wpm.to_string(),
                "-p",
                &self.pitch.to_string(),
            ])
            .arg("-m")
            .arg("-w")
            .arg(&output)
            .arg("-f")
            .arg(&input)
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|_| engine_error(INSTALL_HINT))?;
        if !result.status.success() {
            let stderr = String::from_utf8_lossy(&result.stderr);
            return Err(engine_error(&format!(
                "espeak-ng failed ({}): {}",
                result.status,
                stderr.trim()
            )));
        }
        let reader = hound::WavReader::open(&output)
            .map_err(|e| engine_error(&format!("espeak-ng wrote no readable WAV: {e}")))?;
        let spec = reader.spec();
        if spec.channels != 1 || spec.bits_per_sample != 16 {
            return Err(engine_error("espeak-ng wrote an unexpected WAV format"));
        }
        let samples = reader
            .into_samples::<i16>()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| engine_error(&format!("espeak-ng wrote a truncated WAV: {e}")))?;
        Ok((samples, spec.sample_rate))
    }
}

/// Usable when the `espeak-ng` program runs.
pub fn readiness() -> std::result::Result<String, String> {
    let output = std::process::Command::new(PROGRAM)
        .arg("--version")
        .output()
        .map_err(|_| INSTALL_HINT.to_string())?;
    let version = String::from_utf8_lossy(&output.stdout);
    Ok(version
        .split(" Data at")
        .next()
        .unwrap_or("espeak-ng")
        .trim()
        .to_string())
}

fn engine_error(message: &str) -> Error {
    Error::Engine {
        engine: "espeak".to_string(),
        message: message.to_string(),
    }
}

#[async_trait::async_trait]
impl Engine for Espeak {
    fn name(&self) -> &str {
        "espeak"
    }

    fn identity(&self) -> String {
        format!(
            "espeak-ng {} voice={} wpm={} pitch={} wav/s16/mono",
            self.version, self.voice, self.wpm, self.pitch
        )
    }

    fn concurrency(&self) -> usize {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    }

    async fn synthesize(&self, ssml: &str, _notes: &Notes) -> Result<Clip> {
        let parts =
            split_at_marks(ssml).map_err(|e| engine_error(&format!("invalid SSML: {e}")))?;
        let dir = tempfile::tempdir().map_err(|e| Error::io(&std::env::temp_dir(), e))?;
        let mut clip = Clip {
            samples: Vec::new(),
            sample_rate: 22_050,
            marks: Vec::new(),
        };
        for (n, (mark, doc)) in parts.iter().enumerate() {
            if let Some(name) = mark {
                clip.marks.push(MarkTime {
                    name: name.clone(),
                    sample: clip.samples.len() as u64,
                });
            }
            let (samples, rate) = self.speak_part(dir.path(), n, doc).await?;
            clip.sample_rate = rate;
            clip.samples.extend_from_slice(&samples);
        }
        Ok(clip)
    }
}

/// Splits `<speak …>A<mark name="x"/>B</speak>` into complete documents `<speak …>A</speak>`
/// and `<speak …>B</speak>`, each with the mark that opens it. A mark inside elements
/// (`<p>A<mark/>B</p>`) closes them in the part before it and opens them again in the part
/// after it. Parts with nothing in them are dropped.
fn split_at_marks(ssml: &str) -> Result<Vec<(Option<String>, String)>, String> {
    let mut reader = quick_xml::Reader::from_str(ssml);
    let mut speak_open = String::new();
    let mut parts: Vec<(Option<String>, String)> = Vec::new();
    let mut current = (None, String::new());
    let mut depth = 0usize;
    // The elements open inside <speak>: their start tag and name.
    let mut open: Vec<(String, String)> = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        let raw = |e: &Event| -> String {
            let mut writer = quick_xml::Writer::new(Vec::new());
            let _ = writer.write_event(e.clone());
            String::from_utf8_lossy(&writer.into_inner()).into_owned()
        };
        match &event {
            Event::Eof => break,
            Event::Start(e) if depth == 0 && e.name().as_ref() == b"speak" => {
                speak_open = raw(&Event::Start(without_language(e)));
                depth = 1;
            }
            Event::End(e) if depth == 1 && e.name().as_ref() == b"speak" => depth = 0,
            Event::Empty(e) if depth >= 1 && e.name().as_ref() == b"mark" => {
                let name = e
                    .try_get_attribute("name")
                    .ok()
                    .flatten()
                    .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()));
                for (_, element) in open.iter().rev() {
                    current.1.push_str(&format!("</{element}>"));
                }
                let reopened: String = open.iter().map(|(tag, _)| tag.as_str()).collect();
                parts.push(std::mem::replace(&mut current, (name, reopened)));
            }
            Event::Start(e) if depth >= 1 => {
                depth += 1;
                let tag = raw(&event);
                open.push((
                    tag.clone(),
                    String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                ));
                current.1.push_str(&tag);
            }
            Event::End(_) if depth >= 1 => {
                depth -= 1;
                open.pop();
                current.1.push_str(&raw(&event));
            }
            Event::Decl(_) | Event::PI(_) | Event::DocType(_) | Event::Comment(_) => {}
            _ if depth >= 1 => current.1.push_str(&raw(&event)),
            _ => {}
        }
    }
    if speak_open.is_empty() {
        return Err("no <speak> element".to_string());
    }
    parts.push(current);
    Ok(parts
        .into_iter()
        .filter(|(mark, body)| mark.is_some() || has_text(body))
        .map(|(mark, body)| (mark, format!("{speak_open}{body}</speak>")))
        .collect())
}

/// Whether a part's markup holds anything but tags and white space.
fn has_text(body: &str) -> bool {
    let mut inside = false;
    body.chars().any(|c| {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside && !c.is_whitespace() => return true,
            _ => {}
        }
        false
    })
}

/// The `<speak>` tag without its `xml:lang`: espeak-ng switches to its own voice for a
/// language it is told, so an MBROLA voice (`mb-fr4`) or a variant (`fr+f3`) given with `-v`
/// would not be the one heard. The profile's voice already speaks the script's language.
fn without_language(
    speak: &quick_xml::events::BytesStart,
) -> quick_xml::events::BytesStart<'static> {
    let mut tag = quick_xml::events::BytesStart::new("speak");
    for attribute in speak.attributes().flatten() {
        if attribute.key.as_ref() != b"xml:lang" {
            tag.push_attribute(attribute);
        }
    }
    tag.into_owned()
}

/// The IPA phonemes of a sentence as Piper's phonemiser gives them (Piper and Kokoro read
/// them): espeak-ng's clauses
/// joined by the punctuation that ended them.
pub async fn phonemize(voice: &str, sentence: &str) -> std::result::Result<String, String> {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new("espeak-ng")
        .args(["-q", "--ipa", "-v", voice, "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run espeak-ng: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(sentence.as_bytes())
            .await
            .map_err(|e| format!("cannot write to espeak-ng: {e}"))?;
    }
    let output = child
        .wait_with_output()
        .await
        .map_err(|e| format!("espeak-ng failed: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "espeak-ng cannot phonemise with voice {voice}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let clauses: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    Ok(join_clauses(&clauses, sentence))
}

/// Joins espeak-ng's clause lines with the clause punctuation of the written sentence, in
/// order (`, ` between clauses, the final mark at the end), as piper-phonemize does.
fn join_clauses(clauses: &[String], sentence: &str) -> String {
    let chars: Vec<char> = sentence.chars().collect();
    let marks: Vec<char> = chars
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            ",;:.!?".contains(**c) && chars.get(i + 1).is_none_or(|n| n.is_whitespace())
        })
        .map(|(_, c)| *c)
        .collect();
    let last = chars.iter().rev().find(|c| !c.is_whitespace()).copied();
    let end = last.filter(|c| ".!?".contains(*c)).unwrap_or('.');
    let mut out = String::new();
    for (i, clause) in clauses.iter().enumerate() {
        out.push_str(clause);
        if i + 1 == clauses.len() {
            out.push(end);
        } else {
            out.push(
                *marks
                    .get(i)
                    .filter(|m| !".!?".contains(**m))
                    .unwrap_or(&','),
            );
            out.push(' ');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{join_clauses, phonemize, split_at_marks};

    #[test]
    fn documents_split_at_top_level_marks_keep_their_markup_but_not_the_language() {
        let ssml = r#"<speak xml:lang="fr-FR"><mark name="c0"/><p><s>Un &amp; deux.</s></p><break time="300ms"/><mark name="c1"/><p>Trois.</p></speak>"#;
        let parts = split_at_marks(ssml).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].0.as_deref(), Some("c0"));
        assert_eq!(
            parts[0].1,
            r#"<speak><p><s>Un &amp; deux.</s></p><break time="300ms"/></speak>"#
        );
        assert_eq!(parts[1].1, r#"<speak><p>Trois.</p></speak>"#);
    }

    #[test]
    fn a_mark_inside_a_paragraph_closes_it_and_opens_it_again() {
        let ssml = r#"<speak xml:lang="en-US"><mark name="c0"/><p><s>One.</s><mark name="c0s1"/><s>Two.</s></p><break time="400ms"/></speak>"#;
        let parts = split_at_marks(ssml).unwrap();
        let names: Vec<_> = parts.iter().map(|(m, _)| m.as_deref()).collect();
        assert_eq!(names, [Some("c0"), Some("c0s1")]);
        assert_eq!(parts[0].1, "<speak><p><s>One.</s></p></speak>");
        assert_eq!(
            parts[1].1,
            r#"<speak><p><s>Two.</s></p><break time="400ms"/></speak>"#
        );
    }

    /// The phonemes piper-tts's own phonemiser (piper 1.3, espeak-ng 1.51 data) gives for
    /// this sentence, punctuation and stress marks included.
    #[tokio::test]
    async fn phonemes_match_pipers_own_phonemiser() {
        let phonemes = phonemize("en-us", "Hello world, this is a test; really.")
            .await
            .unwrap();
        assert_eq!(phonemes, "həlˈoʊ wˈɜːld, ðɪs ɪz ɐ tˈɛst; ɹˈiəli.");
    }

    #[test]
    fn clauses_keep_their_punctuation() {
        let clauses = vec!["həlˈoʊ".to_string(), "wˈɜːld".to_string()];
        assert_eq!(join_clauses(&clauses, "Hello; world!"), "həlˈoʊ; wˈɜːld!");
        assert_eq!(join_clauses(&clauses, "Hello, world"), "həlˈoʊ, wˈɜːld.");
        assert_eq!(join_clauses(&clauses[..1], "Pi is 3.14"), "həlˈoʊ.");
    }
}
