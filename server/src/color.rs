//! sRGB colours and the WCAG 2.x contrast arithmetic the portal's theme is built with: a
//! project's accent is checked and adjusted here so that what the portal draws with it stays
//! readable (<https://www.w3.org/TR/WCAG22/#dfn-relative-luminance>, `#dfn-contrast-ratio`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// An sRGB colour, 8 bits a channel; written and read as `#rrggbb` (read also as `#rgb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rgb {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
}

impl Rgb {
    /// Black, the end of darkening.
    pub const BLACK: Rgb = Rgb::new(0, 0, 0);
    /// White, the end of lightening.
    pub const WHITE: Rgb = Rgb::new(255, 255, 255);

    /// The colour of these channels.
    pub const fn new(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b }
    }

    /// `#rgb` or `#rrggbb`, either case; `None` for anything else (names, `rgb()`, alpha).
    pub fn parse(text: &str) -> Option<Self> {
        let hex = text.strip_prefix('#')?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..=i], 16).ok();
        let pair = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        match hex.len() {
            // `#abc` is `#aabbcc`: each digit doubled, as CSS reads it.
            3 => Some(Self::new(digit(0)? * 17, digit(1)? * 17, digit(2)? * 17)),
            6 => Some(Self::new(pair(0)?, pair(2)?, pair(4)?)),
            _ => None,
        }
    }

    /// The relative luminance, 0 for black to 1 for white (WCAG 2.x: each channel linearised
    /// from sRGB, then weighted by how bright the eye sees it).
    pub fn luminance(self) -> f64 {
        let linear = |channel: u8| {
            let c = f64::from(channel) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(self.r) + 0.7152 * linear(self.g) + 0.0722 * linear(self.b)
    }

    /// The contrast ratio of two colours, from 1 (the same) to 21 (black on white); the order
    /// does not matter.
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// This colour moved `amount` (0 to 1) of the way to `toward`, channel by channel.
    pub fn mix(self, toward: Rgb, amount: f64) -> Rgb {
        let amount = amount.clamp(0.0, 1.0);
        let channel = |from: u8, to: u8| {
            let value = f64::from(from) + (f64::from(to) - f64::from(from)) * amount;
            // In 0..=255 by construction; the cast only drops the fraction after rounding.
            value.round().clamp(0.0, 255.0) as u8
        };
        Rgb::new(
            channel(self.r, toward.r),
            channel(self.g, toward.g),
            channel(self.b, toward.b),
        )
    }

    /// Black or white, whichever has the higher contrast on this colour (one of them always
    /// reaches 4.58:1, so text in it is readable on any colour).
    pub fn text_on(self) -> Rgb {
        if self.contrast(Rgb::BLACK) >= self.contrast(Rgb::WHITE) {
            Rgb::BLACK
        } else {
            Rgb::WHITE
        }
    }

    /// This colour moved toward `toward` just far enough to reach `ratio` against every colour
    /// of `backgrounds`: itself when it already does, `toward` when nothing short of it does.
    pub fn until_contrast(self, toward: Rgb, backgrounds: &[Rgb], ratio: f64) -> Rgb {
        let enough = |c: Rgb| backgrounds.iter().all(|bg| c.contrast(*bg) >= ratio);
        // Steps of 1/100 keep the colour as close to the project's as 8-bit channels allow.
        (0..=100)
            .map(|step| self.mix(toward, f64::from(step) / 100.0))
            .find(|c| enough(*c))
            .unwrap_or(toward)
    }
}

impl fmt::Display for Rgb {
    /// `#rrggbb`, lower case: the one form the platform writes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

impl TryFrom<String> for Rgb {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Rgb::parse(&text).ok_or_else(|| format!("`{text}` is not a #rgb or #rrggbb colour"))
    }
}

