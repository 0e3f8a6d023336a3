//! Figures for the metrics endpoint: per topic, its messages and bytes, read from the
//! figures each partition actor publishes (no message to any partition), and the user
//! count.

use super::MetadataActor;
use actix::prelude::*;

/// One topic's figures, named by its stream and topic names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicFigures {
    pub stream: String,
    pub topic: String,
    pub messages_count: u64,
    pub size_bytes: u64,
}

/// Answers every topic's figures and the number of users.
#[derive(Message)]
#[rtype(result = "(u32, Vec<TopicFigures>)")]
pub struct GetTopicFigures;

impl Handler<GetTopicFigures> for MetadataActor {
    type Result = MessageResult<GetTopicFigures>;

    fn handle(&mut self, _: GetTopicFigures, _: &mut Self::Context) -> Self::Result {
        let mut topics = Vec::new();
        for stream in self.catalog.streams.values() {
            for topic in stream.topics.values() {
                let info = topic.info();
                topics.push(TopicFigures {
                    stream: stream.name.clone(),
                    topic: topic.name.clone(),
                    messages_count: info.messages_count,
                    size_bytes: info.size_bytes,
                });
            }
        }
        MessageResult((self.users.len() as u32, topics))
    }
}
