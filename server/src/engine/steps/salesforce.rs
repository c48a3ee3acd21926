//! Salesforce's `action:` steps: create, update and find records of any object through the REST
//! API, v60.0. The integration's API base is `{instance_url}/services/data/v60.0`, so the paths
//! here are under it (`/sobjects/Contact`, `/query`). Salesforce's answers are judged here.
//!
//! Its errors are a JSON array of `{message, errorCode, fields}` ("Status Codes and Error
//! Responses", REST API Developer Guide). A refusal of the record or the query
//! (`DUPLICATES_DETECTED`, `REQUIRED_FIELD_MISSING`, `INVALID_FIELD`, `MALFORMED_QUERY`,
//! `NOT_FOUND`, …) fails the step with Salesforce's code and message: sending it again would be
//! refused again. `REQUEST_LIMIT_EXCEEDED` (403: the org's API allowance, counted over a rolling
//! 24 hours, is used up) is retried after [`LIMIT_PAUSE`]. An expired session (401
//! `INVALID_SESSION_ID`) is refreshed and sent again by the API client, and 429 and 5xx are
//! retried by [`StepContext::call`], as for every provider.
//!
//! Exactly once. Runs execute at least once, so a create tried before in this run (its process
//! died, or its answer was lost) may already have made the record. Salesforce has no idempotency
//! key, and nothing like HubSpot's 409 on a taken email: a duplicate rule may refuse the second
//! record (`DUPLICATES_DETECTED`), only warn, or not exist, as each org chose. So a step that
//! says `match_on: Email` looks first, when it is a retry, for a record of its object whose
//! `Email` is the value it writes (a SOQL GET, harmless to repeat), and takes the one it finds as
//! its earlier try's: `{id, existing: true}`. A first try makes one call. Without `match_on` a
//! retry creates again: Salesforce's `DUPLICATES_DETECTED` then fails the step, saying the
//! earlier try may have made the record; in an org without a duplicate rule the record is made
//! twice. An update is a PATCH of the given fields and a find a GET: doing either twice does
//! what doing it once does.

use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use serde_json::{Map, Value, json};

use super::{StepContext, message};
use crate::{
    connect::api_client::{ApiBody, ApiRequest},
    engine::outcome::StepFailure,
    workflows::{
        Action, ActionStep, ApiName, Context, TemplateValue, property_text,
        soql::{Literal, MAX_LIMIT, Query},
    },
};

/// An action's output, or why not.
type StepResult = Result<Value, StepFailure>;

/// How long a run waits when the org's API allowance is used up. The allowance is counted over
/// the last 24 hours, so calls free up as older ones age out: minutes, not the engine's
/// seconds of backoff, and the run's attempts still end it if the org stays over its limit.
const LIMIT_PAUSE: Duration = Duration::from_secs(10 * 60);

/// Runs the Salesforce action of `step` with its rendered `input` (the record's fields); its
/// `record_id` and `where` are rendered here against `values`.
pub(super) async fn execute(
    step: &ActionStep,
    ctx: &StepContext<'_>,
    values: &Context<'_>,
    input: &Map<String, Value>,
    warnings: &mut Vec<String>,
) -> StepResult {
    let object = step.object.as_ref().ok_or_else(|| {
        StepFailure::Invalid(format!("{} needs the object it acts on", step.action))
    })?;
    match step.action {
        Action::CreateRecord => create(ctx, object, step.match_on.as_ref(), fields(input)).await,
        Action::UpdateRecord => {
            let id = record_id(step, values, warnings)?;
            update(ctx, object, &id, fields(input)).await
        }
        Action::FindRecords => {
            let query = Query {
                object,
                select: &step.select,
                conditions: conditions(step, values, warnings)?,
                limit: step.limit.unwrap_or(MAX_LIMIT).min(MAX_LIMIT),
            };
            find(ctx, &query).await
        }
        other => Err(StepFailure::Invalid(format!(
            "{other} is not one of Salesforce's actions"
        ))),
    }
}

