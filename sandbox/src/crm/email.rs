//! Email syntax as HubSpot enforces it on the `email` property: a pragmatic subset of
//! RFC 5322 (no quoted local parts, no IP literals), which is what HubSpot accepts in practice.

/// Whether `text` is an email address HubSpot would store.
pub fn is_valid_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    valid_local_part(local) && valid_domain(domain)
}

fn valid_local_part(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+/=?^_`{|}~.-";
    (1..=64).contains(&local.len())
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let tld_ok = labels
        .last()
        .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    domain.len() <= 253
        && labels.len() >= 2
        && tld_ok
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::is_valid_email;

    #[test]
    fn ordinary_addresses_are_valid() {
        for ok in [
            "ada@example.com",
            "a.b+tag@mail.example.co.uk",
            "o'neil@example.org",
        ] {
            assert!(is_valid_email(ok), "{ok}");
        }
    }

    #[test]
    fn malformed_addresses_are_invalid() {
        for bad in [
            "example.lcom",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@example.c0m",
            "ada..b@example.com",
            "ada@-example.com",
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
    }
}
