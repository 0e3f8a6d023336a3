//! CORS, HTTPS, revocation across restarts, `/metrics` after a restart, health probes,
//! and slow or idle HTTP clients.

mod common;

use common::http::{base_url, http_addr, raw, root_token, sdk_http_client_at};
use common::{create_stream_and_topic, expect_start_failure, id, root_client, within, TestServer};
use iggy::prelude::{MessageClient, Partitioning, StreamClient, SystemClient, UserClient};
use reqwest::{Method, StatusCode};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

async fn preflight(base: &str, origin: &str) -> reqwest::Response {
    raw()
        .request(Method::OPTIONS, format!("{base}/streams"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "content-type,authorization",
        )
        .send()
        .await
        .expect("preflight")
}

fn allow_origin(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_preflights_and_headers_on_a_401() {
    let server = TestServer::start();
    let base = base_url(&server);
    let any = preflight(&base, "http://a.example").await;
    assert!(any.status().is_success(), "{}", any.status());
    assert_eq!(allow_origin(&any).as_deref(), Some("*"));

    let server = TestServer::builder()
        .env("IGGY_HTTP_CORS_ALLOWED_ORIGINS", "[\"http://a.example\"]")
        .start();
    let base = base_url(&server);
    let allowed = preflight(&base, "http://a.example").await;
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(allow_origin(&allowed).as_deref(), Some("http://a.example"));
    let methods = allowed.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        methods.contains("POST") && methods.contains("DELETE"),
        "{methods}"
    );
    let refused = preflight(&base, "http://b.example").await;
    assert_eq!(
        allow_origin(&refused),
        None,
        "a refused origin gets no CORS grant"
    );
    let unauthorized = raw()
        .get(format!("{base}/streams"))
        .header("Origin", "http://a.example")
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        allow_origin(&unauthorized).as_deref(),
        Some("http://a.example")
    );
}

