//! CRM properties v3 (the Connect Portal's field mapping): the contact properties, read with a
//! contacts token, one by name, HubSpot's errors, and the CRM gate's rules. Every success
//! answer is checked against HubSpot's spec.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{contact_errors::assert_crm_error, helpers::*, openapi::spec};

const CONTACTS: &str = "/crm/v3/properties/contacts";
const LIST: &str = "/crm/v3/properties/{objectType}";
const ONE: &str = "/crm/v3/properties/{objectType}/{propertyName}";
const CONTACTS_ONLY: &str = "oauth crm.objects.contacts.read crm.objects.contacts.write";

/// Every property of the sandbox's contact catalogue (the names contacts accept on write).
const CATALOGUE: &[&str] = &[
    "email",
    "firstname",
    "lastname",
    "salutation",
    "company",
    "jobtitle",
    "industry",
    "annualrevenue",
    "numemployees",
    "phone",
    "mobilephone",
    "fax",
    "website",
    "address",
    "city",
    "state",
    "zip",
    "country",
    "message",
    "date_of_birth",
    "twitterhandle",
    "work_email",
    "hubspot_owner_id",
    "lifecyclestage",
    "hs_lead_status",
    "createdate",
    "lastmodifieddate",
    "hs_object_id",
    "hs_email_domain",
];

/// A sandbox whose app has only the contacts scopes, and an access token of `HUB` with them.
async fn with_contacts_scopes() -> (TestSandbox, String) {
    let mut config = config();
    config.apps[0]
        .scopes
        .retain(|s| CONTACTS_ONLY.split(' ').any(|c| c == s));
    let sandbox = spawn_with(config).await;
    let token = token_for(&sandbox, CONTACTS_ONLY).await;
    (sandbox, token)
}

async fn token_for(sandbox: &TestSandbox, scope: &str) -> String {
    let params = with(&authorize_params(), "scope", Some(scope));
    let code = sandbox.code_with(&params, HUB).await;
    let answer = sandbox
        .token(&pairs(&TestSandbox::exchange_form(&code)))
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    let tokens: Value = answer.json().await.expect("JSON tokens");
    tokens["access_token"].as_str().expect("a token").to_owned()
}

async fn get_ok(sandbox: &TestSandbox, path: &str, token: &str) -> Value {
    let answer = sandbox.crm(Method::GET, path, token, None).await;
    assert_eq!(answer.status(), StatusCode::OK, "GET {path}");
    assert_hubspot_json(&answer);
    answer.json().await.expect("a JSON body")
}

fn names(list: &Value) -> Vec<&str> {
    list["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|p| p["name"].as_str().expect("a name"))
        .collect()
}

fn by_name<'a>(list: &'a Value, name: &str) -> &'a Value {
    list["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} is listed"))
}

