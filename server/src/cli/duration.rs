//! Durations on the command line: `90s`, `30m`, `1h`, `7d`, or plain seconds.

/// Parses a duration into seconds.
pub fn parse_duration(value: &str) -> Result<i64, String> {
    let value = value.trim();
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: i64 = number
        .parse()
        .map_err(|_| format!("{value:?} is not a duration like 90s, 30m, 1h or 7d"))?;
    let scale = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "{value:?}: unknown unit {unit:?} (use s, m, h or d)"
            ));
        }
    };
    match number.checked_mul(scale) {
        Some(secs) if secs > 0 => Ok(secs),
        _ => Err(format!("{value:?} must be positive and reasonable")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn units_scale_to_seconds() {
        assert_eq!(parse_duration("90"), Ok(90));
        assert_eq!(parse_duration("30m"), Ok(1800));
        assert_eq!(parse_duration("1h"), Ok(3600));
        assert_eq!(parse_duration("2d"), Ok(172_800));
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in ["", "h", "1y", "-1h", "0s", "99999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
