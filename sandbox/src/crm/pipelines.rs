//! CRM pipelines v3, read-only: HubSpot's default pipeline of deals ("Sales Pipeline", id
//! `default`) and of tickets ("Support Pipeline", id `0`), the same in every account. They are
//! constants: the sandbox has no pipeline write API, and default pipelines carry
//! `createdAt` = 0 in HubSpot (its spec says so), and here `updatedAt` = 0 too (never edited).

use serde_json::{Map, Value, json};

use super::CrmFailure;
use crate::clock;

/// The object types with pipelines here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineObject {
    /// Deals (`deals`, `deal`, `0-3`).
    Deals,
    /// Tickets (`tickets`, `ticket`, `0-5`).
    Tickets,
}

impl PipelineObject {
    /// The object type of a path segment, by name (singular or plural, any case) or by
    /// object type id; anything else is HubSpot's 400 for an object type it cannot infer.
    pub fn parse(segment: &str) -> Result<Self, CrmFailure> {
        match segment.to_ascii_lowercase().as_str() {
            "deals" | "deal" | "0-3" => Ok(Self::Deals),
            "tickets" | "ticket" | "0-5" => Ok(Self::Tickets),
            _ => Err(CrmFailure::unknown_object_type(segment)),
        }
    }

    /// The object's pipelines in display order.
    pub fn pipelines(self) -> &'static [Pipeline] {
        match self {
            Self::Deals => &[SALES],
            Self::Tickets => &[SUPPORT],
        }
    }
}

/// One pipeline stage.
#[derive(Debug)]
pub struct Stage {
    /// Stage id (the value of `dealstage` / `hs_pipeline_stage`).
    pub id: &'static str,
    /// Label.
    pub label: &'static str,
    /// `metadata` (all values are strings, as in HubSpot's answers).
    pub metadata: &'static [(&'static str, &'static str)],
}

/// One pipeline.
#[derive(Debug)]
pub struct Pipeline {
    /// Pipeline id (the value of `pipeline` / `hs_pipeline`).
    pub id: &'static str,
    /// Label.
    pub label: &'static str,
    /// Stages in display order.
    pub stages: &'static [Stage],
}

const fn stage(
    id: &'static str,
    label: &'static str,
    metadata: &'static [(&'static str, &'static str)],
) -> Stage {
    Stage {
        id,
        label,
        metadata,
    }
}

/// HubSpot's default deal pipeline.
const SALES: Pipeline = Pipeline {
    id: "default",
    label: "Sales Pipeline",
    stages: &[
        stage(
            "appointmentscheduled",
            "Appointment Scheduled",
            &[("isClosed", "false"), ("probability", "0.2")],
        ),
        stage(
            "qualifiedtobuy",
            "Qualified To Buy",
            &[("isClosed", "false"), ("probability", "0.4")],
        ),
        stage(
            "presentationscheduled",
            "Presentation Scheduled",
            &[("isClosed", "false"), ("probability", "0.6")],
        ),
        stage(
            "decisionmakerboughtin",
            "Decision Maker Bought-In",
            &[("isClosed", "false"), ("probability", "0.8")],
        ),
        stage(
            "contractsent",
            "Contract Sent",
            &[("isClosed", "false"), ("probability", "0.9")],
        ),
        stage(
            "closedwon",
            "Closed Won",
            &[("isClosed", "true"), ("probability", "1.0")],
        ),
        stage(
            "closedlost",
            "Closed Lost",
            &[("isClosed", "true"), ("probability", "0.0")],
        ),
    ],
};

/// HubSpot's default ticket pipeline.
const SUPPORT: Pipeline = Pipeline {
    id: "0",
    label: "Support Pipeline",
    stages: &[
        stage("1", "New", &[("ticketState", "OPEN")]),
        stage("2", "Waiting on contact", &[("ticketState", "OPEN")]),
        stage("3", "Waiting on us", &[("ticketState", "OPEN")]),
        stage("4", "Closed", &[("ticketState", "CLOSED")]),
    ],
};