/// The record's fields as Salesforce takes them from a workflow: text, which Salesforce reads
/// into number, checkbox and date fields, where a JSON number sent to a text field is refused
/// (`JSON_PARSER_ERROR`); a list of values joined with `;`, the format of multi-select
/// picklists. A field that rendered empty or `null` is left out, so that a missing event field
/// never blanks a value the record holds.
fn fields(input: &Map<String, Value>) -> Map<String, Value> {
    input
        .iter()
        .filter_map(|(name, value)| Some((name.clone(), Value::String(property_text(value)?))))
        .collect()
}

/// `salesforce.create_record`: POST `/sobjects/{object}`, answered `{id, success, errors}`;
/// on a retry with `match_on`, the record found by that field first.
async fn create(
    ctx: &StepContext<'_>,
    object: &ApiName,
    match_on: Option<&ApiName>,
    fields: Map<String, Value>,
) -> StepResult {
    let key = match match_on {
        None => None,
        Some(field) => Some((field, match_value(field, &fields)?)),
    };
    if let (true, Some((field, value))) = (ctx.retry(), key) {
        let query = Query {
            object,
            select: &[],
            conditions: vec![(field, Literal::Text(value))],
            limit: 1,
        };
        let found = find(ctx, &query).await?;
        if let Some(id) = found["records"][0]["Id"].as_str() {
            return Ok(json!({ "id": id, "existing": true }));
        }
    }
    let path = format!("/sobjects/{object}");
    let (status, body) = ctx
        .call(Method::POST, &path, &Value::Object(fields))
        .await?;
    if status.is_success() {
        return match body["id"].as_str() {
            Some(id) => Ok(json!({ "id": id })),
            None => Err(StepFailure::Failed(format!(
                "Salesforce answered {} without the new record's id",
                status.as_u16()
            ))),
        };
    }
    Err(match refusal(status, &body) {
        StepFailure::Failed(why) if ctx.retry() && code(&body) == Some("DUPLICATES_DETECTED") => {
            StepFailure::Failed(format!(
                "{why} (this step was tried before: its earlier try may have created the record; `match_on` lets a retry find it)"
            ))
        }
        other => other,
    })
}

/// The value the step writes in its `match_on` field: required on every try, so that a step
/// does not find its record only when its data happens to have the field.
fn match_value(field: &ApiName, fields: &Map<String, Value>) -> Result<String, StepFailure> {
    fields
        .iter()
        .find(|(name, _)| field.is(name))
        .and_then(|(_, value)| value.as_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            StepFailure::Invalid(format!(
                "match_on `{field}` rendered empty: a retry could not look the record up by it"
            ))
        })
}

/// `salesforce.update_record`: PATCH `/sobjects/{object}/{id}`, answered 204; its output is the
/// record's id.
async fn update(
    ctx: &StepContext<'_>,
    object: &ApiName,
    id: &str,
    fields: Map<String, Value>,
) -> StepResult {
    let path = format!("/sobjects/{object}/{id}");
    let (status, body) = ctx
        .call(Method::PATCH, &path, &Value::Object(fields))
        .await?;
    if status.is_success() {
        Ok(json!({ "id": id }))
    } else {
        Err(refusal(status, &body))
    }
}

/// The rendered `record_id`: a record id is 15 or 18 letters and digits, and nothing else may
/// reach the URL's path.
fn record_id(
    step: &ActionStep,
    values: &Context<'_>,
    warnings: &mut Vec<String>,
) -> Result<String, StepFailure> {
    let template = step
        .record_id
        .as_ref()
        .ok_or_else(|| StepFailure::Invalid(format!("{} needs the record's id", step.action)))?;
    let rendered = template.render(values);
    warnings.extend(rendered.warnings.iter().map(|w| format!("record_id: {w}")));
    let id = property_text(&rendered.value).unwrap_or_default();
    if is_record_id(&id) {
        Ok(id)
    } else {
        Err(StepFailure::Invalid(format!(
            "{} needs a Salesforce record id (15 or 18 letters and digits) in `record_id`, got {id:?}",
            step.action
        )))
    }
}

