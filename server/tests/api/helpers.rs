//! `spawn_app`: the real application on 127.0.0.1:0 over a fresh database (a new SQLite file,
//! or a new schema of the PostgreSQL of `PARAGON_TEST_POSTGRES_URL`), and one helper per
//! endpoint. `both_backends!` writes each test once and runs it on both.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    str::FromStr,
};

use paragon_server::{
    admin,
    auth::{signing_key::GeneratedKey, token},
    clock,
    config::{self, AuthConfig, Config, Limits},
    connect::egress::EgressPolicy,
    ids::{Id, Kind, ProjectId},
    origin::Origin,
    startup::Application,
    storage::{Location, Store, postgres::PgStore},
    vault,
};
use sqlx::{AssertSqlSafe, Connection, PgConnection, postgres::PgConnectOptions};
use tempfile::TempDir;

pub use crate::postgres_env::postgres_url;

/// The id in a text the API answered (or the test chose).
pub fn id<K: Kind>(text: &str) -> Id<K> {
    Id::parse(text).expect("an id")
}

/// The project id in a text the API answered.
pub fn pid(text: &str) -> ProjectId {
    ProjectId::parse(text).expect("a project id")
}

/// The origin the test app's project trusts.
pub const APP_ORIGIN: &str = "http://app.test:3000";
/// The operator key the test servers are started with (strong enough for the start check).
pub const OPERATOR_KEY: &str = "test-operator-key-7Hq2LmX9vB4nR8sT";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Writes each test once as `name::sqlite` and `name::postgres`.
macro_rules! both_backends {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test]
                async fn sqlite() {
                    let $app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite)
                        .await
                        .expect("SQLite always runs");
                    $body
                }

                #[tokio::test]
                async fn postgres() {
                    let Some($app) = crate::helpers::spawn_app(crate::helpers::Backend::Postgres).await else {
                        return;
                    };
                    $body
                }
            }
        )*
    };
}
pub(crate) use both_backends;

/// Drops the test's PostgreSQL schema when the test ends.
pub struct SchemaGuard {
    url: String,
    schema: String,
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        let (url, schema) = (self.url.clone(), self.schema.clone());
        // Drop is synchronous: a short-lived runtime on its own thread does the async cleanup.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                if let Ok(mut conn) = PgConnection::connect(&url).await {
                    // The test's own connections may hold locks in the schema (a housekeeping
                    // sweep's transaction) that they can never release: their tasks run on the
                    // test's thread, which waits here. End them first, or the drop waits forever.
                    let _ = sqlx::query(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE application_name = $1 AND pid <> pg_backend_pid()",
                    )
                    .bind(&schema)
                    .execute(&mut conn)
                    .await;
                    let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
                    let _ = sqlx::raw_sql(AssertSqlSafe(drop)).execute(&mut conn).await;
                }
            });
            Ok::<(), std::io::Error>(())
        })
        .join();
    }
}

pub struct TestApp {
    pub base_url: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub data_dir: TempDir,
    schema: Option<SchemaGuard>,
    /// The limits it was started with; its replicas get the same.
    limits: Limits,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// A PostgreSQL store in a schema of its own, migrated.
pub async fn postgres_store(url: &str) -> (Store, SchemaGuard) {
    let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::connect(url)
        .await
        .expect("PostgreSQL is reachable at PARAGON_TEST_POSTGRES_URL");
    // The schema name is generated above from a UUID: nothing outside the test reaches it.
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await
        .expect("create a test schema");
    let guard = SchemaGuard {
        url: url.to_owned(),
        schema: schema.clone(),
    };
    // Named after the schema, so that the guard can find this test's connections.
    let options = PgConnectOptions::from_str(url)
        .expect("a PostgreSQL URL")
        .application_name(&schema)
        .options([("search_path", schema.as_str())]);
    let store = PgStore::connect_with(options)
        .await
        .expect("connect and migrate");
    (std::sync::Arc::new(store), guard)
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with_workers(backend, 4).await
}

/// A replica's configuration over the test's data folder (same vault key, same origins), with
/// `paragon serve`'s defaults otherwise.
fn serve_config(data_dir: &std::path::Path, workers: usize, limits: Limits) -> Config {
    let mut config = Config::new(
        Location::Sqlite(data_dir.join("paragon.db")),
        // A master key generated into the test's own data folder, as `--demo` does.
        vault::demo_keys(data_dir).expect("the demo key file"),
    );
    config.listen = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);
    config.public.allowed_origins = vec![Origin::parse(APP_ORIGIN).expect("an origin")];
    config.auth = AuthConfig {
        token_audience: Some("https://app.test/api".to_owned()),
        admin_key_hash: Some(config::admin_key_hash(OPERATOR_KEY).expect("a strong key")),
    };
    config.engine.workers = workers;
    config.engine.max_attempts = 10;
    config.engine.lease = std::time::Duration::from_secs(10);
    // As `--demo` does: the sandbox listens on http://127.0.0.1.
    config.egress = EgressPolicy::AllowPrivate;
    config.limits = limits;
    // Webhooks out on a test's time scale: retries within a second, a short request timeout.
    config.webhooks.schedule = vec![std::time::Duration::from_millis(300); 4];
    config.webhooks.timeout = std::time::Duration::from_secs(2);
    config.webhooks.poll = std::time::Duration::from_millis(100);
    config.webhooks.lease = std::time::Duration::from_secs(10);
    config
}

