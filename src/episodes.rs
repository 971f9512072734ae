//! `audition episodes list | remove | restore`: what a published folder or bucket holds, and
//! taking an episode down or bringing it back.
//!
//! Removing moves an episode's files under `.audition/trash/<id>/` (no server of ours serves a
//! dotted path) in an order that never lets the feed name a missing file: the files are
//! copied to the trash, the manifest leaves `episodes/`, the feed and the pages are rebuilt
//! without the episode (the feed last), and only then do the originals go. Restoring runs the
//! same steps backwards, so the episode comes back with its guid, its audio URL and, the
//! feed being rebuilt from the same manifests, a feed byte for byte as it was.

use std::path::Path;

use crate::build::{publish_feed, Published};
use crate::error::{Error, Result};
use crate::publish::manifest::Manifest;
use crate::publish::site::page_keys;
use crate::show::Show;
use crate::store::Store;

/// An episode a store holds, published or in the trash.
#[derive(Debug, Clone)]
pub struct Held {
    pub manifest: Manifest,
    /// Removed, waiting in the trash.
    pub trashed: bool,
}

const TRASH: &str = ".audition/trash";

fn trashed_key(id: &str, key: &str) -> String {
    format!("{TRASH}/{id}/{key}")
}

/// Every episode of the store, the published ones first (newest first), then the trash.
pub async fn list(out: &Store) -> Result<Vec<Held>> {
    let mut held: Vec<Held> = Manifest::read_all(out)
        .await?
        .into_iter()
        .map(|manifest| Held {
            manifest,
            trashed: false,
        })
        .collect();
    held.extend(trash(out).await?.into_iter().map(|manifest| Held {
        manifest,
        trashed: true,
    }));
    Ok(held)
}

/// The manifests in the trash, newest first.
async fn trash(out: &Store) -> Result<Vec<Manifest>> {
    let mut found = Vec::new();
    for listed in out.list(TRASH).await? {
        let parts: Vec<&str> = listed.key.split('/').collect();
        // .audition/trash/<id>/episodes/<id>.json
        if let [_, _, id, "episodes", name] = parts[..] {
            if *name == format!("{id}.json") {
                found.extend(Manifest::read(out, &listed.key).await?);
            }
        }
    }
    found.sort_by(|a, b| b.date.cmp(&a.date));
    Ok(found)
}

/// Takes episode `id` out of the feed and the site; its files wait in the trash unless
/// `purge`, which deletes them (and any earlier copy in the trash) for good.
pub async fn remove(
    show: &Show,
    base_url: &str,
    out: &Store,
    id: &str,
    purge: bool,
) -> Result<Published> {
    let key = Manifest::key(id);
    let Some(manifest) = Manifest::read(out, &key).await? else {
        return Err(unknown(out, id, "published").await);
    };
    let mut files: Vec<String> = manifest.files().into_iter().map(String::from).collect();
    files.extend(page_keys(id));
    let mut present = Vec::new();
    for file in files {
        if out.size(&file).await?.is_some() {
            present.push(file);
        }
    }
    if !purge {
        for file in &present {
            out.copy(file, &trashed_key(id, file)).await?;
        }
        out.copy(&key, &trashed_key(id, &key)).await?;
    }
    out.delete(&key).await?;
    let published = publish_feed(show, base_url, out).await?;
    for file in &present {
        out.delete(file).await?;
    }
    if purge {
        for listed in out.list(&format!("{TRASH}/{id}")).await? {
            out.delete(&listed.key).await?;
        }
    }
    Ok(published)
}

/// Brings episode `id` back from the trash, as it was.
pub async fn restore(show: &Show, base_url: &str, out: &Store, id: &str) -> Result<Published> {
    let key = Manifest::key(id);
    if out.size(&key).await?.is_some() {
        return Err(Error::input(
            Path::new(out.location()),
            format!("episode {id} is published already"),
        ));
    }
    let Some(manifest) = Manifest::read(out, &trashed_key(id, &key)).await? else {
        return Err(unknown(out, id, "in the trash").await);
    };
    let mut files: Vec<String> = manifest.files().into_iter().map(String::from).collect();
    files.extend(page_keys(id));
    let mut restored = Vec::new();
    for file in files {
        let kept = trashed_key(id, &file);
        if out.size(&kept).await?.is_some() {
            out.copy(&kept, &file).await?;
            restored.push(kept);
        }
    }
    // The manifest last: until it is back, no feed names the episode.
    out.copy(&trashed_key(id, &key), &key).await?;
    let published = publish_feed(show, base_url, out).await?;
    for kept in restored {
        out.delete(&kept).await?;
    }
    out.delete(&trashed_key(id, &key)).await?;
    Ok(published)
}

/// "No episode <id> <where>", with the ids there are.
async fn unknown(out: &Store, id: &str, place: &str) -> Error {
    let known: Vec<String> = match list(out).await {
        Ok(held) => held
            .iter()
            .filter(|h| h.trashed == (place != "published"))
            .map(|h| h.manifest.id.clone())
            .collect(),
        Err(e) => return e,
    };
    let hint = if known.is_empty() {
        "there is none".to_string()
    } else {
        format!("there are {}", known.join(", "))
    };
    Error::input(
        Path::new(out.location()),
        format!("no episode {id:?} {place} ({hint})"),
    )
}

/// The clips the published episodes of `stores` are made of, and the ids of episodes whose
/// manifests predate the clip list (nothing says which clips they need).
pub async fn published_clips(
    stores: &[Store],
) -> Result<(std::collections::HashSet<String>, Vec<String>)> {
    let mut clips = std::collections::HashSet::new();
    let mut unknown = Vec::new();
    for store in stores {
        for manifest in Manifest::read_all(store).await? {
            if manifest.clips.is_empty() {
                unknown.push(format!("{} ({})", manifest.id, store.location()));
            }
            clips.extend(manifest.clips);
        }
    }
    Ok((clips, unknown))
}
