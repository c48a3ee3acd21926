//! Paths the SDK builds from a caller's text, kept where the SDK put them: the browser's URL
//! parser resolves a `.` or `..` segment (also written `%2e`) and reads a backslash as a
//! slash, so a caller's text could take a call, with the user's token, to another endpoint of
//! the platform (`request("hubspot", "../../integrations/{id}")` is the user's connection).
//! `request()`'s path must stay under the proxy's prefix, `workflow()`'s id must stay one
//! segment. The platform checks what it gets too; these never let the URL leave its place.

/// The path under the integration's API base, without its leading slashes (the proxy's URL
/// supplies one), or `None` when a segment before its query or fragment would leave it.
pub fn api_path(path: &str) -> Option<&str> {
    // Bytes, not `str` methods: `trim_start_matches('/')` brings core's `char` searcher, and
    // their slicing and searching `core::fmt`'s `char` printing and a substring searcher.
    let path = &path[path.bytes().take_while(|b| *b == b'/').count()..];
    let bytes = path.as_bytes();
    let end = bytes
        .iter()
        .position(|b| *b == b'?' || *b == b'#')
        .unwrap_or(bytes.len());
    (!bytes[..end].split(|b| *b == b'/').any(leaves)).then_some(path)
}

/// `text` when it can be one path segment once percent-encoded, or `None` when it is empty,
/// holds a slash, or would leave its segment ([`leaves`]). A slash would be encoded and stay
/// in the segment, but no id of the platform has one: refusing it says so before sending.
pub fn segment(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    (!bytes.is_empty() && !has(bytes, b'/') && !leaves(bytes)).then_some(text)
}

/// Whether `bytes` holds `byte`: a loop, where `<[u8]>::contains` brings core's word-at-a-time
/// search (0.35 KB of wasm) for what is one byte in a short string.
#[allow(clippy::manual_contains)]
fn has(bytes: &[u8], byte: u8) -> bool {
    bytes.iter().any(|b| *b == byte)
}

/// Whether the browser would move a URL out of its place at this segment: a backslash (read
/// as a slash), or `.` or `..`, each dot also as `%2e` or `%2E`.
fn leaves(segment: &[u8]) -> bool {
    if has(segment, b'\\') {
        return true;
    }
    let mut dots = 0;
    let mut rest = segment;
    while let Some((&first, tail)) = rest.split_first() {
        rest = match (first, tail) {
            (b'.', _) => tail,
            (b'%', [b'2', e, more @ ..]) if e.eq_ignore_ascii_case(&b'e') => more,
            _ => return false,
        };
        dots += 1;
    }
    dots == 1 || dots == 2
}

#[cfg(test)]
mod tests {
    // The same tests run natively (`cargo test`) and in Chromium (`wasm-pack test`).
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn api_paths_lose_their_leading_slash_and_keep_dots_that_stay_in_place() {
        assert_eq!(
            api_path("/crm/v3/objects/contacts"),
            Some("crm/v3/objects/contacts")
        );
        assert_eq!(api_path("crm/v3/x?limit=1"), Some("crm/v3/x?limit=1"));
        assert_eq!(
            api_path("crm/v3/x?after=../.."),
            Some("crm/v3/x?after=../..")
        );
        assert_eq!(api_path("crm/v3/a.b/..c"), Some("crm/v3/a.b/..c"));
    }

    #[test]
    fn an_api_path_the_browser_would_resolve_out_of_the_proxy_is_refused() {
        for path in [
            "../../integrations/1",
            "/crm/../../../me",
            "crm/./x",
            "crm/%2e%2E/x",
            "crm/.%2e/x",
            "crm\\..\\x",
            "..",
        ] {
            assert_eq!(api_path(path), None, "{path}");
        }
    }

    #[test]
    fn a_segment_is_a_uuid_or_a_deploy_id_or_anything_that_stays_one_segment() {
        for id in [
            "create-and-answer",
            "0b8f2c3e-5d6a-4e1f-9a7b-2c4d6e8f0a1b",
            "a.b",
            "...",
            "%2e%2e%2e",
            "x?y#z",
        ] {
            assert_eq!(segment(id), Some(id), "{id}");
        }
    }

    #[test]
    fn a_segment_that_is_empty_or_would_leave_its_place_is_refused() {
        for id in [
            "", ".", "..", "%2e", "%2E%2e", ".%2e", "../x", "x/y", "/", "a\\b", "\\",
        ] {
            assert_eq!(segment(id), None, "{id:?}");
        }
    }
}
