//! The options of a dynamic dropdown setting: a list of the user's account at the provider
//! (HubSpot's owners, its deal pipelines), read with the user's credential through the one
//! API client (paced, refreshed, capped), a page at a time, as `{value, label}` pairs.

use reqwest::Method;
use serde_json::{Value, json};

use super::{
    ConnectError,
    api_client::{ApiBody, ApiClient, ApiRequest, Exchange},
    provider::ProviderError,
};
use crate::workflows::settings::Source;

/// The most owners asked for per page (HubSpot allows up to 500).
const PAGE: u32 = 100;

/// One page of options and the cursor of the next.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// `{value, label}`, as the provider lists them.
    pub options: Vec<Value>,
    /// Where the next page starts, when there is one.
    pub next: Option<String>,
}

/// The page of `source` after `cursor` in the account of `api`, whose API is at `api_base`;
/// with `search`, only the options whose label contains it (case-insensitively: HubSpot's
/// lists have no text search, so the page is filtered here).
pub async fn page(
    api: ApiClient<'_>,
    api_base: &str,
    source: Source,
    cursor: Option<&str>,
    search: Option<&str>,
) -> Result<Page, ConnectError> {
    let path = match (source, cursor) {
        (Source::Owners, None) => format!("/crm/v3/owners?limit={PAGE}"),
        (Source::Owners, Some(after)) => {
            format!("/crm/v3/owners?limit={PAGE}&after={}", form_value(after))
        }
        (Source::Pipelines, _) => "/crm/v3/pipelines/deals".to_owned(),
        (Source::ContactProperties, _) => "/crm/v3/properties/contacts".to_owned(),
    };
    let request = ApiRequest {
        method: Method::GET,
        url: format!("{api_base}{path}"),
        path,
        body: ApiBody::Raw {
            bytes: Default::default(),
            content_type: None,
            headers: Default::default(),
        },
    };
    let answer = api.send(&request, &mut Exchange::default()).await?;
    let body = answer.json();
    if !answer.status.is_success() {
        let message = body["message"].as_str().unwrap_or("no message").to_owned();
        let status = answer.status.as_u16();
        return Err(ConnectError::Provider(ProviderError::Protocol(format!(
            "listing {} answered {status}: {message}",
            source.as_str()
        ))));
    }
    let results = body["results"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let needle = search.map(str::to_lowercase).filter(|s| !s.is_empty());
    let options = results
        .iter()
        .filter_map(|item| option(source, item))
        .filter(|o| {
            needle.as_ref().is_none_or(|needle| {
                o["label"]
                    .as_str()
                    .unwrap_or_default()
                    .to_lowercase()
                    .contains(needle)
            })
        })
        .collect();
    let next = body["paging"]["next"]["after"].as_str().map(str::to_owned);
    Ok(Page { options, next })
}

/// An item of the provider's list as `{value, label}`; `None` when it has no id, or is a
/// property that cannot be written (HubSpot maintains it) or is hidden.
fn option(source: Source, item: &Value) -> Option<Value> {
    if source == Source::ContactProperties {
        let read_only = item["modificationMetadata"]["readOnlyValue"] == true;
        if read_only || item["hidden"] == true {
            return None;
        }
        let name = item["name"].as_str()?;
        let label = item["label"]
            .as_str()
            .filter(|l| !l.trim().is_empty())
            .unwrap_or(name);
        return Some(json!({ "value": name, "label": label }));
    }
    let id = item["id"].as_str()?;
    let text = |key: &str| item[key].as_str().unwrap_or_default().trim().to_owned();
    let label = match source {
        Source::Owners => {
            let name = [text("firstName"), text("lastName")]
                .join(" ")
                .trim()
                .to_owned();
            match (name.is_empty(), text("email")) {
                (true, email) if email.is_empty() => id.to_owned(),
                (true, email) => email,
                (false, email) if email.is_empty() => name,
                (false, email) => format!("{name} ({email})"),
            }
        }
        Source::Pipelines | Source::ContactProperties => match text("label") {
            label if label.is_empty() => id.to_owned(),
            label => label,
        },
    };
    Some(json!({ "value": id, "label": label }))
}

/// `text` percent-encoded for a query value.
fn form_value(text: &str) -> String {
    reqwest::Url::parse_with_params("http://x/", [("v", text)])
        .ok()
        .and_then(|url| url.query().map(|q| q["v=".len()..].to_owned()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_read_as_name_and_email_and_pipelines_as_their_label() {
        let owner = json!({"id": "17", "firstName": "Ada", "lastName": "Lovelace", "email": "ada@acme.test"});
        assert_eq!(
            option(Source::Owners, &owner),
            Some(json!({"value": "17", "label": "Ada Lovelace (ada@acme.test)"}))
        );
        let bare = json!({"id": "18", "email": "bob@acme.test"});
        assert_eq!(
            option(Source::Owners, &bare).map(|o| o["label"].clone()),
            Some(json!("bob@acme.test"))
        );
        let pipeline = json!({"id": "default", "label": "Sales Pipeline"});
        assert_eq!(
            option(Source::Pipelines, &pipeline).map(|o| o["label"].clone()),
            Some(json!("Sales Pipeline"))
        );
        assert_eq!(option(Source::Owners, &json!({"email": "x"})), None);
        let phone = json!({"name": "phone", "label": "Phone Number", "modificationMetadata": {"readOnlyValue": false}});
        assert_eq!(
            option(Source::ContactProperties, &phone),
            Some(json!({"value": "phone", "label": "Phone Number"}))
        );
        let made = json!({"name": "createdate", "label": "Create Date", "modificationMetadata": {"readOnlyValue": true}});
        assert_eq!(
            option(Source::ContactProperties, &made),
            None,
            "HubSpot writes it"
        );
        assert_eq!(form_value("a b&c=d"), "a+b%26c%3Dd");
    }
}
