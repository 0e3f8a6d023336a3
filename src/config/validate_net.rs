//! Validation of listeners, the HTTP API and the cluster section.

use std::collections::HashSet;
use std::net::SocketAddr;

use base64::Engine;

use super::{ConfigError, IggyExpiry, ServerConfig};

const JWT_ALGORITHMS: [&str; 6] = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512"];

fn parse_address(key: &str, value: &str) -> Result<SocketAddr, ConfigError> {
    value.trim().parse::<SocketAddr>().map_err(|_| {
        ConfigError::invalid(
            key,
            value,
            "must be a socket address such as \"127.0.0.1:8090\" or \"[::1]:8090\"",
        )
    })
}

/// Every listener address must parse; `tcp.ipv6` must agree with `tcp.address`.
pub(crate) fn validate_addresses(c: &ServerConfig) -> Result<(), ConfigError> {
    let tcp = parse_address("tcp.address", &c.tcp.address)?;
    parse_address("quic.address", &c.quic.address)?;
    parse_address("http.address", &c.http.address)?;
    parse_address("websocket.address", &c.websocket.address)?;
    let ws = &c.websocket;
    for (key, value) in [
        ("websocket.max_message_size", &ws.max_message_size),
        ("websocket.max_frame_size", &ws.max_frame_size),
    ] {
        if !value.trim().is_empty() {
            match super::size::parse_byte_size(value) {
                Ok(0) => return Err(ConfigError::invalid(key, value, "cannot be 0")),
                Ok(_) => {}
                Err(reason) => return Err(ConfigError::invalid(key, value, reason)),
            }
        }
    }
    if c.tcp.ipv6 != tcp.is_ipv6() {
        let reason = if c.tcp.ipv6 {
            "tcp.ipv6 is true but tcp.address is an IPv4 address; use an IPv6 address such as \"[::1]:8090\" or set tcp.ipv6 = false"
        } else {
            "tcp.address is an IPv6 address but tcp.ipv6 is false; set tcp.ipv6 = true or use an IPv4 address"
        };
        return Err(ConfigError::invalid("tcp.address", &c.tcp.address, reason));
    }
    Ok(())
}

/// JWT algorithm, token expiry, base64 secrets and CORS consistency.
pub(crate) fn validate_http(c: &ServerConfig) -> Result<(), ConfigError> {
    let jwt = &c.http.jwt;
    if !JWT_ALGORITHMS.contains(&jwt.algorithm.as_str()) {
        return Err(ConfigError::invalid(
            "http.jwt.algorithm",
            &jwt.algorithm,
            format!("must be one of {}", JWT_ALGORITHMS.join(", ")),
        ));
    }
    if !c.http.enabled {
        return Ok(());
    }
    if jwt.access_token_expiry == IggyExpiry::ServerDefault {
        return Err(ConfigError::invalid(
            "http.jwt.access_token_expiry",
            jwt.access_token_expiry,
            "cannot be the server default when HTTP is enabled; use a duration or \"none\"",
        ));
    }
    if jwt.use_base64_secret {
        for (key, secret) in [
            ("http.jwt.encoding_secret", &jwt.encoding_secret),
            ("http.jwt.decoding_secret", &jwt.decoding_secret),
        ] {
            let valid = secret.is_empty()
                || base64::engine::general_purpose::STANDARD
                    .decode(secret)
                    .is_ok();
            if !valid {
                return Err(ConfigError::invalid(
                    key,
                    "******",
                    "must be standard base64 because http.jwt.use_base64_secret is true",
                ));
            }
        }
    }
    let cors = &c.http.cors;
    if cors.enabled && cors.allow_credentials && cors.allowed_origins.iter().any(|o| o == "*") {
        return Err(ConfigError::invalid(
            "http.cors.allow_credentials",
            "true",
            "cannot be combined with the \"*\" origin in http.cors.allowed_origins; list the origins explicitly",
        ));
    }
    Ok(())
}

fn port_of(address: &str) -> Option<u16> {
    address.trim().parse::<SocketAddr>().ok().map(|a| a.port())
}

fn blank(key: &str, value: &str) -> Result<(), ConfigError> {
    if value.trim().is_empty() {
        return Err(ConfigError::invalid(
            key,
            value,
            "Invalid cluster configuration: cannot be empty",
        ));
    }
    Ok(())
}

/// Cluster names, unique node names, non-zero ports, no endpoint used twice.
pub(crate) fn validate_cluster(c: &ServerConfig) -> Result<(), ConfigError> {
    let cluster = &c.cluster;
    if !cluster.enabled {
        return Ok(());
    }
    blank("cluster.name", &cluster.name)?;
    blank("cluster.node.current.name", &cluster.node.current.name)?;
    blank("cluster.node.current.ip", &cluster.node.current.ip)?;
    let own = [
        ("tcp", port_of(&c.tcp.address)),
        ("quic", port_of(&c.quic.address)),
        ("http", port_of(&c.http.address)),
        ("websocket", port_of(&c.websocket.address)),
    ];
    let mut names = HashSet::from([cluster.node.current.name.trim().to_string()]);
    let mut endpoints = HashSet::new();
    for (transport, port) in own {
        if let Some(port) = port.filter(|p| *p != 0) {
            endpoints.insert((cluster.node.current.ip.trim().to_string(), transport, port));
        }
    }
    for (i, node) in cluster.node.others.iter().enumerate() {
        let key = format!("cluster.node.others[{i}]");
        blank(&format!("{key}.name"), &node.name)?;
        blank(&format!("{key}.ip"), &node.ip)?;
        if !names.insert(node.name.trim().to_string()) {
            return Err(ConfigError::invalid(
                &format!("{key}.name"),
                &node.name,
                "Invalid cluster configuration: node names must be unique",
            ));
        }
        let p = &node.ports;
        for (j, (transport, port)) in [
            ("tcp", p.tcp),
            ("quic", p.quic),
            ("http", p.http),
            ("websocket", p.websocket),
        ]
        .into_iter()
        .enumerate()
        {
            let port_key = format!("{key}.ports.{transport}");
            if port == Some(0) {
                return Err(ConfigError::invalid(
                    &port_key,
                    0,
                    "Invalid cluster configuration: a port cannot be 0",
                ));
            }
            let Some(port) = port.or(own.get(j).and_then(|o| o.1)) else {
                continue;
            };
            if !endpoints.insert((node.ip.trim().to_string(), transport, port)) {
                return Err(ConfigError::invalid(
                    &port_key,
                    port,
                    format!("Invalid cluster configuration: {}:{port} is already used for {transport} by another node", node.ip.trim()),
                ));
            }
        }
    }
    Ok(())
}
