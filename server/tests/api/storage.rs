//! Every storage operation, on SQLite and on PostgreSQL.

use paragon_server::{
    auth::{api_key, signing_key},
    ids::{Kid, ProjectId, UserId},
    origin::Origin,
    storage::{Project, StorageError},
};
use serde_json::json;

use crate::helpers::both_backends;

fn project(name: &str) -> Project {
    Project {
        id: ProjectId::new(),
        name: name.into(),
        allowed_origins: vec![Origin::parse("http://a.test").expect("origin")],
        max_token_lifetime_secs: 3600,
        created_at: 1_700_000_000_000,
    }
}

both_backends! {
    async fn a_project_is_stored_read_and_updated(app) {
        let store = &app.store;
        let mut stored = project("one");

        store.create_project(&stored, &api_key::hash("k1")).await.expect("create");
        assert_eq!(store.project(stored.id).await.expect("read"), Some(stored.clone()));

        stored.name = "renamed".into();
        stored.allowed_origins.push(Origin::parse("https://b.test:8443").expect("origin"));
        stored.max_token_lifetime_secs = 60;
        assert!(store.update_project(&stored).await.expect("update"));
        assert_eq!(store.project(stored.id).await.expect("read"), Some(stored));

        assert_eq!(store.project(ProjectId::new()).await.expect("read"), None);
        assert!(!store.update_project(&project("ghost")).await.expect("update"), "no such project");
    }

    async fn api_keys_are_found_by_hash_only(app) {
        let store = &app.store;
        let stored = project("p");
        store.create_project(&stored, &api_key::hash("the-key")).await.expect("create");

        assert_eq!(store.project_of_api_key(&api_key::hash("the-key")).await.expect("read"), Some(stored.id));
        assert_eq!(store.project_of_api_key(&api_key::hash("another")).await.expect("read"), None);

        let twin = project("twin");
        let reused = store.create_project(&twin, &api_key::hash("the-key")).await;
        assert!(matches!(reused, Err(StorageError::Conflict(_))), "{reused:?}");
        assert_eq!(store.project(twin.id).await.expect("read"), None, "the project insert rolled back");
    }

    async fn signing_keys_are_added_listed_and_revoked(app) {
        let store = &app.store;
        let stored = project("p");
        store.create_project(&stored, &api_key::hash("k")).await.expect("create");
        let first = signing_key::generate(2048).expect("keygen").public;
        let second = signing_key::generate(2048).expect("keygen").public;

        store.add_signing_key(stored.id, &first, 10_000).await.expect("add");
        store.add_signing_key(stored.id, &second, 20_000).await.expect("add");
        let again = store.add_signing_key(stored.id, &first, 30_000).await;
        assert!(matches!(again, Err(StorageError::Conflict(_))), "{again:?}");

        let listed = store.signing_keys(stored.id).await.expect("list");
        assert_eq!(listed.iter().map(|r| &r.key).collect::<Vec<_>>(), vec![&first, &second]);
        assert!(listed.iter().all(|r| r.revoked_at.is_none()));

        assert!(store.revoke_signing_key(stored.id, &first.kid, 40_000).await.expect("revoke"));
        assert!(!store.revoke_signing_key(stored.id, &first.kid, 50_000).await.expect("revoke"), "already revoked");
        assert!(!store.revoke_signing_key(stored.id, &Kid::parse("nope").expect("kid"), 50_000).await.expect("revoke"));
        let listed = store.signing_keys(stored.id).await.expect("list");
        assert_eq!(listed[0].revoked_at, Some(40_000));
        assert_eq!(listed[1].revoked_at, None);
        assert!(store.signing_keys(ProjectId::new()).await.expect("list").is_empty());
    }

    async fn users_are_created_once_and_their_metadata_merges(app) {
        let store = &app.store;
        let stored = project("p");
        store.create_project(&stored, &api_key::hash("k")).await.expect("create");
        let ann = UserId::parse("ann").expect("id");

        let created = store.ensure_user(stored.id, &ann, 100_000).await.expect("ensure");
        let again = store.ensure_user(stored.id, &ann, 200_000).await.expect("ensure");
        assert_eq!(created.created_at, 100_000);
        assert_eq!(again, created);

        let patch = json!({"Name": "Ann", "n": 1});
        let merged = store.merge_user_meta(stored.id, &ann, patch.as_object().expect("object")).await.expect("merge").expect("user");
        assert_eq!(serde_json::Value::Object(merged.meta), patch);
        let patch = json!({"n": null, "Email": "ann@x.test"});
        let merged = store.merge_user_meta(stored.id, &ann, patch.as_object().expect("object")).await.expect("merge").expect("user");
        assert_eq!(serde_json::Value::Object(merged.meta), json!({"Name": "Ann", "Email": "ann@x.test"}));

        let ghost = UserId::parse("ghost").expect("id");
        assert!(store.merge_user_meta(stored.id, &ghost, &serde_json::Map::new()).await.expect("merge").is_none());
    }

    async fn concurrent_metadata_merges_lose_nothing(app) {
        let store = app.store.clone();
        let stored = project("p");
        store.create_project(&stored, &api_key::hash("k")).await.expect("create");
        let ann = UserId::parse("ann").expect("id");
        store.ensure_user(stored.id, &ann, 1).await.expect("ensure");

        let writers: Vec<_> = (0..6)
            .map(|i| {
                let (store, ann) = (store.clone(), ann.clone());
                tokio::spawn(async move {
                    let patch = json!({ format!("k{i}"): i });
                    store.merge_user_meta(stored.id, &ann, patch.as_object().expect("object")).await
                })
            })
            .collect();
        for writer in writers {
            writer.await.expect("task").expect("merge").expect("user");
        }

        let user = store.ensure_user(stored.id, &ann, 1).await.expect("read");
        assert_eq!(user.meta.len(), 6, "every writer's key survived: {:?}", user.meta);
    }

    async fn deleting_nothing_across_projects_users_are_scoped(app) {
        let store = &app.store;
        let (a, b) = (project("a"), project("b"));
        store.create_project(&a, &api_key::hash("ka")).await.expect("create");
        store.create_project(&b, &api_key::hash("kb")).await.expect("create");
        let same = UserId::parse("same").expect("id");
        store.ensure_user(a.id, &same, 1).await.expect("ensure");
        store.ensure_user(b.id, &same, 1).await.expect("ensure");

        store.merge_user_meta(a.id, &same, json!({"only": "a"}).as_object().expect("object")).await.expect("merge");

        assert!(store.ensure_user(b.id, &same, 1).await.expect("read").meta.is_empty());
    }

    async fn stored_json_that_does_not_parse_is_reported_as_corrupt(app) {
        let store = &app.store;
        let stored = project("p");
        store.create_project(&stored, &api_key::hash("k")).await.expect("create");
        let arrange: &'static str = Box::leak(format!(
            "INSERT INTO runs (id, project_id, user_id, workflow_id, workflow_version, event_id, status, attempts, next_attempt_ms, warnings, created_ms, updated_ms)
             VALUES ('run-1', '{}', 'ann', 'wf', 1, 'ev', 'failed', 1, 0, '[]', 0, 0);
             INSERT INTO run_attempts (run_id, attempt, step_id, outcome, request, response, started_ms, finished_ms)
             VALUES ('run-1', 1, 'create', 'failed', '{{not json', '{{}}', 0, 0);",
            stored.id
        ).into_boxed_str());
        app.execute(arrange).await;

        let read = store.attempts(&paragon_server::ids::RunId::parse("run-1").expect("id")).await;
        assert!(matches!(read, Err(StorageError::Corrupt(_))), "{read:?}");
    }
}

