//! The show's RSS 2.0 feed with the `itunes:` tags Apple requires and the Podcasting 2.0
//! `podcast:` tags (guid, chapters, transcript), built with the `rss` crate from the
//! episode manifests.

use std::collections::BTreeMap;

use rss::extension::itunes::{
    ITunesCategory, ITunesChannelExtension, ITunesItemExtension, ITunesOwner,
};
use rss::extension::{Extension, ExtensionMap};
use rss::{Channel, Enclosure, Guid, Item};

use super::manifest::Manifest;
use crate::show::Show;

/// Namespace of the Podcasting 2.0 tags.
pub const PODCAST_NS: &str = "https://podcastindex.org/namespace/1.0";
/// UUID namespace the Podcasting 2.0 spec uses for `podcast:guid`.
const PODCAST_GUID_NAMESPACE: uuid::Uuid = uuid::uuid!("ead4c236-bf58-58c6-a2c6-a6b28d128cb6");

/// Public URL of the feed.
pub fn feed_url(base_url: &str) -> String {
    format!("{}/feed.xml", base_url.trim_end_matches('/'))
}

/// `podcast:guid`: UUIDv5 of the feed URL without scheme and trailing slashes.
pub fn podcast_guid(feed_url: &str) -> uuid::Uuid {
    let bare = feed_url
        .split_once("://")
        .map_or(feed_url, |(_, rest)| rest)
        .trim_end_matches('/');
    uuid::Uuid::new_v5(&PODCAST_GUID_NAMESPACE, bare.as_bytes())
}

/// The stable guid of an episode of a show.
pub fn episode_guid(show_guid: &uuid::Uuid, episode_id: &str) -> String {
    uuid::Uuid::new_v5(show_guid, episode_id.as_bytes()).to_string()
}

/// The feed XML for a show and its episodes (newest first), with links under `base_url`.
pub fn feed_xml(show: &Show, base_url: &str, cover_file: &str, episodes: &[Manifest]) -> String {
    let feed_url = feed_url(base_url);
    let mut channel = Channel {
        title: show.title.clone(),
        link: show.link.clone().unwrap_or_else(|| base_url.to_string()),
        description: show.description.clone(),
        language: Some(show.language.clone()),
        generator: Some(format!("Audition {}", env!("CARGO_PKG_VERSION"))),
        last_build_date: episodes.first().map(|e| rfc2822(&e.date)),
        items: episodes.iter().map(|e| item(e, base_url)).collect(),
        ..Default::default()
    };
    channel.set_itunes_ext(ITunesChannelExtension {
        author: Some(show.author.clone()),
        owner: Some(ITunesOwner {
            name: Some(show.owner_name.clone()),
            email: Some(show.owner_email.clone()),
        }),
        image: Some(format!("{base_url}/{cover_file}")),
        categories: vec![ITunesCategory {
            text: show.category.clone(),
            subcategory: show.subcategory.clone().map(|text| {
                Box::new(ITunesCategory {
                    text,
                    subcategory: None,
                })
            }),
        }],
        explicit: Some(show.explicit.to_string()),
        summary: Some(show.description.clone()),
        r#type: Some("episodic".to_string()),
        ..Default::default()
    });
    channel.set_atom_ext(rss::extension::atom::AtomExtension {
        links: std::iter::once(rss::extension::atom::Link {
            href: feed_url.clone(),
            rel: "self".to_string(),
            mime_type: Some("application/rss+xml".to_string()),
            ..Default::default()
        })
        // WebSub: the hubs subscribers may register with.
        .chain(
            show.push
                .websub
                .iter()
                .map(|hub| rss::extension::atom::Link {
                    href: hub.clone(),
                    rel: "hub".to_string(),
                    ..Default::default()
                }),
        )
        .collect(),
    });
    channel.set_image(rss::Image {
        url: format!("{base_url}/{cover_file}"),
        title: show.title.clone(),
        link: channel.link.clone(),
        ..Default::default()
    });
    channel
        .namespaces
        .insert("podcast".to_string(), PODCAST_NS.to_string());
    // The show's identity follows its own URL, not where this copy is served from.
    let guid = podcast_guid(&self::feed_url(&show.base_url));
    let locked = if show.locked { "yes" } else { "no" };
    channel.set_extensions(podcast_extensions(vec![
        tag("guid", Some(guid.to_string()), &[]),
        tag(
            "locked",
            Some(locked.to_string()),
            &[("owner", &show.owner_email)],
        ),
    ]));
    channel.to_string()
}