/// Like [`spawn_app`] with `workers` engine workers (0: an API-only replica).
pub async fn spawn_app_with_workers(backend: Backend, workers: usize) -> Option<TestApp> {
    spawn_app_with_limits(backend, workers, Limits::default()).await
}

/// Like [`spawn_app_with_workers`] with other limits (the defaults are the server's).
pub async fn spawn_app_with_limits(
    backend: Backend,
    workers: usize,
    limits: Limits,
) -> Option<TestApp> {
    spawn_app_configured(backend, workers, limits, |_| {}).await
}

/// Like [`spawn_app_with_limits`] with the test's changes to the configuration.
pub async fn spawn_app_configured(
    backend: Backend,
    workers: usize,
    limits: Limits,
    configure: impl FnOnce(&mut Config),
) -> Option<TestApp> {
    let data_dir = tempfile::tempdir().expect("a temporary folder");
    let (store, schema) = match backend {
        Backend::Sqlite => {
            let location =
                paragon_server::storage::Location::Sqlite(data_dir.path().join("paragon.db"));
            (
                paragon_server::storage::open(&location)
                    .await
                    .expect("open SQLite"),
                None,
            )
        }
        Backend::Postgres => {
            let (store, guard) = postgres_store(&postgres_url()?).await;
            (store, Some(guard))
        }
    };
    let mut config = serve_config(data_dir.path(), workers, limits);
    configure(&mut config);
    let app = Application::build_with_store(config, store.clone())
        .await
        .expect("the server binds 127.0.0.1:0");
    let base_url = app.base_url();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    Some(TestApp {
        base_url,
        client: reqwest::Client::new(),
        store,
        data_dir,
        schema,
        limits,
        _shutdown: stop,
    })
}

/// A project made through the same operations as the CLI, with one signing key.
pub struct TestProject {
    pub id: ProjectId,
    pub api_key: String,
    pub key: GeneratedKey,
}

impl TestProject {
    /// A valid token for `sub`, 1 hour long, with the key's `kid`.
    pub fn token(&self, sub: &str) -> String {
        let request = token::TokenRequest {
            sub,
            ttl_secs: 3600,
            kid: Some(self.key.public.kid.as_str()),
            audience: None,
            now: clock::now_secs(),
        };
        token::sign(&self.key.private_pem, &request).expect("sign a test token")
    }
}

impl TestApp {
    /// Another server on the same database and data folder (a replica), with `workers` engine
    /// workers that poll only every `poll`; it stops when the guard is dropped.
    pub async fn replica(
        &self,
        workers: usize,
        poll: std::time::Duration,
    ) -> tokio::sync::oneshot::Sender<()> {
        let mut config = serve_config(self.data_dir.path(), workers, self.limits);
        config.engine.poll = poll;
        self.serve_replica(config).await.1
    }

    /// Another server on the same database and data folder with the default egress policy (as
    /// without `--demo` and `--allow-private-provider-urls`: provider URLs must be public https)
    /// and no engine; returns its base URL and the guard that stops it.
    pub async fn strict_replica(&self) -> (String, tokio::sync::oneshot::Sender<()>) {
        let mut config = serve_config(self.data_dir.path(), 0, self.limits);
        config.egress = EgressPolicy::PublicOnly;
        self.serve_replica(config).await
    }

