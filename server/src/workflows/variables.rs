//! Deploy-time checks of the variables a step's templates use: the root must exist, `user` has
//! only `id` and `meta`, and `steps.<id>.output` must name a step that runs earlier.

use super::{error::Problem, model::StepId, template::VarPath};

/// Checks one variable of input `key` in a step that runs after `earlier` (in order) and
/// before `later` (the step itself included: it cannot read its own output).
pub(crate) fn check(
    path: &VarPath,
    key: &str,
    earlier: &[StepId],
    later: &[StepId],
) -> Result<(), Problem> {
    let (key, shown) = (key.to_owned(), path.to_string());
    match path.segments() {
        [root, ..] if root == "event" => Ok(()),
        [root, id] if root == "user" && id == "id" => Ok(()),
        [root, meta, ..] if root == "user" && meta == "meta" => Ok(()),
        [root, ..] if root == "user" => Err(Problem::UnknownUserVariable { key, path: shown }),
        [root, step, output, ..] if root == "steps" && output == "output" => {
            let step = step.clone();
            if earlier.iter().any(|s| s.as_str() == step) {
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
        let template = Template::parse(source).expect("parses");
        let path = template.variables().next().expect("one variable");
        let id = |s: &str| StepId::parse(s).expect("valid id");
        check(path, "k", &[id("first")], &[id("this"), id("next")])
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
    }
}