fn is_record_id(id: &str) -> bool {
    matches!(id.len(), 15 | 18) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The rendered `where` conditions. One that rendered empty fails the step: a query on an
/// empty value would match the records where the field is blank, not the one meant.
fn conditions<'a>(
    step: &'a ActionStep,
    values: &Context<'_>,
    warnings: &mut Vec<String>,
) -> Result<Vec<(&'a ApiName, Literal)>, StepFailure> {
    let mut out = Vec::with_capacity(step.conditions.len());
    for (field, value) in &step.conditions {
        let literal = match value {
            TemplateValue::Literal(bare) => Literal::written(bare),
            TemplateValue::Text(template) => {
                let rendered = template.render(values);
                warnings.extend(
                    rendered
                        .warnings
                        .iter()
                        .map(|w| format!("where `{field}`: {w}")),
                );
                Literal::rendered(&rendered.value)
            }
            TemplateValue::List(_) | TemplateValue::Object(_) => None,
        };
        let literal = literal.ok_or_else(|| {
            StepFailure::Invalid(format!(
                "where `{field}` rendered empty: a find on an empty value would match the records whose {field} is blank"
            ))
        })?;
        out.push((field, literal));
    }
    Ok(out)
}

/// `salesforce.find_records` (and a retried create's look-up): GET `/query?q=…`, answered
/// `{totalSize, done, records[, nextRecordsUrl]}`; output `{totalSize, records}`. Salesforce may
/// answer in batches smaller than the limit ("Query", REST API Developer Guide): the next
/// batches are read until it is done or the limit is reached.
async fn find(ctx: &StepContext<'_>, query: &Query<'_>) -> StepResult {
    let mut url = Url::parse(&format!("{}/query", ctx.api_base)).map_err(|_| {
        StepFailure::Failed(format!(
            "the integration's API base {:?} is not a URL",
            ctx.api_base
        ))
    })?;
    url.query_pairs_mut().append_pair("q", &query.soql());
    let mut batch = read_batch(ctx, url.to_string(), "/query").await?;
    let total = batch["totalSize"].clone();
    let mut records = take_records(&mut batch);
    let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
    while batch["done"] == false && records.len() < limit {
        let Some(next) = next_batch(ctx.api_base, &batch) else {
            break;
        };
        batch = read_batch(ctx, format!("{}{next}", ctx.api_base), &next).await?;
        let more = take_records(&mut batch);
        if more.is_empty() {
            break;
        }
        records.extend(more);
    }
    Ok(json!({ "totalSize": total, "records": records }))
}

/// One GET of a query's batch; `path` is what Task History shows (never the query string).
async fn read_batch(ctx: &StepContext<'_>, url: String, path: &str) -> StepResult {
    let request = ApiRequest {
        method: Method::GET,
        url,
        path: path.to_owned(),
        body: ApiBody::Raw {
            bytes: Default::default(),
            content_type: None,
            headers: Default::default(),
        },
    };
    let (status, body) = ctx.exchange(&request).await?;
    if status.is_success() {
        Ok(body)
    } else {
        Err(refusal(status, &body))
    }
}

fn take_records(batch: &mut Value) -> Vec<Value> {
    match batch["records"].take() {
        Value::Array(records) => records,
        _ => Vec::new(),
    }
}

/// The path under the API base of the batch after `batch`: its `nextRecordsUrl`
/// (`/services/data/v60.0/query/01gD0000002HU6KIAW-2000`) without the base's own path, and only
/// if it is a query locator, since it comes from the answer and goes into the next URL.
fn next_batch(api_base: &str, batch: &Value) -> Option<String> {
    let next = batch["nextRecordsUrl"].as_str()?;
    let base = Url::parse(api_base).ok()?;
    let locator = next
        .strip_prefix(base.path().trim_end_matches('/'))?
        .strip_prefix("/query/")?;
    let valid = !locator.is_empty()
        && locator
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    valid.then(|| format!("/query/{locator}"))
}

/// The first error's `errorCode`.
fn code(body: &Value) -> Option<&str> {
    body[0]["errorCode"].as_str()
}

