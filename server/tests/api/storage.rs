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
        created_at: 1_700_000_000,
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

        store.add_signing_key(stored.id, &first, 10).await.expect("add");
        store.add_signing_key(stored.id, &second, 20).await.expect("add");
        let again = store.add_signing_key(stored.id, &first, 30).await;
        assert!(matches!(again, Err(StorageError::Conflict(_))), "{again:?}");

        let listed = store.signing_keys(stored.id).await.expect("list");
        assert_eq!(listed.iter().map(|r| &r.key).collect::<Vec<_>>(), vec![&first, &second]);
        assert!(listed.iter().all(|r| r.revoked_at.is_none()));

        assert!(store.revoke_signing_key(stored.id, &first.kid, 40).await.expect("revoke"));
        assert!(!store.revoke_signing_key(stored.id, &first.kid, 50).await.expect("revoke"), "already revoked");
        assert!(!store.revoke_signing_key(stored.id, &Kid::parse("nope").expect("kid"), 50).await.expect("revoke"));
        let listed = store.signing_keys(stored.id).await.expect("list");
        assert_eq!(listed[0].revoked_at, Some(40));
        assert_eq!(listed[1].revoked_at, None);
        assert!(store.signing_keys(ProjectId::new()).await.expect("list").is_empty());
    }

    async fn users_are_created_once_and_their_metadata_merges(app) {
        let store = &app.store;
        let stored = project("p");
        store.create_project(&stored, &api_key::hash("k")).await.expect("create");
        let ann = UserId::parse("ann").expect("id");

        let created = store.ensure_user(stored.id, &ann, 100).await.expect("ensure");
        let again = store.ensure_user(stored.id, &ann, 200).await.expect("ensure");
        assert_eq!(created.created_at, 100);
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
}
