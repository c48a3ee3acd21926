//! Each kind of broken definition fails with its file, line, column and plain words.

use crate::providers::{ProviderError, load};

/// A valid definition; the tests change one line of it. Line numbers are the file's.
const VALID: &str = "\
name: acme
display_name: Acme
categories: [crm]
docs: https://acme.example/docs
fields:
  - id: subdomain
    label: Acme subdomain
    help: The part before .acme.example in your account's address.
    secret: false
    format: label
auth:
  mode: oauth2
  authorize_url: https://{{connection.subdomain}}.acme.example/oauth/authorize
  token_url: https://{{connection.subdomain}}.acme.example/oauth/token
  scopes: [read, write]
  scope_separator: space
  pkce: true
  client_auth: body
  expires_in: expires_in
  refresh_token_rotates: always
  docs: [https://acme.example/docs/oauth]
api:
  base_url: https://{{connection.subdomain}}.acme.example/api/v2
  docs: [https://acme.example/docs/api]
account:
  method: GET
  path: /me
  name: account.name
  docs: [https://acme.example/docs/me]
rate_limit:
  pacing:
    requests: 100
    per_seconds: 60
  docs: [https://acme.example/docs/limits]
";

fn errors_of(files: &[(&str, &str)]) -> Vec<ProviderError> {
    match load(files) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.0,
    }
}

/// The errors of `VALID` with `old` replaced by `new`.
fn errors_with(old: &str, new: &str) -> Vec<ProviderError> {
    assert!(VALID.contains(old), "the test's text has no {old:?}");
    errors_of(&[("providers/acme.yaml", &VALID.replacen(old, new, 1))])
}

/// Exactly one error, at this line, whose message contains `words`.
fn assert_one(errors: &[ProviderError], line: usize, words: &str) {
    assert_eq!(errors.len(), 1, "expected one error, got: {errors:#?}");
    let error = &errors[0];
    assert_eq!(error.file, "providers/acme.yaml");
    assert_eq!(error.line, line, "{error}");
    assert!(
        error.to_string().contains(words),
        "{error} should say {words:?}"
    );
}

#[test]
fn the_valid_definition_loads() {
    let providers = load(&[("providers/acme.yaml", VALID)]).expect("valid");
    assert_eq!(providers[0].name, "acme");
    assert_eq!(providers[0].auth.mode(), "oauth2");
}

#[test]
fn an_unknown_key_is_reported_at_its_line_and_column() {
    let errors = errors_with("  pkce: true\n", "  pkce: true\n  pcke: false\n");
    assert_one(&errors, 18, "unknown key `pcke` in `auth`");
    assert_eq!(errors[0].column, 3);
    assert!(
        errors[0]
            .to_string()
            .starts_with("providers/acme.yaml:18:3: ")
    );
}

#[test]
fn a_missing_key_of_the_mode_is_reported_at_its_section() {
    let errors = errors_with(
        "  token_url: https://{{connection.subdomain}}.acme.example/oauth/token\n",
        "",
    );
    assert_one(
        &errors,
        12,
        "`auth` is missing the required key `token_url`",
    );
}

#[test]
fn a_key_of_another_mode_is_refused() {
    let errors = errors_with("  pkce: true\n", "  pkce: true\n  username: x\n");
    assert_one(&errors, 18, "`username` does not apply to `mode: oauth2`");
}

#[test]
fn an_unknown_mode_is_refused() {
    let errors = errors_with("mode: oauth2", "mode: oauth1");
    assert_eq!(errors[0].line, 12, "{errors:#?}");
    assert!(
        errors[0].to_string().contains("oauth2, api_key, basic"),
        "{}",
        errors[0]
    );
}

#[test]
fn a_url_that_is_not_https_is_refused() {
    let errors = errors_with(
        "base_url: https://{{connection.subdomain}}",
        "base_url: http://{{connection.subdomain}}",
    );
    assert_one(&errors, 23, "`base_url` must be an https URL");
}

#[test]
fn a_url_with_a_password_is_refused() {
    let errors = errors_with("base_url: https://", "base_url: https://me:secret@");
    assert_one(&errors, 23, "would leak into logs");
}

#[test]
fn a_placeholder_outside_the_closed_list_is_refused() {
    let errors = errors_with("/api/v2", "/api/{{user.id}}");
    assert_one(&errors, 23, "unknown placeholder `{{user.id}}`");
}

#[test]
fn a_connection_value_that_is_not_declared_is_refused() {
    let errors = errors_with("/api/v2", "/api/{{connection.region}}");
    assert_one(&errors, 23, "`{{connection.region}}` names nothing");
}

#[test]
fn a_field_in_a_host_needs_a_format() {
    let errors = errors_with("    format: label\n", "");
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors
            .iter()
            .all(|e| e.to_string().contains("needs `format: label`"))
    );
    assert_eq!(
        errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        [12, 13, 22]
    );
}

#[test]
fn a_secret_never_goes_into_a_url() {
    let errors = errors_with("    secret: false\n", "    secret: true\n");
    assert!(
        errors
            .iter()
            .any(|e| e.line == 6 && e.to_string().contains("cannot have a `format`"))
    );
    assert!(
        errors
            .iter()
            .any(|e| e.line == 13 && e.to_string().contains("secret field"))
    );
}

#[test]
fn an_unclosed_placeholder_is_refused() {
    let errors = errors_with(
        "{{connection.subdomain}}.acme.example/api",
        "{{connection.subdomain.acme.example/api",
    );
    assert_one(&errors, 23, "unclosed `{{`");
}

#[test]
fn a_section_without_documentation_is_refused() {
    let errors = errors_with("  docs: [https://acme.example/docs/me]\n", "");
    assert_one(&errors, 26, "`account` is missing the required key `docs`");
}

#[test]
fn a_documentation_link_must_be_https() {
    let errors = errors_with(
        "[https://acme.example/docs/api]",
        "[http://acme.example/docs/api]",
    );
    assert_one(&errors, 24, "`docs` must be an https URL");
}

#[test]
fn an_empty_documentation_list_is_refused() {
    let errors = errors_with("[https://acme.example/docs/api]", "[]");
    assert_one(&errors, 24, "at least one documentation link");
}

#[test]
fn unverified_must_name_keys_of_its_section() {
    let errors = errors_with(
        "  name: account.name\n",
        "  name: account.name\n  unverified: [pacing]\n",
    );
    assert_one(&errors, 29, "`unverified` names `pacing`");
}

#[test]
fn the_scope_separator_is_a_space_or_a_comma() {
    let errors = errors_with("scope_separator: space", "scope_separator: \";\"");
    assert_one(&errors, 16, "`scope_separator` must be one of");
}

#[test]
fn a_scope_holding_the_separator_is_refused() {
    let errors = errors_with("[read, write]", "[read, \"write all\"]");
    assert_one(&errors, 15, "contains the separator");
}

#[test]
fn pacing_numbers_must_be_sane() {
    let zero = errors_with("requests: 100", "requests: 0");
    let huge = errors_with("per_seconds: 60", "per_seconds: 864000");
    let text = errors_with("requests: 100", "requests: many");
    assert_one(
        &zero,
        32,
        "`requests` must be a whole number from 1 to 100000",
    );
    assert_one(
        &huge,
        33,
        "`per_seconds` must be a whole number from 1 to 86400",
    );
    assert_one(&text, 32, "not `many`");
}

#[test]
fn an_unknown_category_is_refused() {
    let errors = errors_with("[crm]", "[crm, games]");
    assert_one(&errors, 3, "unknown category `games`");
}

#[test]
fn the_name_must_be_the_files_name() {
    let errors = errors_of(&[("providers/other.yaml", VALID)]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        (errors[0].file.as_str(), errors[0].line),
        ("providers/other.yaml", 1)
    );
    assert!(errors[0].to_string().contains("must be the file's name"));
}

#[test]
fn an_invalid_name_is_refused() {
    let errors = errors_with("name: acme", "name: Acme CRM");
    assert!(
        errors
            .iter()
            .any(|e| e.line == 1 && e.to_string().contains("invalid name `Acme CRM`"))
    );
}

#[test]
fn duplicate_names_fail_at_the_second_file() {
    let errors = errors_of(&[
        ("providers/acme.yaml", VALID),
        ("providers/acme.yaml", VALID),
    ]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].line, 1);
    assert!(
        errors[0]
            .to_string()
            .contains("duplicate provider `acme` (first defined in providers/acme.yaml)")
    );
}

#[test]
fn a_yaml_syntax_error_names_its_line() {
    let errors = errors_with("  pkce: true\n", "  pkce: [true\n");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].to_string().contains("YAML syntax error"),
        "{}",
        errors[0]
    );
    assert!(errors[0].line >= 17, "{}", errors[0]);
}

