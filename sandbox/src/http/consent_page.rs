//! The HTML of the authorize flow: the consent page and the error page. Plain forms, no
//! JavaScript, stable ids (`grant`, `deny`, `hub_id`) for the browser tests that drive them.

use super::reply::escape;
use crate::{accounts::Account, oauth::consent::Consent};

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f5f8fa;color:#33475b;\
    margin:0}main{max-width:34rem;margin:3rem auto;background:#fff;padding:2rem;\
    border-radius:8px;box-shadow:0 1px 4px #0002}h1{font-size:1.3rem}\
    code{background:#eaf0f6;padding:0 .3em}select,button{font-size:1rem;padding:.4rem .8rem;\
    margin:.3rem .3rem .3rem 0}#grant{background:#ff7a59;color:#fff;border:0;border-radius:4px}\
    .note{font-size:.8rem;color:#7c98b6}";

/// What HubSpot's consent screen says about the scopes this sandbox knows.
fn describe(scope: &str) -> &'static str {
    match scope {
        "oauth" => "Basic OAuth access: identify the account and the installing user",
        "crm.objects.contacts.read" => "View properties and other details about contacts",
        "crm.objects.contacts.write" => {
            "View properties and create, delete, or make changes to contacts"
        }
        "crm.objects.owners.read" => "View details about users assigned to a CRM record",
        _ => "",
    }
}

fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{}</title>\
         <style>{STYLE}</style></head><body><main>{body}\
         <p class=\"note\">hubspot-sandbox: a local stand-in for HubSpot.</p></main></body></html>",
        escape(title)
    )
}

/// The consent page: names the app and each scope, offers the accounts (only the pinned one
/// for `/oauth/{hubId}/authorize`, otherwise all of them plus a new test account), and posts
/// nothing but the consent id, the account and the decision.
pub fn consent(app_name: &str, consent: &Consent, accounts: &[&Account]) -> String {
    let app = escape(app_name);
    let scopes: String = consent
        .scopes
        .iter()
        .map(|scope| {
            let text = describe(scope);
            let text = if text.is_empty() {
                String::new()
            } else {
                format!(": {}", escape(text))
            };
            format!("<li><code>{}</code>{text}</li>", escape(scope))
        })
        .collect();
    let mut options: String = accounts
        .iter()
        .map(|a| {
            format!(
                "<option value=\"{id}\">{id} ({email})</option>",
                id = a.hub_id,
                email = escape(&a.user_email)
            )
        })
        .collect();
    if consent.pinned_hub.is_none() {
        options.push_str("<option value=\"new\">A new test account</option>");
    }
    let body = format!(
        "<h1>Connect <span id=\"app-name\">{app}</span> to your HubSpot account</h1>\
         <p><strong>{app}</strong> is requesting access to:</p><ul id=\"scopes\">{scopes}</ul>\
         <form method=\"post\" action=\"/oauth/authorize\">\
         <input type=\"hidden\" name=\"consent_id\" value=\"{id}\">\
         <p><label for=\"hub_id\">Choose an account</label><br>\
         <select name=\"hub_id\" id=\"hub_id\">{options}</select></p>\
         <p><button type=\"submit\" name=\"decision\" value=\"grant\" id=\"grant\">Grant access</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">Deny</button></p>\
         </form>",
        id = escape(&consent.id),
    );
    document(&format!("Connect {app_name} to HubSpot"), &body)
}

/// The page shown instead of redirecting when the request cannot be trusted with a redirect
/// (unknown client, unregistered redirect URI) or HubSpot shows the error itself.
pub fn error(message: &str) -> String {
    let body = format!(
        "<h1>Couldn't complete the connection</h1><p id=\"error\">{}</p>",
        escape(message)
    );
    document("Couldn't complete the connection", &body)
}
