//! `paragon integration list-providers`: the providers compiled into the binary, one a line.

use crate::support::{BIN, text};

#[test]
fn list_providers_prints_name_display_name_auth_mode_and_categories() {
    let output = std::process::Command::new(BIN)
        .args(["integration", "list-providers"])
        .output()
        .expect("run paragon");

    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let lines: Vec<Vec<&str>> = stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines[0],
        ["NAME", "DISPLAY", "NAME", "AUTH", "CATEGORIES"],
        "{stdout}"
    );
    assert!(lines.len() > 25, "{stdout}");
    assert!(
        lines.contains(&vec![
            "hubspot",
            "HubSpot",
            "oauth2",
            "crm,marketing,support"
        ]),
        "{stdout}"
    );
    assert!(
        lines.contains(&vec!["freshdesk", "Freshdesk", "basic", "support"]),
        "{stdout}"
    );
    assert!(
        lines.contains(&vec!["sendgrid", "SendGrid", "api_key", "email,marketing"]),
        "{stdout}"
    );
    let names: Vec<&str> = lines[1..].iter().map(|l| l[0]).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "in name order");
}