#[test]
fn a_duplicate_key_is_reported() {
    let errors = errors_with("  pkce: true\n", "  pkce: true\n  pkce: false\n");
    assert_one(&errors, 18, "duplicate key `pkce`");
}

/// `VALID` with its OAuth keys replaced by `mode_keys` (the `mode` line and what follows it).
fn with_mode(mode_keys: &str) -> String {
    let start = VALID.find("  mode: oauth2\n").expect("the mode");
    let end = VALID
        .find("  docs: [https://acme.example/docs/oauth]")
        .expect("the auth docs");
    format!("{}{mode_keys}{}", &VALID[..start], &VALID[end..])
}

/// The errors of a definition, as printed.
fn printed(text: &str) -> Vec<String> {
    let errors = errors_of(&[("providers/acme.yaml", text)]);
    errors.iter().map(ToString::to_string).collect()
}

#[test]
fn an_api_key_definition_needs_a_secret_field_and_one_place() {
    let api_key = with_mode(
        "  mode: api_key\n  send:\n    header: X-Key\n    query: key\n    value: \"{{credential.subdomain}}\"\n",
    );

    let lines = printed(&api_key);

    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines[0].contains(":12:3: `mode: api_key` needs at least one field with `secret: true`"),
        "{lines:#?}"
    );
    assert!(
        lines[1].contains(":14:5: `send` takes exactly one of `header` or `query`"),
        "{lines:#?}"
    );
}

