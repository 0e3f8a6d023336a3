//! Every stored offset of a topic: for each partition, the offsets of the individual
//! consumers and consumer groups that stored one, with the partition's last offset, so a
//! client can show each one's lag (last offset minus stored offset). No binary command of
//! the original carries this; the HTTP API serves it (`GET .../consumer-lag`). Needs the
//! poll permission on the topic, like reading a single consumer offset.

use crate::context::{ServerContext, Session};
use crate::handlers::routing::with_table;
use futures_util::future::join_all;
use iggy_actors::access::Action;
use iggy_actors::identifier::Identifier;
use iggy_actors::partition::messages::{GetConsumerOffsets, StoredOffsets};
use iggy_actors::IggyError;

/// The stored offsets of one topic's partitions.
pub struct TopicOffsets {
    pub stream_id: u32,
    pub topic_id: u32,
    /// One entry per partition, by id.
    pub partitions: Vec<StoredOffsets>,
    /// The topic's consumer groups (id, name), by id: group offsets are stored by id.
    pub groups: Vec<(u32, String)>,
}

pub async fn collect(
    ctx: &ServerContext,
    session: &Session,
    stream: &Identifier,
    topic: &Identifier,
) -> Result<TopicOffsets, IggyError> {
    let user_id = session.user()?;
    let (stream_id, topic_id, partitions, groups) = with_table(ctx, |table| {
        let route = table.topic(stream, topic)?;
        table.authorize(
            user_id,
            Action::PollMessages(route.stream_id, route.topic_id),
        )?;
        let mut groups: Vec<(u32, String)> = route
            .group_names
            .iter()
            .map(|(name, id)| (*id, name.clone()))
            .collect();
        groups.sort_unstable();
        Ok((
            route.stream_id,
            route.topic_id,
            route.partitions.clone(),
            groups,
        ))
    })
    .await?;
    let answers = join_all(partitions.iter().map(|p| p.send(GetConsumerOffsets))).await;
    let partitions = answers
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(IggyError::from)?;
    Ok(TopicOffsets {
        stream_id,
        topic_id,
        partitions,
        groups,
    })
}
