//! Reads the script's SSML back for engines that do not take SSML (Piper, ElevenLabs,
//! OpenAI-style servers): what is said, sentence by sentence, with its pauses, marks and rate.
//!
//! Interpreted: `<s>` and `<p>` (sentence boundaries), `<break time|strength>`, `<mark>`,
//! `<sub alias>` (the alias is said), `<say-as interpret-as="characters|spell-out">` (spelt
//! letter by letter), `<prosody rate>` (percent or x-slow…x-fast), `<phoneme>` (its written
//! text is said). Other elements are read through. Nothing of the markup is ever spoken.

use quick_xml::events::Event;

/// What an SSML document asks to be said, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// A sentence to say, at `rate` times the voice's speed.
    Sentence { text: String, rate: f32 },
    /// Silence, in milliseconds.
    Pause(u32),
    /// A named `<mark>`: the transcript cue starting here.
    Mark(String),
}

/// The pieces of an SSML document, or why it cannot be read.
pub fn interpret(ssml: &str) -> Result<Vec<Piece>, String> {
    let mut reader = quick_xml::Reader::from_str(ssml);
    let mut state = State::default();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => state.open(&e, false)?,
            Ok(Event::Empty(e)) => state.open(&e, true)?,
            Ok(Event::End(e)) => state.close(e.name().as_ref()),
            Ok(Event::Text(t)) => {
                let text = t
                    .unescape()
                    .map_err(|e| format!("SSML text cannot be read: {e}"))?;
                state.text(&text);
            }
            Ok(Event::CData(t)) => state.text(&String::from_utf8_lossy(&t)),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(format!("SSML cannot be read: {e}")),
        }
    }
    state.end_sentence();
    Ok(state.pieces)
}

/// The document as plain text, for engines that read text: sentences joined by spaces,
/// paragraph breaks where the SSML pauses. Also returns, per mark, the character offset in
/// that text where it falls.
pub fn plain_text(pieces: &[Piece]) -> (String, Vec<(String, usize)>) {
    let mut text = String::new();
    let mut marks = Vec::new();
    let mut pause_pending = false;
    for piece in pieces {
        match piece {
            Piece::Sentence { text: s, .. } => {
                if !text.is_empty() {
                    text.push_str(if pause_pending { "\n\n" } else { " " });
                }
                pause_pending = false;
                text.push_str(s);
            }
            Piece::Pause(ms) => pause_pending |= *ms >= 300,
            Piece::Mark(name) => {
                // The mark falls after the separator the next sentence will get.
                let separator = match (text.is_empty(), pause_pending) {
                    (true, _) => 0,
                    (false, true) => 2,
                    (false, false) => 1,
                };
                let at = text.chars().count() + separator;
                marks.push((name.clone(), at));
            }
        }
    }
    (text, marks)
}

/// Where marks fall in a clip of `samples` whose speech lies between `lead` and
/// `samples - tail`, from their character offsets in a text of `chars` characters: the
/// estimate for engines that do not report timings.
pub fn estimate_marks(
    marks: &[(String, usize)],
    chars: usize,
    samples: u64,
    lead: u64,
    tail: u64,
) -> Vec<super::MarkTime> {
    let speech = samples.saturating_sub(lead + tail);
    marks
        .iter()
        .map(|(name, at)| {
            let share = if chars == 0 {
                0.0
            } else {
                (*at).min(chars) as f64 / chars as f64
            };
            let sample = if *at == 0 {
                0
            } else {
                lead + (speech as f64 * share).round() as u64
            };
            super::MarkTime {
                name: name.clone(),
                sample,
            }
        })
        .collect()
}