/// What Salesforce's refusal does to the run: the used-up API allowance is retried after
/// [`LIMIT_PAUSE`]; anything else fails with Salesforce's code and message.
fn refusal(status: StatusCode, body: &Value) -> StepFailure {
    let code = code(body);
    if status == StatusCode::FORBIDDEN && code == Some("REQUEST_LIMIT_EXCEEDED") {
        return StepFailure::Retry {
            message: format!(
                "Salesforce's API request limit is used up: {}",
                message(body)
            ),
            after: Some(LIMIT_PAUSE),
        };
    }
    let code = code.map(|c| [" ", c].concat()).unwrap_or_default();
    StepFailure::Failed(format!(
        "Salesforce answered {}{code}: {}",
        status.as_u16(),
        message(body)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: &str, message: &str) -> Value {
        json!([{ "message": message, "errorCode": code, "fields": [] }])
    }

    #[test]
    fn record_refusals_fail_with_salesforces_code_and_message() {
        let refused = refusal(
            StatusCode::BAD_REQUEST,
            &failure(
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [LastName]",
            ),
        );

        assert!(
            matches!(&refused, StepFailure::Failed(m) if m == "Salesforce answered 400 REQUIRED_FIELD_MISSING: Required fields are missing: [LastName]"),
            "{refused:?}"
        );
    }

    #[test]
    fn a_used_up_api_allowance_is_retried_after_a_pause() {
        let limit = failure("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");

        let refused = refusal(StatusCode::FORBIDDEN, &limit);

        assert!(
            matches!(&refused, StepFailure::Retry { after: Some(after), .. } if *after == LIMIT_PAUSE),
            "{refused:?}"
        );
        let other_403 = refusal(
            StatusCode::FORBIDDEN,
            &failure("INSUFFICIENT_ACCESS", "no access"),
        );
        assert!(matches!(other_403, StepFailure::Failed(_)));
    }

    #[test]
    fn every_error_of_the_list_is_in_the_message() {
        let body = json!([
            { "message": "Email: invalid email address: x", "errorCode": "INVALID_EMAIL_ADDRESS" },
            { "message": "Title: data value too large", "errorCode": "STRING_TOO_LONG" },
        ]);

        let refused = refusal(StatusCode::BAD_REQUEST, &body);

        assert!(
            matches!(&refused, StepFailure::Failed(m) if m == "Salesforce answered 400 INVALID_EMAIL_ADDRESS: Email: invalid email address: x; Title: data value too large"),
            "{refused:?}"
        );
    }

    #[test]
    fn fields_are_sent_as_text_without_the_empty_ones() {
        let input = json!({
            "LastName": "Lovelace", "NumberOfEmployees": 12, "HasOptedOutOfEmail": false,
            "Interests__c": ["Maths", "Engines"], "Phone": "", "Title": null,
        });
        let input = input.as_object().cloned().unwrap_or_default();

        let sent = fields(&input);

        assert_eq!(
            Value::Object(sent),
            json!({
                "LastName": "Lovelace", "NumberOfEmployees": "12", "HasOptedOutOfEmail": "false",
                "Interests__c": "Maths;Engines",
            })
        );
    }

    #[test]
    fn match_on_needs_the_value_the_step_writes() {
        let email = ApiName::parse("Email").expect("a name");
        let written = json!({ "email": "ada@example.com" });
        let written = written.as_object().cloned().unwrap_or_default();

        assert_eq!(
            match_value(&email, &written).ok().as_deref(),
            Some("ada@example.com")
        );
        assert!(matches!(
            match_value(&email, &Map::new()),
            Err(StepFailure::Invalid(_))
        ));
    }

    #[test]
    fn only_record_ids_reach_the_path() {
        assert!(is_record_id("003000000000001") && is_record_id("003000000000001AAA"));
        for id in [
            "",
            "003",
            "../../limits",
            "003000000000001AAA/x",
            "00300000000000 ",
        ] {
            assert!(!is_record_id(id), "{id:?}");
        }
    }

    #[test]
    fn the_next_batch_is_a_query_locator_under_the_api_base() {
        let base = "https://acme.my.salesforce.com/services/data/v60.0";
        let batch = |next: &str| json!({ "done": false, "nextRecordsUrl": next });

        assert_eq!(
            next_batch(
                base,
                &batch("/services/data/v60.0/query/01gD0000002HU6KIAW-2000")
            )
            .as_deref(),
            Some("/query/01gD0000002HU6KIAW-2000")
        );
        for next in [
            "/services/data/v59.0/query/01gD-2000",
            "/services/data/v60.0/sobjects/Contact",
            "/services/data/v60.0/query/../limits",
            "https://evil.test/services/data/v60.0/query/01gD-2000",
        ] {
            assert_eq!(next_batch(base, &batch(next)), None, "{next}");
        }
    }
}
