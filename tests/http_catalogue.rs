//! Replays the request catalogue `http/server.http` against the binary: every request,
//! in order, must answer a 2xx (or the status its `# @expect` line states). File
//! variables (`@name = value`) and named responses (`{{login.response.body.a.b}}`) are
//! resolved as the editors that run such files do; `@url` points at the test's server.

mod common;

use common::http::{base_url, raw};
use common::TestServer;
use std::collections::HashMap;

struct Request {
    title: String,
    name: Option<String>,
    expect: Option<u16>,
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: String,
}

/// Splits the file into variable definitions and requests, in order.
fn parse(text: &str) -> (Vec<(String, String)>, Vec<Request>) {
    let mut variables = Vec::new();
    let mut requests = Vec::new();
    for block in text.split("\n###") {
        let mut lines = block.lines().peekable();
        let title = lines.next().unwrap_or_default().trim().to_string();
        let (mut name, mut expect, mut request_line) = (None, None, None);
        for line in lines.by_ref() {
            let line = line.trim_end();
            if let Some(n) = line.strip_prefix("# @name ") {
                name = Some(n.trim().to_string());
            } else if let Some(e) = line.strip_prefix("# @expect ") {
                expect = Some(e.trim().parse().expect("@expect status"));
            } else if let Some(def) = line.strip_prefix('@') {
                let (k, v) = def.split_once('=').expect("@name = value");
                variables.push((k.trim().to_string(), v.trim().to_string()));
            } else if line.is_empty() || line.starts_with('#') {
                continue;
            } else {
                request_line = Some(line.to_string());
                break;
            }
        }
        let Some(request_line) = request_line else {
            continue;
        };
        let (method, url) = request_line.split_once(' ').expect("METHOD URL");
        let mut headers = Vec::new();
        for line in lines.by_ref() {
            if line.trim().is_empty() {
                break;
            }
            let (k, v) = line.split_once(':').expect("Header: value");
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
        let body = lines.collect::<Vec<_>>().join("\n").trim().to_string();
        requests.push(Request {
            title,
            name,
            expect,
            method: method.to_string(),
            url: url.trim().to_string(),
            headers,
            body,
        });
    }
    (variables, requests)
}

fn resolve(
    text: &str,
    variables: &HashMap<String, String>,
    responses: &HashMap<String, serde_json::Value>,
) -> String {
    let mut out = text.to_string();
    while let Some(start) = out.find("{{") {
        let end = start + out[start..].find("}}").expect("closing }}");
        let key = out[start + 2..end].trim().to_string();
        let value = if let Some(v) = variables.get(&key) {
            resolve(v, variables, responses)
        } else {
            let mut parts = key.split('.');
            let name = parts.next().unwrap();
            assert_eq!(
                (parts.next(), parts.next()),
                (Some("response"), Some("body")),
                "unknown variable {key}"
            );
            let mut value = responses
                .get(name)
                .unwrap_or_else(|| panic!("no response named {name} yet"));
            for p in parts {
                value = &value[p];
            }
            value
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| value.to_string())
        };
        out.replace_range(start..end + 2, &value);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_runs_against_the_binary() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/http/server.http"))
        .expect("http/server.http");
    let (definitions, requests) = parse(&text);
    assert!(requests.len() >= 50, "{} requests", requests.len());
    let server = TestServer::start();
    let mut variables: HashMap<String, String> = definitions.into_iter().collect();
    assert_eq!(
        variables["url"], "http://127.0.0.1:3000",
        "the catalogue targets the defaults"
    );
    variables.insert("url".into(), base_url(&server));
    let mut responses = HashMap::new();
    let mut routes = std::collections::BTreeSet::new();
    for r in &requests {
        let url = resolve(&r.url, &variables, &responses);
        let method = reqwest::Method::from_bytes(r.method.as_bytes()).expect("method");
        let mut request = raw().request(method, &url);
        for (k, v) in &r.headers {
            request = request.header(k, resolve(v, &variables, &responses));
        }
        if !r.body.is_empty() {
            request = request.body(resolve(&r.body, &variables, &responses));
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let body = response.bytes().await.expect("body");
        match r.expect {
            Some(expected) => assert_eq!(status, expected, "{}: {url}", r.title),
            None => assert!(
                (200..300).contains(&status),
                "{}: {url} answered {status}: {}",
                r.title,
                String::from_utf8_lossy(&body)
            ),
        }
        if let Some(name) = &r.name {
            responses.insert(name.clone(), serde_json::from_slice(&body).expect("JSON"));
        }
        routes.insert(r.method.clone() + " " + url.split('?').next().unwrap_or_default());
    }
    assert!(
        routes.len() >= 45,
        "distinct routes exercised: {}",
        routes.len()
    );
}
