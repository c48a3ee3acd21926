//! The body of `PUT /v3/marketing/contacts` ("Add or Update a Contact"), read into
//! [`ContactInput`]s, or refused with every error found, each naming its field
//! (`contacts[1].email`), in one 400.
//!
//! What SendGrid documents is enforced: `contacts` holds 1 to 30,000 contacts, emails are valid
//! and lower-cased, text fields keep their maximum lengths, at most five `alternate_emails`.
//! What the stand-in does not model is refused rather than ignored, so a client never believes
//! something was stored that was not: `list_ids` (it has no lists), `custom_fields` (it has no
//! custom field definitions; SendGrid's own refusal reads "invalid custom field ids supplied -
//! …"), and the identifiers other than `email` (`phone_number_id`, `external_id`,
//! `anonymous_id`).

use serde_json::{Map, Value};

use super::{
    contacts::{ContactInput, TEXT_FIELDS},
    failure::{ApiFailure, FieldError},
};
use crate::crm::email::is_valid_email;

/// SendGrid's limit per request.
const MAX_CONTACTS: usize = 30_000;
/// SendGrid's limit on `alternate_emails`.
const MAX_ALTERNATES: usize = 5;
/// SendGrid's maximum email length.
const MAX_EMAIL: usize = 254;

/// The contacts of an upsert body, or a 400 that lists what was wrong.
pub fn parse(body: &[u8]) -> Result<Vec<ContactInput>, ApiFailure> {
    let top = json_object(body)?;
    let mut errors = Vec::new();
    for (name, value) in &top {
        match name.as_str() {
            "contacts" => {}
            "list_ids" if value.as_array().is_some_and(Vec::is_empty) => {}
            "list_ids" => errors.push(FieldError::at(
                "list_ids",
                "lists are not modelled by this stand-in; leave list_ids out",
            )),
            _ => errors.push(FieldError::at(name.as_str(), "unknown field")),
        }
    }
    let contacts = match top.get("contacts") {
        Some(Value::Array(contacts)) if (1..=MAX_CONTACTS).contains(&contacts.len()) => {
            contacts.as_slice()
        }
        Some(Value::Array(_)) => {
            let message = format!("must hold 1 to {MAX_CONTACTS} contacts");
            errors.push(FieldError::at("contacts", message));
            &[]
        }
        _ => {
            errors.push(FieldError::at(
                "contacts",
                "is required and must be an array",
            ));
            &[]
        }
    };
    let inputs: Vec<ContactInput> = contacts
        .iter()
        .enumerate()
        .filter_map(|(i, contact)| read_contact(&format!("contacts[{i}]"), contact, &mut errors))
        .collect();
    unless_errors(inputs, errors)
}

fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiFailure> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(ApiFailure::invalid_json()),
    }
}

/// `value`, or a 400 with `errors` when there are any.
fn unless_errors<T>(value: T, errors: Vec<FieldError>) -> Result<T, ApiFailure> {
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(ApiFailure::bad_request(errors))
    }
}

fn read_contact(at: &str, contact: &Value, errors: &mut Vec<FieldError>) -> Option<ContactInput> {
    let Value::Object(contact) = contact else {
        errors.push(FieldError::at(at, "must be an object"));
        return None;
    };
    let before = errors.len();
    let email = match contact.get("email") {
        Some(value) => read_email(&format!("{at}.email"), value, errors),
        None => {
            let message = "is required (the stand-in identifies contacts by email only)";
            errors.push(FieldError::at(format!("{at}.email"), message));
            None
        }
    };
    let alternate_emails = contact
        .get("alternate_emails")
        .and_then(|value| read_alternates(&format!("{at}.alternate_emails"), value, errors));
    let mut fields = Vec::new();
    for (name, value) in contact {
        let field = format!("{at}.{name}");
        if let Some((known, max)) = TEXT_FIELDS.iter().find(|(n, _)| n == name) {
            if let Some(text) = read_text(&field, value, *max, errors) {
                fields.push((*known, text));
            }
        } else if !matches!(name.as_str(), "email" | "alternate_emails") {
            errors.push(refusal(&field, name, value));
        }
    }
    let email = email?;
    (errors.len() == before).then_some(ContactInput {
        email,
        alternate_emails,
        fields,
    })
}

fn refusal(field: &str, name: &str, value: &Value) -> FieldError {
    match (name, value) {
        ("custom_fields", Value::Object(ids)) if ids.is_empty() => {
            FieldError::at(field, "must not be empty when given")
        }
        ("custom_fields", Value::Object(ids)) => {
            let ids: Vec<&str> = ids.keys().map(String::as_str).collect();
            let message = format!("invalid custom field ids supplied - {}", ids.join(","));
            FieldError::at(field, message)
        }
        ("phone_number_id" | "external_id" | "anonymous_id", _) => FieldError::at(
            field,
            "identifiers other than email are not modelled by this stand-in",
        ),
        _ => FieldError::at(field, "unknown field"),
    }
}

