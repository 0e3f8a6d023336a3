//! Streams, topics, partitions and segments: the metadata actor's messages with the
//! caller as the acting user.

use super::{no_content, Answer};
use crate::http::auth::Caller;
use crate::http::error::HttpError;
use crate::http::json::{self, Stream, StreamWithTopics, Topic, TopicWithPartitions};
use crate::http::requests::{self, identifier};
use crate::http::HttpState;
use actix_web::{web, HttpResponse};
use iggy_actors::metadata::{
    CreatePartitions, CreateStream, CreateTopic, DeletePartitions, DeleteSegments, DeleteStream,
    DeleteTopic, GetStream, GetStreams, GetTopic, GetTopics, PurgeStream, PurgeTopic,
    TopicSettings, UpdateStream, UpdateTopic,
};
use iggy_actors::IggyError;

/// The settings as the engine takes them. Replication factor: absent = 0 (not set); an
/// explicit 0 is refused.
fn settings(s: requests::TopicSettingsJson) -> Result<TopicSettings, IggyError> {
    let replication_factor = match s.replication_factor {
        Some(0) => return Err(IggyError::InvalidReplicationFactor),
        Some(n) => n,
        None => 0,
    };
    Ok(TopicSettings {
        compression_algorithm: s.compression_algorithm,
        message_expiry: s.message_expiry,
        max_topic_size: s.max_topic_size,
        replication_factor,
    })
}

pub async fn get_streams(state: web::Data<HttpState>, caller: Caller) -> Answer {
    let get = GetStreams {
        user_id: caller.user_id,
    };
    let streams = state.ctx.metadata.send(get).await??;
    let list: Vec<Stream> = streams.iter().map(Stream::from).collect();
    Ok(HttpResponse::Ok().json(list))
}

pub async fn get_stream(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<String>,
) -> Answer {
    let get = GetStream {
        user_id: caller.user_id,
        stream: identifier(&path)?,
    };
    let stream = state.ctx.metadata.send(get).await??;
    let stream = stream.ok_or(HttpError::NotFound)?;
    Ok(HttpResponse::Ok().json(StreamWithTopics::from(&stream)))
}

pub async fn create_stream(
    state: web::Data<HttpState>,
    caller: Caller,
    body: web::Json<requests::Name>,
) -> Answer {
    let create = CreateStream {
        user_id: caller.user_id,
        name: body.into_inner().name,
    };
    let stream = state.ctx.metadata.send(create).await??;
    Ok(HttpResponse::Ok().json(json::new_stream(&stream)))
}

pub async fn update_stream(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<requests::Name>,
) -> Answer {
    let update = UpdateStream {
        user_id: caller.user_id,
        stream: identifier(&path)?,
        name: body.into_inner().name,
    };
    state.ctx.metadata.send(update).await??;
    no_content()
}

pub async fn delete_stream(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<String>,
) -> Answer {
    let delete = DeleteStream {
        user_id: caller.user_id,
        stream: identifier(&path)?,
    };
    state.ctx.metadata.send(delete).await??;
    no_content()
}

pub async fn purge_stream(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<String>,
) -> Answer {
    let purge = PurgeStream {
        user_id: caller.user_id,
        stream: identifier(&path)?,
    };
    state.ctx.metadata.send(purge).await??;
    no_content()
}

pub async fn get_topics(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<String>,
) -> Answer {
    let get = GetTopics {
        user_id: caller.user_id,
        stream: identifier(&path)?,
    };
    let topics = state.ctx.metadata.send(get).await??;
    let topics = topics.ok_or(HttpError::NotFound)?;
    let list: Vec<Topic> = topics.iter().map(Topic::from).collect();
    Ok(HttpResponse::Ok().json(list))
}

pub async fn get_topic(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Answer {
    let get = GetTopic {
        user_id: caller.user_id,
        stream: identifier(&path.0)?,
        topic: identifier(&path.1)?,
    };
    let topic = state.ctx.metadata.send(get).await??;
    let topic = topic.ok_or(HttpError::NotFound)?;
    Ok(HttpResponse::Ok().json(TopicWithPartitions::from(&topic)))
}

pub async fn create_topic(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<requests::CreateTopic>,
) -> Answer {
    let body = body.into_inner();
    let create = CreateTopic {
        user_id: caller.user_id,
        stream: identifier(&path)?,
        name: body.name,
        partitions_count: body.partitions_count,
        settings: settings(body.settings)?,
    };
    let topic = state.ctx.metadata.send(create).await??;
    Ok(HttpResponse::Ok().json(TopicWithPartitions::from(&topic)))
}

pub async fn update_topic(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Json<requests::UpdateTopic>,
) -> Answer {
    let body = body.into_inner();
    let update = UpdateTopic {
        user_id: caller.user_id,
        stream: identifier(&path.0)?,
        topic: identifier(&path.1)?,
        name: body.name,
        settings: settings(body.settings)?,
    };
    state.ctx.metadata.send(update).await??;
    no_content()
}

pub async fn delete_topic(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Answer {
    let delete = DeleteTopic {
        user_id: caller.user_id,
        stream: identifier(&path.0)?,
        topic: identifier(&path.1)?,
    };
    state.ctx.metadata.send(delete).await??;
    no_content()
}

pub async fn purge_topic(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Answer {
    let purge = PurgeTopic {
        user_id: caller.user_id,
        stream: identifier(&path.0)?,
        topic: identifier(&path.1)?,
    };
    state.ctx.metadata.send(purge).await??;
    no_content()
}

pub async fn create_partitions(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Json<requests::PartitionsCount>,
) -> Answer {
    let create = CreatePartitions {
        user_id: caller.user_id,
        stream: identifier(&path.0)?,
        topic: identifier(&path.1)?,
        count: body.partitions_count,
    };
    state.ctx.metadata.send(create).await??;
    Ok(HttpResponse::Created().finish())
}

pub async fn delete_partitions(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: web::Query<requests::PartitionsCount>,
) -> Answer {
    let delete = DeletePartitions {
        user_id: caller.user_id,
        stream: identifier(&path.0)?,
        topic: identifier(&path.1)?,
        count: query.partitions_count,
    };
    state.ctx.metadata.send(delete).await??;
    no_content()
}

pub async fn delete_segments(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<(String, String, u32)>,
    query: web::Query<requests::SegmentsCount>,
) -> Answer {
    let delete = DeleteSegments {
        user_id: caller.user_id,
        stream: identifier(&path.0)?,
        topic: identifier(&path.1)?,
        partition_id: path.2,
        count: query.segments_count,
    };
    state.ctx.metadata.send(delete).await??;
    no_content()
}