#[tokio::test]
async fn a_contacts_token_lists_every_catalogue_property_with_hubspots_labels() {
    let (sandbox, token) = with_contacts_scopes().await;
    let doc = spec("crm-properties-v3.json");

    let list = get_ok(&sandbox, CONTACTS, &token).await;
    doc.check(LIST, "get", 200, &list);
    assert_eq!(names(&list), CATALOGUE);

    for (name, label) in [
        ("email", "Email"),
        ("firstname", "First Name"),
        ("lastname", "Last Name"),
        ("company", "Company Name"),
        ("jobtitle", "Job Title"),
        ("phone", "Phone Number"),
        ("hubspot_owner_id", "Contact owner"),
        ("lifecyclestage", "Lifecycle Stage"),
        ("hs_lead_status", "Lead Status"),
        ("createdate", "Create Date"),
        ("hs_object_id", "Record ID"),
    ] {
        assert_eq!(by_name(&list, name)["label"], label, "{name}");
    }
    for property in list["results"].as_array().expect("results") {
        let name = property["name"].as_str().unwrap_or_default();
        let label = property["label"].as_str().unwrap_or_default();
        assert!(!label.is_empty() && label != name, "{name} has a label");
        assert!(property["description"].is_string(), "{name}");
        assert_eq!(property["groupName"], "contactinformation", "{name}");
        assert_eq!(property["hubspotDefined"], true, "{name}");
        assert_eq!(property["archived"], false, "{name}");
        assert_eq!(property["hidden"], false, "{name}");
        assert!(property["options"].is_array(), "{name}");
        assert!(property["displayOrder"].is_i64(), "{name}");
        assert_eq!(property["modificationMetadata"]["archivable"], false);
    }

    let first = by_name(&list, "firstname");
    assert_eq!(first["type"], "string");
    assert_eq!(first["fieldType"], "text");
    assert_eq!(first["options"], json!([]));
    assert_eq!(first["formField"], true);
    assert_eq!(first["modificationMetadata"]["readOnlyValue"], false);
    let email = by_name(&list, "email");
    assert_eq!(
        (&email["type"], &email["fieldType"]),
        (&json!("string"), &json!("text"))
    );
    assert_eq!(by_name(&list, "message")["fieldType"], "textarea");

    let stage = by_name(&list, "lifecyclestage");
    assert_eq!(stage["type"], "enumeration");
    assert_eq!(stage["fieldType"], "select");
    assert_eq!(stage["externalOptions"], false);
    let options = stage["options"].as_array().expect("options");
    let values: Vec<&str> = options
        .iter()
        .map(|o| o["value"].as_str().expect("a value"))
        .collect();
    assert_eq!(
        values,
        [
            "subscriber",
            "lead",
            "marketingqualifiedlead",
            "salesqualifiedlead",
            "opportunity",
            "customer",
            "evangelist",
            "other"
        ]
    );
    assert_eq!(
        options[2],
        json!({"label": "Marketing Qualified Lead", "value": "marketingqualifiedlead",
            "displayOrder": 2, "hidden": false})
    );
    assert_eq!(
        by_name(&list, "hs_lead_status")["options"][5]["label"],
        "Attempted to Contact"
    );
    assert_eq!(
        by_name(&list, "numemployees")["options"][6]["value"],
        "1000+"
    );

    let owner = by_name(&list, "hubspot_owner_id");
    assert_eq!(owner["type"], "enumeration");
    assert_eq!(owner["fieldType"], "select");
    assert_eq!(owner["externalOptions"], true);
    assert_eq!(owner["referencedObjectType"], "OWNER");
    assert_eq!(owner["options"], json!([]));

    for (name, kind, field) in [
        ("createdate", "datetime", "date"),
        ("lastmodifieddate", "datetime", "date"),
        ("hs_object_id", "number", "number"),
        ("hs_email_domain", "string", "text"),
    ] {
        let property = by_name(&list, name);
        assert_eq!(property["type"], kind, "{name}");
        assert_eq!(property["fieldType"], field, "{name}");
        assert_eq!(
            property["modificationMetadata"]["readOnlyValue"], true,
            "{name}"
        );
        assert_eq!(property["formField"], false, "{name}");
    }
}

