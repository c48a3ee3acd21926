//! `spawn_app`: the real application on 127.0.0.1:0 with a fresh data folder, and one helper
//! per endpoint.

use std::net::{IpAddr, Ipv4Addr};

use paragon_server::{cli::ServeArgs, config::ServeConfig, startup::Application};
use tempfile::TempDir;

/// The origin the test app is configured to trust.
pub const APP_ORIGIN: &str = "http://app.test:3000";

pub struct TestApp {
    pub base_url: String,
    pub client: reqwest::Client,
    _data_dir: TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

pub async fn spawn_app() -> TestApp {
    let data_dir = tempfile::tempdir().expect("a temporary folder");
    let args = ServeArgs {
        bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
        data_dir: data_dir.path().join("data"),
        allowed_origins: vec![APP_ORIGIN.to_owned()],
    };
    let config = ServeConfig::try_from(args).expect("a valid test configuration");
    let app = Application::build(config)
        .await
        .expect("the server binds 127.0.0.1:0");
    let base_url = app.base_url();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    TestApp {
        base_url,
        client: reqwest::Client::new(),
        _data_dir: data_dir,
        _shutdown: stop,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    pub async fn get_healthz(&self) -> reqwest::Response {
        self.client
            .get(self.url("/healthz"))
            .send()
            .await
            .expect("the server answers")
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
