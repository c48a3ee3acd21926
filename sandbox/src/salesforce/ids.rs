//! Salesforce record ids: a three-character key prefix naming the object (`00D` org, `005`
//! user, `003` Contact, `00Q` Lead), twelve base-62 characters, and the three-character
//! case-safe suffix that makes the 18-character form.
//!
//! The suffix algorithm is Salesforce's published one (each 5-character chunk of the
//! 15-character id gives 5 bits, "is this character an uppercase letter", indexing
//! `A–Z0–5`), so a client that converts between 15 and 18 characters meets consistent ids.

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SUFFIX: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// The 18-character id with `prefix` (3 characters) and sequence number `n`.
pub fn make(prefix: &str, n: u64) -> String {
    let mut digits = [b'0'; 12];
    let mut rest = n;
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[usize::try_from(rest % 62).unwrap_or(0)];
        rest /= 62;
    }
    let id15 = format!("{prefix}{}", String::from_utf8_lossy(&digits));
    let suffix = suffix_of(&id15);
    id15 + &suffix
}

/// The 18-character form of a 15- or 18-character id, for lookups (ids are case-sensitive, so
/// this does not lowercase anything). `None` for anything else.
pub fn normalize(id: &str) -> Option<String> {
    if !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    match id.len() {
        18 => Some(id.to_owned()),
        15 => {
            let suffix = suffix_of(id);
            Some(format!("{id}{suffix}"))
        }
        _ => None,
    }
}

fn suffix_of(id15: &str) -> String {
    id15.as_bytes()
        .chunks(5)
        .map(|chunk| {
            let bits = chunk
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_ascii_uppercase())
                .fold(0usize, |acc, (i, _)| acc | (1 << i));
            char::from(SUFFIX[bits])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_prefix_and_eighteen_characters() {
        let id = make("003", 1);
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("003000000000001"));
    }

    #[test]
    fn the_suffix_matches_salesforces_example() {
        // The example id of Salesforce's knowledge article on 15- and 18-character ids.
        assert_eq!(
            normalize("001A0000006Vm9r").as_deref(),
            Some("001A0000006Vm9rIAC")
        );
    }
}
