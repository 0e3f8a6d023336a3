//! HTTP helpers: the address the server's HTTP listener bound, the SDK's `HttpClient`
//! logged in as root, and raw requests through `reqwest` for what the SDK never sends.

use super::{runtime_config, within, TestServer};
use iggy::http::http_client::HttpClient;
use iggy::prelude::{ClientWrapper, HttpClientConfig, IggyClient, UserClient};
use std::net::SocketAddr;
use std::sync::Arc;

/// The HTTP address from `runtime/current_config.toml`.
pub fn http_addr(server: &TestServer) -> SocketAddr {
    let config = runtime_config(server);
    config["http"]["address"]
        .as_str()
        .expect("http.address")
        .parse()
        .expect("http.address is a socket address")
}

pub fn base_url(server: &TestServer) -> String {
    format!("http://{}", http_addr(server))
}

/// The SDK's `HttpClient` for `url`, not logged in (no retries: a failure shows at once).
pub fn sdk_http_client_at(url: &str) -> IggyClient {
    let config = HttpClientConfig {
        api_url: url.to_string(),
        retries: 0,
        ..Default::default()
    };
    let http = HttpClient::create(Arc::new(config)).expect("create HTTP client");
    IggyClient::new(ClientWrapper::Http(http))
}

/// The SDK's `HttpClient`, logged in as root.
pub async fn sdk_http_client(server: &TestServer) -> IggyClient {
    let client = sdk_http_client_at(&base_url(server));
    within(client.login_user("iggy", "iggy"))
        .await
        .expect("HTTP login as root");
    client
}

/// A plain reqwest client (no retries, short timeouts).
pub fn raw() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .expect("reqwest client")
}

/// A root token from `POST /users/login`.
pub async fn root_token(base: &str) -> String {
    token(base, "iggy", "iggy").await
}

pub async fn token(base: &str, username: &str, password: &str) -> String {
    let body = serde_json::json!({ "username": username, "password": password });
    let response = raw()
        .post(format!("{base}/users/login"))
        .json(&body)
        .send()
        .await
        .expect("login request");
    assert_eq!(response.status(), 200, "login of {username}");
    let identity: serde_json::Value = response.json().await.expect("identity JSON");
    identity["access_token"]["token"]
        .as_str()
        .expect("token")
        .to_string()
}
