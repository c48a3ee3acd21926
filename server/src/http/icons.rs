//! `GET /ui/icons/{type}.svg`: an integration's icon, what the Connect Portal shows and what the
//! SDK's `getIntegrationMetadata()` names as `icon` (Paragon's SDK names a file of its CDN the
//! same way, by type). The catalogue ships no logo files yet (a provider's logo is its mark, to
//! be added with its terms checked), so every provider gets a monogram: its initial on a tile of
//! a colour of its own, dark enough for white text (WCAG AA); a type outside the catalogue is a
//! 404.

use axum::{
    extract::Path,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::html::escape;
use crate::providers;

/// Tile colours with white text at 4.5:1 or more.
const COLOURS: &[&str] = &[
    "#1f5fbf", "#0f7b6c", "#8a3ffc", "#b0306a", "#a14f00", "#2e6b30", "#5a4fcf", "#0b6e99",
    "#9c2f2f", "#4b5563",
];

/// The icon of the provider `file` names (`salesforce.svg`).
pub async fn icon(Path(file): Path<String>) -> Response {
    let provider = file.strip_suffix(".svg").and_then(providers::find);
    let Some(provider) = provider else {
        return (StatusCode::NOT_FOUND, "No such icon.").into_response();
    };
    let mut response = monogram(&provider.name, &provider.display_name).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml; charset=utf-8"),
    );
    // An icon is the same for everyone and changes only with the binary.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    // Opened on its own, an SVG is a document: it may run nothing.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'"),
    );
    response
}

/// A 48 × 48 tile with the display name's initial, its colour chosen by the name.
fn monogram(name: &str, display_name: &str) -> String {
    let hash = name
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let colour = COLOURS[usize::try_from(hash).unwrap_or(0) % COLOURS.len()];
    let initial: String = display_name
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 48 48" role="img" aria-label="{label}"><rect width="48" height="48" rx="12" fill="{colour}"/><text x="24" y="31.5" text-anchor="middle" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="22" font-weight="700" fill="#ffffff">{initial}</text></svg>"##,
        label = escape(display_name),
        initial = escape(&initial),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_monogram_is_the_initial_on_a_colour_of_the_provider() {
        let svg = monogram("salesforce", "Salesforce");
        assert!(svg.contains(">S</text>") && svg.contains(r#"aria-label="Salesforce""#));
        assert_eq!(
            svg,
            monogram("salesforce", "Salesforce"),
            "the same every time"
        );
    }
}