#[test]
fn a_credential_placeholder_must_name_a_field() {
    let basic = with_mode(
        "  mode: basic\n  username: \"{{credential.email}}/token\"\n  password: \"{{credential.subdomain}}\"\n",
    )
    .replace("secret: false\n    format: label", "secret: true");

    let lines = printed(&basic);

    assert!(
        lines
            .iter()
            .any(|l| l.contains(":13:") && l.contains("`{{credential.email}}` names no field")),
        "{lines:#?}"
    );
}

#[test]
fn every_problem_of_a_file_is_reported_at_once() {
    let broken = VALID
        .replace("[crm]", "[games]")
        .replace("requests: 100", "requests: 0")
        .replace("/api/v2", "/api/{{user.id}}");

    let errors = errors_of(&[("providers/acme.yaml", &broken)]);

    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [3, 23, 32], "{errors:#?}");
}

#[test]
fn an_icon_outside_the_icons_folder_is_refused() {
    let errors = errors_with(
        "docs: https://acme.example/docs\n",
        "docs: https://acme.example/docs\nicon: ../secret.svg\n",
    );
    assert_one(&errors, 5, "invalid icon `../secret.svg`");
}

#[test]
fn an_introspection_account_call_is_a_post() {
    let errors = errors_with(
        "  path: /me\n",
        "  introspect: https://acme.example/oauth/introspect\n",
    );
    assert_one(&errors, 27, "is a POST");
    let both = errors_with(
        "  path: /me\n",
        "  path: /me\n  url: https://acme.example/me\n",
    );
    assert_one(&both, 26, "exactly one of `path`, `url` or `introspect`");
}
