//! Consumer groups (create, get, list, delete: the groups of the binary transport) and
//! consumer offsets, always of an individual consumer over HTTP (`http-api.md` §6.5–6.6).

use super::{no_content, Answer};
use crate::handlers::consumer_offsets::{
    delete_consumer_offset, get_consumer_offset, store_consumer_offset,
};
use crate::http::auth::Caller;
use crate::http::error::HttpError;
use crate::http::json::{ConsumerGroup, ConsumerGroupWithMembers, ConsumerOffset};
use crate::http::requests::{self, consumer, identifier};
use crate::http::HttpState;
use crate::protocol::requests::primitives::Consumer;
use crate::protocol::requests::OffsetTarget;
use actix_web::{web, HttpResponse};
use iggy_actors::metadata::{
    CreateConsumerGroup, DeleteConsumerGroup, GetConsumerGroup, GetConsumerGroups,
};
use iggy_actors::IggyError;

type TopicPath = web::Path<(String, String)>;

pub async fn get_groups(state: web::Data<HttpState>, caller: Caller, path: TopicPath) -> Answer {
    let get = GetConsumerGroups {
        user_id: caller.user_id,
        stream: identifier(&path.0)?,
        topic: identifier(&path.1)?,
    };
    let groups = state.ctx.metadata.send(get).await??;
    let groups = groups.ok_or(HttpError::NotFound)?;
    let list: Vec<ConsumerGroup> = groups.iter().map(ConsumerGroup::from).collect();
    Ok(HttpResponse::Ok().json(list))
}

pub async fn get_group(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Answer {
    let get = GetConsumerGroup {
        user_id: caller.user_id,
        stream: identifier(&path.0)?,
        topic: identifier(&path.1)?,
        group: identifier(&path.2)?,
    };
    let group = state.ctx.metadata.send(get).await??;
    let group = group.ok_or(IggyError::ConsumerGroupIdNotFound)?;
    Ok(HttpResponse::Ok().json(ConsumerGroupWithMembers::from(&group)))
}

pub async fn create_group(
    state: web::Data<HttpState>,
    caller: Caller,
    path: TopicPath,
    body: web::Json<requests::Name>,
) -> Answer {
    let create = CreateConsumerGroup {
        user_id: caller.user_id,
        stream: identifier(&path.0)?,
        topic: identifier(&path.1)?,
        name: body.into_inner().name,
    };
    let group = state.ctx.metadata.send(create).await??;
    Ok(HttpResponse::Created().json(ConsumerGroupWithMembers::from(&group)))
}

pub async fn delete_group(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Answer {
    let delete = DeleteConsumerGroup {
        user_id: caller.user_id,
        stream: identifier(&path.0)?,
        topic: identifier(&path.1)?,
        group: identifier(&path.2)?,
    };
    state.ctx.metadata.send(delete).await??;
    no_content()
}

fn target(
    path: &(String, String),
    consumer_id: &str,
    partition: Option<u32>,
) -> Result<OffsetTarget, IggyError> {
    Ok(OffsetTarget {
        consumer: Consumer::Individual(consumer(consumer_id)?),
        stream: identifier(&path.0)?,
        topic: identifier(&path.1)?,
        partition: Some(partition.unwrap_or(0)),
    })
}

pub async fn get_offset(
    state: web::Data<HttpState>,
    caller: Caller,
    path: TopicPath,
    query: web::Query<requests::OffsetQuery>,
) -> Answer {
    let target = target(&path, &query.consumer_id, query.partition_id)?;
    let found = get_consumer_offset::find(&state.ctx, &caller.session(), target)
        .await
        .map_err(|e| match e {
            IggyError::Unauthorized | IggyError::Unauthenticated => HttpError::Iggy(e),
            _ => HttpError::NotFound,
        })?;
    let (partition_id, info) = found.ok_or(HttpError::NotFound)?;
    Ok(HttpResponse::Ok().json(ConsumerOffset {
        partition_id,
        current_offset: info.current_offset,
        stored_offset: info.stored_offset,
    }))
}

pub async fn store_offset(
    state: web::Data<HttpState>,
    caller: Caller,
    path: TopicPath,
    body: web::Json<requests::StoreOffset>,
) -> Answer {
    let target = target(&path, &body.consumer_id, body.partition_id)?;
    store_consumer_offset::handle(&state.ctx, &caller.session(), target, body.offset).await?;
    no_content()
}

pub async fn delete_offset(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
    query: web::Query<requests::PartitionQuery>,
) -> Answer {
    let (stream, topic, consumer_id) = path.into_inner();
    let target = target(&(stream, topic), &consumer_id, query.partition_id)?;
    delete_consumer_offset::handle(&state.ctx, &caller.session(), target).await?;
    no_content()
}
