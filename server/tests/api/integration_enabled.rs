//! `trigger: integration_enabled: {}` on both databases: a user's new connection starts the
//! integration's workflows once, with `connection.*`; a reconnection that keeps the credential
//! starts nothing; a connection after a disconnect starts them again.

use std::time::Duration;

use serde_json::Value;

use crate::{
    connect_support::{HUB, hubspot},
    helpers::both_backends,
};

const WELCOME: &str = r#"
id: welcome
name: Welcome new connections
integration: hubspot
default_enabled: true
trigger:
  integration_enabled: {}
steps:
  - id: create
    action: hubspot.create_contact
    input:
      email: "welcome-{{connection.accountId}}@acme.test"
      firstname: "{{connection.accountName}}"
      lastname: "{{connection.integration}}"
"#;

both_backends! {
    async fn a_new_connection_runs_its_integrations_welcome_workflow_once(app) {
        let hs = hubspot(&app).await;
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir_all(dir.path().join("workflows")).expect("workflows/");
        std::fs::write(dir.path().join("workflows/welcome.yaml"), WELCOME).expect("the workflow");
        hs.deploy(&app, dir.path()).await;

        hs.connect(&app, "ann", HUB).await;

        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        let contacts = hs.contacts(HUB).await;
        let welcome: Vec<&Value> = contacts
            .iter()
            .filter(|c| c["properties"]["email"] == format!("welcome-{HUB}@acme.test"))
            .collect();
        assert_eq!(welcome.len(), 1, "{contacts:?}");
        assert_eq!(welcome[0]["properties"]["firstname"], "ada@acme.test", "connection.accountName");
        assert_eq!(welcome[0]["properties"]["lastname"], "hubspot", "connection.integration");

        // Connecting again while connected replaces the tokens of the same credential: nothing starts.
        hs.connect(&app, "ann", HUB).await;
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(hs.executions(&app).await.len(), 1, "a reconnection is not a new connection");

        // After a disconnect, a connection is new again.
        assert_eq!(hs.disconnect(&app, "ann").await, 204);
        hs.connect(&app, "ann", HUB).await;
        let runs = hs.finished_runs(&app, 2, Duration::from_secs(30)).await;
        assert_eq!(runs.len(), 2, "{runs:?}");
        // Task History names what started the run: the integration.
        let detail = hs.execution(&app, &runs[0]).await;
        assert_eq!(detail["trigger"]["name"], "hubspot", "{detail}");
    }
}