fn item(episode: &Manifest, base_url: &str) -> Item {
    let url = |file: &str| format!("{base_url}/{file}");
    let mut item = Item {
        title: Some(episode.title.clone()),
        description: Some(episode.description.clone()),
        pub_date: Some(rfc2822(&episode.date)),
        guid: Some(Guid {
            value: episode.guid.clone(),
            permalink: false,
        }),
        content: (!episode.show_notes.is_empty()).then(|| episode.show_notes.clone()),
        enclosure: Some(Enclosure {
            url: enclosure_url(&url(&episode.audio_file), episode),
            length: episode.audio_bytes.to_string(),
            mime_type: "audio/mpeg".to_string(),
        }),
        ..Default::default()
    };
    item.set_itunes_ext(ITunesItemExtension {
        duration: Some(((episode.duration_ms + 500) / 1000).to_string()),
        episode_type: Some("full".to_string()),
        explicit: Some("false".to_string()),
        summary: Some(episode.description.clone()),
        ..Default::default()
    });
    item.set_extensions(podcast_extensions(
        vec![
            tag(
                "chapters",
                None,
                &[
                    ("url", &url(&episode.chapters_file)),
                    ("type", "application/json+chapters"),
                ],
            ),
            tag(
                "transcript",
                None,
                &[
                    ("url", &url(&episode.transcript_file)),
                    ("type", "text/vtt"),
                    ("language", &episode.language),
                ],
            ),
        ]
        .into_iter()
        .chain(episode.srt_file.as_ref().map(|srt| {
            tag(
                "transcript",
                None,
                &[
                    ("url", &url(srt)),
                    ("type", "application/x-subrip"),
                    ("language", &episode.language),
                ],
            )
        }))
        .chain(
            episode
                .narrator
                .iter()
                .filter(|_| episode.cast.is_empty())
                .map(|name| {
                    tag(
                        "person",
                        Some(name.clone()),
                        &[("group", "cast"), ("role", "narrator")],
                    )
                }),
        )
        .chain(episode.cast.iter().map(|credit| {
            tag(
                "person",
                Some(credit.name.clone()),
                &[("group", "cast"), ("role", &credit.role)],
            )
        }))
        .collect(),
    ));
    item
}

fn tag(name: &str, value: Option<String>, attrs: &[(&str, &str)]) -> Extension {
    Extension {
        name: format!("podcast:{name}"),
        value,
        attrs: attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        children: BTreeMap::new(),
    }
}

fn podcast_extensions(tags: Vec<Extension>) -> ExtensionMap {
    let mut by_name: BTreeMap<String, Vec<Extension>> = BTreeMap::new();
    for t in tags {
        let local = t.name.trim_start_matches("podcast:").to_string();
        by_name.entry(local).or_default().push(t);
    }
    let mut map = ExtensionMap::new();
    map.insert("podcast".to_string(), by_name);
    map
}

/// RFC 2822 date of an issue, published at 06:00 UTC.
pub fn rfc2822(date: &str) -> String {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map(|d| d.format("%a, %d %b %Y 06:00:00 +0000").to_string())
        .unwrap_or_else(|_| date.to_string())
}

/// The enclosure's URL: audio is published under a name that changes with it; older
/// manifests kept one name and a `?v=` that changed instead.
pub(crate) fn enclosure_url(url: &str, episode: &Manifest) -> String {
    if episode.audio_file.contains(&episode.audio_version) {
        url.to_string()
    } else {
        format!("{url}?v={}", episode.audio_version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podcast_guid_follows_the_namespace_rule() {
        // Example from the Podcasting 2.0 specification.
        assert_eq!(
            podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml").to_string(),
            "917393e3-1b1e-5cef-ace4-edaa54e1f810"
        );
    }

    #[test]
    fn dates_are_rfc2822() {
        assert_eq!(rfc2822("2025-02-24"), "Mon, 24 Feb 2025 06:00:00 +0000");
    }
}
