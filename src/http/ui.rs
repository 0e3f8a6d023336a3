//! The web dashboard at `/ui` (`http-api.md` §11), served when `http.web_ui = true`.
//!
//! The app is the files under `web/` of the repository, embedded in the binary at build
//! time (`include_bytes!`): plain HTML, CSS and JavaScript modules, no build step, nothing
//! loaded from anywhere but this server. It is a client like any other: it logs in through
//! `/users/login`, keeps the JWT in the tab's session storage, calls the HTTP API with it,
//! and its live tail speaks the binary protocol over the WebSocket transport.
//!
//! Serving rules: `GET /ui` and `/ui/` answer `index.html`; `/ui/<asset>` the asset with
//! its MIME type; an unknown path without a dot `index.html` (the app routes on the
//! client); an unknown path with a dot 404 `Not Found`. Every answer carries a strict
//! Content-Security-Policy (scripts, styles and images from this origin only; connections
//! to this origin and to the WebSocket listener only) and `Cache-Control: no-cache` with an
//! ETag, so a browser revalidates (304) and never runs a stale app after an upgrade.
//!
//! The routes are served by an outermost middleware, before CORS, the request counter,
//! the body guard and authentication: they are public and not counted, as in the original.

use super::HttpState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use bytes::Bytes;
use std::net::SocketAddr;

/// One embedded file of `web/`.
struct Asset {
    path: &'static str,
    body: &'static [u8],
}

macro_rules! assets {
    ($($path:literal),* $(,)?) => {
        &[$(Asset {
            path: $path,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/", $path)),
        }),*]
    };
}

/// Every file of `web/` (a unit test checks that none is missing).
static ASSETS: &[Asset] = assets![
    "index.html",
    "favicon.svg",
    "css/app.css",
    "js/api.js",
    "js/app.js",
    "js/chart.js",
    "js/dom.js",
    "js/format.js",
    "js/message.js",
    "js/router.js",
    "js/session.js",
    "js/wire.js",
    "js/views/clients.js",
    "js/views/groups.js",
    "js/views/lag.js",
    "js/views/login.js",
    "js/views/messages.js",
    "js/views/overview.js",
    "js/views/permissions.js",
    "js/views/send.js",
    "js/views/streams.js",
    "js/views/tail.js",
    "js/views/tokens.js",
    "js/views/topic.js",
    "js/views/users.js",
];

/// Where `index.html` is told the WebSocket endpoint of the live tail (empty: disabled).
const WEBSOCKET_PLACEHOLDER: &str = "%IGGY_WEBSOCKET%";

/// The path inside the dashboard (`""` for `/ui` and `/ui/`), or `None` for other paths.
fn ui_path(path: &str) -> Option<&str> {
    match path.strip_prefix("/ui")? {
        "" => Some(""),
        rest => rest.strip_prefix('/'),
    }
}

/// The middleware: `/ui` paths are answered here, every other request goes on.
pub async fn serve(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(path) = ui_path(req.path()).map(str::to_owned) else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    let websocket = req
        .app_data::<web::Data<HttpState>>()
        .and_then(|state| websocket_url(state, req.request()));
    let response = answer(req.request(), &path, websocket.as_deref());
    Ok(req.into_response(response))
}

fn answer(req: &HttpRequest, path: &str, websocket: Option<&str>) -> HttpResponse {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "GET, HEAD"))
            .finish();
    }
    let asset = ASSETS.iter().find(|a| a.path == path);
    let (body, mime) = match asset {
        Some(asset) if asset.path != "index.html" => {
            (Bytes::from_static(asset.body), mime_type(asset.path))
        }
        None if path.contains('.') => {
            return HttpResponse::NotFound()
                .content_type("text/plain; charset=utf-8")
                .body("Not Found")
        }
        _ => (Bytes::from(index(websocket)), "text/html; charset=utf-8"),
    };
    let etag = format!("\"{:08x}\"", xxhash_rust::xxh32::xxh32(&body, 0));
    let status = if if_none_match(req, &etag) {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    };
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CONTENT_SECURITY_POLICY, policy(websocket)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header(("Cross-Origin-Opener-Policy", "same-origin"));
    if status == StatusCode::NOT_MODIFIED {
        return response.finish();
    }
    response.content_type(mime).body(body)
}

