//! Raw HTTP requests (reqwest, not the SDK): malformed and mistyped bodies, unknown
//! fields, every kind of bad token, oversized bodies, unknown routes and methods,
//! permission refusals, each with the original's status and body.

mod common;

use common::http::{base_url, raw, root_token, token};
use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn call(
    method: Method,
    url: String,
    token: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
) -> (StatusCode, String) {
    let mut request = raw().request(method, url);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    if let Some((content_type, bytes)) = body {
        request = request.header("Content-Type", content_type).body(bytes);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    (status, response.text().await.expect("body"))
}

fn iggy_error(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not an Iggy error body ({e}): {body}"))
}

fn json_body(v: Value) -> Option<(&'static str, Vec<u8>)> {
    Some(("application/json", v.to_string().into_bytes()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_routes_and_errors_answer_like_the_original() {
    let server = TestServer::start();
    let base = base_url(&server);
    let root = root_token(&base).await;
    let t = Some(root.as_str());

    let (status, body) = call(Method::GET, format!("{base}/"), None, None).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "Iggy API"));
    let (status, body) = call(
        Method::POST,
        format!("{base}/streams"),
        t,
        Some(("application/json", b"{\"name\":".to_vec())),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.starts_with("Failed to parse the request body as JSON"),
        "{body}"
    );
    let (status, body) = call(
        Method::POST,
        format!("{base}/streams"),
        t,
        json_body(json!({"name": 5})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.starts_with("Failed to deserialize the JSON body"),
        "{body}"
    );
    let (status, _) = call(
        Method::POST,
        format!("{base}/streams"),
        t,
        Some(("text/plain", b"{}".to_vec())),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Unknown fields are ignored, except in SendMessages (strict).
    let (status, body) = call(
        Method::POST,
        format!("{base}/streams"),
        t,
        json_body(json!({"name": "s", "extra": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call(
        Method::POST,
        format!("{base}/streams/s/topics"),
        t,
        json_body(
            json!({"name": "t", "partitions_count": 1, "compression_algorithm": "none",
                         "message_expiry": 0, "max_topic_size": 0, "stream_id": 0}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let send = |extra: Value| {
        let mut body = json!({"partitioning": {"kind": "balanced", "value": ""},
                              "messages": [{"payload": "aGk="}]});
        if let Value::Object(map) = extra {
            body.as_object_mut().unwrap().extend(map);
        }
        body
    };
    let messages = format!("{base}/streams/s/topics/t/messages");
    let (status, _) = call(
        Method::POST,
        messages.clone(),
        t,
        json_body(send(json!({}))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = call(
        Method::POST,
        messages.clone(),
        t,
        json_body(send(json!({"x": 1}))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let empty = json!({"partitioning": {"kind": "balanced", "value": ""}, "messages": []});
    let (status, body) = call(Method::POST, messages.clone(), t, json_body(empty)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(iggy_error(&body)["id"], 4009);
    // Oversized body: 413 with the Iggy error body, whatever the endpoint.
    let big = vec![b'a'; 2_000_001];
    let (status, body) = call(
        Method::POST,
        messages.clone(),
        t,
        Some(("application/json", big.clone())),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(iggy_error(&body)["id"], 413);
    let (status, _) = call(
        Method::DELETE,
        format!("{base}/streams/s/purge"),
        t,
        Some(("application/json", big)),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // Routes and methods.
    let (status, body) = call(Method::GET, format!("{base}/nowhere"), t, None).await;
    assert_eq!((status, body.as_str()), (StatusCode::NOT_FOUND, ""));
    let (status, body) = call(Method::GET, format!("{base}/nowhere"), None, None).await;
    assert_eq!((status, body.as_str()), (StatusCode::UNAUTHORIZED, ""));
    let (status, body) = call(Method::PATCH, format!("{base}/streams"), t, None).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "")
    );
    let (status, _) = call(Method::GET, format!("{base}/users/login"), t, None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    // The two 404 shapes, and the field of an Iggy error.
    let (status, body) = call(Method::GET, format!("{base}/streams/99"), t, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        iggy_error(&body),
        json!({"id": 404, "code": "not_found", "reason": "Resource not found", "field": null})
    );
    let (status, body) = call(Method::DELETE, format!("{base}/streams/99"), t, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let error = iggy_error(&body);
    assert_eq!(
        (
            error["id"].clone(),
            error["code"].clone(),
            error["field"].clone()
        ),
        (
            json!(1009),
            json!("stream_id_not_found"),
            json!("stream_id")
        )
    );
    let (status, body) = call(
        Method::POST,
        format!("{base}/streams"),
        t,
        json_body(json!({"name": "s"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(iggy_error(&body)["field"], "name");
    let (status, _) = call(
        Method::DELETE,
        format!("{base}/streams/s/topics/t/partitions/x?segments_count=1"),
        t,
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a non-numeric partition id"
    );
    let (status, body) = call(
        Method::DELETE,
        format!("{base}/streams/s/topics/t/partitions"),
        t,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.starts_with("Failed to deserialize query string"),
        "{body}"
    );
    // Wrong credentials: 400 (not 401); unknown PAT: 404.
    let login = json!({"username": "iggy", "password": "wrong"});
    let (status, body) = call(
        Method::POST,
        format!("{base}/users/login"),
        None,
        json_body(login),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(iggy_error(&body)["code"], "invalid_credentials");
    let (status, _) = call(
        Method::POST,
        format!("{base}/personal-access-tokens/login"),
        None,
        json_body(json!({"token": "nope"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The server keeps serving after many bad requests.
    for i in 0..1000 {
        let bad = match i % 4 {
            0 => {
                call(
                    Method::POST,
                    format!("{base}/streams"),
                    t,
                    Some(("application/json", b"{{{".to_vec())),
                )
                .await
                .0
            }
            1 => {
                call(
                    Method::GET,
                    format!("{base}/streams"),
                    Some("garbage"),
                    None,
                )
                .await
                .0
            }
            2 => {
                call(
                    Method::PUT,
                    format!("{base}/streams/s/topics/t/messages"),
                    t,
                    None,
                )
                .await
                .0
            }
            _ => {
                call(
                    Method::GET,
                    format!("{base}/streams/s/topics/t/messages?count=x"),
                    t,
                    None,
                )
                .await
                .0
            }
        };
        assert!(bad.is_client_error(), "request {i}: {bad}");
    }
    let (status, _) = call(Method::GET, format!("{base}/streams"), t, None).await;
    assert_eq!(status, StatusCode::OK);
    common::assert_healthy(server.tcp_addr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_token_is_an_empty_401() {
    let server = TestServer::builder()
        .env("IGGY_HTTP_JWT_ACCESS_TOKEN_EXPIRY", "2 s")
        .env("IGGY_HTTP_JWT_CLOCK_SKEW", "0 s")
        .start();
    let base = base_url(&server);
    let streams = format!("{base}/streams");
    for header in [
        None,
        Some("Bearer"),
        Some("Bearer x.y.z"),
        Some("bearer abc"),
        Some("Basic aWdneTppZ2d5"),
    ] {
        let mut request = raw().get(&streams);
        if let Some(h) = header {
            request = request.header("Authorization", h);
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{header:?}");
        assert_eq!(response.text().await.unwrap(), "", "{header:?}");
    }
    // Signed with another secret.
    let claims = json!({"jti": "x", "sub": "0", "iss": "iggy.apache.org", "aud": "iggy.apache.org",
                        "iat": 1, "exp": 4_000_000_000u64, "nbf": 1});
    let foreign = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"another secret"),
    )
    .unwrap();
    assert_eq!(
        call(Method::GET, streams.clone(), Some(&foreign), None).await,
        (StatusCode::UNAUTHORIZED, String::new())
    );
    // Revoked by logout.
    let revoked = root_token(&base).await;
    assert_eq!(
        call(Method::GET, streams.clone(), Some(&revoked), None)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        call(
            Method::DELETE,
            format!("{base}/users/logout"),
            Some(&revoked),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(Method::GET, streams.clone(), Some(&revoked), None).await,
        (StatusCode::UNAUTHORIZED, String::new())
    );
    // Refreshed once only.
    let first = root_token(&base).await;
    let refresh = format!("{base}/users/refresh-token");
    let (status, body) = call(
        Method::POST,
        refresh.clone(),
        None,
        json_body(json!({"token": first})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let second = iggy_error(&body)["access_token"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        call(Method::GET, streams.clone(), Some(&second), None)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        call(Method::GET, streams.clone(), Some(&first), None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = call(
        Method::POST,
        refresh,
        None,
        json_body(json!({"token": first})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(iggy_error(&body)["code"], "invalid_access_token");
    let (status, body) = call(
        Method::POST,
        format!("{base}/users/refresh-token"),
        None,
        json_body(json!({"token": "abc"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "not a JWT at all");
    assert_eq!(iggy_error(&body)["code"], "invalid_access_token");
    // Expired (2 s lifetime, no clock skew).
    let expiring = root_token(&base).await;
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert_eq!(
        call(Method::GET, streams, Some(&expiring), None).await,
        (StatusCode::UNAUTHORIZED, String::new())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_without_rights_are_refused_with_403() {
    let server = TestServer::start();
    let base = base_url(&server);
    let root = root_token(&base).await;
    let user = json!({"username": "nobody", "password": "secret", "status": "active", "permissions": null});
    let (status, body) = call(
        Method::POST,
        format!("{base}/users"),
        Some(&root),
        json_body(user),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let created = iggy_error(&body);
    assert_eq!(created["permissions"], Value::Null);
    call(
        Method::POST,
        format!("{base}/streams"),
        Some(&root),
        json_body(json!({"name": "s"})),
    )
    .await;
    let nobody = token(&base, "nobody", "secret").await;
    let t = Some(nobody.as_str());
    for (method, path) in [
        (Method::GET, "/streams"),
        (Method::GET, "/stats"),
        (Method::GET, "/clients"),
        (Method::GET, "/users"),
        (Method::DELETE, "/streams/s"),
        (Method::GET, "/streams/s/topics"),
    ] {
        let (status, body) = call(method.clone(), format!("{base}{path}"), t, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
        assert_eq!(iggy_error(&body)["code"], "unauthorized");
    }
    let (status, _) = call(
        Method::POST,
        format!("{base}/streams"),
        t,
        json_body(json!({"name": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // What needs no permission: cluster metadata, own record, own tokens.
    assert_eq!(
        call(Method::GET, format!("{base}/cluster/metadata"), t, None)
            .await
            .0,
        StatusCode::OK
    );
    let own = format!("{base}/users/{}", created["id"]);
    assert_eq!(call(Method::GET, own, t, None).await.0, StatusCode::OK);
    assert_eq!(
        call(
            Method::GET,
            format!("{base}/personal-access-tokens"),
            t,
            None
        )
        .await
        .0,
        StatusCode::OK
    );
}
