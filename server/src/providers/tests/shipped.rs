//! The acceptance test: every definition of `providers/` validates, is compiled in, and the list
//! of providers in docs/integrations.md is the one the files make.

use std::{fs, path::Path};

use crate::providers::{Auth, Provider, SHIPPED, shipped};

fn repository() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn providers() -> &'static [Provider] {
    match shipped() {
        Ok(providers) => providers,
        Err(errors) => panic!("the shipped provider definitions are broken:\n{errors}"),
    }
}

#[test]
fn every_shipped_definition_validates() {
    let providers = providers();

    let names: Vec<&str> = providers.iter().map(|p| p.name.as_str()).collect();
    assert!(
        providers.len() >= 25,
        "{} providers: {names:?}",
        providers.len()
    );
    for required in ["hubspot", "salesforce"] {
        assert!(names.contains(&required), "{required} is missing");
    }
    for mode in ["oauth2", "api_key", "basic"] {
        assert!(
            providers.iter().any(|p| p.auth.mode() == mode),
            "no {mode} provider"
        );
    }
}

#[test]
fn the_list_matches_the_providers_folder() {
    let mut on_disk: Vec<String> = fs::read_dir(repository().join("providers"))
        .expect("providers/")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yaml") || name.ends_with(".yml"))
        .map(|name| format!("providers/{name}"))
        .collect();
    on_disk.sort();
    let compiled: Vec<String> = SHIPPED.iter().map(|(file, _)| (*file).to_owned()).collect();

    let missing: Vec<_> = on_disk.iter().filter(|f| !compiled.contains(f)).collect();
    let stale: Vec<_> = compiled.iter().filter(|f| !on_disk.contains(f)).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "add these to server/src/providers/shipped.rs: {missing:?}; remove these: {stale:?}"
    );
    assert_eq!(
        compiled, on_disk,
        "keep server/src/providers/shipped.rs in name order"
    );
}

#[test]
fn every_icon_is_a_file_of_the_repository() {
    for provider in providers() {
        if let Some(icon) = &provider.icon {
            let path = repository().join("providers").join(icon);
            let svg = fs::read_to_string(&path).unwrap_or_default();
            assert!(
                svg.contains("<svg"),
                "{}: {icon} is not an SVG file",
                provider.name
            );
        }
    }
}

#[test]
fn the_documented_list_of_providers_is_the_files() {
    let doc = fs::read_to_string(repository().join("docs/integrations.md"))
        .expect("docs/integrations.md");
    let start = "<!-- providers: generated from providers/*.yaml, checked by a test -->\n";
    let end = "<!-- end of providers -->";
    let table = doc
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(table, _)| table);

    let expected = table_of(providers());

    assert_eq!(
        table,
        Some(expected.as_str()),
        "docs/integrations.md's table of providers must be, between its markers:\n{expected}"
    );
}

/// The table docs/integrations.md shows.
fn table_of(providers: &[Provider]) -> String {
    let mut table = String::from("| provider | name | auth | categories |\n|---|---|---|---|\n");
    for p in providers {
        let auth = match &p.auth {
            Auth::OAuth2(oauth) if oauth.pkce => "`oauth2` (PKCE)",
            Auth::OAuth2(_) => "`oauth2`",
            Auth::ApiKey(_) => "`api_key`",
            Auth::Basic(_) => "`basic`",
        };
        table.push_str(&format!(
            "| [{}]({}) | `{}` | {} | {} |\n",
            p.display_name,
            p.docs,
            p.name,
            auth,
            p.categories.join(", ")
        ));
    }
    table
}
