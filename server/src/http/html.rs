//! The platform's own HTML pages (the portal, the OAuth popup's pages) put request values into
//! text and attributes: escaped here, once for all of them.

/// HTML-escapes text and attribute values.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
