//! Task History in the console: `GET /console/projects/{pid}/runs` (the API's filters as query
//! parameters, newest first, paged with the API's cursor), `GET …/runs/{id}` (trigger, attempts,
//! error) and `POST …/runs/{id}/replay`. What they read and do is [`crate::task_history`], the
//! code the management API runs; these pages only render it.
//!
//! Tenancy: the project of the path must be the session's own (or any, for the operator), and
//! a run is looked up within that project only, so another project's run id is a 404 like an
//! id that does not exist.

use axum::{
    Form, Router,
    extract::{Path, Query, State, rejection::FormRejection},
    http::StatusCode,
    response::Response,
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::Value;

use super::super::{
    AppState, csrf,
    layout::{self, Nav, escape, json_block, query_value, time_element},
    see_other,
    session::Console,
};
use crate::{
    ids::{ProjectId, RunId, UserId, WorkflowId},
    storage::{Attempt, Project, Run, RunFilter, RunStatus},
    task_history,
    workflows::Trigger,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/projects/{pid}/runs", get(list))
        .route("/console/projects/{pid}/runs/{id}", get(show))
        .route("/console/projects/{pid}/runs/{id}/replay", post(replay))
}

/// The project of the path, if the session may see it; a 404 otherwise (whether it exists
/// elsewhere or not at all).
async fn project(state: &AppState, console: &Console, pid: &str) -> Result<Project, Response> {
    let id = ProjectId::parse(pid)
        .filter(|id| console.may_see(*id))
        .ok_or_else(layout::not_found)?;
    match state.store.project(id).await {
        Ok(Some(project)) => Ok(project),
        Ok(None) => Err(layout::not_found()),
        Err(error) => Err(layout::storage_failed(&error)),
    }
}

fn nav<'a>(console: &'a Console, project: &'a Project) -> Nav<'a> {
    Nav {
        console,
        project: Some((project.id.to_string(), &project.name)),
    }
}

/// The list's filters; an empty field (a form submitted without it) is no filter.
#[derive(Debug, Default, Deserialize)]
struct Filters {
    #[serde(default)]
    user: String,
    #[serde(default)]
    workflow: String,
    #[serde(default)]
    status: String,
    /// From this time, UTC, as a `datetime-local` field sends it (`2026-12-08T04:30`).
    #[serde(default)]
    since: String,
    /// Until this time, UTC, likewise.
    #[serde(default)]
    until: String,
    #[serde(default)]
    cursor: String,
}

/// A `datetime-local` value read as UTC, in Unix ms; `None` for an empty field.
fn utc_ms(field: &str, value: &str) -> Result<Option<i64>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    let bad = || format!("{field} must be a date and time like 2026-12-08T04:30 (UTC)");
    let civil: jiff::civil::DateTime = value.trim().parse().map_err(|_| bad())?;
    let zoned = civil.to_zoned(jiff::tz::TimeZone::UTC).map_err(|_| bad())?;
    Ok(Some(zoned.timestamp().as_millisecond()))
}

