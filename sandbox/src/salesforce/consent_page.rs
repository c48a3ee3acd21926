//! The HTML of the authorize flow, in the HubSpot stand-in's approach: a plain form, no
//! JavaScript, stable ids (`org_id`, `allow`, `deny`) for browser tests. The form posts only
//! the opaque consent id, the org and the decision; everything else stays server-side.

use super::{grants::Consent, state::Org};
use crate::http::reply::escape;

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f3f3f3;color:#181818;\
    margin:0}main{max-width:34rem;margin:3rem auto;background:#fff;padding:2rem;\
    border-radius:8px;box-shadow:0 1px 4px #0002}h1{font-size:1.3rem}\
    code{background:#eef4ff;padding:0 .3em}select,button{font-size:1rem;padding:.4rem .8rem;\
    margin:.3rem .3rem .3rem 0}#allow{background:#0176d3;color:#fff;border:0;border-radius:4px}\
    .note{font-size:.8rem;color:#747474}";

fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{}</title>\
         <style>{STYLE}</style></head><body><main>{body}\
         <p class=\"note\">salesforce-sandbox: a local stand-in for Salesforce.</p></main></body></html>",
        escape(title)
    )
}

/// The "Allow Access?" page: the app, its scopes, a choice of org (or a new one).
pub fn consent(app_name: &str, consent: &Consent, orgs: &[Org]) -> String {
    let app = escape(app_name);
    let scopes: String = consent
        .scopes
        .iter()
        .map(|s| format!("<li><code>{}</code></li>", escape(s)))
        .collect();
    let mut options: String = orgs
        .iter()
        .map(|org| {
            format!(
                "<option value=\"{id}\">{user} ({id})</option>",
                id = escape(&org.org_id),
                user = escape(&org.username)
            )
        })
        .collect();
    options.push_str("<option value=\"new\">A new org</option>");
    let body = format!(
        "<h1>Allow Access?</h1><p><strong id=\"app-name\">{app}</strong> is asking to:</p>\
         <ul id=\"scopes\">{scopes}</ul>\
         <form method=\"post\" action=\"/services/oauth2/authorize\">\
         <input type=\"hidden\" name=\"consent_id\" value=\"{id}\">\
         <p><label for=\"org_id\">Log in as</label><br>\
         <select name=\"org_id\" id=\"org_id\">{options}</select></p>\
         <p><button type=\"submit\" name=\"decision\" value=\"grant\" id=\"allow\">Allow</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">Deny</button></p>\
         </form>",
        id = escape(&consent.id),
    );
    document("Allow Access?", &body)
}

/// The page shown instead of a redirect when the redirect cannot be trusted.
pub fn error(message: &str) -> String {
    let body = format!(
        "<h1>Remote Access Error</h1><p id=\"error\">{}</p>",
        escape(message)
    );
    document("Remote Access Error", &body)
}
