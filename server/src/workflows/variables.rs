//! Deploy-time checks of the variables a step's templates use: the root must exist (`event` in
//! App Event workflows, `request.body|query|headers` in request-triggered ones), `user` has
//! only `id` and `meta`, `steps.<id>.output` must name a step that runs earlier, and
//! `steps.<id>.status` an earlier `request` step.

use super::{
    error::Problem,
    model::{SettingId, StepId},
    template::VarPath,
};

/// The steps a template may refer to, seen from one step: those that run before it (in
/// order), those that run from it on (the step itself included: it cannot read its own
/// output), and which of all are `request` steps (they alone have a `status`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub earlier: &'a [StepId],
    pub later: &'a [StepId],
    pub requests: &'a [StepId],
    /// Whether the step is inside a `for_each` (where `item` and `index` are).
    pub in_loop: bool,
    /// Whether the workflow is request-triggered: its input is `request.*`, not `event.*`.
    pub by_request: bool,
    /// Whether it is started by a new connection: its input is `connection.*`, not `event.*`.
    pub by_connection: bool,
    /// Whether it is started by its schedule: its input is `schedule.time`, not `event.*`.
    pub by_schedule: bool,
    /// The user settings the workflow reads: `settings.<id>`.
    pub settings: &'a [SettingId],
    /// Those of them that are field mappings (an action's `field_mapping:` names one).
    pub mappings: &'a [SettingId],
}

