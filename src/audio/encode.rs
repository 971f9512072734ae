//! Encode: MP3 through LAME (the `mp3lame-encoder` crate, built from source) with an ID3v2.4
//! tag in front — title, show, date, cover art, and one CHAP frame per chapter under a CTOC.
//!
//! The settings (`[encoder]` in `show.toml`) choose VBR or CBR, the bitrate, mono or stereo
//! and the sample rate. The mix is mono speech: stereo carries it on both channels (joint
//! stereo, so the side channel costs next to nothing) for platforms that insist on stereo;
//! another sample rate than the mix's 44.1 kHz is made by LAME's own resampler.
//!
//! LAME writes a placeholder Xing/Info frame first; once the last frame is out, the real one
//! (exact frame count, encoder delay and padding, so players show the exact duration) is
//! written over it. The file is a temporary file in the destination folder until
//! [`Mp3Writer::finish`] hands it over to be renamed into place.

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use id3::frame::{Chapter as ChapterFrame, Picture, PictureType, TableOfContents};
use id3::{Frame, Tag, TagLike, Version};
use mp3lame_encoder::{Bitrate, Builder, DualPcm, FlushGap, Mode, MonoPcm, Quality, VbrMode};

use super::mix::Chapter;
use super::EPISODE_RATE;
use crate::error::{Error, Result};
pub use crate::settings::{BitrateMode, EncoderSettings};

fn bitrate(kbps: u32) -> Option<Bitrate> {
    Some(match kbps {
        8 => Bitrate::Kbps8,
        16 => Bitrate::Kbps16,
        24 => Bitrate::Kbps24,
        32 => Bitrate::Kbps32,
        40 => Bitrate::Kbps40,
        48 => Bitrate::Kbps48,
        64 => Bitrate::Kbps64,
        80 => Bitrate::Kbps80,
        96 => Bitrate::Kbps96,
        112 => Bitrate::Kbps112,
        128 => Bitrate::Kbps128,
        160 => Bitrate::Kbps160,
        192 => Bitrate::Kbps192,
        224 => Bitrate::Kbps224,
        256 => Bitrate::Kbps256,
        320 => Bitrate::Kbps320,
        _ => return None,
    })
}

fn quality(level: u8) -> Quality {
    match level {
        0 => Quality::Best,
        1 => Quality::SecondBest,
        2 => Quality::NearBest,
        3 => Quality::VeryNice,
        4 => Quality::Nice,
        5 => Quality::Good,
        6 => Quality::Decent,
        7 => Quality::Ok,
        8 => Quality::SecondWorst,
        _ => Quality::Worst,
    }
}

/// What the ID3 tag says.
#[derive(Debug, Clone)]
pub struct EpisodeTags {
    pub title: String,
    pub show: String,
    pub author: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub language: String,
    pub comment: String,
    /// Cover image bytes and MIME type.
    pub cover: Option<(Vec<u8>, String)>,
    pub chapters: Vec<Chapter>,
}

/// Streams PCM into an MP3 file being written.
pub struct Mp3Writer {
    encoder: mp3lame_encoder::Encoder,
    file: tempfile::NamedTempFile,
    /// Where the first MP3 frame (the Xing/Info placeholder) starts.
    audio_start: u64,
    buffer: Vec<u8>,
    stereo: bool,
    /// Receives a copy of every MP3 frame as it is written (to decode it back and measure).
    tap: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
}

fn lame_error(e: impl std::fmt::Display) -> Error {
    Error::Audio(format!("MP3 encoder: {e}"))
}