/// Marks estimated by [`estimate_marks`] moved to where speech resumes after the nearest
/// pause: sentences are separated by silence, so a mark between two sentences belongs at the
/// onset after a gap. A mark moves only to a gap of at least 120 ms within 1.5 s of its
/// estimate, never before the mark preceding it; the first mark stays where it is.
pub fn snap_to_pauses(marks: &mut [super::MarkTime], samples: &[i16], sample_rate: u32) {
    let frame = (sample_rate / 100).max(1) as usize;
    let rms: Vec<f64> = samples
        .chunks(frame)
        .map(|c| (c.iter().map(|&s| (s as f64).powi(2)).sum::<f64>() / c.len() as f64).sqrt())
        .collect();
    let mut loud: Vec<f64> = rms.iter().copied().filter(|r| *r > 300.0).collect();
    if loud.is_empty() {
        return;
    }
    loud.sort_by(f64::total_cmp);
    let threshold = 0.1 * loud[loud.len() / 2];
    // Frame indices where sound starts after at least 12 quiet frames.
    let mut onsets = Vec::new();
    let mut quiet = 0usize;
    for (i, r) in rms.iter().enumerate() {
        if *r <= threshold {
            quiet += 1;
        } else {
            if quiet >= 12 && i > quiet {
                onsets.push(i);
            }
            quiet = 0;
        }
    }
    let reach = 150usize; // frames: 1.5 s
    let lead = frame as u64; // keep 10 ms before the onset
    let mut floor = 0u64;
    for (n, mark) in marks.iter_mut().enumerate() {
        if n == 0 || mark.sample == 0 {
            floor = mark.sample;
            continue;
        }
        let at = mark.sample as usize / frame;
        let nearest = onsets
            .iter()
            .filter(|&&o| o.abs_diff(at) <= reach)
            .min_by_key(|&&o| o.abs_diff(at));
        if let Some(&onset) = nearest {
            let snapped = (onset * frame) as u64 - lead.min((onset * frame) as u64);
            if snapped > floor {
                mark.sample = snapped;
            }
        }
        floor = floor.max(mark.sample);
    }
}

/// `ssml` with the children of its first `<element …>` wrapped in `<prosody {attributes}>`:
/// how a profile's rate and pitch reach engines that read SSML. Unchanged when the element is
/// absent.
pub fn wrap_children(ssml: &str, element: &str, attributes: &str) -> String {
    let open = format!("<{element}");
    let close = format!("</{element}>");
    let Some(start) = ssml.find(&open) else {
        return ssml.to_string();
    };
    let (Some(tag_end), Some(end)) = (ssml[start..].find('>'), ssml.rfind(&close)) else {
        return ssml.to_string();
    };
    let inner = start + tag_end + 1;
    if inner > end || ssml[..inner].ends_with("/>") {
        return ssml.to_string();
    }
    format!(
        "{}<prosody {attributes}>{}</prosody>{}",
        &ssml[..inner],
        &ssml[inner..end],
        &ssml[end..]
    )
}

/// Prosody attributes for a rate multiple and a pitch in semitones; `None` when both are
/// the voice's own.
pub fn prosody_attributes(rate: f32, pitch: f32) -> Option<String> {
    let mut attributes = Vec::new();
    if (rate - 1.0).abs() > 0.005 {
        attributes.push(format!("rate=\"{:.0}%\"", rate * 100.0));
    }
    if pitch.abs() > 0.05 {
        attributes.push(format!("pitch=\"{pitch:+.1}st\""));
    }
    (!attributes.is_empty()).then(|| attributes.join(" "))
}

#[derive(Default)]
struct State {
    pieces: Vec<Piece>,
    sentence: String,
    /// The rate the sentence being collected is said at.
    sentence_rate: Option<f32>,
    /// Open elements that change what is said, innermost last.
    stack: Vec<Open>,
}

enum Open {
    /// Text inside is replaced by the alias (already said).
    Sub,
    /// Text inside is spelt out.
    Characters,
    /// Rate of the text inside.
    Prosody(f32),
    /// A sentence or paragraph: ends the sentence when closed.
    Boundary,
    Other,
}

impl State {
    fn rate(&self) -> f32 {
        self.stack
            .iter()
            .filter_map(|o| match o {
                Open::Prosody(r) => Some(*r),
                _ => None,
            })
            .product()
    }

