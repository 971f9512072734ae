//! HTML web pages and HTML e-mails (table layouts, hidden preheaders, inline styles), read
//! with `scraper` (html5ever). Only visible text is read: scripts, styles, navigation,
//! forms, images (and so tracking pixels), figure captions and anything hidden by CSS or
//! attributes are skipped; table cells and divs without block children become paragraphs.

use scraper::{ElementRef, Html, Node, Selector};

use super::document::{DocBlock, Document};

/// Parses an HTML page or e-mail body.
pub fn parse(html: &str) -> Document {
    let page = Html::parse_document(html);
    let mut document = Document {
        title: meta(&page, "meta[property='og:title']").or_else(|| text_of_first(&page, "title")),
        date: meta(&page, "meta[property='article:published_time']")
            .or_else(|| attr_of_first(&page, "time[datetime]", "datetime"))
            .and_then(|d| super::parse_iso_date(&d)),
        blocks: Vec::new(),
    };
    let body = Selector::parse("body").expect("static selector");
    let root = page
        .select(&body)
        .next()
        .unwrap_or_else(|| page.root_element());
    walk(root, &mut document.blocks);
    document
}

fn meta(page: &Html, selector: &str) -> Option<String> {
    attr_of_first(page, selector, "content")
}

fn attr_of_first(page: &Html, selector: &str, attr: &str) -> Option<String> {
    let selector = Selector::parse(selector).ok()?;
    page.select(&selector)
        .next()?
        .value()
        .attr(attr)
        .map(str::to_string)
}

fn text_of_first(page: &Html, selector: &str) -> Option<String> {
    let selector = Selector::parse(selector).ok()?;
    page.select(&selector).next().map(|e| inline_text(e))
}

const SKIPPED: &[&str] = &[
    "script",
    "style",
    "noscript",
    "head",
    "nav",
    "form",
    "svg",
    "img",
    "picture",
    "video",
    "audio",
    "iframe",
    "button",
    "select",
    "textarea",
    "template",
    "figcaption",
    "figure",
    "canvas",
    "map",
    "object",
    "embed",
    "input",
];

const BLOCKS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "td",
    "th",
    "blockquote",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "aside",
    "center",
    "dl",
    "dt",
    "dd",
    "pre",
    "hr",
    "body",
    "html",
    "address",
];

/// Whether an element and everything in it is not read.
fn skipped(element: &ElementRef) -> bool {
    let value = element.value();
    if SKIPPED.contains(&value.name())
        || value.attr("hidden").is_some()
        || value.attr("aria-hidden") == Some("true")
    {
        return true;
    }
    let style = value
        .attr("style")
        .unwrap_or_default()
        .to_lowercase()
        .replace(' ', "");
    let hidden_style = [
        "display:none",
        "visibility:hidden",
        "mso-hide:all",
        "max-height:0",
        "font-size:0",
        "opacity:0",
    ]
    .iter()
    .any(|s| style.contains(s));
    let names = format!(
        "{} {}",
        value.attr("class").unwrap_or_default(),
        value.attr("id").unwrap_or_default()
    )
    .to_lowercase();
    let boilerplate_class = [
        "preheader",
        "preview-text",
        "footer",
        "unsubscribe",
        "social",
        "share",
        "navbar",
        "menu",
        "advert",
        "sponsor",
    ]
    .iter()
    .any(|s| names.contains(s));
    hidden_style || boilerplate_class
}

fn is_block(element: &ElementRef) -> bool {
    BLOCKS.contains(&element.value().name())
}

fn has_block_child(element: ElementRef) -> bool {
    element
        .descendants()
        .skip(1)
        .filter_map(ElementRef::wrap)
        .any(|e| is_block(&e) && !skipped(&e))
}

/// Emits the blocks of `element`.
fn walk(element: ElementRef, out: &mut Vec<DocBlock>) {
    if skipped(&element) {
        return;
    }
    let name = element.value().name();
    match name {
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
            let level = name[1..].parse().unwrap_or(2);
            out.push(DocBlock::Heading {
                level,
                text: inline_text(element),
                link: first_link(element),
            });
        }
        "li" => out.push(DocBlock::ListItem(list_item_text(element))),
        "blockquote" => out.push(DocBlock::Quote(inline_text(element))),
        _ if has_block_child(element) => container(element, out),
        "p" | "td" | "th" | "div" | "dd" | "dt" | "pre" | "center" | "section" | "article"
        | "address" => {
            out.push(leaf_block(element));
        }
        _ => container(element, out),
    }
}