    /// An API-only replica on the same database; returns its base URL and its stop guard.
    pub async fn api_replica(&self) -> (String, tokio::sync::oneshot::Sender<()>) {
        self.serve_replica(serve_config(self.data_dir.path(), 0, self.limits))
            .await
    }

    /// An API-only replica listening on `addr` (a replica that was stopped, started again on
    /// its address); its stop guard.
    pub async fn api_replica_at(&self, addr: SocketAddr) -> tokio::sync::oneshot::Sender<()> {
        let mut config = serve_config(self.data_dir.path(), 0, self.limits);
        config.listen = addr;
        self.serve_replica(config).await.1
    }

    /// Serves `config` on this test's store until the returned guard is dropped or sent.
    async fn serve_replica(&self, config: Config) -> (String, tokio::sync::oneshot::Sender<()>) {
        let app = Application::build_with_store(config, self.store.clone())
            .await
            .expect("the replica binds");
        let base_url = app.base_url();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        (base_url, stop)
    }

    /// Runs raw SQL on the test's database, to arrange what no API may do (an expired flow,
    /// a ciphertext copied onto another row).
    pub async fn execute(&self, sql: &'static str) {
        match &self.schema {
            Some(guard) => {
                let options = PgConnectOptions::from_str(&guard.url)
                    .expect("a PostgreSQL URL")
                    .options([("search_path", guard.schema.as_str())]);
                let mut conn = PgConnection::connect_with(&options).await.expect("connect");
                sqlx::raw_sql(sql)
                    .execute(&mut conn)
                    .await
                    .expect("raw SQL");
            }
            None => {
                let path = self.data_dir.path().join("paragon.db");
                let mut conn =
                    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                        .await
                        .expect("connect");
                sqlx::raw_sql(sql)
                    .execute(&mut conn)
                    .await
                    .expect("raw SQL");
            }
        }
    }

    /// Another server on the same database with the vault keys `keys` (a restart after a key
    /// rotation); returns its base URL and the guard that stops it.
    pub async fn server_with_keys(
        &self,
        keys: paragon_server::vault::MasterKeys,
    ) -> (String, tokio::sync::oneshot::Sender<()>) {
        let mut config = serve_config(self.data_dir.path(), 0, self.limits);
        config.master_keys = keys;
        let app = Application::build_with_store(config, self.store.clone())
            .await
            .expect("the server binds");
        let base_url = app.base_url();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        (base_url, stop)
    }

    /// The vault keys the server was started with (demo mode wrote them into the data folder).
    pub fn master_keys(&self) -> paragon_server::vault::MasterKeys {
        let text = std::fs::read_to_string(self.data_dir.path().join(vault::DEMO_KEY_FILE))
            .expect("the demo key file");
        paragon_server::vault::MasterKeys::parse(&text).expect("a valid key")
    }