/// The scopes that allow reading pipelines: any one of the 100 HubSpot's spec lists for
/// `GET /crm/v3/pipelines/{objectType}` (the contacts scopes among them). Its properties spec
/// lists the same for reading property definitions (`properties::READ_SCOPES`).
pub const READ_SCOPES: &[&str] = &[
    "automation",
    "cpq.quotes.read",
    "cpq.quotes.write",
    "crm.objects.appointments.read",
    "crm.objects.appointments.sensitive.read.v2",
    "crm.objects.appointments.sensitive.write.v2",
    "crm.objects.appointments.write",
    "crm.objects.calls.read",
    "crm.objects.carts.read",
    "crm.objects.commercepayments.write",
    "crm.objects.companies.highly_sensitive.read.v2",
    "crm.objects.companies.highly_sensitive.write.v2",
    "crm.objects.companies.read",
    "crm.objects.companies.sensitive.read.v2",
    "crm.objects.companies.sensitive.write.v2",
    "crm.objects.companies.write",
    "crm.objects.contacts.highly_sensitive.read.v2",
    "crm.objects.contacts.highly_sensitive.write.v2",
    "crm.objects.contacts.read",
    "crm.objects.contacts.sensitive.read.v2",
    "crm.objects.contacts.sensitive.write.v2",
    "crm.objects.contacts.write",
    "crm.objects.courses.read",
    "crm.objects.courses.write",
    "crm.objects.custom.highly_sensitive.read.v2",
    "crm.objects.custom.highly_sensitive.write.v2",
    "crm.objects.custom.read",
    "crm.objects.custom.sensitive.read.v2",
    "crm.objects.custom.sensitive.write.v2",
    "crm.objects.custom.write",
    "crm.objects.deals.highly_sensitive.read.v2",
    "crm.objects.deals.highly_sensitive.write.v2",
    "crm.objects.deals.read",
    "crm.objects.deals.sensitive.read.v2",
    "crm.objects.deals.sensitive.write.v2",
    "crm.objects.deals.write",
    "crm.objects.emails.read",
    "crm.objects.feedback_submissions.read",
    "crm.objects.goals.read",
    "crm.objects.goals.write",
    "crm.objects.invoices.read",
    "crm.objects.invoices.write",
    "crm.objects.leads.read",
    "crm.objects.leads.write",
    "crm.objects.line_items.read",
    "crm.objects.line_items.write",
    "crm.objects.listings.read",
    "crm.objects.listings.write",
    "crm.objects.marketing_events.read",
    "crm.objects.marketing_events.write",
    "crm.objects.meetings.read",
    "crm.objects.notes.read",
    "crm.objects.orders.read",
    "crm.objects.owners.read",
    "crm.objects.products.write",
    "crm.objects.projects.highly_sensitive.read",
    "crm.objects.projects.highly_sensitive.write",
    "crm.objects.projects.read",
    "crm.objects.projects.sensitive.read",
    "crm.objects.projects.sensitive.write",
    "crm.objects.projects.write",
    "crm.objects.quotes.read",
    "crm.objects.quotes.write",
    "crm.objects.services.read",
    "crm.objects.services.write",
    "crm.objects.subscriptions.read",
    "crm.objects.subscriptions.write",
    "crm.objects.tasks.read",
    "crm.objects.tickets.highly_sensitive.read",
    "crm.objects.tickets.sensitive.read",
    "crm.objects.users.read",
    "crm.pipelines.orders.read",
    "crm.schemas.appointments.read",
    "crm.schemas.calls.read",
    "crm.schemas.carts.read",
    "crm.schemas.commercepayments.read",
    "crm.schemas.companies.read",
    "crm.schemas.contacts.read",
    "crm.schemas.courses.read",
    "crm.schemas.custom.read",
    "crm.schemas.deals.read",
    "crm.schemas.emails.read",
    "crm.schemas.invoices.read",
    "crm.schemas.line_items.read",
    "crm.schemas.listings.read",
    "crm.schemas.meetings.read",
    "crm.schemas.notes.read",
    "crm.schemas.orders.read",
    "crm.schemas.projects.read",
    "crm.schemas.quotes.read",
    "crm.schemas.services.read",
    "crm.schemas.subscriptions.read",
    "crm.schemas.tasks.read",
    "crm.schemas.tickets.read",
    "e-commerce",
    "media_bridge.read",
    "tickets",
    "tickets.highly_sensitive.v2",
    "tickets.sensitive.v2",
    "timeline",
];

impl Pipeline {
    /// The pipeline as HubSpot's `Pipeline`.
    pub fn public(&self, display_order: usize) -> Value {
        let epoch = clock::iso8601(0);
        let stages: Vec<Value> = self
            .stages
            .iter()
            .enumerate()
            .map(|(order, stage)| {
                let metadata: Map<String, Value> = stage
                    .metadata
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), json!(v)))
                    .collect();
                json!({
                    "id": stage.id,
                    "label": stage.label,
                    "displayOrder": order,
                    "metadata": metadata,
                    "createdAt": epoch,
                    "updatedAt": epoch,
                    "archived": false,
                    "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
                })
            })
            .collect();
        json!({
            "id": self.id,
            "label": self.label,
            "displayOrder": display_order,
            "stages": stages,
            "createdAt": epoch,
            "updatedAt": epoch,
            "archived": false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_read_scopes_are_the_specs() {
        super::super::assert_spec_read_scopes(
            "crm-pipelines-v3.json",
            &[
                "/crm/v3/pipelines/{objectType}",
                "/crm/v3/pipelines/{objectType}/{pipelineId}",
            ],
            READ_SCOPES,
        );
    }

    #[test]
    fn object_types_are_names_or_ids() {
        for name in ["deals", "DEAL", "0-3"] {
            assert_eq!(PipelineObject::parse(name), Ok(PipelineObject::Deals));
        }
        for name in ["tickets", "Ticket", "0-5"] {
            assert_eq!(PipelineObject::parse(name), Ok(PipelineObject::Tickets));
        }
        assert!(PipelineObject::parse("contacts").is_err());
    }
}
