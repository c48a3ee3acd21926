//! Reading a definition's `fields` (what the end user types) and its `auth` section, whose keys
//! depend on its `mode`.

use super::{
    definition::{
        ApiKeySend, Auth, BasicSend, ClientAuth, ExpiresIn, Field, FieldFormat, KeyPlace, OAuth2,
        Revoke, Rotation, TokenKind,
    },
    problem::{FileReport, ProviderProblem},
    template::{self, Names, Use},
    values,
};
use crate::workflows::{
    Problem,
    fields::{self, Fields},
    yaml::{Node, Value},
};

const FIELD_KEYS: &[&str] = &["id", "label", "help", "secret", "format"];

/// The fields the portal asks for, in order.
pub(crate) fn read_fields(node: &Node, report: &mut FileReport) -> Option<Vec<Field>> {
    let Value::Seq(items) = &node.value else {
        let expected = "a list of fields";
        report.at(
            node.pos,
            Problem::WrongType {
                key: "fields",
                expected,
            },
        );
        return None;
    };
    let mut read = Vec::new();
    let mut complete = true;
    for item in items {
        match read_field(item, report) {
            Some(field) if read.iter().any(|f: &Field| f.id == field.id) => {
                report.at(item.pos, ProviderProblem::DuplicateField(field.id));
            }
            Some(field) => read.push(field),
            None => complete = false,
        }
    }
    complete.then_some(read)
}

fn read_field(node: &Node, report: &mut FileReport) -> Option<Field> {
    let fields = Fields::read(node, "a field", FIELD_KEYS, report)?;
    let id = fields.text("id", report).and_then(|(id, pos)| {
        let valid = values::is_identifier(&id, b'_');
        if !valid {
            report.at(pos, ProviderProblem::InvalidFieldId(id.clone()));
        }
        valid.then_some(id)
    });
    let label = fields.text("label", report);
    let help = fields.text("help", report);
    let secret = fields
        .required("secret", report)
        .and_then(|n| fields::boolean(n, "secret", report));
    let format = match fields.optional("format") {
        None => Some(None),
        Some(_) => values::one_of(&fields, "format", &["label", "hostname"], report).map(|f| {
            Some(match f {
                "label" => FieldFormat::Label,
                _ => FieldFormat::Hostname,
            })
        }),
    };
    if secret == Some(true) && matches!(format, Some(Some(_))) {
        report.at(node.pos, ProviderProblem::SecretWithFormat);
    }
    Some(Field {
        id: id?,
        label: label?.0,
        help: help?.0,
        secret: secret?,
        format: format?,
    })
}

/// Every key of `auth`: the common ones, then each mode's, sliced out below.
const AUTH_KEYS: &[&str] = &[
    "mode",
    "docs",
    "unverified",
    // oauth2
    "authorize_url",
    "token_url",
    "scopes",
    "scope_separator",
    "pkce",
    "client_auth",
    "authorize_params",
    "expires_in",
    "token_fields",
    "callback_params",
    "refresh_token_rotates",
    "revoke",
    // api_key
    "send",
    // basic
    "username",
    "password",
];
const MODE_KEYS: &[&str] = AUTH_KEYS.split_at(3).1;
const OAUTH2_KEYS: &[&str] = MODE_KEYS.split_at(12).0;
const API_KEY_KEYS: &[&str] = MODE_KEYS.split_at(12).1.split_at(1).0;
const BASIC_KEYS: &[&str] = MODE_KEYS.split_at(13).1;

/// The `auth` section; `fields` are the definition's (already read), which placeholders name.
pub(crate) fn read_auth(node: &Node, fields_: &[Field], report: &mut FileReport) -> Option<Auth> {
    let section = Fields::read(node, "`auth`", AUTH_KEYS, report)?;
    values::sources(&section, AUTH_KEYS, report);
    let mode = values::one_of(&section, "mode", &["oauth2", "api_key", "basic"], report)?;
    let own: &[&str] = match mode {
        "oauth2" => OAUTH2_KEYS,
        "api_key" => API_KEY_KEYS,
        _ => BASIC_KEYS,
    };
    for key in MODE_KEYS {
        if let (false, Some(value)) = (own.contains(key), section.optional(key)) {
            report.at(value.pos, ProviderProblem::KeyNotForMode { key, mode });
        }
    }
    if mode != "oauth2" && !fields_.iter().any(|f| f.secret) {
        report.at(node.pos, ProviderProblem::NoSecretField(mode));
    }
    let no_token_values = Names {
        fields: fields_,
        token_fields: &[],
        callback_params: &[],
    };
    match mode {
        "oauth2" => read_oauth2(&section, fields_, report).map(Auth::OAuth2),
        "api_key" => read_send(&section, &no_token_values, report).map(Auth::ApiKey),
        _ => {
            let part = |key: &'static str, report: &mut FileReport| {
                let (text, pos) = section.text(key, report)?;
                template::check(key, &text, pos, Use::Credential, &no_token_values, report);
                Some(text)
            };
            let username = part("username", report);
            let password = part("password", report);
            Some(Auth::Basic(BasicSend {
                username: username?,
                password: password?,
            }))
        }
    }
}