    /// Every byte the database holds, as text: the SQLite files, or every PostgreSQL row.
    pub async fn database_dump(&self) -> String {
        match &self.schema {
            Some(guard) => {
                let options = PgConnectOptions::from_str(&guard.url)
                    .expect("a PostgreSQL URL")
                    .options([("search_path", guard.schema.as_str())]);
                let mut conn = PgConnection::connect_with(&options).await.expect("connect");
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()",
                )
                .fetch_all(&mut conn)
                .await
                .expect("tables");
                let mut dump = String::new();
                for table in tables {
                    // Bytes as hex and as text: a secret must appear in neither.
                    let sql = format!("SELECT row_to_json(t)::text FROM \"{table}\" t");
                    for row in sqlx::query_scalar::<_, String>(AssertSqlSafe(sql))
                        .fetch_all(&mut conn)
                        .await
                        .expect("rows")
                    {
                        dump += &row;
                    }
                }
                dump
            }
            None => {
                let mut bytes = Vec::new();
                for entry in std::fs::read_dir(self.data_dir.path())
                    .expect("data dir")
                    .flatten()
                {
                    if entry
                        .file_name()
                        .to_string_lossy()
                        .starts_with("paragon.db")
                    {
                        bytes.extend(std::fs::read(entry.path()).expect("read"));
                    }
                }
                String::from_utf8_lossy(&bytes).into_owned()
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    pub async fn new_project(&self) -> TestProject {
        let new = admin::NewProject {
            name: "Acme CRM".into(),
            origins: vec![APP_ORIGIN.to_owned()],
            max_token_lifetime_secs: None,
        };
        let (project, api_key) = admin::create_project(&self.store, new)
            .await
            .expect("create a project");
        let (key, _) = admin::generate_signing_key(&self.store, project.id, 2048)
            .await
            .expect("generate a key");
        TestProject {
            id: project.id,
            api_key,
            key,
        }
    }

    pub async fn get_healthz(&self) -> reqwest::Response {
        self.client
            .get(self.url("/healthz"))
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn get_me(&self, project: ProjectId, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(&format!("/projects/{project}/sdk/me")))
            .bearer_auth(token)
            .send()
            .await
            .expect("the server answers")
    }

    /// `PATCH /sdk/me` with a raw body and content type, so tests can send malformed ones.
    pub async fn patch_me_raw(
        &self,
        project: ProjectId,
        token: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.client
            .patch(self.url(&format!("/projects/{project}/sdk/me")))
            .bearer_auth(token)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn get_integrations(&self, project: ProjectId, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(&format!("/projects/{project}/sdk/integrations")))
            .bearer_auth(token)
            .send()
            .await
            .expect("the server answers")
    }

    /// A management call with a bearer key.
    pub fn management(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
    ) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path)).bearer_auth(key)
    }

    /// `PUT /projects/{pid}/integrations/{provider}` with `settings`, asserted 200: the
    /// project's integration with a provider of the catalogue.
    pub async fn set_integration(
        &self,
        project: &TestProject,
        provider: &str,
        settings: serde_json::Value,
    ) {
        let configured = self
            .management(
                reqwest::Method::PUT,
                &format!("/projects/{}/integrations/{provider}", project.id),
                &project.api_key,
            )
            .json(&settings)
            .send()
            .await
            .expect("answers");
        assert_eq!(configured.status(), 200, "{:?}", configured.text().await);
    }

    /// A CORS preflight for `GET path` with `Authorization`, as a browser on `origin` sends it.
    pub async fn preflight(&self, path: &str, origin: &str) -> reqwest::Response {
        self.client
            .request(reqwest::Method::OPTIONS, self.url(path))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
            .await
            .expect("the server answers")
    }
}

/// Asserts the protocol's error body with `code`, and returns its message.
pub async fn assert_error(response: reqwest::Response, status: u16, code: &str) -> String {
    assert_eq!(response.status(), status, "status");
    let body: serde_json::Value = response.json().await.expect("a JSON error body");
    assert_eq!(body["code"], code, "code of {body}");
    body["message"].as_str().expect("a message").to_owned()
}

/// Replicas for the schedule tests: each on a pool of its own, as a second process would have.
impl TestApp {
    /// A new pool on the test's database (the same schema or file), migrated.
    pub async fn second_store(&self) -> Store {
        match &self.schema {
            Some(guard) => {
                let options = PgConnectOptions::from_str(&guard.url)
                    .expect("a PostgreSQL URL")
                    .application_name(&guard.schema)
                    .options([("search_path", guard.schema.as_str())]);
                std::sync::Arc::new(
                    PgStore::connect_with(options)
                        .await
                        .expect("connect and migrate"),
                )
            }
            None => paragon_server::storage::open(&Location::Sqlite(
                self.data_dir.path().join("paragon.db"),
            ))
            .await
            .expect("open SQLite"),
        }
    }

    /// A connection of its own to the test's PostgreSQL schema (`None` on SQLite): to hold a
    /// lock as a stalled replica would.
    pub async fn postgres_connection(&self) -> Option<PgConnection> {
        let guard = self.schema.as_ref()?;
        let options = PgConnectOptions::from_str(&guard.url)
            .expect("a PostgreSQL URL")
            .application_name(&guard.schema)
            .options([("search_path", guard.schema.as_str())]);
        Some(PgConnection::connect_with(&options).await.expect("connect"))
    }

    /// A replica on `store` with two engine workers and a scheduler that looks every 100 ms
    /// and spreads a tick's runs over 500 ms; it stops when the guard is dropped.
    pub async fn scheduler_replica(&self, store: Store) -> tokio::sync::oneshot::Sender<()> {
        let mut config = serve_config(self.data_dir.path(), 2, self.limits);
        config.engine.poll = std::time::Duration::from_millis(100);
        config.engine.schedule_poll = std::time::Duration::from_millis(100);
        config.engine.schedule_jitter = std::time::Duration::from_millis(500);
        let app = Application::build_with_store(config, store)
            .await
            .expect("the replica binds");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        stop
    }
}