#[test]
fn invalid_cors_settings_stop_the_start_naming_the_key() {
    for (key, value) in [
        ("IGGY_HTTP_CORS_ALLOWED_METHODS", "[\"FETCH\"]"),
        ("IGGY_HTTP_CORS_ALLOWED_HEADERS", "[\"bad header\"]"),
        ("IGGY_HTTP_CORS_ALLOW_CREDENTIALS", "true"),
    ] {
        let (_, output) = expect_start_failure(TestServer::builder().env(key, value));
        let name = key
            .trim_start_matches("IGGY_")
            .to_lowercase()
            .replacen('_', ".", 2);
        assert!(output.contains(&name), "{key}: {output}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_round_trip_with_the_sdk() {
    let dir = tempfile::tempdir().unwrap();
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("certificate");
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.key_pair.serialize_pem()).unwrap();
    // The SDK's reqwest verifies with the platform's roots, which honour SSL_CERT_FILE.
    std::env::set_var("SSL_CERT_FILE", &cert);
    let server = TestServer::builder()
        .env("IGGY_HTTP_TLS_ENABLED", "true")
        .env("IGGY_HTTP_TLS_CERT_FILE", cert.to_str().unwrap())
        .env("IGGY_HTTP_TLS_KEY_FILE", key.to_str().unwrap())
        .start();
    let url = format!("https://localhost:{}", http_addr(&server).port());
    let client = sdk_http_client_at(&url);
    within(client.login_user("iggy", "iggy"))
        .await
        .expect("login over HTTPS");
    within(client.create_stream("secure"))
        .await
        .expect("create over HTTPS");
    let streams = within(client.get_streams()).await.expect("list over HTTPS");
    assert_eq!(streams[0].name, "secure");
    let plain = raw()
        .get(format!("http://{}/ping", http_addr(&server)))
        .send()
        .await;
    assert!(
        plain.map(|r| r.status() != 200).unwrap_or(true),
        "plain HTTP is not served"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_tokens_stay_revoked_across_a_restart() {
    let secret = "a-fixed-secret-for-this-test";
    let server = TestServer::builder()
        .env("IGGY_HTTP_JWT_ENCODING_SECRET", secret)
        .start();
    let base = base_url(&server);
    let revoked = root_token(&base).await;
    let kept = root_token(&base).await;
    let logout = raw()
        .delete(format!("{base}/users/logout"))
        .bearer_auth(&revoked)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let dirs = server.dirs().clone();
    server.stop();
    let server = TestServer::builder()
        .dirs(&dirs)
        .env("IGGY_HTTP_JWT_ENCODING_SECRET", secret)
        .start();
    let base = base_url(&server);
    let status = |token: String| {
        let base = base.clone();
        async move {
            raw()
                .get(format!("{base}/streams"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(status(revoked).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status(kept).await, StatusCode::OK);
}

fn sample(scrape: &prometheus_parse::Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Untyped(v) => v,
            _ => f64::NAN,
        })
        .unwrap_or_else(|| panic!("no sample {metric} {labels:?}"))
}

async fn scrape(base: &str) -> prometheus_parse::Scrape {
    let text = raw()
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
        .expect("Prometheus text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_tell_the_real_counts_after_a_restart() {
    let server = TestServer::start();
    let tcp = root_client(&server).await;
    let (s, t) = create_stream_and_topic(&tcp, "s", "t", 3).await;
    let mut batch: Vec<_> = (0..25)
        .map(|i| {
            iggy::prelude::IggyMessage::builder()
                .payload(format!("m{i}").into())
                .build()
                .unwrap()
        })
        .collect();
    within(tcp.send_messages(&id(s), &id(t), &Partitioning::partition_id(1), &mut batch))
        .await
        .unwrap();
    within(tcp.create_user("user1", "secret", iggy::prelude::UserStatus::Active, None))
        .await
        .unwrap();
    drop(tcp);
    let dirs = server.dirs().clone();
    server.stop();
    let server = TestServer::builder().dirs(&dirs).start();
    let base = base_url(&server);
    let scrape = scrape(&base).await;
    assert_eq!(sample(&scrape, "streams", &[]), 1.0);
    assert_eq!(sample(&scrape, "topics", &[]), 1.0);
    assert_eq!(sample(&scrape, "partitions", &[]), 3.0);
    assert_eq!(sample(&scrape, "segments", &[]), 3.0);
    assert_eq!(sample(&scrape, "messages", &[]), 25.0);
    assert_eq!(sample(&scrape, "users", &[]), 2.0, "root and user1, once");
    assert_eq!(sample(&scrape, "clients", &[]), 0.0);
    assert_eq!(
        sample(
            &scrape,
            "topic_messages",
            &[("stream", "s"), ("topic", "t")]
        ),
        25.0
    );
    assert!(sample(&scrape, "topic_bytes", &[("stream", "s"), ("topic", "t")]) > 25.0 * 64.0);
    let again = self::scrape(&base).await;
    assert!(sample(&again, "http_requests_total", &[("endpoint", "/metrics")]) >= 1.0);

    let off = TestServer::builder()
        .env("IGGY_HTTP_METRICS_ENABLED", "false")
        .start();
    let response = raw()
        .get(format!("{}/metrics", base_url(&off)))
        .send()
        .await
        .unwrap();
    assert_ne!(
        response.status(),
        StatusCode::OK,
        "metrics.enabled = false: no endpoint"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_probes_answer_json() {
    let server = TestServer::start();
    let base = base_url(&server);
    let live = raw().get(format!("{base}/livez")).send().await.unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    assert_eq!(
        live.json::<serde_json::Value>().await.unwrap()["status"],
        "alive"
    );
    let ready = raw().get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["shards"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_http_clients_stop_nobody() {
    let server = TestServer::start();
    let addr = http_addr(&server);
    let idle: Vec<TcpStream> = (0..1000)
        .map(|_| TcpStream::connect(addr).expect("idle connection"))
        .collect();
    let trickler = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let request = b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n";
        for (sent, byte) in request.iter().enumerate() {
            if stream.write_all(&[*byte]).is_err() {
                return sent;
            }
            let mut buf = [0u8; 256];
            match stream.read(&mut buf) {
                Ok(0) => return sent,
                Ok(_) => return sent,
                Err(_) => std::thread::sleep(Duration::from_millis(900)),
            }
        }
        request.len()
    });
    let client = sdk_http_client_at(&base_url(&server));
    within(client.login_user("iggy", "iggy"))
        .await
        .expect("HTTP login while others hang");
    within(client.create_stream("busy"))
        .await
        .expect("HTTP works");
    let tcp = root_client(&server).await;
    within(tcp.ping()).await.expect("TCP ping");
    let sent = trickler.join().unwrap();
    assert!(
        sent < 31,
        "the trickled request was cut off by the server ({sent} bytes sent)"
    );
    within(client.get_streams())
        .await
        .expect("HTTP still works");
    drop(idle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_ends_when_shutdown_begins() {
    let mut server = TestServer::start();
    let url = format!("{}/readyz", base_url(&server));
    // HTTP is stopped last: while the data is saved, /readyz answers 503.
    let client = raw();
    assert_eq!(
        client.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    server.signal(libc::SIGTERM);
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        match client.get(&url).send().await {
            Ok(r) => {
                let status = r.status();
                seen.push(status.as_u16());
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    let body: serde_json::Value = r.json().await.unwrap();
                    assert_eq!(body["status"], "not_ready");
                    server.wait_exit();
                    return;
                }
            }
            Err(_) => {
                seen.push(0);
                break;
            }
        }
    }
    panic!("no 503 while shutting down; statuses seen: {seen:?}");
}

#[test]
fn a_second_server_on_the_same_http_port_is_refused() {
    let first = TestServer::start();
    let taken = http_addr(&first).to_string();
    let (_, output) = expect_start_failure(TestServer::builder().env("IGGY_HTTP_ADDRESS", &taken));
    assert!(
        output.contains(&format!("cannot bind HTTP to {taken}"))
            && output.contains("another server"),
        "{output}"
    );
}

/// While a server loads its partitions, `/readyz` answers 503 ("starting") and `/livez`
/// 200; once the start is done, `/readyz` answers 200.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_is_503_while_the_partitions_load() {
    use iggy::prelude::{CompressionAlgorithm, IggyExpiry, MaxTopicSize, TopicClient};
    let server = TestServer::start();
    let dirs = server.dirs().clone();
    {
        // 2,000 partitions take a moment to load at the next start.
        let root = root_client(&server).await;
        create_stream_and_topic(&root, "s", "a", 1000).await;
        within(root.create_topic(
            &id(0),
            "b",
            1000,
            CompressionAlgorithm::None,
            None,
            IggyExpiry::ServerDefault,
            MaxTopicSize::ServerDefault,
        ))
        .await
        .expect("second topic");
    }
    server.stop();
    let port = common::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut restarted = TestServer::builder()
        .dirs(&dirs)
        .env("IGGY_HTTP_ADDRESS", &format!("127.0.0.1:{port}"))
        .spawn();
    let client = raw();
    let (mut starting, mut live_while_starting) = (false, false);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        assert!(std::time::Instant::now() < deadline, "never ready");
        let Ok(response) = client.get(format!("{base}/readyz")).send().await else {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue; // not bound yet
        };
        if response.status() == StatusCode::OK {
            break;
        }
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["reason"], "starting", "{body}");
        starting = true;
        let live = client.get(format!("{base}/livez")).send().await.unwrap();
        live_while_starting |= live.status() == StatusCode::OK;
    }
    assert!(starting, "/readyz never answered 503 during the start");
    assert!(
        live_while_starting,
        "/livez did not answer 200 during the start"
    );
    restarted.wait_ready();
    let root = root_client(&restarted).await;
    let stats = within(root.get_stats()).await.expect("stats");
    assert_eq!(stats.partitions_count, 2000);
}
