//! `notify:` steps: a message of a project's own type, its data rendered, stored for each of the
//! project's webhook endpoints subscribed to the type (`webhooks_out`), which delivers it after
//! the step, signed and retried. The run does not wait for the delivery.
//!
//! The message id is derived from the run and the step's key (its loop iteration included), and
//! a message is stored once per endpoint and id: a retry of the run after a crash between the
//! store and the step's recorded output sends nothing twice, and the app sees one `webhook-id`.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::StepContext;
use crate::{
    engine::outcome::{StepDone, StepFailure, StepResult},
    webhooks_out,
    workflows::{Context, NotifyStep},
};

/// The largest `data`, as JSON text: a webhook is a notification, not a file transfer, and
/// receivers commonly cap bodies near 1 MiB.
pub const MAX_DATA_BYTES: usize = 256 * 1024;

/// The step's output: `{"id", "type", "endpoints"}`.
pub async fn execute(
    step: &NotifyStep,
    ctx: &StepContext<'_>,
    values: &Context<'_>,
    warnings: &mut Vec<String>,
) -> StepResult {
    let data = match &step.notify.data {
        None => Value::Null,
        Some(data) => {
            let rendered = data.render(values);
            warnings.extend(rendered.warnings.iter().map(|w| format!("data: {w}")));
            rendered.value
        }
    };
    let size = data.to_string().len();
    if size > MAX_DATA_BYTES {
        return Err(StepFailure::Failed(format!(
            "the notification's data is {size} bytes of JSON, over the {MAX_DATA_BYTES} a notification may carry"
        )));
    }
    let id = message_id(&ctx.run_id(), &ctx.step_id());
    let kind = &step.notify.kind;
    ctx.record_request(&json!({ "id": id, "type": kind, "data": data }));
    // A storage failure is the run's (`StepFailure::Storage`): left to its lease and retried.
    let endpoints =
        webhooks_out::enqueue_with_id(ctx.store(), ctx.project(), &id, kind, data).await?;
    let output = json!({ "id": id, "type": kind, "endpoints": endpoints });
    ctx.record_response(&output);
    Ok(StepDone::from(output))
}

/// `msg_` and 32 hex digits of SHA-256 over the run and the step's key: the same for every
/// attempt of this step of this run, different for every other.
fn message_id(run: &str, step_key: &str) -> String {
    let digest = Sha256::digest(format!("notify\n{run}\n{step_key}").as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("msg_{hex}")
}

#[cfg(test)]
mod tests {
    use super::message_id;

    #[test]
    fn a_message_id_is_stable_per_run_and_step_and_differs_otherwise() {
        let id = message_id("run-1", "tell");
        assert_eq!(id, message_id("run-1", "tell"));
        assert_eq!(id.len(), 4 + 32);
        assert!(id.starts_with("msg_"));
        assert_ne!(id, message_id("run-2", "tell"));
        assert_ne!(id, message_id("run-1", "each[1].tell"));
    }
}
