//! Strings built without `core::fmt` and without std's generic `join`: `format!` brings the
//! formatting machinery (padding, integer printing) into the wasm, and `[..].concat()` std's
//! `join_generic_copy` (1.2 KB, with a fast path per separator length); these are a loop each.

/// The parts one after another (what `[..].concat()` does).
pub fn concat(parts: &[&str]) -> String {
    join(parts, "")
}

/// The parts with `separator` between them.
pub fn join(parts: &[&str], separator: &str) -> String {
    let mut text = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            text.push_str(separator);
        }
        text.push_str(part);
    }
    text
}

/// `n` in decimal.
pub fn decimal(mut n: u32) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(char::from(b'0' + (n % 10) as u8));
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Chars, not bytes: `String::from_utf8` would bring its UTF-8 validation (0.8 KB).
    digits.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concat_join_and_decimal_write_what_std_would() {
        assert_eq!(concat(&["a", "", "bc"]), ["a", "", "bc"].concat());
        assert_eq!(concat(&[]), "");
        assert_eq!(join(&["x", "y", "z"], ", "), "x, y, z");
        assert_eq!(join(&["x"], ", "), "x");
        for n in [0, 7, 10, 429, 65_535, u32::MAX] {
            assert_eq!(decimal(n), n.to_string());
        }
    }
}
