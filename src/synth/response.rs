//! Turns the body of an engine's reply into samples, refusing anything that is not valid
//! audio: WAV (RIFF, 16-bit PCM), raw 16-bit little-endian PCM, or MP3.
//!
//! Whether a reply is *complete* is the transport's word (Content-Length reached, the last
//! chunk received; `http.rs` retries a body cut short of it). The WAV header's own sizes
//! are not: streaming services write them before they know the length, as placeholders
//! (see `../shared/VENDORS.md`): OpenAI and speaches 0xFFFFFFFF, ElevenLabs `wav_*`
//! 0x7FFFFFFF, an Azure reply seen with RIFF size 0, ffmpeg pipes with a LIST chunk before
//! `data`. A data size that is a placeholder or runs past the body means "to the end".
//! What the body really is wins over what was asked: a self-hosted server that ignores
//! `response_format` and answers MP3 (OpenAI's default) or WAV is read as what it sent, and
//! a `audio/pcm;rate=22050` content type gives the rate of raw PCM.

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

/// `WAVE_FORMAT_PCM` and `WAVE_FORMAT_EXTENSIBLE` (whose sub-format ffmpeg sets to PCM).
const WAVE_PCM: u16 = 1;
const WAVE_EXTENSIBLE: u16 = 0xFFFE;

/// Mono 16-bit samples and their rate, from a reply body.
pub fn decode(body: &[u8], format: BodyFormat) -> Result<(Vec<i16>, u32), String> {
    decode_reply(body, format, None)
}

/// Mono 16-bit samples and their rate, from a reply body and its `Content-Type`: the body's
/// own signature (RIFF, ID3, an MPEG frame) and the content type correct the format asked.
pub fn decode_reply(
    body: &[u8],
    asked: BodyFormat,
    content_type: Option<&str>,
) -> Result<(Vec<i16>, u32), String> {
    if body.is_empty() {
        return Err("the reply holds no audio (empty body)".to_string());
    }
    let (samples, rate) = match sent_format(body, asked, content_type) {
        BodyFormat::Wav => wav(body)?,
        BodyFormat::Pcm(rate) => (pcm16(body)?, rate),
        BodyFormat::Mp3 => mp3(body)?,
    };
    if samples.is_empty() {
        return Err("the reply holds no audio samples".to_string());
    }
    Ok((samples, rate))
}

/// The format the body is in: its signature first, then its content type, then what was
/// asked. Raw PCM is never sniffed as MP3 from a frame sync alone (samples can look like one).
fn sent_format(body: &[u8], asked: BodyFormat, content_type: Option<&str>) -> BodyFormat {
    let content_type = content_type.unwrap_or_default().to_ascii_lowercase();
    let mime = content_type.split(';').next().unwrap_or_default().trim();
    if body.len() >= 12 && &body[0..4] == b"RIFF" && &body[8..12] == b"WAVE" {
        return BodyFormat::Wav;
    }
    let mpeg_sync = body.len() >= 2 && body[0] == 0xFF && body[1] & 0xE0 == 0xE0;
    if body.starts_with(b"ID3")
        || matches!(mime, "audio/mpeg" | "audio/mp3")
        || (mpeg_sync && !matches!(asked, BodyFormat::Pcm(_)))
    {
        return BodyFormat::Mp3;
    }
    match asked {
        BodyFormat::Pcm(rate) => BodyFormat::Pcm(parameter_rate(&content_type).unwrap_or(rate)),
        other => other,
    }
}

