//! The definitions compiled into the binary. A list of `include_str!` rather than a build
//! script that globs the folder: the list is plain Rust that rust-analyzer and reviewers read,
//! a build script would rerun on every change of the folder and add a moving part to every
//! build, and the test `the_list_matches_the_providers_folder` fails when a file is added to
//! `providers/` without a line here (or the other way round), naming the file.

macro_rules! providers {
    ($($name:literal),* $(,)?) => {
        /// Every shipped definition as (file, text), in name order.
        pub const SHIPPED: &[(&str, &str)] = &[
            $((
                concat!("providers/", $name, ".yaml"),
                include_str!(concat!("../../../providers/", $name, ".yaml")),
            )),*
        ];
    };
}

providers![
    "airtable",
    "asana",
    "clickup",
    "dynamics-365",
    "freshdesk",
    "github",
    "gmail",
    "google-calendar",
    "google-drive",
    "google-sheets",
    "hubspot",
    "intercom",
    "jira",
    "microsoft-teams",
    "notion",
    "outlook",
    "pipedrive",
    "quickbooks",
    "salesforce",
    "sendgrid",
    "shopify",
    "slack",
    "xero",
    "zendesk",
    "zoho-crm",
];