mod connect {
    use paragon_server::{
        auth::api_key,
        ids::{Id, Kind, ProjectId, UserId, kind},
        storage::{
            Credential, CredentialStatus, Flow, FlowStart, FlowStatus, Integration,
            RefreshedTokens, StorageError,
        },
    };

    use super::project;
    use crate::helpers::{TestApp, both_backends};

    /// An id of a literal the test chose.
    fn id<K: Kind>(text: &str) -> Id<K> {
        Id::parse(text).expect("an id")
    }

    async fn arrange(app: &TestApp) -> (ProjectId, Integration) {
        let stored = project("p");
        app.store
            .create_project(&stored, &api_key::hash(&stored.id.to_string()))
            .await
            .expect("create");
        let id = stored.id;
        app.store
            .ensure_user(stored.id, &UserId::parse("ann").expect("id"), 1)
            .await
            .expect("user");
        let integration = Integration {
            id: Id::random(),
            project_id: id,
            provider: "hubspot".into(),
            name: "HubSpot".into(),
            client_id: "c".into(),
            client_secret: vec![1, 2, 3],
            scopes: vec!["oauth".into()],
            auth_url: "http://h/a".into(),
            token_url: "http://h/t".into(),
            api_base: "http://h".into(),
            created_at: 1_000,
            updated_at: 1_000,
        };
        let integration = app
            .store
            .upsert_integration(&integration)
            .await
            .expect("upsert");
        (id, integration)
    }

