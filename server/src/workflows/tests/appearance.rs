//! `appearance.yaml`: the portal's look, read from the root of a deploy directory.

use serde_json::json;

use super::*;
use crate::color::Rgb;

const FILE: &str = "appearance.yaml";

fn with_appearance(text: &str) -> Deploy {
    Deploy::with_workflow_change("", "").file(FILE, text)
}

#[test]
fn a_deploy_without_the_file_has_no_appearance() {
    let bundle = Deploy::with_workflow_change("", "")
        .load()
        .expect("deploys");

    assert_eq!(bundle.appearance, None);
}

#[test]
fn every_key_is_read_as_the_portal_uses_it() {
    let bundle = with_appearance(
        "accent: \"#4A154B\"\ntheme: dark\nfont: \"Inter, system-ui, sans-serif\"\nradius: 12\n",
    )
    .load()
    .expect("deploys");

    let appearance = bundle.appearance.expect("an appearance");
    assert_eq!(appearance.accent, Some(Rgb::new(0x4a, 0x15, 0x4b)));
    assert_eq!(appearance.theme, ThemeMode::Dark);
    assert_eq!(
        appearance.font.as_ref().map(FontFamily::as_str),
        Some("Inter, system-ui, sans-serif")
    );
    assert_eq!(appearance.radius, Some(12));
}

#[test]
fn every_key_is_optional_and_the_theme_is_light_by_default() {
    let bundle = with_appearance("radius: 0\n").load().expect("deploys");

    let appearance = bundle.appearance.expect("an appearance");
    assert_eq!(appearance.theme, ThemeMode::Light);
    assert_eq!((appearance.accent, appearance.font), (None, None));
    assert_eq!(appearance.radius, Some(0));
}

#[test]
fn each_wrong_value_is_reported_on_its_line() {
    let errors = with_appearance(
        "accent: red\ntheme: night\nfont: \"Inter; color: red\"\nradius: 25\ncolour: blue\n",
    )
    .errors();

    assert_reported!(errors, FILE, 1, Problem::BadAccent(_));
    assert_reported!(errors, FILE, 2, Problem::UnknownTheme(_));
    assert_reported!(errors, FILE, 3, Problem::BadFont(_));
    assert_reported!(errors, FILE, 4, Problem::BadRadius(_));
    assert_reported!(errors, FILE, 5, Problem::UnknownKey { .. });
    assert_eq!(errors.len(), 5, "{}", DeployErrors(errors.clone()));
}

#[test]
fn the_errors_say_what_to_write_instead() {
    let message = |text: &str| with_appearance(text).errors()[0].to_string();

    // Unquoted, `#` starts a YAML comment: the value is empty.
    assert_eq!(
        message("accent: #4A154B\n"),
        "appearance.yaml:1: `accent` must be a colour in quotes, \"#rrggbb\" or \"#rgb\" \
         (unquoted, `#` starts a YAML comment); found nothing"
    );
    assert!(message("accent: \"#4A154\"\n").ends_with("found `#4A154`"));
    assert_eq!(
        message("theme: Dark\n"),
        "appearance.yaml:1: `theme` must be light, dark or auto, not `Dark`"
    );
    assert!(
        message("font: url(x.woff)\n").contains("invalid `font`: `(` is not allowed"),
        "{}",
        message("font: url(x.woff)\n")
    );
    for radius in ["-1", "1.5", "'12'", "[12]", "~"] {
        assert!(
            message(&format!("radius: {radius}\n")).starts_with(
                "appearance.yaml:1: `radius` must be a whole number of pixels from 0 to 24"
            ),
            "{radius}"
        );
    }
}

#[test]
fn an_empty_file_or_one_that_is_not_a_mapping_is_an_error_of_the_file() {
    assert_reported!(with_appearance("").errors(), FILE, 1, Problem::Empty);
    assert_reported!(
        with_appearance("- dark\n").errors(),
        FILE,
        1,
        Problem::NotAMapping { .. }
    );
}

#[test]
fn the_appearance_round_trips_through_json_and_older_versions_without_it_still_load() {
    let bundle = with_appearance("accent: \"#fa0\"\ntheme: auto\n")
        .load()
        .expect("deploys");

    let text = serde_json::to_string(&bundle).expect("serializes");
    let stored: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let back: Bundle = serde_json::from_str(&text).expect("deserializes");

    assert_eq!(back, bundle);
    assert_eq!(
        stored["appearance"],
        json!({"accent": "#ffaa00", "theme": "auto"})
    );
    let mut older = stored.clone();
    older
        .as_object_mut()
        .expect("an object")
        .remove("appearance");
    let older: Bundle = serde_json::from_value(older).expect("a version without appearance");
    assert_eq!(older.appearance, None);
}
