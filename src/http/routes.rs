//! The route table (`http-api.md` §3). Literal paths are registered before the patterns
//! they would match (`/users/login` before `/users/{user_id}`); a known path with another
//! method answers 405, an unknown one 404, both with empty bodies.

use super::handlers::{groups, lag, messages, streams, system, users};
use super::{health, metrics};
use crate::config::HttpConfig;
use crate::protocol::codes;
use actix_web::http::Method;
use actix_web::{web, HttpResponse};

const TOPIC: &str = "/streams/{stream_id}/topics/{topic_id}";

pub fn configure(cfg: &mut web::ServiceConfig, config: &HttpConfig) {
    cfg.route("/", web::get().to(system::root))
        .route("/ping", web::get().to(system::ping))
        .route("/livez", web::get().to(health::livez))
        .route("/readyz", web::get().to(health::readyz));
    if config.metrics.enabled {
        cfg.route(&config.metrics.endpoint, web::get().to(metrics::serve));
    }
    cfg.route("/stats", web::get().to(system::stats))
        .route("/cluster/metadata", web::get().to(system::cluster_metadata))
        .route("/clients", web::get().to(system::clients))
        .route("/clients/{client_id}", web::get().to(system::client))
        .route("/snapshot", web::post().to(system::snapshot));
    users_routes(cfg);
    stream_routes(cfg);
    cfg.default_service(web::to(|| async { HttpResponse::NotFound().finish() }));
}

fn users_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/users/login").post(users::login))
        .service(web::resource("/users/refresh-token").post(users::refresh))
        .service(web::resource("/users/logout").delete(users::logout))
        .service(
            web::resource("/users")
                .get(users::get_users)
                .post(users::create_user),
        )
        .service(
            web::resource("/users/{user_id}")
                .get(users::get_user)
                .put(users::update_user)
                .delete(users::delete_user),
        )
        .service(web::resource("/users/{user_id}/permissions").put(users::update_permissions))
        .service(web::resource("/users/{user_id}/password").put(users::change_password))
        .service(web::resource("/personal-access-tokens/login").post(users::login_with_token))
        .service(
            web::resource("/personal-access-tokens")
                .get(users::get_tokens)
                .post(users::create_token),
        )
        .service(web::resource("/personal-access-tokens/{name}").delete(users::delete_token));
}

fn stream_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/streams")
            .get(streams::get_streams)
            .post(streams::create_stream),
    )
    .service(
        web::resource("/streams/{stream_id}")
            .get(streams::get_stream)
            .put(streams::update_stream)
            .delete(streams::delete_stream),
    )
    .service(web::resource("/streams/{stream_id}/purge").delete(streams::purge_stream))
    .service(
        web::resource("/streams/{stream_id}/topics")
            .get(streams::get_topics)
            .post(streams::create_topic),
    )
    .service(
        web::resource(TOPIC)
            .get(streams::get_topic)
            .put(streams::update_topic)
            .delete(streams::delete_topic),
    )
    .service(web::resource(format!("{TOPIC}/purge")).delete(streams::purge_topic))
    .service(
        web::resource(format!("{TOPIC}/partitions"))
            .post(streams::create_partitions)
            .delete(streams::delete_partitions),
    )
    .service(
        web::resource(format!("{TOPIC}/partitions/{{partition_id}}"))
            .delete(streams::delete_segments),
    )
    .service(
        web::resource(format!("{TOPIC}/consumer-groups"))
            .get(groups::get_groups)
            .post(groups::create_group),
    )
    .service(
        web::resource(format!("{TOPIC}/consumer-groups/{{group_id}}"))
            .get(groups::get_group)
            .delete(groups::delete_group),
    )
    .service(
        web::resource(format!("{TOPIC}/consumer-offsets"))
            .get(groups::get_offset)
            .put(groups::store_offset),
    )
    .service(web::resource(format!("{TOPIC}/consumer-lag")).get(lag::consumer_lag))
    .service(
        web::resource(format!("{TOPIC}/consumer-offsets/{{consumer_id}}"))
            .delete(groups::delete_offset),
    )
    .service(
        web::resource(format!("{TOPIC}/messages"))
            .get(messages::poll)
            .post(messages::send),
    )
    .service(
        web::resource(format!("{TOPIC}/messages/flush/{{partition_id}}/{{fsync}}"))
            .get(messages::flush),
    );
}

