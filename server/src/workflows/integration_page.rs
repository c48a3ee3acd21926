//! Reading one `integrations/<type>.yaml`: what the Connect Portal shows of an integration (a
//! one-line description, an overview in Markdown) and the user settings its workflows share.

use super::{
    error::Problem,
    fields::{self, Fields, Report},
    integration::IntegrationType,
    model::IntegrationPage,
    settings,
    yaml::{Node, Pos},
};

const PAGE_KEYS: &[&str] = &["integration", "description", "overview", "settings"];

/// A page and where its integration is named, for the loader's duplicate check.
#[derive(Debug)]
pub(crate) struct Read {
    pub page: IntegrationPage,
    pub integration_pos: Pos,
}

/// Reads the page; `None` when a required part is unusable (the report says why).
pub(crate) fn read(root: &Node, report: &mut Report) -> Option<Read> {
    let fields = Fields::read(root, "the integration page", PAGE_KEYS, report)?;
    let integration = fields.text("integration", report).and_then(|(name, pos)| {
        let parsed = IntegrationType::parse(&name);
        if parsed.is_none() {
            report.at(pos, Problem::UnknownIntegration(name));
        }
        parsed.map(|i| (i, pos))
    });
    let text = |key: &'static str, report: &mut Report| match fields.optional(key) {
        None => Some(None),
        Some(node) => fields::text(node, key, report).map(|(t, _)| Some(t)),
    };
    let description = text("description", report);
    let overview = text("overview", report);
    let settings = match fields.optional("settings") {
        None => Some(Vec::new()),
        Some(node) => {
            let integration = integration.as_ref().map(|(i, _)| *i);
            settings::read_list(node, &[], integration, report)
        }
    };
    let (integration, integration_pos) = integration?;
    Some(Read {
        page: IntegrationPage {
            integration,
            description: description?,
            overview: overview?,
            settings: settings?,
        },
        integration_pos,
    })
}
