//! The cover `audition init` draws: 1400 × 1400 px (Apple Podcasts' minimum), RGB JPEG, the
//! show's title in white on a deep gradient of one hue, with a row of sound-wave bars under it.
//! Text is rasterised with `ab_glyph` from an embedded subset of DejaVu Sans Bold; the JPEG is
//! written by `image`.

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use image::{Rgb, RgbImage};

const FONT: &[u8] = include_bytes!("DejaVuSans-Bold-subset.ttf");
/// Pixels on each side.
pub const SIZE: u32 = 1400;
const MARGIN: f32 = 140.0;

/// The cover's JPEG bytes for `title`; `hue` (0–360) colours it.
pub fn draw(title: &str, hue: f32) -> Result<Vec<u8>, String> {
    let font = FontRef::try_from_slice(FONT).map_err(|e| format!("cover font: {e}"))?;
    let mut image = RgbImage::new(SIZE, SIZE);
    let (top, bottom) = (hsl(hue, 0.55, 0.30), hsl(hue + 25.0, 0.60, 0.14));
    for (_, y, pixel) in image.enumerate_pixels_mut() {
        let t = y as f32 / SIZE as f32;
        *pixel = Rgb([0, 1, 2].map(|i| lerp(top[i], bottom[i], t)));
    }
    let lines = fit(&font, title);
    let scale = PxScale::from(lines.1);
    let scaled = font.as_scaled(scale);
    let line_height = scaled.height() + scaled.line_gap();
    let block = line_height * lines.0.len() as f32;
    let mut baseline = (SIZE as f32 - block) / 2.0 - 60.0 + scaled.ascent();
    for line in &lines.0 {
        let width = line_width(&font, scale, line);
        let x = (SIZE as f32 - width) / 2.0;
        draw_line(&mut image, &font, scale, line, x, baseline);
        baseline += line_height;
    }
    waves(
        &mut image,
        baseline - scaled.ascent() + 70.0,
        hsl(hue + 40.0, 0.75, 0.70),
    );
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
        .encode_image(&image)
        .map_err(|e| format!("cover: {e}"))?;
    Ok(bytes)
}

/// The title broken into lines, and the largest size (px) at which the lines fit.
fn fit(font: &FontRef, title: &str) -> (Vec<String>, f32) {
    let room = SIZE as f32 - 2.0 * MARGIN;
    let mut size = 200.0;
    loop {
        let lines = wrap(font, PxScale::from(size), title, room);
        let tall = lines.len() as f32 * size * 1.2;
        if (tall <= room * 0.8 && lines.len() <= 5) || size <= 48.0 {
            return (lines, size);
        }
        size -= 8.0;
    }
}

/// Greedy word wrap at `room` px.
fn wrap(font: &FontRef, scale: PxScale, text: &str, room: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line_width(font, scale, &format!("{line} {word}")) <= room => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

fn line_width(font: &FontRef, scale: PxScale, text: &str) -> f32 {
    let scaled = font.as_scaled(scale);
    let mut width = 0.0;
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = previous {
            width += scaled.kern(p, id);
        }
        width += scaled.h_advance(id);
        previous = Some(id);
    }
    width
}

/// Draws one line of white text, its left end at `x`, on `baseline`.
fn draw_line(
    image: &mut RgbImage,
    font: &FontRef,
    scale: PxScale,
    text: &str,
    x: f32,
    baseline: f32,
) {
    let scaled = font.as_scaled(scale);
    let mut caret = x;
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = previous {
            caret += scaled.kern(p, id);
        }
        let glyph = id.with_scale_and_position(scale, point(caret, baseline));
        caret += scaled.h_advance(id);
        previous = Some(id);
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let (px, py) = (
                bounds.min.x as i64 + gx as i64,
                bounds.min.y as i64 + gy as i64,
            );
            if (0..SIZE as i64).contains(&px) && (0..SIZE as i64).contains(&py) {
                let pixel = image.get_pixel_mut(px as u32, py as u32);
                *pixel = Rgb(pixel.0.map(|v| lerp(v, 255, coverage.min(1.0))));
            }
        });
    }
}

/// A row of rounded-off bars, like a voice's waveform, centred at `top`.
fn waves(image: &mut RgbImage, top: f32, colour: [u8; 3]) {
    let heights = [40, 90, 150, 70, 120, 180, 100, 60, 140, 80, 40];
    let (bar, gap) = (34u32, 26u32);
    let total = heights.len() as u32 * (bar + gap) - gap;
    let left = (SIZE - total) / 2;
    let middle = (top.max(0.0) as u32 + 100).min(SIZE - 100);
    for (i, height) in heights.iter().enumerate() {
        let x0 = left + i as u32 * (bar + gap);
        let half = height / 2;
        for y in middle.saturating_sub(half)..(middle + half).min(SIZE) {
            for x in x0..(x0 + bar).min(SIZE) {
                image.put_pixel(x, y, Rgb(colour));
            }
        }
    }
}

fn lerp(a: u8, b: u8, t: f32) -> u8 {
    (f32::from(a) + (f32::from(b) - f32::from(a)) * t).round() as u8
}

/// An HSL colour as RGB bytes.
fn hsl(hue: f32, saturation: f32, lightness: f32) -> [u8; 3] {
    let h = hue.rem_euclid(360.0) / 60.0;
    let c = (1.0 - (2.0 * lightness - 1.0).abs()) * saturation;
    let x = c * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = lightness - c / 2.0;
    [r, g, b].map(|v| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8)
}