impl Mp3Writer {
    /// Starts an MP3 in `dir` (a temporary file there) with the ID3 tag written first.
    pub fn create(dir: &Path, tags: &EpisodeTags, settings: &EncoderSettings) -> Result<Mp3Writer> {
        if let Some(problem) = settings.problem() {
            return Err(Error::Audio(problem));
        }
        let stereo = settings.channels == 2;
        let mut builder = Builder::new().ok_or_else(|| lame_error("cannot create LAME"))?;
        builder
            .set_num_channels(settings.channels)
            .map_err(lame_error)?;
        builder.set_sample_rate(EPISODE_RATE).map_err(lame_error)?;
        builder
            .set_output_sample_rate(std::num::NonZeroU32::new(settings.sample_rate))
            .map_err(lame_error)?;
        builder
            .set_mode(if stereo {
                Mode::JointStereo
            } else {
                Mode::Mono
            })
            .map_err(lame_error)?;
        let brate = bitrate(settings.bitrate_kbps).unwrap_or(Bitrate::Kbps96);
        match settings.mode {
            BitrateMode::Vbr => {
                builder.set_vbr_mode(VbrMode::Mtrh).map_err(lame_error)?;
                builder
                    .set_vbr_quality(quality(settings.vbr_quality))
                    .map_err(lame_error)?;
            }
            BitrateMode::Cbr => {
                builder.set_vbr_mode(VbrMode::Off).map_err(lame_error)?;
                builder.set_brate(brate).map_err(lame_error)?;
            }
        }
        builder.set_quality(Quality::Good).map_err(lame_error)?;
        builder.set_to_write_vbr_tag(true).map_err(lame_error)?;
        let encoder = builder.build().map_err(lame_error)?;

        let mut file = tempfile::Builder::new()
            .prefix(".audition-")
            .suffix(".mp3.tmp")
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir, e))?;
        id3_tag(tags)
            .write_to(&mut file, Version::Id3v24)
            .map_err(|e| Error::Audio(format!("ID3 tag: {e}")))?;
        let audio_start = file.stream_position().map_err(|e| Error::io(dir, e))?;
        Ok(Mp3Writer {
            encoder,
            file,
            audio_start,
            buffer: Vec::new(),
            stereo,
            tap: None,
        })
    }

    /// Sends a copy of the MP3 frames (not the ID3 tag) to `tap` as they are encoded; the
    /// tap is closed when the last frame is out.
    pub fn with_tap(mut self, tap: std::sync::mpsc::SyncSender<Vec<u8>>) -> Mp3Writer {
        self.tap = Some(tap);
        self
    }

    fn send_to_tap(&mut self) {
        if let Some(tap) = &self.tap {
            if !self.buffer.is_empty() && tap.send(self.buffer.clone()).is_err() {
                // The listener has stopped (it reports its own error): stop copying.
                self.tap = None;
            }
        }
    }

    /// Encodes a block of mono samples in −1..1 (on both channels in stereo).
    pub fn write(&mut self, samples: &[f32]) -> Result<()> {
        self.buffer.clear();
        self.buffer
            .reserve(mp3lame_encoder::max_required_buffer_size(samples.len()));
        let encoded = if self.stereo {
            let both = DualPcm {
                left: samples,
                right: samples,
            };
            self.encoder.encode_to_vec(both, &mut self.buffer)
        } else {
            self.encoder
                .encode_to_vec(MonoPcm(samples), &mut self.buffer)
        };
        encoded.map_err(lame_error)?;
        self.send_to_tap();
        self.file
            .write_all(&self.buffer)
            .map_err(|e| Error::io(self.file.path(), e))
    }

    /// Flushes the encoder, writes the final Xing/Info frame, syncs the file and returns it
    /// with its size in bytes.
    pub fn finish(mut self) -> Result<(tempfile::NamedTempFile, u64)> {
        self.buffer.clear();
        self.buffer.reserve(7200);
        self.encoder
            .flush_to_vec::<FlushGap>(&mut self.buffer)
            .map_err(lame_error)?;
        self.send_to_tap();
        self.tap = None;
        let path = self.file.path().to_path_buf();
        let io = |e| Error::io(&path, e);
        self.file.write_all(&self.buffer).map_err(io)?;
        let mut info = Vec::with_capacity(self.encoder.lame_tag_size().max(1));
        if self.encoder.lame_tag_encode_to_vec(&mut info).is_some() {
            self.file
                .seek(SeekFrom::Start(self.audio_start))
                .map_err(io)?;
            self.file.write_all(&info).map_err(io)?;
        }
        let size = self.file.seek(SeekFrom::End(0)).map_err(io)?;
        self.file.as_file().sync_all().map_err(io)?;
        Ok((self.file, size))
    }
}

/// The episode's ID3v2.4 tag.
fn id3_tag(tags: &EpisodeTags) -> Tag {
    let mut tag = Tag::new();
    tag.set_title(clip255(&tags.title));
    tag.set_artist(clip255(&tags.author));
    tag.set_album(clip255(&tags.show));
    tag.set_genre("Podcast");
    if let Ok(date) = tags.date.parse::<id3::Timestamp>() {
        tag.set_date_recorded(date);
    }
    tag.add_frame(Frame::text("TLAN", language_639_2(&tags.language)));
    tag.add_frame(id3::frame::Comment {
        lang: language_639_2(&tags.language).to_string(),
        description: String::new(),
        text: tags.comment.clone(),
    });
    if let Some((data, mime)) = &tags.cover {
        tag.add_frame(Picture {
            mime_type: mime.clone(),
            picture_type: PictureType::CoverFront,
            description: "Cover".to_string(),
            data: data.clone(),
        });
    }
    let ids: Vec<String> = (0..tags.chapters.len())
        .map(|i| format!("chp{i}"))
        .collect();
    for (chapter, id) in tags.chapters.iter().zip(&ids) {
        tag.add_frame(ChapterFrame {
            element_id: id.clone(),
            start_time: chapter.start_ms as u32,
            end_time: chapter.end_ms as u32,
            start_offset: u32::MAX,
            end_offset: u32::MAX,
            frames: chapter_frames(chapter),
        });
    }
    if !ids.is_empty() {
        tag.add_frame(TableOfContents {
            element_id: "toc".to_string(),
            top_level: true,
            ordered: true,
            elements: ids,
            frames: Vec::new(),
        });
    }
    tag
}

/// A chapter's sub-frames: its title, and its story's link as a WXXX frame.
fn chapter_frames(chapter: &Chapter) -> Vec<Frame> {
    let mut frames = vec![Frame::text("TIT2", clip255(&chapter.title))];
    if !chapter.voices.is_empty() {
        frames.push(Frame::text("TIT3", clip255(&chapter.voices.join(", "))));
    }
    if let Some(url) = &chapter.url {
        frames.push(Frame::with_content(
            "WXXX",
            id3::Content::ExtendedLink(id3::frame::ExtendedLink {
                description: String::new(),
                link: url.clone(),
            }),
        ));
    }
    frames
}

/// ISO 639-2 code for the languages Audition speaks (ID3 wants three letters).
fn language_639_2(tag: &str) -> &'static str {
    match crate::settings::primary_language(tag) {
        "fr" => "fra",
        "de" => "deu",
        "es" => "spa",
        "it" => "ita",
        _ => "eng",
    }
}

/// Apple reads at most 255 characters of a tag value.
fn clip255(text: &str) -> String {
    text.chars().take(255).collect()
}
