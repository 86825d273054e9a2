//! The count of parts due drawn on the tray icon: a red disc with white digits in its top-right
//! corner ("9+" above nine), the plain icon when nothing is due. Some trays show only the icon
//! (Windows has no title; on Linux not every panel shows one), so the count is in its pixels too.
//!
//! Drawn at run time on the icon's own RGBA with a 3×5 pixel font scaled to the icon: a dozen
//! glyphs do not need an image or font crate.

use tauri::image::Image;

/// The badge's disc, as a share of the icon's side: large enough for two digits to be read at
/// a tray's 16–24 px, small enough to leave the wrench visible.
const DISC_SHARE: f32 = 0.625;
const RED: [u8; 3] = [214, 40, 40];
const WHITE: [u8; 4] = [255, 255, 255, 255];

/// Each glyph is 5 rows of 3 pixels, the leftmost pixel in the highest of the 3 bits.
const GLYPH_WIDTH: u32 = 3;
const GLYPH_HEIGHT: u32 = 5;
const DIGITS: [[u8; 5]; 10] = [
    [0b111, 0b101, 0b101, 0b101, 0b111],
    [0b010, 0b110, 0b010, 0b010, 0b111],
    [0b111, 0b001, 0b111, 0b100, 0b111],
    [0b111, 0b001, 0b111, 0b001, 0b111],
    [0b101, 0b101, 0b111, 0b001, 0b001],
    [0b111, 0b100, 0b111, 0b001, 0b111],
    [0b111, 0b100, 0b111, 0b101, 0b111],
    [0b111, 0b001, 0b001, 0b010, 0b010],
    [0b111, 0b101, 0b111, 0b101, 0b111],
    [0b111, 0b101, 0b111, 0b001, 0b111],
];
const PLUS: [u8; 5] = [0b000, 0b010, 0b111, 0b010, 0b000];

