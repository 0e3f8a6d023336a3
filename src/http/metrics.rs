//! `/metrics` (`[http.metrics]`, `http-api.md` §9): the request counter of actix-web-prom
//! (`http_requests_total`) and gauges read at scrape time from the engine's own figures
//! (the metadata actor's counts and the figures each partition actor already publishes),
//! so they are true from the first scrape after a restart and cost nothing on the data
//! path.

use super::HttpState;
use actix_web::{web, HttpResponse};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use iggy_actors::metadata::{GetMetadataStats, GetTopicFigures};
use prometheus::{Encoder, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder};

pub struct Metrics {
    registry: Registry,
    /// The request-counting middleware.
    pub middleware: PrometheusMetrics,
    streams: IntGauge,
    topics: IntGauge,
    partitions: IntGauge,
    segments: IntGauge,
    messages: IntGauge,
    users: IntGauge,
    clients: IntGauge,
    topic_messages: IntGaugeVec,
    topic_bytes: IntGaugeVec,
}

fn gauge(registry: &Registry, name: &str) -> Result<IntGauge, String> {
    let g = IntGauge::new(name, format!("total count of {name}.")).map_err(|e| e.to_string())?;
    registry
        .register(Box::new(g.clone()))
        .map_err(|e| e.to_string())?;
    Ok(g)
}

fn per_topic(registry: &Registry, name: &str, help: &str) -> Result<IntGaugeVec, String> {
    let g =
        IntGaugeVec::new(Opts::new(name, help), &["stream", "topic"]).map_err(|e| e.to_string())?;
    registry
        .register(Box::new(g.clone()))
        .map_err(|e| e.to_string())?;
    Ok(g)
}

impl Metrics {
    pub fn new() -> Result<Self, String> {
        let registry = Registry::new();
        let middleware = PrometheusMetricsBuilder::new("")
            .registry(registry.clone())
            .mask_unmatched_patterns("UNKNOWN")
            .build()
            .map_err(|e| format!("cannot set up the HTTP metrics: {e}"))?;
        Ok(Metrics {
            streams: gauge(&registry, "streams")?,
            topics: gauge(&registry, "topics")?,
            partitions: gauge(&registry, "partitions")?,
            segments: gauge(&registry, "segments")?,
            messages: gauge(&registry, "messages")?,
            users: gauge(&registry, "users")?,
            clients: gauge(&registry, "clients")?,
            topic_messages: per_topic(&registry, "topic_messages", "messages stored in a topic.")?,
            topic_bytes: per_topic(&registry, "topic_bytes", "bytes stored in a topic.")?,
            registry,
            middleware,
        })
    }
}

pub async fn serve(state: web::Data<HttpState>) -> Result<HttpResponse, super::error::HttpError> {
    let m = &state.metrics;
    let counts = state.ctx.metadata.send(GetMetadataStats).await?;
    let (users, topics) = state.ctx.metadata.send(GetTopicFigures).await?;
    m.streams.set(counts.streams_count.into());
    m.topics.set(counts.topics_count.into());
    m.partitions.set(counts.partitions_count.into());
    m.segments.set(counts.segments_count.into());
    m.messages.set(counts.messages_count as i64);
    m.users.set(users.into());
    m.clients.set(counts.clients_count.into());
    m.topic_messages.reset();
    m.topic_bytes.reset();
    for t in &topics {
        let labels = [t.stream.as_str(), t.topic.as_str()];
        m.topic_messages
            .with_label_values(&labels)
            .set(t.messages_count as i64);
        m.topic_bytes
            .with_label_values(&labels)
            .set(t.size_bytes as i64);
    }
    let mut text = Vec::new();
    let encoder = TextEncoder::new();
    encoder
        .encode(&m.registry.gather(), &mut text)
        .map_err(|_| iggy_actors::IggyError::Error)?;
    Ok(HttpResponse::Ok()
        .content_type(encoder.format_type())
        .body(text))
}
