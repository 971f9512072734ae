//! Markdown issues (with optional YAML front matter for title and date), read with
//! `pulldown-cmark`. Raw HTML inside the Markdown is ignored, images are not read.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Deserialize;

use super::document::{DocBlock, Document};

#[derive(Deserialize, Default)]
struct FrontMatter {
    title: Option<String>,
    date: Option<serde_yaml_ng::Value>,
}

/// Parses a Markdown issue.
pub fn parse(text: &str) -> Document {
    let mut document = Document::default();
    let mut heading: Option<u8> = None;
    let mut heading_link: Option<String> = None;
    let mut buffer = String::new();
    let mut in_image = 0usize;
    let mut in_metadata = false;
    let mut quote_depth = 0usize;
    let mut item_depth = 0usize;
    let mut item_starts_bold = false;

    for event in Parser::new_ext(
        text,
        Options::ENABLE_YAML_STYLE_METADATA_BLOCKS | Options::ENABLE_STRIKETHROUGH,
    ) {
        match event {
            Event::Start(Tag::MetadataBlock(_)) => in_metadata = true,
            Event::End(TagEnd::MetadataBlock(_)) => in_metadata = false,
            Event::Text(t) if in_metadata => {
                let front: FrontMatter = serde_yaml_ng::from_str(&t).unwrap_or_default();
                document.title = front.title;
                document.date = front.date.as_ref().and_then(yaml_date);
            }
            Event::Start(Tag::Heading { level, .. }) => {
                buffer.clear();
                heading = Some(heading_level(level));
                heading_link = None;
            }
            Event::Start(Tag::Link { dest_url, .. }) if heading.is_some() => {
                heading_link.get_or_insert_with(|| dest_url.to_string());
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(level) = heading.take() {
                    document.blocks.push(DocBlock::Heading {
                        level,
                        text: std::mem::take(&mut buffer),
                        link: heading_link.take(),
                    });
                }
            }
            Event::Start(Tag::BlockQuote(_)) => {
                quote_depth += 1;
                if quote_depth == 1 {
                    buffer.clear();
                }
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                quote_depth -= 1;
                if quote_depth == 0 {
                    document
                        .blocks
                        .push(DocBlock::Quote(std::mem::take(&mut buffer)));
                }
            }
            Event::Start(Tag::Item) => {
                item_depth += 1;
                if item_depth == 1 && quote_depth == 0 {
                    buffer.clear();
                    item_starts_bold = false;
                }
            }
            Event::End(TagEnd::Item) => {
                item_depth -= 1;
                if item_depth == 0 && quote_depth == 0 {
                    document
                        .blocks
                        .push(DocBlock::ListItem(std::mem::take(&mut buffer)));
                }
            }
            Event::Start(Tag::Paragraph) if item_depth == 0 && quote_depth == 0 => buffer.clear(),
            Event::End(TagEnd::Paragraph) if item_depth == 0 && quote_depth == 0 => {
                document
                    .blocks
                    .push(DocBlock::Paragraph(std::mem::take(&mut buffer)));
            }
            Event::End(TagEnd::Paragraph) => buffer.push(' '),
            Event::Start(Tag::Strong) if item_depth > 0 && buffer.trim().is_empty() => {
                item_starts_bold = true
            }
            Event::End(TagEnd::Strong) if item_starts_bold => {
                item_starts_bold = false;
                buffer.push_str(" • ");
            }
            Event::Start(Tag::Image { .. }) => in_image += 1,
            Event::End(TagEnd::Image) => in_image -= 1,
            Event::Text(t) | Event::Code(t) if in_image == 0 => buffer.push_str(&t),
            Event::SoftBreak | Event::HardBreak => buffer.push(' '),
            _ => {}
        }
    }
    document
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn yaml_date(value: &serde_yaml_ng::Value) -> Option<super::IssueDate> {
    super::parse_iso_date(value.as_str()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_headings_lists_and_quotes_are_read() {
        let doc = parse(
            "---\ntitle: The Weekly\ndate: 2026-03-02\n---\n\n# The Weekly\n\nHello.\n\n## [Chips](https://example.com/chips)\n\nText ![a chart](x.png) here.\n\n## Quick hits\n\n- **Rain** tomorrow.\n- Sun later.\n\n> Less is more. — Mies\n",
        );
        assert_eq!(doc.title.as_deref(), Some("The Weekly"));
        assert_eq!(doc.date.map(|d| d.iso()).as_deref(), Some("2026-03-02"));
        assert_eq!(
            doc.blocks,
            vec![
                DocBlock::Heading {
                    level: 1,
                    text: "The Weekly".into(),
                    link: None,
                },
                DocBlock::Paragraph("Hello.".into()),
                DocBlock::Heading {
                    level: 2,
                    text: "Chips".into(),
                    link: Some("https://example.com/chips".into()),
                },
                DocBlock::Paragraph("Text  here.".into()),
                DocBlock::Heading {
                    level: 2,
                    text: "Quick hits".into(),
                    link: None,
                },
                DocBlock::ListItem("Rain •  tomorrow.".into()),
                DocBlock::ListItem("Sun later.".into()),
                DocBlock::Quote("Less is more. — Mies ".into()),
            ]
        );
    }
}
