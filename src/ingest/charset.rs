//! Bytes to text: UTF-8 with or without BOM, a declared charset, or a legacy encoding
//! (ISO-8859-1, Windows-1252…) detected with `chardetng` and decoded with `encoding_rs`.
//! Bytes that are not text at all are refused.

use encoding_rs::Encoding;

/// Decodes `bytes`, trusting a BOM, then valid UTF-8, then `declared`, then detection.
pub fn decode(bytes: &[u8], declared: Option<&str>) -> Result<String, String> {
    if bytes.contains(&0) && !bytes.starts_with(b"\xFF\xFE") && !bytes.starts_with(b"\xFE\xFF") {
        return Err("this is a binary file, not a text issue".to_string());
    }
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return Ok(text.into_owned());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let encoding = declared
        .and_then(|label| Encoding::for_label(label.trim().as_bytes()))
        .filter(|e| *e != encoding_rs::UTF_8)
        .unwrap_or_else(|| {
            let mut detector =
                chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            detector.feed(bytes, true);
            detector.guess(None, chardetng::Utf8Detection::Deny)
        });
    let (text, _, _) = encoding.decode(bytes);
    let suspicious = text
        .chars()
        .filter(|c| *c == '\u{FFFD}' || (c.is_control() && !c.is_whitespace()))
        .count();
    if suspicious * 100 > text.chars().count().max(1) {
        return Err(format!(
            "the issue is neither UTF-8 nor readable as {}; convert it to UTF-8",
            encoding.name()
        ));
    }
    Ok(text.into_owned())
}

/// The `charset=` of a Content-Type value or of an HTML `<meta>` in the first bytes.
pub fn declared_charset(bytes: &[u8], content_type: Option<&str>) -> Option<String> {
    let from_header = content_type.and_then(charset_param);
    from_header.or_else(|| {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_lowercase();
        let at = head.find("charset=")?;
        let value: String = head[at + 8..]
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        (!value.is_empty()).then_some(value)
    })
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|part| {
        let (key, value) = part.split_once('=')?;
        (key.trim().eq_ignore_ascii_case("charset"))
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_encodings_are_detected_and_decoded() {
        let latin1 = b"La Banque centrale europ\xe9enne a d\xe9cid\xe9 de ne pas toucher \xe0 ses taux cette ann\xe9e, malgr\xe9 la hausse des prix \xe0 la consommation.";
        let text = decode(latin1, None).unwrap();
        assert!(
            text.contains("européenne") && text.contains("décidé") && text.contains("à ses taux"),
            "{text}"
        );
        let cp1252 = b"\x93Bonjour\x94 \x96 l\x92\xe9t\xe9 arrive\x85";
        assert_eq!(
            decode(cp1252, Some("windows-1252")).unwrap(),
            "“Bonjour” – l’été arrive…"
        );
    }

    #[test]
    fn boms_and_utf8_are_trusted() {
        assert_eq!(decode(b"\xEF\xBB\xBFcaf\xc3\xa9", None).unwrap(), "café");
        assert_eq!(decode(b"\xFF\xFEc\0a\0f\0\xe9\0", None).unwrap(), "café");
        assert!(decode(b"\x00\x01\x02binary", None)
            .unwrap_err()
            .contains("binary"));
    }

    #[test]
    fn declared_charsets_are_found() {
        assert_eq!(
            declared_charset(b"", Some("text/html; charset=ISO-8859-1")).as_deref(),
            Some("ISO-8859-1")
        );
        assert_eq!(
            declared_charset(b"<meta charset=\"windows-1252\">", None).as_deref(),
            Some("windows-1252")
        );
    }
}
