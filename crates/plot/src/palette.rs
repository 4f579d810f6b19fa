//! Colours: the Okabe-Ito palette, which stays distinguishable for readers with the common
//! forms of colour-blindness, with one fixed colour per bloc and per outcome.
//!
//! A bloc's colour depends only on its position among the study's sorted bloc ids, so a bloc
//! keeps its colour in every chart of a study (and in every study with the same blocs).
//! Outcomes have their own colours; `none` is a neutral grey.

use plotters::style::RGBColor;

/// Okabe & Ito (2008), "Color Universal Design": blue.
pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
/// Vermillion.
pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
/// Bluish green.
pub const BLUISH_GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
/// Reddish purple.
pub const REDDISH_PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
/// Orange.
pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
/// Sky blue.
pub const SKY_BLUE: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
/// Yellow (only on dark or outlined marks: it is faint on white).
pub const YELLOW: RGBColor = RGBColor(0xF0, 0xE4, 0x42);
/// Near-black, for text, axes and reference lines.
pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Mid grey, for secondary text and neutral marks.
pub const GREY: RGBColor = RGBColor(0x6E, 0x6E, 0x6E);
/// Light grey, for grid lines.
pub const LIGHT_GREY: RGBColor = RGBColor(0xE3, 0xE3, 0xE3);

/// Bloc colours in bloc order (sorted ids); after eight blocs they repeat.
const BLOC_COLOURS: [RGBColor; 8] = [
    BLUE,
    VERMILLION,
    BLUISH_GREEN,
    REDDISH_PURPLE,
    ORANGE,
    SKY_BLUE,
    INK,
    YELLOW,
];

/// The colour of bloc number `index` (its position among the sorted bloc ids).
pub fn bloc_colour(index: usize) -> RGBColor {
    BLOC_COLOURS[index % BLOC_COLOURS.len()]
}

/// The colour of outcome number `index` in report order (none, unipolar, bipolar,
/// multipolar).
pub fn outcome_colour(index: usize) -> RGBColor {
    match index {
        0 => GREY,
        1 => ORANGE,
        2 => SKY_BLUE,
        _ => REDDISH_PURPLE,
    }
}

/// `#RRGGBB` of a colour, for the HTML report.
pub fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}