    fn open(&mut self, e: &quick_xml::events::BytesStart, empty: bool) -> Result<(), String> {
        let attr = |name: &str| {
            e.attributes()
                .flatten()
                .find(|a| a.key.as_ref() == name.as_bytes())
                .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
        };
        let open = match e.name().as_ref() {
            b"break" => {
                self.end_sentence();
                let ms = attr("time")
                    .and_then(|t| parse_time(&t))
                    .unwrap_or_else(|| strength_ms(attr("strength").as_deref()));
                self.pieces.push(Piece::Pause(ms));
                Open::Other
            }
            b"mark" => {
                self.end_sentence();
                if let Some(name) = attr("name") {
                    self.pieces.push(Piece::Mark(name));
                }
                Open::Other
            }
            b"sub" => {
                if let Some(alias) = attr("alias") {
                    self.text(&alias);
                }
                Open::Sub
            }
            b"say-as" => match attr("interpret-as").as_deref() {
                Some("characters" | "spell-out" | "verbatim") => Open::Characters,
                _ => Open::Other,
            },
            b"prosody" => Open::Prosody(attr("rate").and_then(|r| parse_rate(&r)).unwrap_or(1.0)),
            b"s" | b"p" => {
                self.end_sentence();
                Open::Boundary
            }
            _ => Open::Other,
        };
        if !empty {
            self.stack.push(open);
        }
        Ok(())
    }

    fn close(&mut self, name: &[u8]) {
        if matches!(self.stack.pop(), Some(Open::Boundary)) || name == b"speak" {
            self.end_sentence();
        }
    }

    fn text(&mut self, text: &str) {
        let inside = |f: fn(&Open) -> bool| self.stack.iter().any(f);
        if inside(|o| matches!(o, Open::Sub)) {
            return;
        }
        let said = if inside(|o| matches!(o, Open::Characters)) {
            let letters: Vec<String> = text
                .chars()
                .filter(|c| !c.is_whitespace())
                .map(String::from)
                .collect();
            format!(" {} ", letters.join(" "))
        } else {
            text.to_string()
        };
        // A change of rate starts a new piece so that it can be said at its own speed.
        let rate = self.rate();
        let started = !self.sentence.trim().is_empty();
        if started
            && self
                .sentence_rate
                .is_some_and(|r| (r - rate).abs() > f32::EPSILON)
        {
            self.end_sentence();
        }
        if self.sentence.trim().is_empty() {
            self.sentence_rate = Some(rate);
        }
        self.sentence.push_str(&said);
    }

    fn end_sentence(&mut self) {
        let text = self
            .sentence
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if text.chars().any(char::is_alphanumeric) {
            self.pieces.push(Piece::Sentence {
                text,
                rate: self.sentence_rate.unwrap_or_else(|| self.rate()),
            });
        }
        self.sentence.clear();
        self.sentence_rate = None;
    }
}

/// `700ms`, `1.5s` → milliseconds.
fn parse_time(value: &str) -> Option<u32> {
    let value = value.trim().trim_start_matches('+');
    let (number, scale) = if let Some(ms) = value.strip_suffix("ms") {
        (ms, 1.0)
    } else if let Some(s) = value.strip_suffix('s') {
        (s, 1000.0)
    } else {
        (value, 1.0)
    };
    let ms = number.trim().parse::<f64>().ok()? * scale;
    (ms.is_finite() && ms >= 0.0).then(|| ms.min(10_000.0).round() as u32)
}

/// SSML's break strengths, as most engines render them.
fn strength_ms(strength: Option<&str>) -> u32 {
    match strength {
        Some("none") => 0,
        Some("x-weak") => 100,
        Some("weak") => 250,
        Some("strong") => 1000,
        Some("x-strong") => 1500,
        _ => 500,
    }
}

