//! The route table (`http-api.md` §3). Literal paths are registered before the patterns
//! they would match (`/users/login` before `/users/{user_id}`); a known path with another
//! method answers 405, an unknown one 404, both with empty bodies.

use super::handlers::{groups, lag, messages, streams, system, users};
use super::{health, metrics};
use crate::config::HttpConfig;
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
