//! Decodes audio with symphonia: jingle files (WAV, MP3, Ogg Vorbis, FLAC, AAC/M4A) into
//! mono `f32` at the episode rate, and the episode's own MP3 as it is encoded, to measure
//! what listeners will hear. Speech clips are WAV read with hound.

use std::io::Read;
use std::path::Path;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::DecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::{MediaSource, MediaSourceStream, ReadOnlySource};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::loudness::{LoudnessReport, Meter};
use super::{resample, EPISODE_RATE};
use crate::error::{Error, Result};

/// Decodes a whole file, downmixes it to mono and resamples it to the episode rate.
pub fn decode_file(path: &Path) -> Result<Vec<f32>> {
    let fail = |m: String| Error::Audio(format!("{}: {m}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let (mono, file_rate) = decode_mono(Box::new(file), &hint).map_err(fail)?;
    resample::resample(&mono, file_rate, EPISODE_RATE)
}

/// Decodes a compressed file held in memory (an engine's MP3 reply) to mono at its own rate.
pub fn decode_bytes(
    bytes: Vec<u8>,
    extension: &str,
) -> std::result::Result<(Vec<f32>, u32), String> {
    let mut hint = Hint::new();
    hint.with_extension(extension);
    decode_mono(Box::new(std::io::Cursor::new(bytes)), &hint)
}

/// A whole stream mixed down to mono, at its own rate; an error if it holds no audio.
fn decode_mono(
    source: Box<dyn MediaSource>,
    hint: &Hint,
) -> std::result::Result<(Vec<f32>, u32), String> {
    let mut mono = Vec::new();
    let mut file_rate = EPISODE_RATE;
    decode_stream(source, hint, &mut |samples, channels, rate| {
        file_rate = rate;
        mono.extend(
            samples
                .chunks(channels)
                .map(|frame| frame.iter().sum::<f32>() / channels as f32),
        );
        Ok(())
    })?;
    if mono.is_empty() {
        return Err("no audio in it".to_string());
    }
    Ok((mono, file_rate))
}

/// Loudness and true peak of an MP3 read from `reader` as it arrives (every channel
/// metered, as a platform's meter would), holding one frame at a time.
pub fn mp3_loudness(reader: impl Read + Send + Sync + 'static) -> Result<LoudnessReport> {
    let mut hint = Hint::new();
    hint.with_extension("mp3");
    let mut meter: Option<Meter> = None;
    decode_stream(
        Box::new(ReadOnlySource::new(reader)),
        &hint,
        &mut |samples, channels, rate| {
            if meter.is_none() {
                meter = Some(Meter::with_format(channels as u32, rate, true)?);
            }
            match &mut meter {
                Some(meter) => meter.add(samples),
                None => Ok(()),
            }
        },
    )
    .map_err(|m| Error::Audio(format!("decoding the encoded episode back: {m}")))?;
    meter
        .map(|m| m.report())
        .ok_or_else(|| Error::Audio("the encoded episode holds no audio".to_string()))
}

/// Receives blocks of interleaved samples with their channel count and sample rate.
type BlockSink<'a> = dyn FnMut(&[f32], usize, u32) -> Result<()> + 'a;

/// Decodes a stream packet by packet, handing each block of interleaved samples to `block`
/// with its channel count and sample rate; errors are messages for the caller to place.
fn decode_stream(
    source: Box<dyn MediaSource>,
    hint: &Hint,
    block: &mut BlockSink,
) -> std::result::Result<(), String> {
    let stream = MediaSourceStream::new(source, Default::default());
    let probed = symphonia::default::get_probe()
        .format(
            hint,
            stream,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| format!("not a supported audio file ({e})"))?;
    let mut format = probed.format;
    let track = format.default_track().ok_or("no audio track")?;
    let track_id = track.id;
    let rate = track
        .codec_params
        .sample_rate
        .ok_or("unknown sample rate")?;
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| format!("unsupported codec ({e})"))?;
    let mut buffer: Option<SampleBuffer<f32>> = None;
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break
            }
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => return Err(e.to_string()),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            Err(SymphoniaError::DecodeError(_)) => continue,
            Err(e) => return Err(e.to_string()),
        };
        let channels = decoded.spec().channels.count().max(1);
        let samples = match &mut buffer {
            Some(b) if b.capacity() >= decoded.capacity() * channels => b,
            _ => buffer.insert(SampleBuffer::new(
                decoded.capacity() as u64,
                *decoded.spec(),
            )),
        };
        samples.copy_interleaved_ref(decoded);
        block(samples.samples(), channels, rate).map_err(|e| e.to_string())?;
    }
    Ok(())
}
