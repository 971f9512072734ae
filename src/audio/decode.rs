//! Decodes audio files (WAV, MP3, Ogg Vorbis, FLAC) with symphonia into mono `f32` at the
//! episode rate. Used for jingle files; speech clips are WAV read with hound.

use std::path::Path;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::DecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::{resample, EPISODE_RATE};
use crate::error::{Error, Result};

/// Decodes a whole file, downmixes it to mono and resamples it to the episode rate.
pub fn decode_file(path: &Path) -> Result<Vec<f32>> {
    let fail = |m: String| Error::Audio(format!("{}: {m}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let stream = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            stream,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| fail(format!("not a supported audio file ({e})")))?;
    let mut format = probed.format;
    let track = format
        .default_track()
        .ok_or_else(|| fail("no audio track".to_string()))?;
    let track_id = track.id;
    let rate = track
        .codec_params
        .sample_rate
        .ok_or_else(|| fail("unknown sample rate".to_string()))?;
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| fail(format!("unsupported codec ({e})")))?;

    let mut mono = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break
            }
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => return Err(fail(e.to_string())),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            Err(SymphoniaError::DecodeError(_)) => continue,
            Err(e) => return Err(fail(e.to_string())),
        };
        let channels = decoded.spec().channels.count().max(1);
        let mut buffer = SampleBuffer::<f32>::new(decoded.capacity() as u64, *decoded.spec());
        buffer.copy_interleaved_ref(decoded);
        mono.extend(
            buffer
                .samples()
                .chunks(channels)
                .map(|frame| frame.iter().sum::<f32>() / channels as f32),
        );
    }
    if mono.is_empty() {
        return Err(fail("no audio in the file".to_string()));
    }
    resample::resample(&mono, rate, EPISODE_RATE)
}