    fn credential(
        project: ProjectId,
        integration: &Id<kind::Integration>,
        credential: &str,
    ) -> Credential {
        Credential {
            id: id(credential),
            project_id: project,
            user_id: id("ann"),
            integration_id: integration.clone(),
            status: CredentialStatus::Valid,
            provider_id: "42".into(),
            provider_data: serde_json::Map::new(),
            access_token: vec![9; 40],
            refresh_token: Some(vec![8; 40]),
            access_expires_at: 100_000,
            version: 0,
            refreshing_until: None,
            created_at: 1_000,
            updated_at: 1_000,
        }
    }

    both_backends! {
        async fn an_integration_is_upserted_under_one_id_per_provider(app) {
            let (project, integration) = arrange(&app).await;
            let mut changed = integration.clone();
            changed.client_id = "c2".into();

            let stored = app.store.upsert_integration(&changed).await.expect("update");
            let mut other_id = changed.clone();
            other_id.id = Id::random();
            let clash = app.store.upsert_integration(&other_id).await;

            assert_eq!(stored.client_id, "c2");
            assert!(matches!(clash, Err(StorageError::Conflict(_))), "{clash:?}");
            assert_eq!(app.store.integrations(project).await.expect("list"), vec![stored.clone()]);
            assert_eq!(app.store.integration_by_provider(project, "hubspot").await.expect("read"), Some(stored));
        }

        async fn a_flow_starts_once_with_its_secret_and_is_consumed_once_by_its_browser(app) {
            // Times in 2100 (Unix milliseconds): the server's housekeeping purges flows that
            // expired by the wall clock, which a flow of 1970 had.
            const T: i64 = 4_102_444_800_000;
            let (project, integration) = arrange(&app).await;
            let flow = Flow {
                id: id("flow-1"), project_id: project, user_id: id("ann"), integration_id: integration.id,
                origin: "http://a.test".into(), status: FlowStatus::Created, start_secret_hash: Some(b"secret-hash".to_vec()),
                browser_hash: None, pkce_verifier: None, credential_id: None, error: None, created_at: T + 10_000, expires_at: T + 1_000_000,
            };
            app.store.create_flow(&flow).await.expect("create");
            let start = |secret: &'static [u8], state: &'static [u8]| FlowStart {
                secret_hash: secret, state_hash: state, sealed_verifier: b"sealed", browser_hash: b"browser-hash",
            };

            assert!(app.store.start_flow(&id("flow-1"), &start(b"wrong-secret", b"state-hash"), T + 20_000).await.expect("start").is_none(), "the secret is checked");
            assert!(app.store.start_flow(&id("flow-1"), &start(b"secret-hash", b"state-hash"), T + 20_000).await.expect("start").is_some());
            assert!(app.store.start_flow(&id("flow-1"), &start(b"secret-hash", b"other"), T + 21_000).await.expect("start").is_none(), "single use");
            assert_eq!(app.store.flow_by_state(b"state-hash").await.expect("read").map(|f| f.id), Some(id("flow-1")));
            assert!(app.store.take_flow_by_state(b"wrong", b"browser-hash", T + 22_000).await.expect("take").is_none());
            assert!(app.store.take_flow_by_state(b"state-hash", b"another-browser", T + 22_000).await.expect("take").is_none(), "another browser takes nothing");
            let taken = app.store.take_flow_by_state(b"state-hash", b"browser-hash", T + 22_000).await.expect("take").expect("the flow");
            assert_eq!(taken.status, FlowStatus::Exchanging);
            assert!(app.store.take_flow_by_state(b"state-hash", b"browser-hash", T + 23_000).await.expect("take").is_none(), "consumed once");

            app.store.finish_flow(&id("flow-1"), FlowStatus::Done, Some(&id("cred")), None, T + 24_000).await.expect("finish");
            let done = app.store.flow(&id("flow-1")).await.expect("read").expect("flow");
            assert_eq!((done.status, done.credential_id.as_ref().map(|c| c.as_str()), done.pkce_verifier), (FlowStatus::Done, Some("cred"), None));
        }

        async fn an_expired_flow_neither_starts_nor_completes(app) {
            let (project, integration) = arrange(&app).await;
            let flow = Flow {
                id: id("flow-2"), project_id: project, user_id: id("ann"), integration_id: integration.id,
                origin: "http://a.test".into(), status: FlowStatus::Created, start_secret_hash: Some(b"s".to_vec()),
                browser_hash: None, pkce_verifier: None, credential_id: None, error: None, created_at: 10_000, expires_at: 100_000,
            };
            app.store.create_flow(&flow).await.expect("create");
            let start = FlowStart { secret_hash: b"s", state_hash: b"s", sealed_verifier: b"v", browser_hash: b"b" };

            assert!(app.store.start_flow(&id("flow-2"), &start, 100_000).await.expect("start").is_none());
        }

        async fn one_refresh_claim_wins_and_a_dead_claimants_lease_expires(app) {
            let (project, integration) = arrange(&app).await;
            app.store.save_credential(&credential(project, &integration.id, "cred-1")).await.expect("save");

            assert!(app.store.claim_refresh(&id("cred-1"), 0, 1_000_000, 30_000).await.expect("claim"));
            assert!(!app.store.claim_refresh(&id("cred-1"), 0, 1_000_000, 30_000).await.expect("claim"), "the version moved");
            assert!(!app.store.claim_refresh(&id("cred-1"), 1, 1_010_000, 30_000).await.expect("claim"), "the lease holds");
            assert!(app.store.claim_refresh(&id("cred-1"), 1, 1_031_000, 30_000).await.expect("claim"), "an expired lease is reclaimed");

            assert!(!app.store.store_refreshed(&id("cred-1"), &RefreshedTokens { claimed_version: 1, access: b"a2".to_vec(), refresh: None, expires_at: 5_000_000, now: 1_032_000 }).await.expect("store"), "a stale claim stores nothing");
            assert!(app.store.store_refreshed(&id("cred-1"), &RefreshedTokens { claimed_version: 2, access: b"a3".to_vec(), refresh: Some(b"r3".to_vec()), expires_at: 5_000_000, now: 1_032_000 }).await.expect("store"));
            let refreshed = app.store.credential(project, &id("cred-1")).await.expect("read").expect("credential");
            assert_eq!((refreshed.access_token.as_slice(), refreshed.refresh_token.as_deref()), (&b"a3"[..], Some(&b"r3"[..])));
            assert_eq!((refreshed.version, refreshed.refreshing_until, refreshed.access_expires_at), (3, None, 5_000_000));

            assert!(app.store.claim_refresh(&id("cred-1"), 3, 2_000_000, 30_000).await.expect("claim"));
            app.store.release_refresh(&id("cred-1"), 4, CredentialStatus::Invalid, 2_001_000).await.expect("release");
            let released = app.store.credential(project, &id("cred-1")).await.expect("read").expect("credential");
            assert_eq!((released.status, released.refreshing_until), (CredentialStatus::Invalid, None));
        }

        async fn a_credential_is_saved_per_user_and_integration_and_deleted(app) {
            let (project, integration) = arrange(&app).await;
            app.store.save_credential(&credential(project, &integration.id, "cred-1")).await.expect("save");
            let mut reconnected = credential(project, &integration.id, "cred-1");
            reconnected.access_token = vec![7; 40];
            app.store.save_credential(&reconnected).await.expect("replace tokens");
            let clash = app.store.save_credential(&credential(project, &integration.id, "cred-2")).await;

            assert!(matches!(clash, Err(StorageError::Conflict(_))), "{clash:?}");
            let stored = app.store.credential_for(project, &id("ann"), &integration.id).await.expect("read").expect("credential");
            assert_eq!((stored.access_token, stored.version), (vec![7; 40], 1));
            assert_eq!(app.store.user_credentials(project, &id("ann")).await.expect("list").len(), 1);
            assert!(app.store.delete_credential(project, &id("cred-1")).await.expect("delete"));
            assert!(!app.store.delete_credential(project, &id("cred-1")).await.expect("delete"));
        }
    }
}