async fn list(
    State(state): State<AppState>,
    console: Console,
    Path(pid): Path<String>,
    query: Result<Query<Filters>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let project = match project(&state, &console, &pid).await {
        Ok(project) => project,
        Err(response) => return response,
    };
    let Ok(Query(filters)) = query else {
        return layout::bad_request("The filters of this address do not parse.");
    };
    let status = match filters.status.as_str() {
        "" => None,
        name => match task_history::parse_status(name) {
            Ok(status) => Some(status),
            Err(message) => return layout::bad_request(&message),
        },
    };
    let before = match filters.cursor.as_str() {
        "" => None,
        cursor => match task_history::parse_cursor(cursor) {
            Ok((ms, id)) => RunId::parse(&id).map(|id| (ms, id)),
            Err(message) => return layout::bad_request(&message),
        },
    };
    let (since_ms, until_ms) = match (utc_ms("From", &filters.since), utc_ms("To", &filters.until))
    {
        (Ok(since), Ok(until)) => (since, until),
        (Err(message), _) | (_, Err(message)) => return layout::bad_request(&message),
    };
    let user_id = (!filters.user.is_empty()).then(|| UserId::parse(filters.user.trim()));
    let workflow_id =
        (!filters.workflow.is_empty()).then(|| WorkflowId::parse(filters.workflow.trim()));
    // As in the API: a filter on something that cannot be an id matches no run.
    let page = match (user_id, workflow_id) {
        (Some(None), _) | (_, Some(None)) => task_history::Page {
            runs: Vec::new(),
            next_cursor: None,
        },
        (user_id, workflow_id) => {
            let filter = RunFilter {
                user_id: user_id.flatten(),
                workflow_id: workflow_id.flatten(),
                status,
                since_ms,
                until_ms,
                before,
                limit: task_history::page_size(None),
            };
            match task_history::page(&state.store, project.id, &filter).await {
                Ok(page) => page,
                Err(error) => return layout::storage_failed(&error),
            }
        }
    };
    let body = format!(
        "<h1>Task History</h1>{form}{table}{next}",
        form = filter_form(&filters, status),
        table = runs_table(&project, &page.runs),
        next = page.next_cursor.map_or(String::new(), |cursor| {
            format!(
                r#"<p><a href="/console/projects/{pid}/runs?user={user}&amp;workflow={workflow}&amp;status={status}&amp;since={since}&amp;until={until}&amp;cursor={cursor}" rel="next">Older runs</a></p>"#,
                pid = project.id,
                user = query_value(&filters.user),
                workflow = query_value(&filters.workflow),
                status = query_value(&filters.status),
                since = query_value(&filters.since),
                until = query_value(&filters.until),
                cursor = query_value(&cursor),
            )
        }),
    );
    layout::page(
        StatusCode::OK,
        "Task History",
        Some(nav(&console, &project)),
        &body,
    )
}

