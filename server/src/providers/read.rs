//! Reading one definition's YAML tree into a [`Provider`], reporting every problem at its line.

use super::{
    auth,
    definition::{
        Account, AccountTarget, Api, CATEGORIES, Pacing, Provider, RateHeaders, RateLimit,
    },
    problem::{FileReport, ProviderProblem},
    template::{self, Names, Use},
    values,
};
use crate::workflows::{
    fields::Fields,
    yaml::{Node, Pos},
};

const PROVIDER_KEYS: &[&str] = &[
    "name",
    "display_name",
    "categories",
    "icon",
    "docs",
    "notes",
    "fields",
    "auth",
    "api",
    "account",
    "rate_limit",
];
const API_KEYS: &[&str] = &["base_url", "docs", "unverified"];
const ACCOUNT_KEYS: &[&str] = &[
    "method",
    "path",
    "url",
    "introspect",
    "name",
    "id",
    "docs",
    "unverified",
];
const RATE_KEYS: &[&str] = &["headers", "pacing", "docs", "unverified"];
const HEADER_KEYS: &[&str] = &["limit", "remaining", "reset", "retry_after"];

/// A definition and where its name is, for the duplicate check across files.
pub(crate) struct Read {
    pub provider: Provider,
    pub name_pos: Pos,
}

/// Reads the definition; `None` when a required part is unusable (the report says why).
pub(crate) fn read(root: &Node, report: &mut FileReport) -> Option<Read> {
    let top = Fields::read(root, "the provider", PROVIDER_KEYS, report)?;
    let name = top.text("name", report).and_then(|(name, pos)| {
        let valid = values::is_identifier(&name, b'-');
        if !valid {
            report.at(pos, ProviderProblem::InvalidName(name.clone()));
        }
        valid.then_some((name, pos))
    });
    let display_name = top.text("display_name", report);
    let categories = top
        .required("categories", report)
        .and_then(|node| values::texts(node, "categories", report))
        .map(|list| {
            for (category, pos) in &list {
                if !CATEGORIES.contains(&category.as_str()) {
                    report.at(*pos, ProviderProblem::UnknownCategory(category.clone()));
                }
            }
            list.into_iter().map(|(c, _)| c).collect::<Vec<_>>()
        });
    let icon = values::optional_text(&top, "icon", report);
    if let (Some(Some(icon)), Some(node)) = (&icon, top.optional("icon")) {
        if !is_icon_path(icon) {
            report.at(node.pos, ProviderProblem::BadIcon(icon.clone()));
        }
    }
    let docs = top.text("docs", report).map(|(docs, pos)| {
        template::check_link("docs", &docs, pos, report);
        docs
    });
    let _notes = values::optional_text(&top, "notes", report);
    let fields = match top.optional("fields") {
        None => Some(Vec::new()),
        Some(node) => auth::read_fields(node, report),
    };
    let field_list = fields.as_deref().unwrap_or_default();
    let auth = top
        .required("auth", report)
        .and_then(|node| auth::read_auth(node, field_list, report));
    let (token_fields, callback_params) = match &auth {
        Some(super::Auth::OAuth2(oauth)) => (&oauth.token_fields[..], &oauth.callback_params[..]),
        _ => (&[][..], &[][..]),
    };
    let names = Names {
        fields: field_list,
        token_fields,
        callback_params,
    };
    let api = top
        .required("api", report)
        .and_then(|node| read_api(node, &names, report));
    let account = top
        .required("account", report)
        .and_then(|node| read_account(node, &names, report));
    let rate_limit = top
        .required("rate_limit", report)
        .and_then(|node| read_rate_limit(node, report));
    let (name, name_pos) = name?;
    Some(Read {
        provider: Provider {
            name,
            display_name: display_name?.0,
            categories: categories?,
            icon: icon?,
            docs: docs?,
            auth: auth?,
            api: api?,
            account: account?,
            rate_limit: rate_limit?,
            fields: fields?,
        },
        name_pos,
    })
}

fn read_api(node: &Node, names: &Names<'_>, report: &mut FileReport) -> Option<Api> {
    let section = Fields::read(node, "`api`", API_KEYS, report)?;
    values::sources(&section, API_KEYS, report);
    let (base_url, pos) = section.text("base_url", report)?;
    template::check("base_url", &base_url, pos, Use::Url, names, report);
    Some(Api { base_url })
}

fn read_account(node: &Node, names: &Names<'_>, report: &mut FileReport) -> Option<Account> {
    let section = Fields::read(node, "`account`", ACCOUNT_KEYS, report)?;
    values::sources(&section, ACCOUNT_KEYS, report);
    let method = values::one_of(&section, "method", &["GET", "POST"], report);
    let target = match (
        section.optional("path"),
        section.optional("url"),
        section.optional("introspect"),
    ) {
        (Some(_), None, None) => section.text("path", report).and_then(|(path, pos)| {
            if !path.starts_with('/') {
                report.at(pos, ProviderProblem::NotAPath("path"));
                return None;
            }
            template::check("path", &path, pos, Use::Text, names, report);
            Some(AccountTarget::Path(path))
        }),
        (None, Some(_), None) => section.text("url", report).map(|(url, pos)| {
            template::check("url", &url, pos, Use::Url, names, report);
            AccountTarget::Url(url)
        }),
        (None, None, Some(_)) => section.text("introspect", report).map(|(url, pos)| {
            template::check("introspect", &url, pos, Use::Url, names, report);
            if method.is_some_and(|m| m != "POST") {
                report.at(pos, ProviderProblem::IntrospectMethod);
            }
            AccountTarget::Introspect(url)
        }),
        _ => {
            report.at(node.pos, ProviderProblem::AccountTarget);
            None
        }
    };
    let name = section.text("name", report);
    let id = values::optional_text(&section, "id", report);
    Some(Account {
        method: method?.to_owned(),
        target: target?,
        name: name?.0,
        id: id?,
    })
}

fn read_rate_limit(node: &Node, report: &mut FileReport) -> Option<RateLimit> {
    let section = Fields::read(node, "`rate_limit`", RATE_KEYS, report)?;
    values::sources(&section, RATE_KEYS, report);
    let headers = match section.optional("headers") {
        None => Some(RateHeaders::default()),
        Some(node) => Fields::read(node, "`headers`", HEADER_KEYS, report).and_then(|h| {
            Some(RateHeaders {
                limit: values::optional_text(&h, "limit", report)?,
                remaining: values::optional_text(&h, "remaining", report)?,
                reset: values::optional_text(&h, "reset", report)?,
                retry_after: values::optional_text(&h, "retry_after", report)?,
            })
        }),
    };
    let pacing = match section.optional("pacing") {
        None => Some(None),
        Some(node) => Fields::read(node, "`pacing`", &["requests", "per_seconds"], report)
            .and_then(|p| {
                // Sane bounds: a window of a day at most, and no provider allows a million calls
                // in one; a typo of three zeros should not pass.
                let requests = values::number(&p, "requests", 100_000, report);
                let per_seconds = values::number(&p, "per_seconds", 86_400, report);
                Some(Some(Pacing {
                    requests: requests?,
                    per_seconds: per_seconds?,
                }))
            }),
    };
    Some(RateLimit {
        headers: headers?,
        pacing: pacing?,
    })
}

/// `icons/<letters, digits, hyphens>.svg`: a file under `providers/icons/`, never a path that
/// leaves it.
fn is_icon_path(icon: &str) -> bool {
    let stem = icon
        .strip_prefix("icons/")
        .and_then(|i| i.strip_suffix(".svg"));
    stem.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}