/// The binary command an endpoint above serves, by method and route pattern (what its
/// telemetry span is named after); `None` for probes, metrics, token refresh and the rest.
pub fn command(method: &Method, pattern: &str) -> Option<u32> {
    let topic = pattern.strip_prefix(TOPIC);
    Some(match (method.as_str(), pattern, topic) {
        ("GET", "/ping", _) => codes::PING,
        ("GET", "/stats", _) => codes::GET_STATS,
        ("POST", "/snapshot", _) => codes::GET_SNAPSHOT,
        ("GET", "/cluster/metadata", _) => codes::GET_CLUSTER_METADATA,
        ("GET", "/clients", _) => codes::GET_CLIENTS,
        ("GET", "/clients/{client_id}", _) => codes::GET_CLIENT,
        ("POST", "/users/login", _) => codes::LOGIN_USER,
        ("DELETE", "/users/logout", _) => codes::LOGOUT_USER,
        ("GET", "/users", _) => codes::GET_USERS,
        ("POST", "/users", _) => codes::CREATE_USER,
        ("GET", "/users/{user_id}", _) => codes::GET_USER,
        ("PUT", "/users/{user_id}", _) => codes::UPDATE_USER,
        ("DELETE", "/users/{user_id}", _) => codes::DELETE_USER,
        ("PUT", "/users/{user_id}/permissions", _) => codes::UPDATE_PERMISSIONS,
        ("PUT", "/users/{user_id}/password", _) => codes::CHANGE_PASSWORD,
        ("POST", "/personal-access-tokens/login", _) => codes::LOGIN_WITH_PERSONAL_ACCESS_TOKEN,
        ("GET", "/personal-access-tokens", _) => codes::GET_PERSONAL_ACCESS_TOKENS,
        ("POST", "/personal-access-tokens", _) => codes::CREATE_PERSONAL_ACCESS_TOKEN,
        ("DELETE", "/personal-access-tokens/{name}", _) => codes::DELETE_PERSONAL_ACCESS_TOKEN,
        ("GET", "/streams", _) => codes::GET_STREAMS,
        ("POST", "/streams", _) => codes::CREATE_STREAM,
        ("GET", "/streams/{stream_id}", _) => codes::GET_STREAM,
        ("PUT", "/streams/{stream_id}", _) => codes::UPDATE_STREAM,
        ("DELETE", "/streams/{stream_id}", _) => codes::DELETE_STREAM,
        ("DELETE", "/streams/{stream_id}/purge", _) => codes::PURGE_STREAM,
        ("GET", "/streams/{stream_id}/topics", _) => codes::GET_TOPICS,
        ("POST", "/streams/{stream_id}/topics", _) => codes::CREATE_TOPIC,
        (method, _, Some(rest)) => topic_command(method, rest)?,
        _ => return None,
    })
}

/// The commands under `/streams/{stream_id}/topics/{topic_id}`.
fn topic_command(method: &str, rest: &str) -> Option<u32> {
    Some(match (method, rest) {
        ("GET", "") => codes::GET_TOPIC,
        ("PUT", "") => codes::UPDATE_TOPIC,
        ("DELETE", "") => codes::DELETE_TOPIC,
        ("DELETE", "/purge") => codes::PURGE_TOPIC,
        ("POST", "/partitions") => codes::CREATE_PARTITIONS,
        ("DELETE", "/partitions") => codes::DELETE_PARTITIONS,
        ("DELETE", "/partitions/{partition_id}") => codes::DELETE_SEGMENTS,
        ("GET", "/consumer-groups") => codes::GET_CONSUMER_GROUPS,
        ("POST", "/consumer-groups") => codes::CREATE_CONSUMER_GROUP,
        ("GET", "/consumer-groups/{group_id}") => codes::GET_CONSUMER_GROUP,
        ("DELETE", "/consumer-groups/{group_id}") => codes::DELETE_CONSUMER_GROUP,
        ("GET", "/consumer-offsets") => codes::GET_CONSUMER_OFFSET,
        ("PUT", "/consumer-offsets") => codes::STORE_CONSUMER_OFFSET,
        ("DELETE", "/consumer-offsets/{consumer_id}") => codes::DELETE_CONSUMER_OFFSET,
        ("GET", "/messages") => codes::POLL_MESSAGES,
        ("POST", "/messages") => codes::SEND_MESSAGES,
        ("GET", "/messages/flush/{partition_id}/{fsync}") => codes::FLUSH_UNSAVED_BUFFER,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_route_names_its_command() {
        let get = Method::GET;
        assert_eq!(command(&get, "/stats"), Some(codes::GET_STATS));
        let topic = format!("{TOPIC}/messages");
        assert_eq!(command(&Method::POST, &topic), Some(codes::SEND_MESSAGES));
        assert_eq!(command(&get, &topic), Some(codes::POLL_MESSAGES));
        assert_eq!(command(&Method::DELETE, TOPIC), Some(codes::DELETE_TOPIC));
        let segments = format!("{TOPIC}/partitions/{{partition_id}}");
        assert_eq!(
            command(&Method::DELETE, &segments),
            Some(codes::DELETE_SEGMENTS)
        );
        assert_eq!(command(&get, "/livez"), None, "a probe is no command");
        assert_eq!(command(&Method::POST, "/users/refresh-token"), None);
        assert_eq!(command(&Method::PATCH, "/streams"), None);
    }
}
