//! A path under the integration's API (what follows the proxy's `/sdk/proxy/{integration}/`,
//! or a `request:` step's rendered path): forwarded under the integration's API base exactly as received, still percent-encoded, once it is shown to stay
//! there.
//!
//! One decoding is not enough to tell. `%2e%2e` is `..` to a WHATWG URL parser (reqwest's),
//! `%252e%252e` becomes `..` behind a provider's front that decodes once more, and `\` is a
//! separator in http(s) URLs, so `..%5C` climbs too. So every layer of percent-decoding, until
//! decoding changes nothing, is refused if it holds a `.` or `..` segment, an empty segment, a
//! backslash, an encoded `/` or `\`, or a control character. Then the URL built from the API
//! base and the path must keep the base's origin and path prefix: nothing in the path changes
//! the host, whatever it holds (`@` included, which HubSpot paths such as
//! `contacts/ada@acme.test?idProperty=email` use).

use reqwest::Url;

/// How many layers of encoding are undone before a path counts as hostile.
const MAX_LAYERS: usize = 4;

/// A proxied path that stays under the API base, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiPath<'a>(&'a str);

/// Why a proxied path was refused (each a 400 that names the rule).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathRefusal {
    /// `.` or `..`, in any encoding.
    #[error("the path may not hold `.` or `..` segments, in any encoding")]
    DotSegment,
    /// `//`, or a path that starts with `/` (it would read as a new authority to some).
    #[error("the path may not hold empty segments (`//`)")]
    EmptySegment,
    /// `\`, raw or encoded.
    #[error("the path may not hold a backslash, in any encoding")]
    Backslash,
    /// `%2F`: a separator the provider's router may decode.
    #[error("the path may not hold an encoded `/` (%2F)")]
    EncodedSlash,
    /// Bytes below 0x20 and 0x7F, raw or encoded.
    #[error("the path may not hold control characters")]
    Control,
    /// Encoded more than [`MAX_LAYERS`] times over.
    #[error("the path is percent-encoded too many times over")]
    TooDeep,
    /// The built URL is not under the API base.
    #[error("the path leaves the integration's API base")]
    Escapes,
}

impl<'a> ApiPath<'a> {
    /// Checks a raw (still percent-encoded) path.
    pub fn parse(raw: &'a str) -> Result<Self, PathRefusal> {
        let mut layer = raw.as_bytes().to_vec();
        for _ in 0..=MAX_LAYERS {
            check_layer(&layer)?;
            let decoded = percent_decode(&layer);
            if decoded == layer {
                return Ok(Self(raw));
            }
            layer = decoded;
        }
        Err(PathRefusal::TooDeep)
    }

    /// The provider URL: `{api_base}/{path}?{query}`, if it stays under `api_base`.
    pub fn under(&self, api_base: &str, query: Option<&str>) -> Result<Url, PathRefusal> {
        let base = Url::parse(api_base).map_err(|_| PathRefusal::Escapes)?;
        let mut joined = format!("{}/{}", api_base.trim_end_matches('/'), self.0);
        if let Some(query) = query {
            joined.push('?');
            joined.push_str(query);
        }
        let url = Url::parse(&joined).map_err(|_| PathRefusal::Escapes)?;
        let prefix = format!("{}/", base.path().trim_end_matches('/'));
        let same_place = url.origin() == base.origin()
            && url.username().is_empty()
            && url.password().is_none()
            && url.path().starts_with(&prefix);
        if same_place {
            Ok(url)
        } else {
            Err(PathRefusal::Escapes)
        }
    }
}

fn check_layer(layer: &[u8]) -> Result<(), PathRefusal> {
    if layer.iter().any(|&b| b < 0x20 || b == 0x7f) {
        return Err(PathRefusal::Control);
    }
    if layer.contains(&b'\\') || contains_escape(layer, b"5c") {
        return Err(PathRefusal::Backslash);
    }
    if contains_escape(layer, b"2f") {
        return Err(PathRefusal::EncodedSlash);
    }
    let segments: Vec<&[u8]> = layer.split(|&b| b == b'/').collect();
    for (index, segment) in segments.iter().enumerate() {
        match *segment {
            b"." | b".." => return Err(PathRefusal::DotSegment),
            // A trailing slash is an ordinary API path; an empty segment elsewhere is not.
            b"" if index + 1 < segments.len() => return Err(PathRefusal::EmptySegment),
            _ => {}
        }
    }
    Ok(())
}

/// Whether `layer` holds `%` followed by `hex` (two lowercase hex digits), in any case.
fn contains_escape(layer: &[u8], hex: &[u8; 2]) -> bool {
    layer.windows(3).any(|w| {
        w[0] == b'%' && w[1].to_ascii_lowercase() == hex[0] && w[2].to_ascii_lowercase() == hex[1]
    })
}

/// One layer of percent-decoding; a `%` not followed by two hex digits stays as it is.
fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let escape = input.get(i + 1..i + 3).and_then(|hex| {
            let text = std::str::from_utf8(hex).ok()?;
            u8::from_str_radix(text, 16).ok()
        });
        match (input[i], escape) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_pass_as_received() {
        for raw in [
            "crm/v3/objects/contacts",
            "crm/v3/objects/contacts/",
            "crm/v3/objects/contacts/ada@acme.test",
            "crm/v3/objects/contacts/ada%40acme.test",
            "files/v3/files/report%20Q1.pdf",
            "crm/v3/objects/contacts/%C3%A9t%C3%A9",
            "discounts/100%25",
            "a..b/c.d/...",
        ] {
            assert_eq!(ApiPath::parse(raw), Ok(ApiPath(raw)), "{raw}");
        }
    }

    #[test]
    fn every_encoding_of_a_climb_or_a_separator_is_refused() {
        use PathRefusal::*;
        for (raw, refusal) in [
            ("../x", DotSegment),
            ("a/./b", DotSegment),
            ("%2e%2e/x", DotSegment),
            (".%2E/x", DotSegment),
            ("%252e%252e/x", DotSegment),
            ("%25252e%25252e/x", DotSegment),
            ("..%5Cx", Backslash),
            ("..%255cx", Backslash),
            ("a\\b", Backslash),
            ("a%2fb", EncodedSlash),
            ("a%252Fb", EncodedSlash),
            ("/evil.test/x", EmptySegment),
            ("a//b", EmptySegment),
            ("a%00b", Control),
            ("a%0d%0aHost:%20evil", Control),
            ("a%09b", Control),
            ("a%7fb", Control),
            ("a%252525252e", TooDeep),
        ] {
            assert_eq!(ApiPath::parse(raw), Err(refusal), "{raw}");
        }
    }

    #[test]
    fn the_url_keeps_the_api_bases_origin_and_path() {
        let path = ApiPath::parse("objects/contacts/ada@evil.test").expect("a path");
        let url = path
            .under("https://api.hubapi.com/crm/v3", Some("idProperty=email"))
            .expect("under the base");
        assert_eq!(
            url.as_str(),
            "https://api.hubapi.com/crm/v3/objects/contacts/ada@evil.test?idProperty=email"
        );
        assert_eq!(url.host_str(), Some("api.hubapi.com"));
    }
}