/// The tray icon for `due` parts: `plain` with the badge on it, or `plain` itself for none.
pub fn badged(plain: &Image<'_>, due: usize) -> Image<'static> {
    let (width, height) = (plain.width(), plain.height());
    let mut rgba = plain.rgba().to_vec();
    draw(&mut rgba, width, height, due);
    Image::new_owned(rgba, width, height)
}

/// What the badge says: the count up to nine, "9+" above.
fn glyphs(due: usize) -> Vec<[u8; 5]> {
    match due {
        0..=9 => vec![DIGITS[due]],
        _ => vec![DIGITS[9], PLUS],
    }
}

/// Draws the badge for `due` onto `rgba` (`width` × `height`, 4 bytes a pixel, not
/// premultiplied). Nothing is drawn for 0, nor on pixels that do not match the size given.
fn draw(rgba: &mut [u8], width: u32, height: u32, due: usize) {
    let side = width.min(height);
    if due == 0 || side == 0 || rgba.len() as u64 != u64::from(width) * u64::from(height) * 4 {
        return;
    }
    let diameter = (side as f32 * DISC_SHARE).round().max(1.0);
    let radius = diameter / 2.0;
    let (cx, cy) = (width as f32 - radius, radius);
    disc(rgba, width, (cx, cy), radius);

    // Glyphs one pixel apart, scaled by a whole number so they stay sharp, and as large as fits
    // well inside the disc.
    let glyphs = glyphs(due);
    let count = glyphs.len() as u32;
    let units_wide = count * GLYPH_WIDTH + (count - 1);
    let by_width = (diameter * 0.8 / units_wide as f32).floor();
    let by_height = (diameter * 0.55 / GLYPH_HEIGHT as f32).floor();
    let scale = by_width.min(by_height).max(1.0) as u32;
    let left = (cx - (units_wide * scale) as f32 / 2.0).round().max(0.0) as u32;
    let top = (cy - (GLYPH_HEIGHT * scale) as f32 / 2.0).round().max(0.0) as u32;
    for (i, rows) in glyphs.iter().enumerate() {
        let glyph_left = left + i as u32 * (GLYPH_WIDTH + 1) * scale;
        for (row, bits) in rows.iter().enumerate() {
            for col in 0..GLYPH_WIDTH {
                if bits & (0b100 >> col) == 0 {
                    continue;
                }
                let x0 = glyph_left + col * scale;
                let y0 = top + row as u32 * scale;
                for y in y0..(y0 + scale).min(height) {
                    for x in x0..(x0 + scale).min(width) {
                        let at = ((y * width + x) * 4) as usize;
                        rgba[at..at + 4].copy_from_slice(&WHITE);
                    }
                }
            }
        }
    }
}

/// A red disc laid over the icon, its edge smoothed by how much of each pixel it covers.
fn disc(rgba: &mut [u8], width: u32, (cx, cy): (f32, f32), radius: f32) {
    let height = rgba.len() as u32 / 4 / width;
    let x_from = (cx - radius).floor().max(0.0) as u32;
    let y_to = ((cy + radius).ceil() as u32).min(height);
    for y in 0..y_to {
        for x in x_from..width {
            let dx = x as f32 + 0.5 - cx;
            let dy = y as f32 + 0.5 - cy;
            let cover = (radius + 0.5 - (dx * dx + dy * dy).sqrt()).clamp(0.0, 1.0);
            if cover > 0.0 {
                let at = ((y * width + x) * 4) as usize;
                over(&mut rgba[at..at + 4], RED, cover);
            }
        }
    }
}

/// `colour` at opacity `alpha` laid over one pixel (the "source over" rule).
fn over(pixel: &mut [u8], colour: [u8; 3], alpha: f32) {
    let below = f32::from(pixel[3]) / 255.0;
    let out = alpha + below * (1.0 - alpha);
    if out <= 0.0 {
        return;
    }
    for (channel, source) in pixel.iter_mut().take(3).zip(colour) {
        let mixed = (f32::from(source) * alpha + f32::from(*channel) * below * (1.0 - alpha)) / out;
        *channel = mixed.round() as u8;
    }
    pixel[3] = (out * 255.0).round() as u8;
}

#[cfg(test)]
mod tests {
    use super::*;

    const GREEN: [u8; 4] = [20, 110, 90, 255];

    fn icon(side: u32) -> Image<'static> {
        Image::new_owned(GREEN.repeat((side * side) as usize), side, side)
    }

    fn pixel(image: &Image<'_>, x: u32, y: u32) -> [u8; 4] {
        let at = ((y * image.width() + x) * 4) as usize;
        let mut p = [0; 4];
        p.copy_from_slice(&image.rgba()[at..at + 4]);
        p
    }

    /// Where the image is white: the badge's digits.
    fn white(image: &Image<'_>) -> Vec<(u32, u32)> {
        let mut at = Vec::new();
        for y in 0..image.height() {
            for x in 0..image.width() {
                if pixel(image, x, y) == WHITE {
                    at.push((x, y));
                }
            }
        }
        at
    }

    fn is_red(p: [u8; 4]) -> bool {
        p[..3] == RED && p[3] == 255
    }

    #[test]
    fn nothing_due_leaves_the_icon_as_it_is() {
        let plain = icon(32);
        let drawn = badged(&plain, 0);
        assert_eq!(drawn.rgba(), plain.rgba());
        assert_eq!((drawn.width(), drawn.height()), (32, 32));
    }

    #[test]
    fn one_part_due_puts_a_red_disc_with_a_white_one_in_the_top_right_corner() {
        let drawn = badged(&icon(32), 1);
        // The disc (20 px across) fills the corner around the digit, and leaves the rest.
        assert!(is_red(pixel(&drawn, 13, 10)), "left of the digit");
        assert!(is_red(pixel(&drawn, 22, 2)), "above the digit");
        assert_eq!(pixel(&drawn, 2, 30), GREEN, "bottom left");
        assert_eq!(pixel(&drawn, 8, 10), GREEN, "left of the disc");
        assert_eq!(pixel(&drawn, 22, 24), GREEN, "below the disc");
        // A "1" three units wide, five high, at twice the font's size: its base is 6 px wide,
        // its stem 2.
        let digit = white(&drawn);
        let xs = digit.iter().map(|p| p.0);
        let ys = digit.iter().map(|p| p.1);
        let (x0, x1) = (xs.clone().min().unwrap_or(0), xs.max().unwrap_or(0));
        let (y0, y1) = (ys.clone().min().unwrap_or(0), ys.max().unwrap_or(0));
        assert_eq!((x1 - x0 + 1, y1 - y0 + 1), (6, 10), "white at {digit:?}");
        assert!(digit.iter().all(|&(x, y)| x >= 16 && y < 20), "{digit:?}");
        // The top row is the stem only (the font's middle column); the base is full.
        assert!(!digit.contains(&(x0, y0)));
        assert!(digit.contains(&(x0 + 2, y0)) && digit.contains(&(x0 + 3, y0)));
        assert!((x0..=x1).all(|x| digit.contains(&(x, y1))));
        // The disc's edge is smoothed, not stepped.
        let red_alpha = (0..32).map(|x| pixel(&drawn, x, 10)).collect::<Vec<_>>();
        assert!(red_alpha
            .iter()
            .any(|p| !is_red(*p) && *p != GREEN && *p != WHITE));
    }

    #[test]
    fn twelve_parts_due_read_nine_plus() {
        let twelve = badged(&icon(32), 12);
        assert_eq!(
            twelve.rgba(),
            badged(&icon(32), 10).rgba(),
            "every count above nine"
        );
        assert_ne!(twelve.rgba(), badged(&icon(32), 9).rgba());
        let text = white(&twelve);
        let xs = text.iter().map(|p| p.0);
        let (x0, x1) = (xs.clone().min().unwrap_or(0), xs.max().unwrap_or(0));
        // Two glyphs of 3 units and a unit between them, at 2 px a unit.
        assert_eq!(x1 - x0 + 1, 14, "white at {text:?}");
        // The gap between "9" and "+" is empty; the "+"'s bar crosses its middle row.
        let y0 = text.iter().map(|p| p.1).min().unwrap_or(0);
        assert!((y0..y0 + 10).all(|y| !text.contains(&(x0 + 6, y))));
        assert!((x0 + 8..=x1).all(|x| text.contains(&(x, y0 + 4))));
        assert!(!text.contains(&(x0 + 8, y0)), "the + has no top corners");
        assert!(is_red(pixel(&twelve, 16, 3)));
    }

    #[test]
    fn the_badge_scales_with_the_icon_and_fits_a_tiny_one() {
        let big = badged(&icon(128), 3);
        let digit = white(&big);
        let ys = digit.iter().map(|p| p.1);
        let height = ys.clone().max().unwrap_or(0) - ys.min().unwrap_or(0) + 1;
        assert_eq!(height, 40, "5 units of 8 px in an 80 px disc");
        assert!(
            is_red(pixel(&big, 126, 40)),
            "the disc reaches the right edge"
        );

        let tiny = badged(&icon(16), 42);
        assert_eq!(white(&tiny).len(), 12 + 5, "9+ at 1 px a unit");
        // Degenerate sizes draw nothing rather than panic.
        assert!(badged(&icon(0), 1).rgba().is_empty());
        let short = Image::new_owned(vec![0; 12], 2, 2);
        assert_eq!(badged(&short, 1).rgba(), &[0; 12]);
    }
}
