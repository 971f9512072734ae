//! The words of the show's pages, in French and in English (any other language gets the
//! English ones), and the way each language writes dates, durations and sizes.

/// Every text a page shows or tells assistive technology.
pub struct Words {
    pub episodes: &'static str,
    pub no_episode: &'static str,
    pub subscribe: &'static str,
    pub copy_feed: &'static str,
    pub copied: &'static str,
    pub player: &'static str,
    pub play: &'static str,
    pub pause: &'static str,
    pub back: &'static str,
    pub forward: &'static str,
    pub speed: &'static str,
    pub keys: &'static str,
    pub chapters: &'static str,
    pub transcript: &'static str,
    pub read: &'static str,
    pub download: &'static str,
    /// The decimal separator.
    pub decimal: &'static str,
    months: [&'static str; 12],
    french: bool,
}

const FRENCH: Words = Words {
    episodes: "Épisodes",
    no_episode: "Pas encore d'épisode.",
    subscribe: "S'abonner",
    copy_feed: "Copier l'adresse du flux",
    copied: "Adresse copiée",
    player: "Lecteur",
    play: "Lecture",
    pause: "Pause",
    back: "Reculer 15 s",
    forward: "Avancer 30 s",
    speed: "Vitesse",
    keys: "Clavier : espace lecture ou pause, ← reculer, → avancer, < et > vitesse.",
    chapters: "Chapitres",
    transcript: "Transcription",
    read: "lire l'article",
    download: "Télécharger l'épisode",
    decimal: ",",
    months: crate::script::normalize::fr::MONTHS,
    french: true,
};

const ENGLISH: Words = Words {
    episodes: "Episodes",
    no_episode: "No episode yet.",
    subscribe: "Subscribe",
    copy_feed: "Copy the feed address",
    copied: "Address copied",
    player: "Player",
    play: "Play",
    pause: "Pause",
    back: "Back 15 s",
    forward: "Forward 30 s",
    speed: "Speed",
    keys: "Keyboard: space play or pause, ← back, → forward, < and > speed.",
    chapters: "Chapters",
    transcript: "Transcript",
    read: "read the story",
    download: "Download the episode",
    decimal: ".",
    months: crate::script::normalize::en::MONTHS,
    french: false,
};

impl Words {
    /// The words for a primary language subtag (`fr`, `en`).
    pub fn for_language(lang: &str) -> &'static Words {
        if lang.eq_ignore_ascii_case("fr") {
            &FRENCH
        } else {
            &ENGLISH
        }
    }

    /// `2 novembre 2026` or `November 2, 2026` for `2026-11-02`.
    pub fn date(&self, iso: &str) -> String {
        let parts: Vec<u32> = iso.split('-').filter_map(|p| p.parse().ok()).collect();
        let [year, month, day] = parts[..] else {
            return iso.to_string();
        };
        let Some(name) = self.months.get(month.wrapping_sub(1) as usize) else {
            return iso.to_string();
        };
        if self.french {
            let day = if day == 1 {
                "1er".to_string()
            } else {
                day.to_string()
            };
            format!("{day} {name} {year}")
        } else {
            format!("{name} {day}, {year}")
        }
    }

    /// `11 min`, or `1 h 05 min`.
    pub fn duration(&self, ms: u64) -> String {
        let minutes = (ms + 30_000) / 60_000;
        if minutes >= 60 {
            format!("{} h {:02} min", minutes / 60, minutes % 60)
        } else {
            format!("{} min", minutes.max(1))
        }
    }

    /// `10,2 Mo` or `10.2 MB`.
    pub fn megabytes(&self, bytes: u64) -> String {
        let tenths = (bytes + 50_000) / 100_000;
        let unit = if self.french { "Mo" } else { "MB" };
        format!("{}{}{} {unit}", tenths / 10, self.decimal, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_durations_and_sizes_in_each_language() {
        let fr = Words::for_language("fr");
        let en = Words::for_language("en");
        assert_eq!(fr.date("2026-11-02"), "2 novembre 2026");
        assert_eq!(fr.date("2026-12-01"), "1er décembre 2026");
        assert_eq!(en.date("2026-11-02"), "November 2, 2026");
        assert_eq!(en.date("not a date"), "not a date");
        assert_eq!(fr.duration(218_000), "4 min");
        assert_eq!(en.duration(3_900_000), "1 h 05 min");
        assert_eq!(fr.megabytes(10_240_000), "10,2 Mo");
        assert_eq!(en.megabytes(10_240_000), "10.2 MB");
    }
}