fn read_send(
    section: &Fields<'_>,
    names: &Names<'_>,
    report: &mut FileReport,
) -> Option<ApiKeySend> {
    let node = section.required("send", report)?;
    let send = Fields::read(node, "`send`", &["header", "query", "value"], report)?;
    let place = match (send.optional("header"), send.optional("query")) {
        (Some(_), None) => send
            .text("header", report)
            .map(|(h, _)| KeyPlace::Header(h)),
        (None, Some(_)) => send.text("query", report).map(|(q, _)| KeyPlace::Query(q)),
        _ => {
            report.at(node.pos, ProviderProblem::SendPlace);
            None
        }
    };
    let value = send.text("value", report).map(|(value, pos)| {
        template::check("value", &value, pos, Use::Credential, names, report);
        value
    });
    Some(ApiKeySend {
        place: place?,
        value: value?,
    })
}

fn read_oauth2(section: &Fields<'_>, fields_: &[Field], report: &mut FileReport) -> Option<OAuth2> {
    // The token and callback values first: the URLs' placeholders may name them.
    let token_fields = match section.optional("token_fields") {
        None => Some(Vec::new()),
        Some(node) => pairs(node, "token_fields", report),
    };
    let callback_params = match section.optional("callback_params") {
        None => Some(Vec::new()),
        Some(node) => values::texts(node, "callback_params", report)
            .map(|list| list.into_iter().map(|(text, _)| text).collect()),
    };
    let names = Names {
        fields: fields_,
        token_fields: token_fields.as_deref().unwrap_or_default(),
        callback_params: callback_params.as_deref().unwrap_or_default(),
    };
    let url = |key: &'static str, use_: Use, report: &mut FileReport| {
        let (text, pos) = section.text(key, report)?;
        template::check(key, &text, pos, use_, &names, report);
        Some(text)
    };
    let authorize_url = url("authorize_url", Use::Url, report);
    let token_url = url("token_url", Use::Url, report);
    // Written as words: a quoted space reads as nothing to a reviewer.
    let scope_separator = values::one_of(section, "scope_separator", &["space", "comma"], report)
        .map(|s| if s == "space" { " " } else { "," });
    let scopes = section
        .required("scopes", report)
        .and_then(|node| values::texts(node, "scopes", report))
        .map(|scopes| {
            for (scope, pos) in &scopes {
                template::check("scopes", scope, *pos, Use::Text, &names, report);
            }
            check_scopes(scopes, scope_separator, report)
        });
    let pkce = section
        .required("pkce", report)
        .and_then(|n| fields::boolean(n, "pkce", report));
    let client_auth = values::one_of(section, "client_auth", &["body", "basic"], report).map(|a| {
        if a == "body" {
            ClientAuth::Body
        } else {
            ClientAuth::Basic
        }
    });
    let authorize_params = match section.optional("authorize_params") {
        None => Some(Vec::new()),
        Some(node) => pairs(node, "authorize_params", report),
    };
    let expires_in = section
        .text("expires_in", report)
        .map(|(field, _)| match field.as_str() {
            "never" => ExpiresIn::Never,
            _ => ExpiresIn::Field(field),
        });
    let rotation = values::one_of(
        section,
        "refresh_token_rotates",
        &["always", "never", "sometimes"],
        report,
    )
    .map(|r| match r {
        "always" => Rotation::Always,
        "never" => Rotation::Never,
        _ => Rotation::Sometimes,
    });
    let revoke = match section.optional("revoke") {
        None => Some(None),
        Some(node) => read_revoke(node, &names, report).map(Some),
    };
    Some(OAuth2 {
        authorize_url: authorize_url?,
        token_url: token_url?,
        scopes: scopes?,
        scope_separator: scope_separator?.to_owned(),
        pkce: pkce?,
        client_auth: client_auth?,
        authorize_params: authorize_params?,
        expires_in: expires_in?,
        token_fields: token_fields?,
        callback_params: callback_params?,
        refresh_token_rotates: rotation?,
        revoke: revoke?,
    })
}

/// Scopes are sent joined by the separator, so none may hold it, and none twice.
fn check_scopes(
    scopes: Vec<(String, crate::workflows::yaml::Pos)>,
    separator: Option<&str>,
    report: &mut FileReport,
) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for (scope, pos) in scopes {
        if let Some(separator) = separator.filter(|s| scope.contains(*s)) {
            let separator = separator.to_owned();
            report.at(pos, ProviderProblem::ScopeHasSeparator { scope, separator });
        } else if seen.contains(&scope) {
            report.at(pos, ProviderProblem::DuplicateScope(scope));
        } else {
            seen.push(scope);
        }
    }
    seen
}

fn read_revoke(node: &Node, names: &Names<'_>, report: &mut FileReport) -> Option<Revoke> {
    let revoke = Fields::read(node, "`revoke`", &["url", "method", "token"], report)?;
    let url = revoke.text("url", report).map(|(url, pos)| {
        template::check("url", &url, pos, Use::RevokeUrl, names, report);
        url
    });
    let method = values::one_of(&revoke, "method", &["POST", "DELETE", "GET"], report);
    let token =
        values::one_of(&revoke, "token", &["access_token", "refresh_token"], report).map(|t| {
            if t == "access_token" {
                TokenKind::Access
            } else {
                TokenKind::Refresh
            }
        });
    Some(Revoke {
        url: url?,
        method: method?.to_owned(),
        token: token?,
    })
}

/// A mapping of names to non-empty texts, in the file's order.
fn pairs(node: &Node, key: &'static str, report: &mut FileReport) -> Option<Vec<(String, String)>> {
    let Value::Map(entries) = &node.value else {
        let expected = "a mapping of names to values";
        report.at(node.pos, Problem::WrongType { key, expected });
        return None;
    };
    let read: Vec<_> = entries
        .iter()
        .map(|entry| fields::text(&entry.value, key, report).map(|(v, _)| (entry.key.clone(), v)))
        .collect();
    read.into_iter().collect()
}
