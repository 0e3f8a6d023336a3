//! User permissions: a global set plus optional per-stream and per-topic sets
//! (binary protocol §3.9 and §8.8). The byte layout here is the one of the wire
//! protocol's permissions blob; the metadata log stores it unchanged.

use crate::bytes_io::{ByteReader, ByteWriter, ReadError};
use bytes::{BufMut, BytesMut};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GlobalPermissions {
    pub manage_servers: bool,
    pub read_servers: bool,
    pub manage_users: bool,
    pub read_users: bool,
    pub manage_streams: bool,
    pub read_streams: bool,
    pub manage_topics: bool,
    pub read_topics: bool,
    pub poll_messages: bool,
    pub send_messages: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamPermissions {
    pub manage_stream: bool,
    pub read_stream: bool,
    pub manage_topics: bool,
    pub read_topics: bool,
    pub poll_messages: bool,
    pub send_messages: bool,
    /// Keyed by topic id; ordered so the encoding is deterministic.
    pub topics: BTreeMap<u32, TopicPermissions>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicPermissions {
    pub manage_topic: bool,
    pub read_topic: bool,
    pub poll_messages: bool,
    pub send_messages: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    pub global: GlobalPermissions,
    /// Keyed by stream id; ordered so the encoding is deterministic.
    pub streams: BTreeMap<u32, StreamPermissions>,
}

impl Permissions {
    /// Everything allowed: what the root user has.
    pub fn root() -> Self {
        let all = GlobalPermissions {
            manage_servers: true,
            read_servers: true,
            manage_users: true,
            read_users: true,
            manage_streams: true,
            read_streams: true,
            manage_topics: true,
            read_topics: true,
            poll_messages: true,
            send_messages: true,
        };
        Permissions {
            global: all,
            streams: BTreeMap::new(),
        }
    }

    /// Appends the blob (no length prefix).
    pub fn encode(&self, out: &mut BytesMut) {
        let g = &self.global;
        for flag in [
            g.manage_servers,
            g.read_servers,
            g.manage_users,
            g.read_users,
            g.manage_streams,
            g.read_streams,
            g.manage_topics,
            g.read_topics,
            g.poll_messages,
            g.send_messages,
        ] {
            out.put_bool(flag);
        }
        out.put_bool(!self.streams.is_empty());
        let last_stream = self.streams.len();
        for (i, (id, s)) in self.streams.iter().enumerate() {
            out.put_u32_le(*id);
            for flag in [
                s.manage_stream,
                s.read_stream,
                s.manage_topics,
                s.read_topics,
                s.poll_messages,
                s.send_messages,
            ] {
                out.put_bool(flag);
            }
            out.put_bool(!s.topics.is_empty());
            let last_topic = s.topics.len();
            for (j, (topic_id, t)) in s.topics.iter().enumerate() {
                out.put_u32_le(*topic_id);
                for flag in [
                    t.manage_topic,
                    t.read_topic,
                    t.poll_messages,
                    t.send_messages,
                ] {
                    out.put_bool(flag);
                }
                out.put_bool(j + 1 < last_topic);
            }
            out.put_bool(i + 1 < last_stream);
        }
    }

    /// Reads one blob from the reader.
    pub fn decode(r: &mut ByteReader<'_>) -> Result<Self, ReadError> {
        let global = GlobalPermissions {
            manage_servers: r.bool()?,
            read_servers: r.bool()?,
            manage_users: r.bool()?,
            read_users: r.bool()?,
            manage_streams: r.bool()?,
            read_streams: r.bool()?,
            manage_topics: r.bool()?,
            read_topics: r.bool()?,
            poll_messages: r.bool()?,
            send_messages: r.bool()?,
        };
        let mut streams = BTreeMap::new();
        let mut more_streams = r.bool()?;
        while more_streams {
            let stream_id = r.u32()?;
            let mut stream = StreamPermissions {
                manage_stream: r.bool()?,
                read_stream: r.bool()?,
                manage_topics: r.bool()?,
                read_topics: r.bool()?,
                poll_messages: r.bool()?,
                send_messages: r.bool()?,
                topics: BTreeMap::new(),
            };
            let mut more_topics = r.bool()?;
            while more_topics {
                let topic_id = r.u32()?;
                let topic = TopicPermissions {
                    manage_topic: r.bool()?,
                    read_topic: r.bool()?,
                    poll_messages: r.bool()?,
                    send_messages: r.bool()?,
                };
                stream.topics.insert(topic_id, topic);
                more_topics = r.bool()?;
            }
            streams.insert(stream_id, stream);
            more_streams = r.bool()?;
        }
        Ok(Permissions { global, streams })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_everything_example_of_the_spec() {
        let p = Permissions {
            global: GlobalPermissions {
                read_servers: true,
                read_users: true,
                read_streams: true,
                read_topics: true,
                poll_messages: true,
                ..Default::default()
            },
            streams: BTreeMap::new(),
        };
        let mut out = BytesMut::new();
        p.encode(&mut out);
        assert_eq!(&out[..], &[0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0]);
    }

    #[test]
    fn nested_streams_and_topics_round_trip() {
        let mut p = Permissions::root();
        let mut s = StreamPermissions {
            read_stream: true,
            ..Default::default()
        };
        s.topics.insert(
            3,
            TopicPermissions {
                send_messages: true,
                ..Default::default()
            },
        );
        s.topics.insert(
            9,
            TopicPermissions {
                manage_topic: true,
                ..Default::default()
            },
        );
        p.streams.insert(1, s);
        p.streams.insert(2, StreamPermissions::default());
        let mut out = BytesMut::new();
        p.encode(&mut out);
        assert_eq!(out.len(), 11 + 12 * 2 + 9 * 2);
        let mut r = ByteReader::new(&out);
        assert_eq!(Permissions::decode(&mut r).unwrap(), p);
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn truncated_blob_is_an_error() {
        let mut out = BytesMut::new();
        Permissions::root().encode(&mut out);
        let mut r = ByteReader::new(&out[..5]);
        assert!(Permissions::decode(&mut r).is_err());
        let mut r = ByteReader::new(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 7, 0]);
        assert!(Permissions::decode(&mut r).is_err());
    }
}
