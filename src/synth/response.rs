//! Turns the body of an engine's reply into samples, refusing anything that is not complete,
//! valid audio of the format asked for: WAV (RIFF, 16-bit PCM), raw 16-bit little-endian
//! PCM, or MP3. A truncated or empty body is an error, never a clip.

use crate::audio::decode::decode_bytes;

/// The audio format an engine was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// A RIFF/WAVE file of 16-bit PCM.
    Wav,
    /// Headerless 16-bit little-endian mono PCM at the given rate.
    Pcm(u32),
    /// MPEG audio layer III.
    Mp3,
}

/// Mono 16-bit samples and their rate, from a reply body.
pub fn decode(body: &[u8], format: BodyFormat) -> Result<(Vec<i16>, u32), String> {
    if body.is_empty() {
        return Err("the reply holds no audio (empty body)".to_string());
    }
    let (samples, rate) = match format {
        BodyFormat::Wav => wav(body)?,
        BodyFormat::Pcm(rate) => (pcm16(body)?, rate),
        BodyFormat::Mp3 => mp3(body)?,
    };
    if samples.is_empty() {
        return Err("the reply holds no audio samples".to_string());
    }
    Ok((samples, rate))
}

/// Headerless 16-bit little-endian PCM.
pub fn pcm16(body: &[u8]) -> Result<Vec<i16>, String> {
    if !body.len().is_multiple_of(2) {
        return Err(format!(
            "truncated PCM audio ({} bytes, not a whole number of 16-bit samples)",
            body.len()
        ));
    }
    if looks_like_text(body) {
        return Err("the reply is text, not PCM audio".to_string());
    }
    Ok(body
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect())
}

/// A RIFF/WAVE file of 16-bit PCM, mixed down to mono. A data chunk shorter than its
/// header says is truncated; a streamed header (size 0 or 0xFFFFFFFF) takes what follows.
pub fn wav(body: &[u8]) -> Result<(Vec<i16>, u32), String> {
    if body.len() < 12 || &body[0..4] != b"RIFF" || &body[8..12] != b"WAVE" {
        return Err("the reply is not a WAV file (no RIFF/WAVE header)".to_string());
    }
    let mut at = 12;
    let mut format: Option<(u16, u16, u32, u16)> = None;
    while at + 8 <= body.len() {
        let id = &body[at..at + 4];
        let size = u32::from_le_bytes([body[at + 4], body[at + 5], body[at + 6], body[at + 7]]);
        let start = at + 8;
        if id == b"fmt " {
            let f = body
                .get(start..start + 16)
                .ok_or("truncated WAV file (incomplete fmt chunk)")?;
            format = Some((
                u16::from_le_bytes([f[0], f[1]]),
                u16::from_le_bytes([f[2], f[3]]),
                u32::from_le_bytes([f[4], f[5], f[6], f[7]]),
                u16::from_le_bytes([f[14], f[15]]),
            ));
        } else if id == b"data" {
            let (code, channels, rate, bits) = format.ok_or("WAV file without a fmt chunk")?;
            if code != 1 || bits != 16 || channels == 0 {
                return Err(format!(
                    "WAV audio is not 16-bit PCM (format {code}, {bits} bits, {channels} channels)"
                ));
            }
            let rest = &body[start..];
            let data = if size == 0 || size == u32::MAX {
                &rest[..rest.len() - rest.len() % 2]
            } else if (size as usize) > rest.len() {
                return Err(format!(
                    "truncated WAV audio ({} of {size} bytes of samples)",
                    rest.len()
                ));
            } else {
                &rest[..size as usize]
            };
            let samples = pcm16(data)?;
            let mono = samples
                .chunks(channels as usize)
                .map(|frame| {
                    (frame.iter().map(|&s| s as i32).sum::<i32>() / frame.len() as i32) as i16
                })
                .collect();
            return Ok((mono, rate));
        }
        at = start + size as usize + (size as usize % 2);
    }
    Err("truncated WAV file (no data chunk)".to_string())
}

fn mp3(body: &[u8]) -> Result<(Vec<i16>, u32), String> {
    if looks_like_text(body) {
        return Err("the reply is text, not MP3 audio".to_string());
    }
    let (mono, rate) =
        decode_bytes(body.to_vec(), "mp3").map_err(|e| format!("invalid MP3 audio: {e}"))?;
    let samples = mono
        .iter()
        .map(|&s| (s * 32767.0).round().clamp(-32768.0, 32767.0) as i16)
        .collect();
    Ok((samples, rate))
}

/// A JSON or HTML error page sent with a success status.
fn looks_like_text(body: &[u8]) -> bool {
    let start = body.iter().take(64).copied().collect::<Vec<_>>();
    let text = String::from_utf8_lossy(&start);
    let trimmed = text.trim_start();
    (trimmed.starts_with('{') || trimmed.starts_with('<'))
        && start
            .iter()
            .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav_bytes(samples: &[i16], declared: Option<u32>) -> Vec<u8> {
        let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        let mut out = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        out.extend(16u32.to_le_bytes());
        out.extend(1u16.to_le_bytes());
        out.extend(1u16.to_le_bytes());
        out.extend(24_000u32.to_le_bytes());
        out.extend(48_000u32.to_le_bytes());
        out.extend(2u16.to_le_bytes());
        out.extend(16u16.to_le_bytes());
        out.extend(b"data");
        out.extend(declared.unwrap_or(data.len() as u32).to_le_bytes());
        out.extend(data);
        out
    }

    #[test]
    fn complete_wav_is_read_and_truncated_wav_refused() {
        let samples: Vec<i16> = (0..1000).map(|i| (i * 13 % 2000) as i16).collect();
        let (read, rate) = decode(&wav_bytes(&samples, None), BodyFormat::Wav).unwrap();
        assert_eq!((read, rate), (samples.clone(), 24_000));
        let mut cut = wav_bytes(&samples, None);
        cut.truncate(cut.len() - 300);
        assert!(decode(&cut, BodyFormat::Wav)
            .unwrap_err()
            .contains("truncated"));
        let streamed = wav_bytes(&samples, Some(u32::MAX));
        assert_eq!(decode(&streamed, BodyFormat::Wav).unwrap().0.len(), 1000);
    }

    #[test]
    fn odd_pcm_and_error_pages_are_refused() {
        assert!(decode(&[1, 2, 3], BodyFormat::Pcm(24_000)).is_err());
        assert!(decode(br#"{"error": "quota"}"#, BodyFormat::Pcm(24_000)).is_err());
        assert!(decode(b"", BodyFormat::Mp3).is_err());
        assert!(decode(b"<html>busy</html>", BodyFormat::Mp3).is_err());
        assert_eq!(
            decode(&[0, 1, 0, 2], BodyFormat::Pcm(16_000)).unwrap(),
            (vec![256, 512], 16_000)
        );
    }
}
