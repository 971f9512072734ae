//! Flattens hostile nesting and attribute lists in HTML before html5ever sees them.
//!
//! The HTML tree builder checks the stack of open elements on many start tags (« is there a
//! `p` in button scope? »), and the tokenizer compares each attribute with those before it,
//! so a page nested 200,000 elements deep, or a tag with 200,000 attributes, costs quadratic
//! time. Real pages and e-mails nest a few dozen levels and carry a handful of attributes.
//! This pass scans the tags once; it drops the start and end tags nested deeper than
//! [`MAX_NESTING`], keeping their text, and the attributes of a tag past
//! [`MAX_ATTRIBUTES`]: the issue is still read, in linear time.
//!
//! The scan knows what changes depth in HTML: void elements (`br`, `img`…), elements whose
//! end tag is optional (`p`, `li`, `td`… close one another), comments and declarations, and
//! raw-text elements (`script`, `style`…) whose content holds no tags.

/// Deepest nesting passed to the HTML parser as it is.
pub const MAX_NESTING: usize = 512;
/// Most attributes kept on one tag.
pub const MAX_ATTRIBUTES: usize = 256;

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param", "keygen", "frame", "basefont", "bgsound",
];

/// Elements a later sibling closes implicitly: they do not deepen real documents.
const OPTIONAL_END: &[&str] = &[
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "tbody", "thead", "tfoot",
    "colgroup", "caption", "rb", "rt", "rp", "rtc", "html", "head", "body",
];

const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
];

/// A tag found by the scan.
enum Tag {
    /// `trim_at`: where attributes past [`MAX_ATTRIBUTES`] begin, if there are that many.
    Start {
        name: String,
        end: usize,
        trim_at: Option<usize>,
    },
    End {
        end: usize,
    },
    /// A comment, declaration or stray `<`: passed through.
    Other {
        end: usize,
    },
}

/// `html` with the tags beyond [`MAX_NESTING`] and the attributes beyond [`MAX_ATTRIBUTES`]
/// removed; `None` when there are none (the common case: one scan, no copy).
pub fn flatten(html: &str) -> Option<String> {
    let mut depth = 0usize;
    // Byte ranges to replace, in order, and what replaces them.
    let mut cuts: Vec<(usize, usize, &str)> = Vec::new();
    let mut at = 0;
    while let Some(offset) = html[at..].find('<') {
        let start = at + offset;
        match scan_tag(html, start) {
            Tag::Start { name, end, trim_at } => {
                at = end;
                if let Some(trim_at) = trim_at {
                    cuts.push((trim_at, end, ">"));
                }
                if RAW_TEXT.contains(&name.as_str()) {
                    at = skip_raw_text(html, end, &name);
                    continue;
                }
                if VOID.contains(&name.as_str()) || OPTIONAL_END.contains(&name.as_str()) {
                    continue;
                }
                depth += 1;
                if depth > MAX_NESTING {
                    // The whole tag goes, its attribute trim with it.
                    if cuts.last().is_some_and(|&(from, _, _)| from >= start) {
                        cuts.pop();
                    }
                    cuts.push((start, end, ""));
                }
            }
            Tag::End { end } => {
                at = end;
                if depth > MAX_NESTING {
                    cuts.push((start, end, ""));
                }
                depth = depth.saturating_sub(1);
            }
            Tag::Other { end } => at = end,
        }
    }
    if cuts.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(html.len());
    let mut kept = 0;
    for (start, end, replacement) in cuts {
        out.push_str(&html[kept..start]);
        out.push_str(replacement);
        kept = end;
    }
    out.push_str(&html[kept..]);
    Some(out)
}