/// `80%`, `1.2`, `slow` → a multiple of the voice's speed.
fn parse_rate(value: &str) -> Option<f32> {
    let value = value.trim();
    let rate = match value {
        "x-slow" => 0.6,
        "slow" => 0.8,
        "medium" | "default" => 1.0,
        "fast" => 1.25,
        "x-fast" => 1.5,
        _ => match value.strip_suffix('%') {
            Some(p) if p.starts_with(['+', '-']) => 1.0 + p.parse::<f32>().ok()? / 100.0,
            Some(p) => p.parse::<f32>().ok()? / 100.0,
            None => value.parse::<f32>().ok()?,
        },
    };
    (rate.is_finite() && rate > 0.0).then(|| rate.clamp(0.25, 4.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_interpreted_never_said() {
        let ssml = r#"<speak xml:lang="en-US"><mark name="c0"/><p><s>Hello <sub alias="Kubernetes">K8s</sub> and <say-as interpret-as="characters">NASA</say-as>.</s><s><prosody rate="50%">Slowly now.</prosody></s></p><break time="700ms"/><mark name="c1"/><p><s>Done &amp; dusted.</s></p></speak>"#;
        let pieces = interpret(ssml).unwrap();
        assert_eq!(
            pieces,
            vec![
                Piece::Mark("c0".into()),
                Piece::Sentence {
                    text: "Hello Kubernetes and N A S A .".into(),
                    rate: 1.0
                },
                Piece::Sentence {
                    text: "Slowly now.".into(),
                    rate: 0.5
                },
                Piece::Pause(700),
                Piece::Mark("c1".into()),
                Piece::Sentence {
                    text: "Done & dusted.".into(),
                    rate: 1.0
                },
            ]
        );
        let (text, marks) = plain_text(&pieces);
        assert_eq!(
            text,
            "Hello Kubernetes and N A S A . Slowly now.\n\nDone & dusted."
        );
        assert_eq!(marks, vec![("c0".to_string(), 0), ("c1".to_string(), 44)]);
        assert!(!text.contains('<'));
    }

    #[test]
    fn times_and_rates_are_parsed() {
        assert_eq!(parse_time("1.5s"), Some(1500));
        assert_eq!(parse_time("+700ms"), Some(700));
        assert_eq!(parse_time("abc"), None);
        assert_eq!(parse_rate("80%"), Some(0.8));
        assert_eq!(parse_rate("+20%"), Some(1.2));
        assert_eq!(parse_rate("x-slow"), Some(0.6));
    }

    #[test]
    fn marks_are_placed_by_character_share() {
        let marks = vec![("c0".to_string(), 0), ("c1".to_string(), 50)];
        let times = estimate_marks(&marks, 100, 1_200, 100, 100);
        assert_eq!(times[0].sample, 0);
        assert_eq!(times[1].sample, 600);
    }

    #[test]
    fn estimated_marks_move_to_the_onset_after_the_nearest_pause() {
        // 1 s of speech, 0.4 s of silence, 1 s of speech, at 1 kHz.
        let mut samples = vec![5_000i16; 1_000];
        samples.extend(vec![0i16; 400]);
        samples.extend(vec![5_000i16; 1_000]);
        let mark = |sample| super::super::MarkTime {
            name: "m".into(),
            sample,
        };
        let mut marks = vec![mark(0), mark(1_200)];
        snap_to_pauses(&mut marks, &samples, 1_000);
        assert_eq!(marks[0].sample, 0);
        assert_eq!(marks[1].sample, 1_390);
        // Too far from any pause: left where it was estimated.
        let mut far = vec![mark(0), mark(2_300)];
        snap_to_pauses(&mut far, &samples[..1_000], 1_000);
        assert_eq!(far[1].sample, 2_300);
    }

    #[test]
    fn prosody_wraps_the_children_of_an_element() {
        let ssml = r#"<speak xml:lang="fr-FR"><voice name="v"><p>Un.</p></voice></speak>"#;
        let attributes = prosody_attributes(1.1, 0.0).unwrap();
        assert_eq!(
            wrap_children(ssml, "voice", &attributes),
            r#"<speak xml:lang="fr-FR"><voice name="v"><prosody rate="110%"><p>Un.</p></prosody></voice></speak>"#
        );
        assert_eq!(prosody_attributes(1.0, 0.0), None);
        assert_eq!(
            wrap_children("<speak/>", "speak", "rate=\"90%\""),
            "<speak/>"
        );
    }

    #[test]
    fn broken_ssml_is_an_error() {
        assert!(interpret("<speak><p>open").is_ok());
        assert!(interpret("<speak></p></speak>").is_err());
    }
}
