//! `[http.cors]` with actix-cors (`http-api.md` §10). Every setting is checked here, at
//! start, so a bad one stops the server with a message naming its key instead of a
//! failing worker.

use crate::config::HttpCorsConfig;
use actix_cors::Cors;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;

const METHODS: [&str; 9] = [
    "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "CONNECT", "PATCH", "TRACE",
];

/// Checks the settings and answers the CORS middleware they describe.
pub fn build(c: &HttpCorsConfig) -> Result<Cors, String> {
    let mut methods = Vec::new();
    for m in &c.allowed_methods {
        let upper = m.to_ascii_uppercase();
        if !METHODS.contains(&upper.as_str()) {
            return Err(format!(
                "invalid configuration: http.cors.allowed_methods: {m:?} is not one of {}",
                METHODS.join(", ")
            ));
        }
        methods.push(Method::from_bytes(upper.as_bytes()).map_err(|e| e.to_string())?);
    }
    let header = |key: &str, h: &String| {
        HeaderName::from_bytes(h.as_bytes())
            .map_err(|_| format!("invalid configuration: {key}: {h:?} is not a header name"))
    };
    let mut cors = Cors::default().allowed_methods(methods);
    let allowed: Vec<HeaderName> = c
        .allowed_headers
        .iter()
        .map(|h| header("http.cors.allowed_headers", h))
        .collect::<Result<_, _>>()?;
    if !allowed.is_empty() {
        cors = cors.allowed_headers(allowed);
    }
    let exposed: Vec<HeaderName> = c
        .exposed_headers
        .iter()
        .filter(|h| !h.trim().is_empty())
        .map(|h| header("http.cors.exposed_headers", h))
        .collect::<Result<_, _>>()?;
    if !exposed.is_empty() {
        cors = cors.expose_headers(exposed);
    }
    match c.allowed_origins.first().map(String::as_str) {
        Some("*") => {
            if c.allow_credentials {
                return Err("invalid configuration: http.cors.allow_credentials = true cannot be combined with the \"*\" origin in http.cors.allowed_origins".into());
            }
            cors = cors.allow_any_origin().send_wildcard();
        }
        _ => {
            for origin in &c.allowed_origins {
                if origin == "*" || HeaderValue::from_str(origin).is_err() || origin.is_empty() {
                    return Err(format!(
                        "invalid configuration: http.cors.allowed_origins: {origin:?} is not a valid origin (\"*\" only as the first entry)"
                    ));
                }
                cors = cors.allowed_origin(origin);
            }
        }
    }
    if c.allow_credentials {
        cors = cors.supports_credentials();
    }
    if c.allow_private_network {
        cors = cors.allow_private_network_access();
    }
    Ok(cors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;

    #[test]
    fn bad_settings_name_their_key() {
        let defaults = ServerConfig::embedded_defaults().unwrap().http.cors;
        assert!(build(&defaults).is_ok());
        let mut c = defaults.clone();
        c.allowed_methods = vec!["FETCH".into()];
        assert!(build(&c)
            .err()
            .unwrap()
            .contains("http.cors.allowed_methods"));
        let mut c = defaults.clone();
        c.allowed_headers = vec!["bad header".into()];
        assert!(build(&c)
            .err()
            .unwrap()
            .contains("http.cors.allowed_headers"));
        let mut c = defaults;
        c.allowed_origins = vec!["http://a.example".into(), "bad\norigin".into()];
        assert!(build(&c)
            .err()
            .unwrap()
            .contains("http.cors.allowed_origins"));
    }
}