/// The `rate=` parameter of a content type such as `audio/pcm;rate=22050` or `audio/L16; rate=24000`.
fn parameter_rate(content_type: &str) -> Option<u32> {
    content_type
        .split(';')
        .skip(1)
        .filter_map(|p| p.trim().strip_prefix("rate="))
        .find_map(|r| r.trim().parse().ok())
        .filter(|r| (8_000..=192_000).contains(r))
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

/// The fields of a `fmt ` chunk that decide how samples are read.
#[derive(Clone, Copy)]
struct WavFormat {
    code: u16,
    channels: u16,
    rate: u32,
    bits: u16,
}

/// A RIFF/WAVE file of 16-bit PCM, mixed down to mono. Chunks before `data` (LIST, JUNK,
/// fact, bext) are stepped over; the data runs to its size, or to the end of the body when
/// the size is a streaming placeholder (0, 0x7FFFFFFF, 0xFFFFFFFF) or larger than the body.
/// The RIFF size is never trusted.
pub fn wav(body: &[u8]) -> Result<(Vec<i16>, u32), String> {
    if body.len() < 12 || &body[0..4] != b"RIFF" || &body[8..12] != b"WAVE" {
        return Err("the reply is not a WAV file (no RIFF/WAVE header)".to_string());
    }
    let mut at = 12usize;
    let mut format: Option<WavFormat> = None;
    while at + 8 <= body.len() {
        let id = &body[at..at + 4];
        let size = u32::from_le_bytes([body[at + 4], body[at + 5], body[at + 6], body[at + 7]]);
        let start = at + 8;
        if id == b"fmt " {
            let f = body
                .get(start..start + 16)
                .ok_or("truncated WAV file (incomplete fmt chunk)")?;
            format = Some(WavFormat {
                code: u16::from_le_bytes([f[0], f[1]]),
                channels: u16::from_le_bytes([f[2], f[3]]),
                rate: u32::from_le_bytes([f[4], f[5], f[6], f[7]]),
                bits: u16::from_le_bytes([f[14], f[15]]),
            });
        } else if id == b"data" {
            let format = format.ok_or("WAV file without a fmt chunk")?;
            return wav_samples(&body[start..], size, format);
        }
        at = start
            .saturating_add(size as usize)
            .saturating_add(size as usize % 2);
    }
    Err("not a complete WAV file (no data chunk)".to_string())
}

/// The samples of a data chunk declared `size` bytes long, whose bytes are `rest`.
fn wav_samples(rest: &[u8], size: u32, format: WavFormat) -> Result<(Vec<i16>, u32), String> {
    let WavFormat {
        code,
        channels,
        rate,
        bits,
    } = format;
    if !matches!(code, WAVE_PCM | WAVE_EXTENSIBLE) || bits != 16 || channels == 0 || rate == 0 {
        return Err(format!(
            "WAV audio is not 16-bit PCM (format {code}, {bits} bits, {channels} channels)"
        ));
    }
    let declared = size as usize;
    let data = if declared == 0 || declared > rest.len() {
        rest
    } else {
        &rest[..declared]
    };
    let frame = 2 * channels as usize;
    let data = &data[..data.len() - data.len() % frame];
    let samples = pcm16(data)?;
    let mono = samples
        .chunks(channels as usize)
        .map(|frame| (frame.iter().map(|&s| s as i32).sum::<i32>() / frame.len() as i32) as i16)
        .collect();
    Ok((mono, rate))
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
    fn wav_is_read_to_its_size_or_to_the_end_when_the_size_is_a_placeholder() {
        let samples: Vec<i16> = (0..1000).map(|i| (i * 13 % 2000) as i16).collect();
        let (read, rate) = decode(&wav_bytes(&samples, None), BodyFormat::Wav).unwrap();
        assert_eq!((read, rate), (samples.clone(), 24_000));
        for placeholder in [u32::MAX, 0x7FFF_FFFF, 0, 5_000] {
            let streamed = wav_bytes(&samples, Some(placeholder));
            let (read, _) = decode(&streamed, BodyFormat::Wav).unwrap();
            assert_eq!(read, samples, "data size {placeholder:#x}");
        }
        assert!(decode(&wav_bytes(&samples, None)[..40], BodyFormat::Wav)
            .unwrap_err()
            .contains("no data chunk"));
    }

    #[test]
    fn chunks_before_data_and_extensible_headers_are_read() {
        let samples: Vec<i16> = (0..500).map(|i| i as i16 * 7).collect();
        let plain = wav_bytes(&samples, Some(u32::MAX));
        let mut with_list = plain[..36].to_vec();
        with_list.extend(b"LIST");
        with_list.extend(17u32.to_le_bytes());
        with_list.extend(b"INFOISFT\x05\0\0\0Lavf\0\0");
        with_list.extend(&plain[36..]);
        assert_eq!(decode(&with_list, BodyFormat::Wav).unwrap().0, samples);
        let mut extensible = plain.clone();
        extensible[20..22].copy_from_slice(&0xFFFEu16.to_le_bytes());
        assert_eq!(decode(&extensible, BodyFormat::Wav).unwrap().0, samples);
    }

    #[test]
    fn what_was_sent_wins_over_what_was_asked() {
        let samples: Vec<i16> = (0..400).map(|i| (i * 31 % 900) as i16).collect();
        let wav = wav_bytes(&samples, None);
        assert_eq!(
            decode_reply(&wav, BodyFormat::Pcm(24_000), Some("audio/wav")).unwrap(),
            (samples.clone(), 24_000)
        );
        let pcm: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        assert_eq!(
            decode_reply(&pcm, BodyFormat::Pcm(24_000), Some("audio/pcm;rate=22050")).unwrap(),
            (samples.clone(), 22_050)
        );
        assert_eq!(
            decode_reply(&pcm, BodyFormat::Pcm(16_000), Some("audio/pcm"))
                .unwrap()
                .1,
            16_000
        );
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