/// The tag opening at `start` (a `<`), and where it ends.
fn scan_tag(html: &str, start: usize) -> Tag {
    let rest = &html[start..];
    let bytes = rest.as_bytes();
    if let Some(comment) = rest.strip_prefix("<!--") {
        let end = comment
            .find("-->")
            .map_or(html.len(), |i| start + 4 + i + 3);
        return Tag::Other { end };
    }
    match bytes.get(1) {
        Some(b'!') | Some(b'?') => {
            let end = rest.find('>').map_or(html.len(), |i| start + i + 1);
            Tag::Other { end }
        }
        Some(b'/') if bytes.get(2).is_some_and(u8::is_ascii_alphabetic) => {
            let end = rest.find('>').map_or(html.len(), |i| start + i + 1);
            Tag::End { end }
        }
        Some(c) if c.is_ascii_alphabetic() => {
            let name_len = rest[1..]
                .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
                .unwrap_or(rest.len() - 1);
            let name = rest[1..1 + name_len].to_ascii_lowercase();
            let attributes = start + 1 + name_len;
            let (length, trim_at) = scan_attributes(&html[attributes..]);
            Tag::Start {
                name,
                end: attributes + length,
                trim_at: trim_at.map(|t| attributes + t),
            }
        }
        _ => Tag::Other { end: start + 1 },
    }
}

/// The length of a start tag's attributes up to and including its `>`, skipping quoted
/// values (which may hold `>`), and where the attribute past [`MAX_ATTRIBUTES`] begins.
fn scan_attributes(rest: &str) -> (usize, Option<usize>) {
    let mut quote: Option<u8> = None;
    let mut after_space = true;
    let mut count = 0;
    let mut trim_at = None;
    for (i, &b) in rest.as_bytes().iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => return (i + 1, trim_at),
            (None, b) if b.is_ascii_whitespace() || b == b'/' => after_space = true,
            (None, b'=') => after_space = false,
            (None, _) => {
                if after_space {
                    count += 1;
                    if count == MAX_ATTRIBUTES + 1 {
                        trim_at = Some(i);
                    }
                }
                after_space = false;
            }
        }
    }
    (rest.len(), trim_at)
}

/// Where the content of a raw-text element `name` ends (at its end tag, matched without
/// regard to case).
fn skip_raw_text(html: &str, from: usize, name: &str) -> usize {
    let mut at = from;
    while let Some(i) = html[at..].find("</") {
        let tag = at + i;
        let candidate = html.as_bytes().get(tag + 2..tag + 2 + name.len());
        if candidate.is_some_and(|c| c.eq_ignore_ascii_case(name.as_bytes())) {
            return tag;
        }
        at = tag + 2;
    }
    html.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_pages_are_left_alone() {
        let page = r#"<html><body><p>One<p>Two<br><img src="a>b.png"><ul><li>x<li>y</ul>
            <script>if (a < b) { document.write("<div>"); }</script><!-- <div> --></body></html>"#;
        assert_eq!(flatten(page), None);
    }

    #[test]
    fn nesting_past_the_limit_is_flattened_and_its_text_kept() {
        let n = MAX_NESTING * 3;
        let page = format!(
            "{}<b>deep</b> text{}",
            "<div>".repeat(n),
            "</div>".repeat(n)
        );
        let flat = flatten(&page).unwrap();
        assert_eq!(flat.matches("<div>").count(), MAX_NESTING);
        assert_eq!(flat.matches("</div>").count(), MAX_NESTING);
        assert!(flat.contains("deep text"));
        assert!(!flat.contains("<b>"));
    }

    #[test]
    fn attributes_past_the_limit_are_dropped() {
        let attributes: Vec<String> = (0..MAX_ATTRIBUTES * 4)
            .map(|i| format!("a{i}=\"{i}\""))
            .collect();
        let page = format!("<p style=\"color:red\" {}>Text</p>", attributes.join(" "));
        let flat = flatten(&page).unwrap();
        assert_eq!(flat.matches('=').count(), MAX_ATTRIBUTES);
        assert!(flat.starts_with("<p style=\"color:red\" a0=\"0\"") && flat.ends_with(">Text</p>"));
    }
}
