//! HTML web pages and HTML e-mails (table layouts, hidden preheaders, inline styles), read
//! with `scraper` (html5ever). Only visible text is read: scripts, styles, navigation,
//! forms, images (and so tracking pixels), figure captions and anything hidden by CSS or
//! attributes are skipped; table cells and divs without block children become paragraphs.

use std::collections::HashSet;

use ego_tree::iter::Edge;
use ego_tree::NodeId;
use scraper::{ElementRef, Html, Node, Selector};

use super::document::{DocBlock, Document};

/// Parses an HTML page or e-mail body.
pub fn parse(html: &str) -> Document {
    let flattened = super::nesting::flatten(html);
    let page = Html::parse_document(flattened.as_deref().unwrap_or(html));
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
    Walker::new(root).walk(root, &mut document.blocks, 0);
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
    "footer",
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
    let boilerplate_region = super::boilerplate::is_region(
        value.attr("class").unwrap_or_default(),
        value.attr("id").unwrap_or_default(),
    );
    hidden_style || boilerplate_region
}

fn is_block(element: &ElementRef) -> bool {
    BLOCKS.contains(&element.value().name())
}

/// Deeper than this, an element's content is read as one paragraph of its text: real
/// e-mail layouts nest tables a few dozen levels, and the walk must not follow hostile
/// nesting down the stack.
const MAX_DEPTH: usize = 128;

/// Walks a page into blocks, knowing in advance which elements hold a visible block
/// (computed once, so the walk stays linear however deep the page nests).
struct Walker {
    with_block_inside: HashSet<NodeId>,
    /// Whether the last thing seen was an image: a short italic or small line right after
    /// one is its caption or credit, not news.
    after_image: std::cell::Cell<bool>,
}

impl Walker {
    fn new(root: ElementRef) -> Walker {
        let mut with_block_inside = HashSet::new();
        for edge in root.traverse() {
            let Edge::Close(node) = edge else { continue };
            let holds_block = node.children().any(|child| {
                with_block_inside.contains(&child.id())
                    || ElementRef::wrap(child).is_some_and(|e| is_block(&e) && !skipped(&e))
            });
            if holds_block {
                with_block_inside.insert(node.id());
            }
        }
        Walker {
            with_block_inside,
            after_image: std::cell::Cell::new(false),
        }
    }

    fn has_block_child(&self, element: ElementRef) -> bool {
        self.with_block_inside.contains(&element.id())
    }

    /// Emits the blocks of `element`, `depth` levels below the body.
    fn walk(&self, element: ElementRef, out: &mut Vec<DocBlock>, depth: usize) {
        if skipped(&element) {
            return;
        }
        if depth > MAX_DEPTH {
            flush(&mut inline_text(element), out);
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
            _ if self.has_block_child(element) => self.container(element, out, depth),
            "p" | "td" | "th" | "div" | "dd" | "dt" | "pre" | "center" | "section" | "article"
            | "address" => self.leaf(element, out),
            _ => self.container(element, out, depth),
        }
    }