impl From<Rgb> for String {
    fn from(colour: Rgb) -> Self {
        colour.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(text: &str) -> Rgb {
        Rgb::parse(text).expect("a colour")
    }

    #[test]
    fn both_hex_forms_parse_in_either_case_and_print_as_six_lower_case_digits() {
        assert_eq!(rgb("#4A154B"), Rgb::new(0x4a, 0x15, 0x4b));
        assert_eq!(rgb("#fa0"), Rgb::new(0xff, 0xaa, 0x00));
        assert_eq!(rgb("#4A154B").to_string(), "#4a154b");
    }

    #[test]
    fn anything_but_a_hash_and_three_or_six_hex_digits_is_refused() {
        for text in [
            "",
            "#",
            "4a154b",
            "#4a154",
            "#4a154b00",
            "#ggg",
            "red",
            "#+12",
            "#12 ",
            "rgb(0,0,0)",
            "#ab\u{e9}",
        ] {
            assert_eq!(Rgb::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn luminance_and_contrast_match_the_wcag_reference_values() {
        assert_eq!(Rgb::BLACK.luminance(), 0.0);
        assert!((Rgb::WHITE.luminance() - 1.0).abs() < 1e-12);
        assert!((Rgb::BLACK.contrast(Rgb::WHITE) - 21.0).abs() < 1e-9);
        assert_eq!(rgb("#777").contrast(rgb("#777")), 1.0);
        // #767676 is the lightest grey that reaches 4.5:1 on white (4.54:1 in every checker).
        let close = |a: &str, b: &str, expected: f64| {
            let ratio = rgb(a).contrast(rgb(b));
            assert!((ratio - expected).abs() < 0.005, "{a} on {b}: {ratio}");
        };
        close("#767676", "#ffffff", 4.54);
        close("#ffffff", "#767676", 4.54);
        close("#1f5fd1", "#ffffff", 5.81);
        close("#4a154b", "#ffffff", 14.00);
    }

    #[test]
    fn text_on_a_colour_is_black_or_white_whichever_reads_better() {
        assert_eq!(rgb("#4a154b").text_on(), Rgb::WHITE);
        assert_eq!(rgb("#ffd400").text_on(), Rgb::BLACK);
        // The worst case for either choice is still above 4.5:1.
        for grey in 0..=255u8 {
            let c = Rgb::new(grey, grey, grey);
            assert!(c.contrast(c.text_on()) >= 4.58, "{c}");
        }
    }

    #[test]
    fn a_colour_is_moved_only_as_far_as_the_ratio_needs() {
        let white = [Rgb::WHITE];
        assert_eq!(
            rgb("#4a154b").until_contrast(Rgb::BLACK, &white, 4.5),
            rgb("#4a154b")
        );
        let yellow = rgb("#ffd400").until_contrast(Rgb::BLACK, &white, 4.5);
        assert!(yellow.contrast(Rgb::WHITE) >= 4.5, "{yellow}");
        assert!(
            yellow.contrast(Rgb::WHITE) < 4.7,
            "not darker than needed: {yellow}"
        );
        // Against two backgrounds, the harder one decides.
        let both = rgb("#808080").until_contrast(Rgb::WHITE, &[Rgb::BLACK, rgb("#333")], 7.0);
        assert!(both.contrast(rgb("#333")) >= 7.0 && both.contrast(Rgb::BLACK) >= 7.0);
        // A ratio nothing reaches ends at the target colour.
        assert_eq!(
            rgb("#808080").until_contrast(Rgb::BLACK, &white, 22.0),
            Rgb::BLACK
        );
    }

    #[test]
    fn mixing_goes_from_the_colour_to_the_target() {
        let c = rgb("#204060");
        assert_eq!(c.mix(Rgb::WHITE, 0.0), c);
        assert_eq!(c.mix(Rgb::WHITE, 1.0), Rgb::WHITE);
        assert_eq!(c.mix(Rgb::BLACK, 0.5), Rgb::new(0x10, 0x20, 0x30));
    }
}
