//! What a build would ask of a paid engine before anything is asked: requests, billed
//! characters and estimated cost, from the price table `voices/prices.toml` (compiled in) or
//! the profile's own price. Clips already in the cache are neither requested nor billed.

use serde::{Deserialize, Serialize};

use std::sync::Arc;

use super::{ClipCache, Engine};
use crate::script::Script;
use crate::settings::VoiceProfile;

const PRICE_TABLE: &str = include_str!("../../voices/prices.toml");

#[derive(Deserialize)]
struct Table {
    currency: String,
    price: Vec<Row>,
}

#[derive(Deserialize)]
struct Row {
    engine: String,
    #[serde(rename = "match")]
    pattern: Option<String>,
    per_million: f64,
}

/// The estimate of one build for one engine.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Estimate {
    pub engine: String,
    /// Segments the engine would be asked for (not in the cache).
    pub requests: usize,
    pub billed_chars: usize,
    /// Segments found in the cache, and what they would have cost to ask again.
    pub cached: usize,
    pub cached_chars: usize,
    pub per_million: f64,
    pub currency: String,
    pub cost: f64,
}

/// Price per million billed characters of a profile, and the currency.
pub fn price(voice: &VoiceProfile) -> (f64, String) {
    let table: Table = toml::from_str(PRICE_TABLE)
        .unwrap_or_else(|e| unreachable!("voices/prices.toml is checked by a test: {e}"));
    if let Some(own) = voice.options.price_per_million_chars {
        return (own, table.currency);
    }
    if matches!(voice.engine.as_str(), "espeak" | "espeak-ng" | "piper") {
        return (0.0, table.currency);
    }
    let model = voice.options.model.as_deref().unwrap_or("");
    let row = table.price.iter().find(|row| {
        row.engine == voice.engine
            && row
                .pattern
                .as_deref()
                .is_none_or(|p| model.contains(p) || voice.voice.contains(p))
    });
    (row.map_or(0.0, |r| r.per_million), table.currency)
}

/// Requests, characters and cost of synthesising `script`, each segment with its voice's
/// engine (`engines` and `voices` in the order of `Show::voices`).
pub fn estimate(
    script: &Script,
    engines: &[Arc<dyn Engine>],
    cache: &ClipCache,
    voices: &[&VoiceProfile],
) -> Estimate {
    let mut names: Vec<&str> = Vec::new();
    for engine in engines {
        if !names.contains(&engine.name()) {
            names.push(engine.name());
        }
    }
    let (per_million, currency) = price(voices[0]);
    let mut estimate = Estimate {
        engine: names.join(" + "),
        requests: 0,
        billed_chars: 0,
        cached: 0,
        cached_chars: 0,
        per_million,
        currency,
        cost: 0.0,
    };
    for segment in &script.segments {
        let voice = segment.voice;
        let engine = engines[voice].as_ref();
        let chars = engine.billed_chars(segment);
        if cache.contains(&cache.key(engine, &segment.ssml)) {
            estimate.cached += 1;
            estimate.cached_chars += chars;
        } else {
            estimate.requests += 1;
            estimate.billed_chars += chars;
            estimate.cost += chars as f64 * price(voices[voice]).0 / 1e6;
        }
    }
    if estimate.billed_chars > 0 {
        // With several priced voices, the rate actually paid on average.
        estimate.per_million = estimate.cost * 1e6 / estimate.billed_chars as f64;
    }
    estimate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_price_table_reads_and_matches_models_and_voices() {
        let table: Table = toml::from_str(PRICE_TABLE).unwrap();
        assert!(table.price.iter().all(|r| r.per_million >= 0.0));
        let voice = |engine: &str, name: &str, model: Option<&str>| VoiceProfile {
            name: "t".into(),
            path: "t.toml".into(),
            engine: engine.into(),
            voice: name.into(),
            language: "en-US".into(),
            rate: 1.0,
            pitch: 0.0,
            credit: None,
            options: crate::settings::EngineOptions {
                model: model.map(str::to_string),
                ..Default::default()
            },
        };
        assert_eq!(price(&voice("google", "en-US-Neural2-A", None)).0, 16.0);
        assert_eq!(price(&voice("google", "en-US-Standard-A", None)).0, 4.0);
        assert_eq!(price(&voice("openai", "alloy", Some("tts-1-hd"))).0, 30.0);
        assert_eq!(price(&voice("polly", "Lea", Some("neural"))).0, 16.0);
        assert_eq!(price(&voice("piper", "x", None)).0, 0.0);
        let mut own = voice("azure", "fr-FR-DeniseNeural", None);
        own.options.price_per_million_chars = Some(9.5);
        assert_eq!(price(&own).0, 9.5);
    }
}
