//! `response:` steps: the answer to the request that started a request-triggered run. The
//! body's templates are rendered here; the runner stores the answer on the run
//! (`EngineStore::answer_run`), where the waiting request reads it (`http::triggers`), and goes
//! on with the steps after it in the background.

use serde_json::{Value, json};

use super::StepContext;
use crate::{
    engine::outcome::{StepDone, StepFailure, StepResult},
    workflows::{Context, ResponseStep},
};

/// The largest answer body, as JSON text: it is stored on the run and sent in one piece.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The step's output, `{"status", "body"}`, which is also the run's answer.
pub fn execute(
    step: &ResponseStep,
    ctx: &StepContext<'_>,
    values: &Context<'_>,
    warnings: &mut Vec<String>,
) -> StepResult {
    let body = match &step.response.body {
        None => Value::Null,
        Some(body) => {
            let rendered = body.render(values);
            warnings.extend(rendered.warnings.iter().map(|w| format!("body: {w}")));
            rendered.value
        }
    };
    let size = body.to_string().len();
    if size > MAX_BODY_BYTES {
        return Err(StepFailure::Failed(format!(
            "the response body is {size} bytes of JSON, over the {MAX_BODY_BYTES} a response may send"
        )));
    }
    let output = json!({ "status": step.response.status, "body": body });
    ctx.record_response(&output);
    Ok(StepDone::from(output))
}