mod unix_millis_migration {
    //! Migration 0006 turns the times that 0001–0005 kept in Unix seconds into milliseconds.

    use paragon_server::{
        ids::{ProjectId, UserId},
        storage::{self, Location},
    };
    use sqlx::{ConnectOptions, Connection, sqlite::SqliteConnectOptions};

    /// access_expires_at, refreshing_until, created_at, updated_at, refreshed_at.
    type CredentialTimes = (i64, Option<i64>, i64, i64, Option<i64>);

    #[tokio::test]
    async fn times_of_an_existing_database_become_milliseconds() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("paragon.db");
        let project = ProjectId::new();
        let mut conn = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .connect()
            .await
            .expect("connect");
        sqlx::migrate!("migrations/sqlite")
            .run_to(5, &mut conn)
            .await
            .expect("0001..0005");
        let rows = format!(
            "INSERT INTO projects (id, name, allowed_origins, max_token_lifetime_secs, created_at)
                 VALUES ('{project}', 'p', '[]', 3600, 1700000000);
             INSERT INTO api_keys (key_hash, project_id, created_at, revoked_at)
                 VALUES (x'01', '{project}', 1700000001, NULL), (x'02', '{project}', 1700000002, 1700000003);
             INSERT INTO signing_keys (project_id, kid, modulus, exponent, bits, created_at, revoked_at)
                 VALUES ('{project}', 'k1', 'n', 'AQAB', 2048, 1700000010, 1700000020),
                        ('{project}', 'k2', 'n', 'AQAB', 2048, 1700000030, NULL);
             INSERT INTO users (project_id, id, created_at) VALUES ('{project}', 'ann', 1700000040), ('{project}', 'bob', 1700000041);
             INSERT INTO rate_windows (bucket, window_start, hits) VALUES ('b', 1700000040, 1);
             INSERT INTO integrations (id, project_id, provider, name, client_id, client_secret, scopes, auth_url, token_url, api_base, created_at, updated_at)
                 VALUES ('i', '{project}', 'hubspot', 'HubSpot', 'c', x'00', 'oauth', 'a', 't', 'b', 1700000050, 1700000051);
             INSERT INTO credentials (id, project_id, user_id, integration_id, status, provider_id, provider_data, access_token, access_expires_at, refreshing_until, created_at, updated_at, refreshed_at)
                 VALUES ('c1', '{project}', 'ann', 'i', 'VALID', '1', '{{}}', x'00', 1700000060, 1700000061, 1700000062, 1700000063, 1700000064),
                        ('c2', '{project}', 'bob', 'i', 'VALID', '1', '{{}}', x'00', 0, NULL, 1700000065, 1700000066, NULL);
             INSERT INTO oauth_flows (id, project_id, user_id, integration_id, origin, status, created_at, expires_at, updated_at)
                 VALUES ('f', '{project}', 'ann', 'i', 'http://a.test', 'created', 1700000070, 1700000670, 1700000071);"
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(rows))
            .execute(&mut conn)
            .await
            .expect("seconds rows");
        conn.close().await.expect("close");