    /// Walks a container: runs of inline content between block children become paragraphs.
    fn container(&self, element: ElementRef, out: &mut Vec<DocBlock>, depth: usize) {
        let mut inline = String::new();
        for child in element.children() {
            match child.value() {
                Node::Text(text) => inline.push_str(text),
                Node::Element(_) => {
                    let Some(child) = ElementRef::wrap(child) else {
                        continue;
                    };
                    if is_image(&child) {
                        self.after_image.set(true);
                    }
                    if skipped(&child) {
                        continue;
                    }
                    if is_block(&child) {
                        flush(&mut inline, out);
                        self.walk(child, out, depth + 1);
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

    /// Emits a block without block children: a paragraph or a heading, unless it is only a
    /// link or a button (« Read online », « Check your rate »), only an image, or the credit
    /// line under an image.
    fn leaf(&self, element: ElementRef, out: &mut Vec<DocBlock>) {
        let runs = text_runs(element);
        let text = normalise(&runs.all);
        let after_image = self.after_image.replace(false);
        if !text.chars().any(char::is_alphanumeric) {
            if element
                .descendants()
                .filter_map(ElementRef::wrap)
                .any(|e| is_image(&e))
            {
                self.after_image.set(true);
            }
            return;
        }
        let words = text.split_whitespace().count();
        let ends_sentence = text.ends_with(['.', '!', '?', '…']);
        let link_only = normalise(&runs.linked) == text && words <= 8 && !ends_sentence;
        let credit = after_image && normalise(&runs.emphasis) == text && words <= 25;
        if credit || (link_only && !is_bold(element, &runs, &text)) {
            return;
        }
        out.push(leaf_block(element, runs, text));
    }
}

/// An image, or what holds one.
fn is_image(element: &ElementRef) -> bool {
    matches!(element.value().name(), "img" | "picture" | "figure" | "svg")
}

fn flush(inline: &mut String, out: &mut Vec<DocBlock>) {
    if inline.chars().any(char::is_alphanumeric) {
        out.push(DocBlock::Paragraph(normalise(inline)));
    }
    inline.clear();
}

/// A paragraph, or a heading when the whole paragraph is short bold text (how e-mail
/// templates write section titles).
fn leaf_block(element: ElementRef, runs: TextRuns, text: String) -> DocBlock {
    let short = text.chars().count() <= 100 && !text.trim_end().ends_with(['.', '!', '?', '…']);
    if is_bold(element, &runs, &text) && short {
        DocBlock::Heading {
            level: 3,
            text,
            link: first_link(element),
        }
    } else {
        DocBlock::Paragraph(text)
    }
}

/// Whether the whole of an element's text is bold (by tag or by style).
fn is_bold(element: ElementRef, runs: &TextRuns, text: &str) -> bool {
    let styled_bold = element.value().attr("style").is_some_and(|s| {
        s.replace(' ', "").contains("font-weight:bold")
            || s.replace(' ', "").contains("font-weight:700")
    });
    let bold = normalise(&runs.bold);
    styled_bold || (!bold.is_empty() && bold == text)
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

/// The first link inside an element (a headline that links to the story's page).
fn first_link(element: ElementRef) -> Option<String> {
    element
        .descendants()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "a")
        .and_then(|a| a.value().attr("href"))
        .map(|href| href.trim().to_string())
}

/// The visible text of an element, skipping hidden and non-text parts.
fn inline_text(element: ElementRef) -> String {
    normalise(&text_runs(element).all)
}

/// The visible text of an element, and the parts of it set in bold, in italics (or small
/// type), and inside links.
#[derive(Default)]
struct TextRuns {
    all: String,
    bold: String,
    emphasis: String,
    linked: String,
}

/// How the text under a node is set.
#[derive(Clone, Copy, Default)]
struct Setting {
    bold: bool,
    emphasis: bool,
    linked: bool,
}

impl Setting {
    fn within(self, element: &scraper::node::Element) -> Setting {
        let small = element.attr("style").is_some_and(|s| {
            let s = s.replace(' ', "");
            [
                "font-size:9px",
                "font-size:10px",
                "font-size:11px",
                "font-size:12px",
            ]
            .iter()
            .any(|size| s.contains(size))
        });
        Setting {
            bold: self.bold || matches!(element.name(), "strong" | "b"),
            emphasis: self.emphasis
                || small
                || matches!(element.name(), "em" | "i" | "small" | "cite"),
            linked: self.linked || element.name() == "a",
        }
    }
}

/// One step of the text walk: a node to read (and how it is set), or the space that
/// closes a block.
enum Step<'a> {
    Read(ego_tree::NodeRef<'a, Node>, Setting),
    Space,
}

/// Collects the visible text under `element` with an explicit stack: hostile nesting costs
/// heap, never the call stack.
fn text_runs(element: ElementRef) -> TextRuns {
    let mut runs = TextRuns::default();
    // The element's own style counts for small type; links and bold are what is inside it.
    let top = Setting {
        emphasis: Setting::default().within(element.value()).emphasis,
        ..Setting::default()
    };
    let mut stack: Vec<Step> = element
        .children()
        .rev()
        .map(|c| Step::Read(c, top))
        .collect();
    while let Some(step) = stack.pop() {
        let (node, setting) = match step {
            Step::Space => {
                runs.all.push(' ');
                continue;
            }
            Step::Read(node, setting) => (node, setting),
        };
        match node.value() {
            Node::Text(text) => {
                runs.all.push_str(text);
                for (set, run) in [
                    (setting.bold, &mut runs.bold),
                    (setting.emphasis, &mut runs.emphasis),
                    (setting.linked, &mut runs.linked),
                ] {
                    if set {
                        run.push_str(text);
                        run.push(' ');
                    }
                }
            }
            Node::Element(e) if e.name() == "br" => runs.all.push(' '),
            Node::Element(e) => {
                let Some(child) = ElementRef::wrap(node).filter(|c| !skipped(c)) else {
                    continue;
                };
                if is_block(&child) {
                    runs.all.push(' ');
                    stack.push(Step::Space);
                }
                let setting = setting.within(e);
                stack.extend(node.children().rev().map(|c| Step::Read(c, setting)));
            }
            _ => {}
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_tables_preheaders_pixels_and_link_only_lines_are_read_as_a_person_sees_them() {
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