fn filter_form(filters: &Filters, status: Option<RunStatus>) -> String {
    let options: String = [
        None,
        Some(RunStatus::Queued),
        Some(RunStatus::Running),
        Some(RunStatus::Succeeded),
        Some(RunStatus::Failed),
    ]
    .into_iter()
    .map(|option| {
        let (value, label) = option.map_or(("", "any"), |s| (s.as_str(), s.as_str()));
        let selected = if option == status { " selected" } else { "" };
        format!(r#"<option value="{value}"{selected}>{label}</option>"#)
    })
    .collect();
    format!(
        r#"<form method="get" class="filters" aria-label="Filter runs">
<div><label for="user">User</label><input id="user" name="user" value="{user}" spellcheck="false"></div>
<div><label for="workflow">Workflow id</label><input id="workflow" name="workflow" value="{workflow}" spellcheck="false"></div>
<div><label for="status">Status</label><select id="status" name="status">{options}</select></div>
<div><label for="since">From (UTC)</label><input id="since" name="since" type="datetime-local" value="{since}"></div>
<div><label for="until">To (UTC)</label><input id="until" name="until" type="datetime-local" value="{until}"></div>
<div><button type="submit">Filter</button></div>
</form>"#,
        user = escape(&filters.user),
        workflow = escape(&filters.workflow),
        since = escape(&filters.since),
        until = escape(&filters.until),
    )
}

fn status_badge(status: RunStatus) -> String {
    format!(
        r#"<span class="status status-{s}">{s}</span>"#,
        s = status.as_str()
    )
}

fn runs_table(project: &Project, runs: &[Run]) -> String {
    if runs.is_empty() {
        return "<p>No run matches.</p>".to_owned();
    }
    let rows: String = runs
        .iter()
        .map(|run| {
            let took = run
                .finished_ms
                .map(|end| layout::duration(end - run.started_ms.unwrap_or(run.created_ms)))
                .unwrap_or_default();
            format!(
                r#"<tr><td><a href="/console/projects/{pid}/runs/{id}">{short}</a></td><td>{status}</td><td>{user}</td><td class="id">{workflow} v{version}</td><td>{created}</td><td>{took}</td></tr>"#,
                pid = project.id,
                id = escape(&run.id.to_string()),
                short = escape(&run.id.to_string().chars().take(8).collect::<String>()),
                status = status_badge(run.status),
                user = escape(&run.user_id.to_string()),
                workflow = escape(&run.workflow_id.to_string()),
                version = run.workflow_version,
                created = time_element(run.created_ms),
            )
        })
        .collect();
    format!(
        r#"<div class="scroll" tabindex="0" role="region" aria-label="Runs"><table>
<caption>Runs, newest first</caption>
<thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">User</th><th scope="col">Workflow</th><th scope="col">Created</th><th scope="col">Took</th></tr></thead>
<tbody>{rows}</tbody></table></div>"#
    )
}

async fn show(
    State(state): State<AppState>,
    console: Console,
    Path((pid, id)): Path<(String, String)>,
) -> Response {
    let project = match project(&state, &console, &pid).await {
        Ok(project) => project,
        Err(response) => return response,
    };
    let Some(run_id) = RunId::parse(&id) else {
        return layout::not_found();
    };
    let execution = match task_history::execution(&state.store, project.id, &run_id).await {
        Ok(Some(execution)) => execution,
        Ok(None) => return layout::not_found(),
        Err(error) => return layout::storage_failed(&error),
    };
    let trigger = match state.store.event(project.id, &execution.run.event_id).await {
        Ok(trigger) => trigger,
        Err(error) => return layout::storage_failed(&error),
    };
    let run = &execution.run;
    let error = run.error.as_deref().map_or(String::new(), |error| {
        format!(
            r#"<section aria-labelledby="error-title" class="problem"><h2 id="error-title">Error</h2><p>{}</p></section>"#,
            escape(error)
        )
    });
    let scheduled = run.scheduled_ms.map_or(String::new(), |ms| {
        format!("<p>Scheduled for {}.</p>", time_element(ms))
    });
    let trigger = match trigger {
        Some((name, payload)) => format!(
            "<p>{what}:</p>{payload}",
            what = trigger_words(execution.workflow.as_ref().map(|w| &w.trigger), &name),
            payload = json_block(&payload)
        ),
        None => "<p>The trigger is no longer stored (past the retention).</p>".to_owned(),
    };
    let workflow_name = execution
        .workflow
        .as_ref()
        .map_or(String::new(), |w| format!("{} ", escape(&w.name)));
    let tree = execution.tree();
    let walked = if tree.is_empty() {
        "<p>The workflow version this run ran is no longer stored.</p>".to_owned()
    } else {
        tree_list(&tree, 0)
    };
    let attempts: String = execution.attempts.iter().map(attempt).collect();
    let attempts = if attempts.is_empty() {
        "<p>No step has run yet.</p>".to_owned()
    } else {
        format!(r#"<ol class="attempts">{attempts}</ol>"#)
    };
    let body = format!(
        r#"<h1>Run <span class="id">{id}</span></h1>
<dl class="facts">
<dt>Status</dt><dd>{status}</dd>
<dt>User</dt><dd>{user}</dd>
<dt>Workflow</dt><dd>{workflow_name}<span class="id">{workflow} v{version}</span></dd>
<dt>Created</dt><dd>{created}</dd>
<dt>Finished</dt><dd>{finished}</dd>
<dt>Attempts</dt><dd>{count}</dd>
</dl>
{error}
<form method="post" action="/console/projects/{pid}/runs/{id}/replay">
<input type="hidden" name="{field}" value="{token}">
<button type="submit">Replay</button>
<span class="muted">Queues a new run of this workflow with the same trigger.</span>
</form>
<section aria-labelledby="trigger-title"><h2 id="trigger-title">Trigger</h2>{scheduled}{trigger}</section>
<section aria-labelledby="tree-title"><h2 id="tree-title">Steps</h2>{walked}</section>
<section aria-labelledby="steps-title"><h2 id="steps-title">Step attempts</h2>{attempts}</section>"#,
        id = escape(&run.id.to_string()),
        pid = project.id,
        status = status_badge(run.status),
        user = escape(&run.user_id.to_string()),
        workflow = escape(&run.workflow_id.to_string()),
        version = run.workflow_version,
        created = time_element(run.created_ms),
        finished = run.finished_ms.map_or("not yet".to_owned(), time_element),
        count = run.attempts,
        field = csrf::FIELD,
        token = escape(&console.csrf_token()),
    );
    layout::page(StatusCode::OK, "Run", Some(nav(&console, &project)), &body)
}

/// What started the run, in words, from the trigger of the run's workflow version (`None`
/// when that version is gone: then only the stored event's name is known).
fn trigger_words(trigger: Option<&Trigger>, name: &str) -> String {
    match trigger {
        Some(Trigger::AppEvent(event)) => {
            format!("The App Event <strong>{}</strong>", escape(event))
        }
        Some(Trigger::Request(_)) => {
            "The request from the app (its body, query and headers)".to_owned()
        }
        Some(Trigger::Schedule(schedule)) => format!(
            "The schedule <code>{}</code>{}",
            escape(&schedule.cron),
            schedule
                .timezone
                .as_deref()
                .map_or(String::new(), |tz| format!(" ({})", escape(tz)))
        ),
        Some(Trigger::IntegrationEnabled) => "The user connecting the integration".to_owned(),
        Some(Trigger::ProviderEvent(event)) => format!(
            "The provider's event <strong>{}</strong>",
            escape(&event.event)
        ),
        None => format!("The event <strong>{}</strong>", escape(name)),
    }
}

/// Nested lists deeper than this are cut (a workflow is bounded at deploy; this only keeps a
/// corrupt row from recursing without end).
const MAX_TREE_DEPTH: usize = 16;

/// The steps the run's workflow walked (`task_history::tree`'s nodes): each step's kind and
/// state, the branch an `if` took, a `for_each`'s iterations, a `delay`'s wake-up, nested.
fn tree_list(nodes: &[Value], depth: usize) -> String {
    if depth > MAX_TREE_DEPTH {
        return String::new();
    }
    let text = |node: &Value, key: &str| node[key].as_str().unwrap_or_default().to_owned();
    let items: String = nodes
        .iter()
        .map(|node| {
            let state = text(node, "state").replace('_', " ");
            let mut item = format!(
                r#"<li><span class="id">{step}</span> ({kind}): {state}"#,
                step = escape(&text(node, "stepId")),
                kind = escape(&text(node, "kind")),
                state = escape(&state),
            );
            if let Some(wake) = node["wakeAt"].as_i64() {
                item.push_str(&format!(", wakes at {}", time_element(wake)));
            }
            if let Some(branch) = node["branch"].as_str() {
                item.push_str(&format!(", took <strong>{}</strong>", escape(branch)));
            }
            if let Some(steps) = node["steps"].as_array() {
                item.push_str(&tree_list(steps, depth + 1));
            }
            if let Some(iterations) = node["iterations"].as_array() {
                let each: String = iterations
                    .iter()
                    .map(|iteration| {
                        let steps = iteration["steps"].as_array().map_or(&[][..], Vec::as_slice);
                        format!(
                            "<li>item {}{}</li>",
                            iteration["index"].as_u64().unwrap_or_default() + 1,
                            tree_list(steps, depth + 1)
                        )
                    })
                    .collect();
                item.push_str(&format!(
                    "<p>{} iterations</p><ol>{each}</ol>",
                    iterations.len()
                ));
            }
            item.push_str("</li>");
            item
        })
        .collect();
    format!(r#"<ol class="tree">{items}</ol>"#)
}

/// One step attempt: outcome, timing, error, and the request and response summaries as
/// Task History stores them (secrets already redacted by the engine).
fn attempt(a: &Attempt) -> String {
    let error = a.error.as_deref().map_or(String::new(), |e| {
        format!(r#"<p class="problem">{}</p>"#, escape(e))
    });
    format!(
        r#"<li><h3><span class="id">{step}</span>, attempt {n}: {outcome}</h3>
<p>Started {started}, took {took}.</p>{error}
<details><summary>Request</summary>{request}</details>
<details><summary>Response</summary>{response}</details></li>"#,
        step = escape(&a.step_id),
        n = a.attempt,
        outcome = escape(a.outcome.as_str()),
        started = time_element(a.started_ms),
        took = layout::duration(a.finished_ms - a.started_ms),
        request = json_block(&a.request),
        response = json_block(&a.response),
    )
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
}

async fn replay(
    State(state): State<AppState>,
    console: Console,
    Path((pid, id)): Path<(String, String)>,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let sent = form.map(|Form(f)| f.csrf).unwrap_or_default();
    if !console.csrf_ok(&sent) {
        return layout::forbidden(
            "The form did not carry this session's token, so nothing was replayed.",
        );
    }
    let project = match project(&state, &console, &pid).await {
        Ok(project) => project,
        Err(response) => return response,
    };
    let Some(run_id) = RunId::parse(&id) else {
        return layout::not_found();
    };
    let run = match state.store.run(project.id, &run_id).await {
        Ok(Some(run)) => run,
        Ok(None) => return layout::not_found(),
        Err(error) => return layout::storage_failed(&error),
    };
    match task_history::replay(&state.store, &state.engine, &run).await {
        Ok(new_id) => see_other(&format!("/console/projects/{}/runs/{new_id}", project.id)),
        Err(error) => layout::storage_failed(&error),
    }
}