/// Checks one variable of input `key` in the step `scope` is seen from.
pub(crate) fn check(path: &VarPath, key: &str, scope: Scope<'_>) -> Result<(), Problem> {
    let Scope {
        earlier,
        later,
        requests,
        in_loop,
        by_request,
        by_connection,
        by_schedule,
        settings,
        ..
    } = scope;
    let (key, shown) = (key.to_owned(), path.to_string());
    match path.segments() {
        [root, ..] if root == "event" && by_request => {
            Err(Problem::EventVariableInRequest { key, path: shown })
        }
        [root, ..] if root == "event" && by_connection => {
            Err(Problem::EventVariableInConnection { key, path: shown })
        }
        [root, ..] if root == "event" && by_schedule => {
            Err(Problem::EventVariableInSchedule { key, path: shown })
        }
        [root, ..] if root == "event" => Ok(()),
        [root, time] if root == "schedule" && time == "time" && by_schedule => Ok(()),
        [root, ..] if root == "schedule" => Err(Problem::ScheduleVariable { key, path: shown }),
        [root, _, ..] if root == "connection" && by_connection => Ok(()),
        [root, ..] if root == "connection" => {
            Err(Problem::ConnectionVariableOutside { key, path: shown })
        }
        [root, ..] if root == "request" && !by_request => {
            Err(Problem::RequestVariableOutside { key, path: shown })
        }
        [root, part, ..]
            if root == "request" && ["body", "query", "headers"].contains(&part.as_str()) =>
        {
            Ok(())
        }
        [root, ..] if root == "request" => Err(Problem::RequestPathShape { key, path: shown }),
        [root, id, ..] if root == "settings" && settings.iter().any(|s| s.as_str() == id) => Ok(()),
        [root, ..] if root == "settings" => Err(Problem::UnknownSetting { key, path: shown }),
        [root, ..] if root == "item" && in_loop => Ok(()),
        [root] if root == "index" && in_loop => Ok(()),
        [root, ..] if root == "item" || root == "index" => {
            Err(Problem::LoopVariableOutside { key, path: shown })
        }
        [root, id] if root == "user" && id == "id" => Ok(()),
        [root, meta, ..] if root == "user" && meta == "meta" => Ok(()),
        [root, ..] if root == "user" => Err(Problem::UnknownUserVariable { key, path: shown }),
        [root, step, field, rest @ ..]
            if root == "steps" && (field == "output" || (field == "status" && rest.is_empty())) =>
        {
            let step = step.clone();
            let is_request = requests.iter().any(|s| s.as_str() == step);
            if earlier.iter().any(|s| s.as_str() == step) {
                if field == "status" && !is_request {
                    return Err(Problem::StatusOfAction {
                        key,
                        path: shown,
                        step,
                    });
                }
                Ok(())
            } else if later.iter().any(|s| s.as_str() == step) {
                Err(Problem::LaterStep {
                    key,
                    path: shown,
                    step,
                })
            } else {
                Err(Problem::UnknownStep {
                    key,
                    path: shown,
                    step,
                })
            }
        }
        [root, ..] if root == "steps" => Err(Problem::StepPathShape { key, path: shown }),
        _ => Err(Problem::UnknownVariableRoot { key, path: shown }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflows::template::Template;

    fn check_one(source: &str) -> Result<(), Problem> {
        check_in(source, false)
    }

    fn check_in(source: &str, by_request: bool) -> Result<(), Problem> {
        let template = Template::parse(source).expect("parses");
        let path = template.variables().next().expect("one variable");
        let id = |s: &str| StepId::parse(s).expect("valid id");
        let scope = Scope {
            earlier: &[id("first"), id("search")],
            later: &[id("this"), id("next")],
            requests: &[id("search"), id("next")],
            in_loop: false,
            by_request,
            by_connection: false,
            by_schedule: false,
            settings: &[SettingId::parse("stage").expect("valid id")],
            mappings: &[],
        };
        check(path, "k", scope)
    }

    #[test]
    fn settings_variables_name_a_setting_the_workflow_reads() {
        assert_eq!(check_one("{{settings.stage}}"), Ok(()));
        assert!(matches!(
            check_one("{{settings.owner}}"),
            Err(Problem::UnknownSetting { .. })
        ));
        assert!(matches!(
            check_one("{{settings}}"),
            Err(Problem::UnknownSetting { .. })
        ));
    }

    #[test]
    fn request_variables_exist_only_in_request_triggered_workflows() {
        for ok in [
            "{{request.body}}",
            "{{request.body.owner}}",
            "{{request.query.tag}}",
            "{{request.headers.x-acme}}",
            "{{user.id}}",
        ] {
            assert_eq!(check_in(ok, true), Ok(()), "{ok}");
        }
        assert!(matches!(
            check_in("{{request.body.owner}}", false),
            Err(Problem::RequestVariableOutside { .. })
        ));
        assert!(matches!(
            check_in("{{request.cookies.a}}", true),
            Err(Problem::RequestPathShape { .. })
        ));
        assert!(matches!(
            check_in("{{request}}", true),
            Err(Problem::RequestPathShape { .. })
        ));
        assert!(matches!(
            check_in("{{event.email}}", true),
            Err(Problem::EventVariableInRequest { .. })
        ));
    }

    #[test]
    fn event_user_and_earlier_step_variables_are_accepted() {
        for ok in [
            "{{event}}",
            "{{event.a.0.b}}",
            "{{user.id}}",
            "{{user.meta}}",
            "{{user.meta.Email}}",
            "{{steps.first.output}}",
            "{{steps.first.output.id}}",
            "{{steps.search.status}}",
        ] {
            assert_eq!(check_one(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn other_roots_and_user_fields_are_refused() {
        assert!(matches!(
            check_one("{{secrets.key}}"),
            Err(Problem::UnknownVariableRoot { .. })
        ));
        assert!(matches!(
            check_one("{{user.email}}"),
            Err(Problem::UnknownUserVariable { .. })
        ));
        assert!(matches!(
            check_one("{{user}}"),
            Err(Problem::UnknownUserVariable { .. })
        ));
    }

    #[test]
    fn step_references_must_name_an_earlier_step_output() {
        assert!(matches!(
            check_one("{{steps.next.output.id}}"),
            Err(Problem::LaterStep { .. })
        ));
        assert!(matches!(
            check_one("{{steps.this.output.id}}"),
            Err(Problem::LaterStep { .. })
        ));
        assert!(matches!(
            check_one("{{steps.nope.output.id}}"),
            Err(Problem::UnknownStep { .. })
        ));
        assert!(matches!(
            check_one("{{steps.first.id}}"),
            Err(Problem::StepPathShape { .. })
        ));
        assert!(matches!(
            check_one("{{steps.search.status.code}}"),
            Err(Problem::StepPathShape { .. })
        ));
        assert!(matches!(
            check_one("{{steps.first.status}}"),
            Err(Problem::StatusOfAction { .. })
        ));
        assert!(matches!(
            check_one("{{steps.next.status}}"),
            Err(Problem::LaterStep { .. })
        ));
    }
}
