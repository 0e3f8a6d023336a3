//! How `/ui` is served (`http-api.md` §11), by raw HTTP requests: the app for `/ui`,
//! `/ui/` and unknown paths without a dot, assets with their MIME types and cache headers,
//! 404 for unknown paths with a dot, a strict Content-Security-Policy everywhere, public
//! and outside CORS and the request counter; nothing when `http.web_ui` is off. The
//! dashboard's own API calls pass a restricted CORS list (same origin).

mod common;

use common::http::{base_url, raw, root_token};
use common::TestServer;
use reqwest::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, ORIGIN,
};
use reqwest::{Method, StatusCode};

fn web_ui() -> common::TestServerBuilder {
    TestServer::builder().env("IGGY_HTTP_WEB_UI", "true")
}

async fn get(url: &str) -> reqwest::Response {
    raw().get(url).send().await.expect("request")
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    response
        .headers()
        .get(&name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_its_assets_and_404s_are_served_by_the_rules_of_the_original() {
    let server = web_ui().start();
    let base = base_url(&server);
    let runtime = common::runtime_config(&server);
    let websocket = runtime["websocket"]["address"]
        .as_str()
        .expect("ws address");

    let mut index_body = None;
    for path in [
        "/ui",
        "/ui/",
        "/ui/streams/0/topics/1",
        "/ui/login",
        "/ui/index.html",
    ] {
        let response = get(&format!("{base}{path}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&response, CONTENT_TYPE), "text/html; charset=utf-8");
        assert_eq!(header(&response, CACHE_CONTROL), "no-cache");
        let policy = header(&response, CONTENT_SECURITY_POLICY);
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            &format!("connect-src 'self' ws://{websocket}"),
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ] {
            assert!(
                policy.contains(directive),
                "{path}: {directive} in {policy}"
            );
        }
        assert!(!policy.contains("unsafe"), "{policy}");
        let body = response.text().await.unwrap();
        assert!(body.contains("<script type=\"module\" src=\"/ui/js/app.js\">"));
        assert!(
            body.contains(&format!("content=\"ws://{websocket}\"")),
            "the page learns the WebSocket endpoint"
        );
        assert!(
            !body.contains("src=\"http") && !body.contains("href=\"http"),
            "nothing loads from another host"
        );
        index_body.get_or_insert(body);
    }

    for (path, mime) in [
        ("/ui/js/app.js", "text/javascript; charset=utf-8"),
        ("/ui/js/views/tail.js", "text/javascript; charset=utf-8"),
        ("/ui/css/app.css", "text/css; charset=utf-8"),
        ("/ui/favicon.svg", "image/svg+xml"),
    ] {
        let response = get(&format!("{base}{path}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&response, CONTENT_TYPE), mime, "{path}");
        assert_eq!(header(&response, CACHE_CONTROL), "no-cache", "{path}");
        assert_eq!(
            header(&response, "x-content-type-options".parse().unwrap()),
            "nosniff"
        );
        assert!(header(&response, CONTENT_SECURITY_POLICY).contains("default-src 'none'"));
        let etag = header(&response, ETAG);
        assert!(etag.starts_with('"'), "{path}: ETag {etag}");
        let body = response.bytes().await.unwrap();
        assert!(!body.is_empty());
        // Revalidation: the same ETag answers 304 without a body.
        let again = raw()
            .get(format!("{base}{path}"))
            .header(IF_NONE_MATCH, &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.bytes().await.unwrap().is_empty());
    }
    let script = get(&format!("{base}/ui/js/api.js"))
        .await
        .text()
        .await
        .unwrap();
    assert!(script.contains("sessionStorage") || script.contains("session"));

    for path in ["/ui/missing.js", "/ui/js/nothing.css", "/ui/streams/a.b"] {
        let response = get(&format!("{base}{path}")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.text().await.unwrap(), "Not Found");
    }
    let head = raw()
        .head(format!("{base}/ui/js/app.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    let post = raw()
        .request(Method::POST, format!("{base}/ui/"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    // Paths that merely start with "ui" are the API's.
    assert_eq!(
        get(&format!("{base}/uix")).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ui_routes_are_public_uncounted_and_outside_cors() {
    let server = web_ui()
        .env(
            "IGGY_HTTP_CORS_ALLOWED_ORIGINS",
            "[\"http://allowed.example\"]",
        )
        .start();
    let base = base_url(&server);
    // Every request counted so far (the counter has one series per endpoint, method and
    // status), and whether any series is of a dashboard path or an unmatched one.
    let counted = || async {
        let text = get(&format!("{base}/metrics")).await.text().await.unwrap();
        let series: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("http_requests_total"))
            .collect();
        assert!(
            series
                .iter()
                .all(|l| !l.contains("/ui") && !l.contains("UNKNOWN")),
            "{series:#?}"
        );
        series
            .iter()
            .map(|l| {
                l.rsplit(' ')
                    .next()
                    .unwrap()
                    .parse::<f64>()
                    .expect("a count")
            })
            .sum::<f64>()
    };
    let before = counted().await;
    for _ in 0..5 {
        let response = raw()
            .get(format!("{base}/ui/js/app.js"))
            .header(ORIGIN, "http://foreign.example")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "no token, any origin");
        assert!(response
            .headers()
            .get("access-control-allow-origin")
            .is_none());
    }
    let after = counted().await;
    assert_eq!(
        after - before,
        1.0,
        "only the /metrics call itself is counted"
    );

    // The dashboard's own calls carry its origin (browsers send `Origin` with a POST even
    // to the same origin); a restricted list that does not name it lets them through, as
    // the browser applies no CORS rule to its own origin. A foreign origin gets no grant.
    let own_origin = format!("http://{}", common::http::http_addr(&server));
    let login = serde_json::json!({"username": "iggy", "password": "iggy"});
    for origin in [own_origin.as_str(), "http://foreign.example"] {
        let response = raw()
            .post(format!("{base}/users/login"))
            .header(ORIGIN, origin)
            .json(&login)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{origin}");
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{origin}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_web_ui_there_is_no_dashboard_and_no_websocket_in_the_policy() {
    let server = TestServer::start();
    let base = base_url(&server);
    assert_eq!(
        get(&format!("{base}/ui")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let token = root_token(&base).await;
    let ui = raw()
        .get(format!("{base}/ui/js/app.js"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(ui.status(), StatusCode::NOT_FOUND, "the API's 404");
    assert!(ui.text().await.unwrap().is_empty());
    assert!(!server.output().contains("web_ui"), "{}", server.output());

    let server = web_ui().env("IGGY_WEBSOCKET_ENABLED", "false").start();
    let response = get(&format!("{}/ui", base_url(&server))).await;
    let policy = header(&response, CONTENT_SECURITY_POLICY);
    assert!(policy.contains("connect-src 'self';"), "{policy}");
    let body = response.text().await.unwrap();
    assert!(
        body.contains("name=\"iggy-websocket\" content=\"\""),
        "WebSocket disabled"
    );
}