        let store = storage::open(&Location::Sqlite(path.clone()))
            .await
            .expect("open runs 0006");

        let stored = store
            .project(project)
            .await
            .expect("read")
            .expect("project");
        assert_eq!(stored.created_at, 1_700_000_000_000);
        assert_eq!(
            stored.max_token_lifetime_secs, 3600,
            "a duration of the JWT stays in seconds"
        );
        let keys = store.signing_keys(project).await.expect("keys");
        let times: Vec<_> = keys.iter().map(|k| (k.created_at, k.revoked_at)).collect();
        assert_eq!(
            times,
            vec![
                (1_700_000_010_000, Some(1_700_000_020_000)),
                (1_700_000_030_000, None)
            ]
        );
        let ann = UserId::parse("ann").expect("id");
        let user = store.ensure_user(project, &ann, 1).await.expect("user");
        assert_eq!(user.created_at, 1_700_000_040_000);
        drop(store);

        let mut conn = SqliteConnectOptions::new()
            .filename(&path)
            .connect()
            .await
            .expect("connect");
        let api_keys: Vec<(i64, Option<i64>)> =
            sqlx::query_as("SELECT created_at, revoked_at FROM api_keys ORDER BY key_hash")
                .fetch_all(&mut conn)
                .await
                .expect("api keys");
        assert_eq!(
            api_keys,
            vec![
                (1_700_000_001_000, None),
                (1_700_000_002_000, Some(1_700_000_003_000))
            ]
        );
        let window: i64 = sqlx::query_scalar("SELECT window_start FROM rate_windows")
            .fetch_one(&mut conn)
            .await
            .expect("window");
        assert_eq!(window, 1_700_000_040_000);
        let integration: (i64, i64) =
            sqlx::query_as("SELECT created_at, updated_at FROM integrations")
                .fetch_one(&mut conn)
                .await
                .expect("integration");
        assert_eq!(integration, (1_700_000_050_000, 1_700_000_051_000));
        let credentials: Vec<CredentialTimes> = sqlx::query_as(
            "SELECT access_expires_at, refreshing_until, created_at, updated_at, refreshed_at FROM credentials ORDER BY id",
        )
        .fetch_all(&mut conn)
        .await
        .expect("credentials");
        assert_eq!(
            credentials,
            vec![
                (
                    1_700_000_060_000,
                    Some(1_700_000_061_000),
                    1_700_000_062_000,
                    1_700_000_063_000,
                    Some(1_700_000_064_000)
                ),
                (0, None, 1_700_000_065_000, 1_700_000_066_000, None),
            ]
        );
        let flow: (i64, i64, i64) =
            sqlx::query_as("SELECT created_at, expires_at, updated_at FROM oauth_flows")
                .fetch_one(&mut conn)
                .await
                .expect("flow");
        assert_eq!(
            flow,
            (1_700_000_070_000, 1_700_000_670_000, 1_700_000_071_000)
        );
    }
}