/// Walks a container: runs of inline content between block children become paragraphs.
fn container(element: ElementRef, out: &mut Vec<DocBlock>) {
    let mut inline = String::new();
    for child in element.children() {
        match child.value() {
            Node::Text(text) => inline.push_str(text),
            Node::Element(_) => {
                let Some(child) = ElementRef::wrap(child) else {
                    continue;
                };
                if skipped(&child) {
                    continue;
                }
                if is_block(&child) {
                    flush(&mut inline, out);
                    walk(child, out);
                } else if child.value().name() == "br" {
                    inline.push(' ');
                } else {
                    inline.push_str(&inline_text(child));
                }
            }
            _ => {}
        }
    }
    flush(&mut inline, out);
}

fn flush(inline: &mut String, out: &mut Vec<DocBlock>) {
    if inline.chars().any(char::is_alphanumeric) {
        out.push(DocBlock::Paragraph(std::mem::take(inline)));
    }
    inline.clear();
}

/// A paragraph, or a heading when the whole paragraph is short bold text (how e-mail
/// templates write section titles).
fn leaf_block(element: ElementRef) -> DocBlock {
    let text = inline_text(element);
    let bold: String = element
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| matches!(e.value().name(), "strong" | "b"))
        .map(|e| inline_text(e))
        .collect::<Vec<_>>()
        .join(" ");
    let styled_bold = element.value().attr("style").is_some_and(|s| {
        s.replace(' ', "").contains("font-weight:bold")
            || s.replace(' ', "").contains("font-weight:700")
    });
    let all_bold = styled_bold || (!bold.is_empty() && normalise(&bold) == normalise(&text));
    let short = text.chars().count() <= 100 && !text.trim_end().ends_with(['.', '!', '?', '…']);
    if all_bold && short {
        DocBlock::Heading {
            level: 3,
            text,
            link: first_link(element),
        }
    } else {
        DocBlock::Paragraph(text)
    }
}

fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A list item, with a bold lead-in separated by « • ».
fn list_item_text(element: ElementRef) -> String {
    let text = inline_text(element);
    let first_bold = element
        .children()
        .filter_map(ElementRef::wrap)
        .find(|e| !skipped(e))
        .filter(|e| matches!(e.value().name(), "strong" | "b"))
        .map(|e| inline_text(e));
    match first_bold {
        Some(bold)
            if !bold.is_empty()
                && text.trim_start().starts_with(bold.trim())
                && bold.len() < text.len() =>
        {
            format!(
                "{} • {}",
                bold.trim(),
                text.trim_start()[bold.trim().len()..].trim()
            )
        }
        _ => text,
    }
}

/// The visible text of an element, skipping hidden and non-text parts.
/// The first link inside an element (a headline that links to the story's page).
fn first_link(element: ElementRef) -> Option<String> {
    element
        .descendants()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "a")
        .and_then(|a| a.value().attr("href"))
        .map(|href| href.trim().to_string())
}

fn inline_text(element: ElementRef) -> String {
    let mut out = String::new();
    collect_text(element, &mut out);
    normalise(&out)
}

fn collect_text(element: ElementRef, out: &mut String) {
    for child in element.children() {
        match child.value() {
            Node::Text(text) => out.push_str(text),
            Node::Element(e) => {
                if e.name() == "br" {
                    out.push(' ');
                    continue;
                }
                if let Some(child) = ElementRef::wrap(child) {
                    if !skipped(&child) {
                        if is_block(&child) {
                            out.push(' ');
                        }
                        collect_text(child, out);
                        if is_block(&child) {
                            out.push(' ');
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_tables_preheaders_and_pixels_are_read_as_a_person_sees_them() {
        let doc = parse(
            r##"<html><head><title>The Brief</title><style>p{color:red}</style></head><body>
            <div style="display:none;max-height:0">Preview text nobody sees</div>
            <table><tr><td><a href="#">View in browser</a></td></tr>
            <tr><td style="font-size:22px;font-weight:bold"><a href="https://example.com/chips">Chips are back</a></td></tr>
            <tr><td>Nvidia <b>ships</b> a GPU.<br>It is fast.<img src="https://t.example/p.gif" width="1" height="1"></td></tr>
            <tr><td><ul><li><strong>Rain</strong> tomorrow.</li></ul></td></tr></table>
            <script>alert(1)</script></body></html>"##,
        );
        assert_eq!(doc.title.as_deref(), Some("The Brief"));
        assert_eq!(
            doc.blocks,
            vec![
                DocBlock::Paragraph("View in browser".into()),
                DocBlock::Heading {
                    level: 3,
                    text: "Chips are back".into(),
                    link: Some("https://example.com/chips".into()),
                },
                DocBlock::Paragraph("Nvidia ships a GPU. It is fast.".into()),
                DocBlock::ListItem("Rain • tomorrow.".into()),
            ]
        );
    }
}
