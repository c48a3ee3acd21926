//! The vault against the real database: credentials are bound to their user, and
//! `vault reseal` moves every sealed column to the newest master key so the old one can go.

use paragon_server::{
    storage::SealedColumn,
    vault::{MasterKeys, UserBinding, VaultError, reseal},
};

use crate::{
    connect_support::{HUB, OTHER_HUB, hubspot},
    helpers::{assert_error, both_backends, id, pid},
};

both_backends! {
    async fn a_credential_moved_to_another_user_does_not_open(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.connect(&app, "bob", OTHER_HUB).await;
        let project = hs.project.id.to_string();
        let ann = app.store.user_credentials(pid(&project), &id("ann")).await.expect("read").remove(0);

        // Bob's own credential goes, and Ann's row, id and ciphertext unchanged, becomes his:
        // without the user in the binding, Bob would now act on Ann's HubSpot account.
        app.execute("DELETE FROM credentials WHERE user_id = 'bob'").await;
        app.execute("UPDATE credentials SET user_id = 'bob' WHERE user_id = 'ann'").await;

        let moved = app.store.credential(pid(&project), &ann.id).await.expect("read").expect("the row");
        assert_eq!((moved.id.as_str(), moved.user_id.as_str()), (ann.id.as_str(), "bob"));
        let keys = app.master_keys();
        let as_bob = UserBinding { project: &project, user: "bob", row: moved.id.as_str(), column: "access_token" };
        let error = keys.open_string(&moved.access_token, as_bob).expect_err("must not open for Bob");
        assert_eq!(error, VaultError::Mismatch);
        assert!(error.to_string().contains("belongs to another row, column or user"), "{error}");
        let as_ann = UserBinding { user: "ann", ..as_bob };
        assert!(keys.open_string(&moved.access_token, as_ann).is_ok(), "it is still Ann's");
        let used = hs.proxy(&app, "bob", "crm/v3/objects/contacts").await;
        assert_error(used, 500, "INTERNAL").await;
    }

    async fn reseal_moves_every_secret_to_the_new_key_and_the_old_one_can_go(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        // A flow started but not finished holds a sealed PKCE verifier.
        let flow = hs.create_flow(&app, "carl").await;
        hs.start(&flow).await;
        let old = app.master_keys();
        let new = MasterKeys::generate_encoded();
        let rotated = MasterKeys::parse(&format!("k2:{new},k1:{}", old.encoded_current())).expect("two keys");

        // Batches of one row, so that paging is exercised.
        let first = reseal::reseal(&app.store, &rotated, 1).await.expect("reseal");
        let second = reseal::reseal(&app.store, &rotated, 1).await.expect("reseal again");

        assert_eq!(first.failed, vec![], "everything opened");
        assert_eq!((first.resealed, first.current), (4, 0), "client secret, access and refresh token, verifier: {first:?}");
        assert_eq!((second.resealed, second.current, second.changed), (0, 4, 0), "a second run rewrites nothing");

        let alone = MasterKeys::parse(&format!("k2:{new}")).expect("the new key");
        let check = reseal::reseal(&app.store, &alone, 100).await.expect("reseal with the new key alone");
        assert_eq!((check.resealed, check.current, check.failed.len()), (0, 4, 0), "{check:?}");
        let secret = app.store.sealed_values(SealedColumn::ClientSecret, "", 10).await.expect("read").remove(0);
        assert_eq!(
            old.open(&secret.sealed, paragon_server::vault::Binding { project: &secret.project, row: &secret.row, column: "client_secret" }),
            Err(VaultError::UnknownKey("k2".into())),
            "the old key alone opens nothing any more"
        );

        // A server started with the new key alone refreshes Ann's token: the refresh token and
        // the client secret open, and the new access token is sealed and opened too.
        let (url, _stop) = app.server_with_keys(alone).await;
        app.execute("UPDATE credentials SET access_expires_at = 0").await;
        let proxied = app.client
            .get(format!("{url}/projects/{}/sdk/proxy/hubspot/crm/v3/objects/contacts", hs.project.id))
            .bearer_auth(hs.project.token("ann"))
            .send().await.expect("answers");
        assert_eq!(proxied.status(), 200, "{:?}", proxied.text().await);
    }

    async fn a_reseal_never_overwrites_a_value_that_changed_after_it_was_read(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        let keys = app.master_keys();
        let read = app.store.sealed_values(SealedColumn::AccessToken, "", 10).await.expect("read").remove(0);

        // A refresh stores a new token between the reseal's read and its write.
        // (Any other bytes do: the refresh token's, in SQL both backends speak.)
        app.execute("UPDATE credentials SET access_token = refresh_token").await;
        let refreshed = app.store.sealed_values(SealedColumn::RefreshToken, "", 10).await.expect("read").remove(0).sealed;
        let written = app.store.replace_sealed(SealedColumn::AccessToken, &read.row, &read.sealed, &keys.seal(b"stale", paragon_server::vault::Binding { project: "p", row: "r", column: "c" })).await.expect("write");

        assert!(!written, "the compare-and-set refuses");
        let now = app.store.sealed_values(SealedColumn::AccessToken, "", 10).await.expect("read").remove(0);
        assert_eq!(now.sealed, refreshed, "the refresh's token stays");
        assert_ne!(now.sealed, read.sealed);
    }
}