/// `index.html` with the WebSocket endpoint filled in.
fn index(websocket: Option<&str>) -> Vec<u8> {
    let html = ASSETS
        .iter()
        .find(|a| a.path == "index.html")
        .map(|a| String::from_utf8_lossy(a.body).into_owned())
        .unwrap_or_default();
    html.replace(WEBSOCKET_PLACEHOLDER, websocket.unwrap_or(""))
        .into_bytes()
}

fn if_none_match(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// The policy: nothing but this origin, plus the WebSocket listener for the live tail.
fn policy(websocket: Option<&str>) -> String {
    let connect = match websocket {
        Some(url) => format!("'self' {url}"),
        None => "'self'".to_string(),
    };
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
         font-src 'self'; connect-src {connect}; manifest-src 'self'; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'"
    )
}

/// `ws://host:port` (`wss://` with `[websocket.tls]`) of the WebSocket listener, `None`
/// when it is not listening. A listener on an unspecified address (`0.0.0.0`, `::`) is
/// reached through the host the browser used for this page.
fn websocket_url(state: &HttpState, req: &HttpRequest) -> Option<String> {
    let bound: SocketAddr = state.ctx.bound.websocket?;
    let scheme = if state.ctx.config.websocket.tls.enabled {
        "wss"
    } else {
        "ws"
    };
    let host = if bound.ip().is_unspecified() {
        request_host(req.headers().get(header::HOST))?
    } else if bound.is_ipv6() {
        format!("[{}]", bound.ip())
    } else {
        bound.ip().to_string()
    };
    Some(format!("{scheme}://{host}:{}", bound.port()))
}

/// The host name of a `Host` header without its port, if it is a plain host name or
/// address (it goes into a header and the page, so nothing else is accepted).
fn request_host(value: Option<&HeaderValue>) -> Option<String> {
    let value = value?.to_str().ok()?;
    let host = if value.starts_with('[') {
        &value[..=value.find(']')?]
    } else {
        value.split(':').next()?
    };
    let plain = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    plain.then(|| host.to_string())
}

fn mime_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Every file under `web/`, relative, with `/` separators.
    fn files(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                files(&entry.path(), &format!("{name}/"), out);
            } else {
                out.push(name);
            }
        }
    }

    #[test]
    fn every_file_of_web_is_embedded_with_a_known_type() {
        let mut on_disk = Vec::new();
        files(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("web"),
            "",
            &mut on_disk,
        );
        on_disk.sort();
        let mut embedded: Vec<String> = ASSETS.iter().map(|a| a.path.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
        for asset in ASSETS {
            assert_ne!(mime_type(asset.path), "application/octet-stream");
        }
        let index = String::from_utf8_lossy(ASSETS[0].body);
        assert!(index.contains(WEBSOCKET_PLACEHOLDER));
    }

    #[test]
    fn paths_under_ui_only() {
        assert_eq!(ui_path("/ui"), Some(""));
        assert_eq!(ui_path("/ui/"), Some(""));
        assert_eq!(ui_path("/ui/js/app.js"), Some("js/app.js"));
        assert_eq!(ui_path("/uix"), None);
        assert_eq!(ui_path("/users"), None);
    }

    #[test]
    fn only_plain_host_names_reach_the_policy() {
        let host = |v: &str| request_host(Some(&HeaderValue::from_str(v).unwrap()));
        assert_eq!(host("localhost:3000").as_deref(), Some("localhost"));
        assert_eq!(host("[::1]:3000").as_deref(), Some("[::1]"));
        assert_eq!(host("10.0.0.5").as_deref(), Some("10.0.0.5"));
        assert_eq!(host("evil;script-src *"), None);
        assert_eq!(host("a b"), None);
    }
}
