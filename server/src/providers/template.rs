//! The placeholders of a definition's URLs and credentials, a closed list:
//!
//! - `{{connection.<id>}}` in URLs: a field the end user typed (not a secret; one that goes into
//!   the host needs a `format`), a value of the token answer (`token_fields`) or of the redirect
//!   back (`callback_params`). Only a token value may open a URL, and then it must itself be an
//!   https URL (Salesforce's `instance_url`): the platform checks it when it stores the connection.
//! - `{{credential.<id>}}` in what an API key or Basic sends: any field of `fields`.
//! - `{{token}}` in a revocation URL: the token being revoked.
//!
//! A URL is checked with each placeholder replaced by a sample value: it must be https, have a
//! host, and carry no user name, password or fragment.

use reqwest::Url;

use super::{
    definition::Field,
    problem::{FileReport, ProviderProblem},
};
use crate::workflows::yaml::Pos;

/// What the placeholders of one definition may name.
pub(crate) struct Names<'a> {
    pub fields: &'a [Field],
    pub token_fields: &'a [(String, String)],
    pub callback_params: &'a [String],
}

/// Which placeholders a value may hold.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// A URL: `connection.*`.
    Url,
    /// A revocation URL: `connection.*` and `token`.
    RevokeUrl,
    /// What an API key or Basic sends: `credential.*`.
    Credential,
    /// A scope (Dynamics 365 names the environment in one) or a path under the API base:
    /// `connection.*`, not checked as a URL.
    Text,
}

impl Use {
    fn allowed(self) -> &'static str {
        match self {
            Self::Url | Self::Text => "`{{connection.<id>}}`",
            Self::RevokeUrl => "`{{connection.<id>}}` and `{{token}}`",
            Self::Credential => "`{{credential.<id>}}`",
        }
    }
}

/// Checks `text` (the value of `key`, at `pos`) for its use; reports every problem.
pub(crate) fn check(
    key: &'static str,
    text: &str,
    pos: Pos,
    use_: Use,
    names: &Names<'_>,
    report: &mut FileReport,
) {
    let Some(parts) = split(text) else {
        let text = text.to_owned();
        report.at(pos, ProviderProblem::Unclosed { key, text });
        return;
    };
    let mut sample = String::new();
    let mut all_known = true;
    for part in &parts {
        match part {
            Part::Text(text) => sample.push_str(text),
            Part::Var(name) => {
                let in_host = matches!(use_, Use::Url | Use::RevokeUrl) && in_host(&sample);
                match placeholder(key, name, use_, in_host, sample.is_empty(), names) {
                    Ok(value) => sample.push_str(value),
                    Err(problem) => {
                        all_known = false;
                        report.at(pos, problem);
                    }
                }
            }
        }
    }
    if matches!(use_, Use::Url | Use::RevokeUrl) && all_known {
        if let Err(problem) = check_url(key, text, &sample, false) {
            report.at(pos, problem);
        }
    }
}

enum Part<'a> {
    Text(&'a str),
    Var(&'a str),
}

/// The text and `{{…}}` parts of a template; `None` when a `{{` is not closed.
fn split(mut text: &str) -> Option<Vec<Part<'_>>> {
    let mut parts = Vec::new();
    while let Some(start) = text.find("{{") {
        parts.push(Part::Text(&text[..start]));
        let rest = &text[start + 2..];
        let end = rest.find("}}")?;
        parts.push(Part::Var(rest[..end].trim()));
        text = &rest[end + 2..];
    }
    parts.push(Part::Text(text));
    Some(parts)
}

/// True while `before` (the URL so far) has not left its host: a scheme, then no `/` yet.
fn in_host(before: &str) -> bool {
    before
        .split_once("://")
        .is_some_and(|(_, after)| !after.contains(['/', '?', '#']))
}

/// The sample value a placeholder stands for in the URL check, or why it may not be there.
fn placeholder(
    key: &'static str,
    name: &str,
    use_: Use,
    in_host: bool,
    at_start: bool,
    names: &Names<'_>,
) -> Result<&'static str, ProviderProblem> {
    let unknown = || ProviderProblem::UnknownPlaceholder {
        key,
        name: name.to_owned(),
        allowed: use_.allowed(),
    };
    if name == "token" {
        return if use_ == Use::RevokeUrl {
            Ok("token")
        } else {
            Err(unknown())
        };
    }
    if let Some(id) = name.strip_prefix("credential.") {
        if use_ != Use::Credential {
            return Err(unknown());
        }
        return match names.fields.iter().any(|f| f.id == id) {
            true => Ok("x"),
            false => Err(ProviderProblem::UndeclaredCredential {
                key,
                id: id.to_owned(),
            }),
        };
    }
    let Some(id) = name.strip_prefix("connection.") else {
        return Err(unknown());
    };
    if use_ == Use::Credential {
        return Err(unknown());
    }
    let id_owned = || id.to_owned();
    if let Some(field) = names.fields.iter().find(|f| f.id == id) {
        if field.secret {
            return Err(ProviderProblem::SecretInUrl {
                key,
                id: id_owned(),
            });
        }
        if in_host && field.format.is_none() {
            return Err(ProviderProblem::HostFieldWithoutFormat {
                key,
                id: id_owned(),
            });
        }
        return Ok("a");
    }
    let from_token = names.token_fields.iter().any(|(field, _)| field == id);
    if from_token && at_start {
        // A provider-given base such as Salesforce's `instance_url`.
        return Ok("https://a.example");
    }
    if from_token || names.callback_params.iter().any(|p| p == id) {
        return Ok("a");
    }
    Err(ProviderProblem::UndeclaredConnection {
        key,
        id: id_owned(),
    })
}

/// The URL with its placeholders filled in must be an https URL of a host, without credentials.
fn check_url(
    key: &'static str,
    text: &str,
    sample: &str,
    fragment_allowed: bool,
) -> Result<(), ProviderProblem> {
    let bad = |reason: &str| ProviderProblem::BadUrl {
        key,
        url: text.to_owned(),
        reason: reason.to_owned(),
    };
    if !sample.starts_with("https://") {
        return Err(ProviderProblem::NotHttps {
            key,
            url: text.to_owned(),
        });
    }
    let url = Url::parse(sample).map_err(|e| bad(&e.to_string()))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("a user name or password in a URL would leak into logs"));
    }
    if url.fragment().is_some() && !fragment_allowed {
        return Err(bad("a fragment is never sent to a server"));
    }
    Ok(())
}

/// A documentation link: a plain https URL (a fragment may point at the section).
pub(crate) fn check_link(key: &'static str, text: &str, pos: Pos, report: &mut FileReport) {
    if let Err(problem) = check_url(key, text, text, true) {
        report.at(pos, problem);
    }
}

/// `text` with each placeholder replaced by `value(name)` (`connection.instance_url`, `token`);
/// the first name without a value is the error. Templates were checked when the definition was
/// read, so an unclosed `{{` here is only a caller's own text, rendered as it is.
pub fn render(text: &str, value: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let Some(parts) = split(text) else {
        return Ok(text.to_owned());
    };
    let mut out = String::with_capacity(text.len());
    for part in parts {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Var(name) => out.push_str(&value(name).ok_or_else(|| name.to_owned())?),
        }
    }
    Ok(out)
}

/// Whether `text` holds a placeholder.
pub fn has_placeholder(text: &str) -> bool {
    text.contains("{{")
}