fn read_text(
    field: &str,
    value: &Value,
    max: Option<usize>,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let Value::String(text) = value else {
        errors.push(FieldError::at(field, "must be a string"));
        return None;
    };
    if let Some(max) = max.filter(|max| text.chars().count() > *max) {
        errors.push(FieldError::at(
            field,
            format!("must be at most {max} characters"),
        ));
        return None;
    }
    Some(text.clone())
}

fn read_email(field: &str, value: &Value, errors: &mut Vec<FieldError>) -> Option<String> {
    let email = read_text(field, value, Some(MAX_EMAIL), errors)?.to_lowercase();
    if is_valid_email(&email) {
        Some(email)
    } else {
        errors.push(FieldError::at(field, "must be a valid email address"));
        None
    }
}

fn read_alternates(
    field: &str,
    value: &Value,
    errors: &mut Vec<FieldError>,
) -> Option<Vec<String>> {
    let Value::Array(list) = value else {
        errors.push(FieldError::at(field, "must be an array of emails"));
        return None;
    };
    if list.len() > MAX_ALTERNATES {
        let message = format!("must hold at most {MAX_ALTERNATES} emails");
        errors.push(FieldError::at(field, message));
        return None;
    }
    let emails: Vec<Option<String>> = list
        .iter()
        .enumerate()
        .map(|(i, value)| read_email(&format!("{field}[{i}]"), value, errors))
        .collect();
    emails.into_iter().collect()
}

/// The `emails` of a search body (`POST /v3/marketing/contacts/search/emails`), lower-cased,
/// empty strings left out as SendGrid leaves them out; at most 100, each a valid email.
pub fn search_emails(body: &[u8]) -> Result<Vec<String>, ApiFailure> {
    let top = json_object(body)?;
    let list = match top.get("emails") {
        Some(Value::Array(list)) if list.len() <= 100 => list,
        Some(Value::Array(_)) => {
            let error = FieldError::at("emails", "must hold at most 100 emails");
            return Err(ApiFailure::bad_request(vec![error]));
        }
        _ => {
            let error = FieldError::at("emails", "is required and must be an array");
            return Err(ApiFailure::bad_request(vec![error]));
        }
    };
    let mut errors = Vec::new();
    let emails: Vec<String> = list
        .iter()
        .enumerate()
        .filter(|(_, value)| value.as_str() != Some(""))
        .filter_map(|(i, value)| read_email(&format!("emails[{i}]"), value, &mut errors))
        .collect();
    unless_errors(emails, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(failure: ApiFailure) -> Vec<Option<String>> {
        failure.errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_good_body_is_read_with_emails_lower_cased() {
        let body = br#"{"contacts":[{"email":"Ada@Acme.test","first_name":"Ada","alternate_emails":["A@b.co"]}]}"#;
        let inputs = parse(body).expect("valid");
        assert_eq!(inputs[0].email, "ada@acme.test");
        assert_eq!(inputs[0].fields, vec![("first_name", "Ada".to_owned())]);
        assert_eq!(inputs[0].alternate_emails, Some(vec!["a@b.co".to_owned()]));
    }

    #[test]
    fn every_error_is_reported_with_its_field() {
        let long = "x".repeat(51);
        let body = serde_json::json!({
            "contacts": [
                {"email": "not-an-email"},
                {"first_name": long},
                {"email": "ok@acme.test", "custom_fields": {"w1": "x"}, "phone_number_id": "1"}
            ],
            "list_ids": ["l1"]
        });
        let failure = parse(body.to_string().as_bytes()).expect_err("invalid");
        let fields = fields_of(failure);
        for field in [
            "list_ids",
            "contacts[0].email",
            "contacts[1].email",
            "contacts[1].first_name",
            "contacts[2].custom_fields",
            "contacts[2].phone_number_id",
        ] {
            assert!(
                fields.contains(&Some(field.to_owned())),
                "{field} in {fields:?}"
            );
        }
    }

    #[test]
    fn no_contacts_or_no_json_is_refused() {
        assert_eq!(
            fields_of(parse(br#"{"contacts":[]}"#).expect_err("empty")),
            [Some("contacts".to_owned())]
        );
        assert_eq!(
            parse(b"nope").expect_err("not JSON"),
            ApiFailure::invalid_json()
        );
    }
}