#[tokio::test]
async fn the_listed_options_are_what_a_contact_accepts() {
    let (sandbox, token) = with_contacts_scopes().await;
    let stage = get_ok(&sandbox, &format!("{CONTACTS}/lifecyclestage"), &token).await;
    let value = stage["options"][3]["value"].as_str().expect("a value");
    let created = sandbox
        .create_contact(
            &token,
            json!({"email": "sql@example.com", "lifecyclestage": value}),
        )
        .await;
    assert_eq!(created["properties"]["lifecyclestage"], value);
    let label = stage["options"][3]["label"].as_str().expect("a label");
    let refused = sandbox
        .crm(
            Method::POST,
            "/crm/v3/objects/contacts",
            &token,
            Some(json!({"properties": {"lifecyclestage": label}})),
        )
        .await;
    assert_crm_error(refused, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
}

#[tokio::test]
async fn the_object_type_is_accepted_by_name_singular_or_plural_any_case_or_id() {
    let (sandbox, token) = with_contacts_scopes().await;
    let doc = spec("crm-properties-v3.json");
    let contacts = get_ok(&sandbox, CONTACTS, &token).await;
    for alias in ["contact", "Contacts", "CONTACT", "0-1"] {
        let list = get_ok(&sandbox, &format!("/crm/v3/properties/{alias}"), &token).await;
        doc.check(LIST, "get", 200, &list);
        assert_eq!(list, contacts, "{alias}");
        let one = get_ok(
            &sandbox,
            &format!("/crm/v3/properties/{alias}/email"),
            &token,
        )
        .await;
        assert_eq!(&one, by_name(&contacts, "email"), "{alias}");
    }
}

#[tokio::test]
async fn one_property_is_read_by_name_and_an_unknown_one_is_not_found() {
    let (sandbox, token) = with_contacts_scopes().await;
    let doc = spec("crm-properties-v3.json");
    let list = get_ok(&sandbox, CONTACTS, &token).await;

    for name in CATALOGUE {
        let one = get_ok(&sandbox, &format!("{CONTACTS}/{name}"), &token).await;
        doc.check(ONE, "get", 200, &one);
        assert_eq!(&one, by_name(&list, name));
    }
    let job = get_ok(&sandbox, &format!("{CONTACTS}/jobtitle"), &token).await;
    assert_eq!(job["label"], "Job Title");

    for path in [
        format!("{CONTACTS}/nosuchproperty"),
        format!("{CONTACTS}/FirstName"),
        format!("{CONTACTS}/firstname?archived=true"),
        format!("{CONTACTS}/firstname?dataSensitivity=sensitive"),
    ] {
        let answer = sandbox.crm(Method::GET, &path, &token, None).await;
        let body = assert_crm_error(answer, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND").await;
        assert!(body["message"].is_string(), "{path}: {body}");
    }
}

#[tokio::test]
async fn the_specs_query_parameters_are_accepted() {
    let (sandbox, token) = with_contacts_scopes().await;
    let doc = spec("crm-properties-v3.json");
    let all = get_ok(&sandbox, CONTACTS, &token).await;
    for query in [
        "archived=false",
        "dataSensitivity=non_sensitive",
        "locale=en-us",
        "properties=firstname",
        "archived=false&dataSensitivity=non_sensitive&locale=de&properties=email,lastname",
    ] {
        let list = get_ok(&sandbox, &format!("{CONTACTS}?{query}"), &token).await;
        doc.check(LIST, "get", 200, &list);
        assert_eq!(list, all, "{query}");
        let one = get_ok(&sandbox, &format!("{CONTACTS}/email?{query}"), &token).await;
        doc.check(ONE, "get", 200, &one);
    }
    // No archived and no sensitive properties here.
    for query in [
        "archived=true",
        "dataSensitivity=sensitive",
        "dataSensitivity=highly_sensitive",
    ] {
        let list = get_ok(&sandbox, &format!("{CONTACTS}?{query}"), &token).await;
        doc.check(LIST, "get", 200, &list);
        assert_eq!(list, json!({"results": []}), "{query}");
    }
    for query in ["archived=maybe", "dataSensitivity=secret"] {
        for path in [
            format!("{CONTACTS}?{query}"),
            format!("{CONTACTS}/email?{query}"),
        ] {
            let answer = sandbox.crm(Method::GET, &path, &token, None).await;
            assert_crm_error(answer, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
        }
    }
}

#[tokio::test]
async fn an_unknown_object_type_is_a_validation_error() {
    let (sandbox, token) = with_contacts_scopes().await;
    for path in [
        "/crm/v3/properties/widgets",
        "/crm/v3/properties/widgets/email",
        "/crm/v3/properties/deals",
        "/crm/v3/properties/0-3/dealname",
    ] {
        let answer = sandbox.crm(Method::GET, path, &token, None).await;
        let body = assert_crm_error(answer, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
        let object_type = path.split('/').nth(4).expect("a type");
        assert_eq!(
            body["message"],
            format!("Unable to infer object type from: {object_type}")
        );
    }
}

#[tokio::test]
async fn a_bad_or_expired_token_is_refused_as_for_contacts() {
    let (sandbox, token) = with_contacts_scopes().await;
    for path in [CONTACTS, "/crm/v3/properties/contacts/email"] {
        let answer = sandbox.crm(Method::GET, path, "not-a-token", None).await;
        assert_crm_error(answer, StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION").await;
        let bare = sandbox
            .http
            .get(sandbox.url(path))
            .send()
            .await
            .expect("answers");
        assert_crm_error(bare, StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION").await;
    }
    let expired = sandbox
        .http
        .post(sandbox.url(&format!("/_sandbox/accounts/{HUB}/expire-tokens")))
        .send()
        .await
        .expect("the knob answers");
    assert_eq!(expired.status(), StatusCode::OK);
    let answer = sandbox.crm(Method::GET, CONTACTS, &token, None).await;
    assert_crm_error(answer, StatusCode::UNAUTHORIZED, "EXPIRED_AUTHENTICATION").await;
}

#[tokio::test]
async fn a_token_without_any_of_the_specs_scopes_gets_missing_scopes() {
    let mut config = config();
    config.apps[0].scopes = vec!["oauth".into()];
    config.apps[0].optional_scopes = vec!["crm.objects.owners.read".into()];
    let sandbox = spawn_with(config).await;
    let oauth_only = token_for(&sandbox, "oauth").await;
    for path in [CONTACTS, "/crm/v3/properties/contacts/email"] {
        let answer = sandbox.crm(Method::GET, path, &oauth_only, None).await;
        let body = assert_crm_error(answer, StatusCode::FORBIDDEN, "MISSING_SCOPES").await;
        let required = body["errors"][0]["context"]["requiredGranularScopes"]
            .as_array()
            .expect("the accepted scopes");
        assert_eq!(required.len(), 100, "{body}");
        assert!(required.contains(&json!("crm.objects.contacts.read")));
        assert!(required.contains(&json!("crm.schemas.contacts.read")));
    }
    // Any one of the listed scopes will do, not only the contacts ones.
    let owners = token_for(&sandbox, "oauth crm.objects.owners.read").await;
    let list = get_ok(&sandbox, CONTACTS, &owners).await;
    assert_eq!(names(&list).len(), CATALOGUE.len());
}

#[tokio::test]
async fn properties_count_log_and_share_the_rate_limit() {
    let mut config = config();
    config.rate_limit_max = 3;
    let sandbox = spawn_with(config).await;
    let token = sandbox.connect(HUB).await.access;
    let before = sandbox.counters().await;

    let answer = sandbox.crm(Method::GET, CONTACTS, &token, None).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(remaining(&answer), Some("2"));
    let one = "/crm/v3/properties/contacts/email";
    assert_eq!(sandbox.get_status(one, &token).await, StatusCode::OK);
    let contacts = "/crm/v3/objects/contacts";
    assert_eq!(sandbox.get_status(contacts, &token).await, StatusCode::OK);
    assert_rate_limited(sandbox.crm(Method::GET, CONTACTS, &token, None).await).await;

    assert_eq!(sandbox.crm_counts_since(&before).await, (4, 1));
    let logged = sandbox.logged(&["/crm/v3/properties"]).await;
    let expected = [(CONTACTS, 200), (one, 200), (CONTACTS, 429)];
    assert_eq!(logged, expected.map(|(p, s)| (p.to_owned(), s)));
}

#[tokio::test]
async fn injected_faults_apply_to_properties() {
    let (sandbox, token) = with_contacts_scopes().await;
    let paths = [CONTACTS, "/crm/v3/properties/contacts/email"];
    sandbox.assert_faults_apply(&token, &paths).await;
}
