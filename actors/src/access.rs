//! The permission model (binary protocol §8.8): which action a set of permissions allows.
//! Every authorization decision of every transport is made by `allows`.

use crate::permissions::Permissions;

/// Something a user may or may not do. Stream and topic ids are numeric, as permissions
/// are keyed by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReadServers,
    ManageServers,
    ReadUsers,
    ManageUsers,
    ListStreams,
    CreateStream,
    ReadStream(u32),
    ManageStream(u32),
    ListTopics(u32),
    CreateTopic(u32),
    ReadTopic(u32, u32),
    ManageTopic(u32, u32),
    PollMessages(u32, u32),
    SendMessages(u32, u32),
}

/// True when `permissions` grant `action`.
pub fn allows(permissions: &Permissions, action: Action) -> bool {
    let g = &permissions.global;
    let stream = |s: u32| permissions.streams.get(&s);
    let topic = |s: u32, t: u32| stream(s).and_then(|sp| sp.topics.get(&t));
    match action {
        Action::ReadServers => g.manage_servers || g.read_servers,
        Action::ManageServers => g.manage_servers,
        Action::ReadUsers => g.manage_users || g.read_users,
        Action::ManageUsers => g.manage_users,
        Action::ListStreams => g.manage_streams || g.read_streams,
        Action::CreateStream => g.manage_streams,
        Action::ReadStream(s) => {
            allows(permissions, Action::ListStreams)
                || stream(s).is_some_and(|p| p.manage_stream || p.read_stream)
        }
        Action::ManageStream(s) => g.manage_streams || stream(s).is_some_and(|p| p.manage_stream),
        Action::ListTopics(s) => {
            g.manage_streams
                || g.read_streams
                || g.manage_topics
                || g.read_topics
                || stream(s).is_some_and(|p| {
                    p.manage_stream || p.read_stream || p.manage_topics || p.read_topics
                })
        }
        Action::CreateTopic(s) => {
            g.manage_streams
                || g.manage_topics
                || stream(s).is_some_and(|p| p.manage_stream || p.manage_topics)
        }
        Action::ReadTopic(s, t) => {
            allows(permissions, Action::ListTopics(s))
                || topic(s, t).is_some_and(|p| p.manage_topic || p.read_topic)
        }
        Action::ManageTopic(s, t) => {
            allows(permissions, Action::CreateTopic(s))
                || topic(s, t).is_some_and(|p| p.manage_topic)
        }
        Action::PollMessages(s, t) => {
            g.poll_messages
                || g.read_topics
                || g.manage_topics
                || g.read_streams
                || g.manage_streams
                || stream(s).is_some_and(|p| {
                    p.manage_stream
                        || p.read_stream
                        || p.manage_topics
                        || p.read_topics
                        || p.poll_messages
                })
                || topic(s, t).is_some_and(|p| p.manage_topic || p.read_topic || p.poll_messages)
        }
        Action::SendMessages(s, t) => {
            g.send_messages
                || g.manage_streams
                || g.manage_topics
                || stream(s).is_some_and(|p| p.manage_stream || p.manage_topics || p.send_messages)
                || topic(s, t).is_some_and(|p| p.manage_topic || p.send_messages)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::permissions::{GlobalPermissions, StreamPermissions, TopicPermissions};

    #[test]
    fn root_may_do_everything() {
        let root = Permissions::root();
        for a in [
            Action::ManageServers,
            Action::ManageUsers,
            Action::ManageTopic(3, 4),
            Action::SendMessages(1, 1),
        ] {
            assert!(allows(&root, a), "{a:?}");
        }
    }

    #[test]
    fn scoped_permissions_stay_in_their_scope() {
        let mut p = Permissions {
            global: GlobalPermissions::default(),
            streams: Default::default(),
        };
        let mut s = StreamPermissions {
            read_stream: true,
            ..Default::default()
        };
        s.topics.insert(
            2,
            TopicPermissions {
                send_messages: true,
                ..Default::default()
            },
        );
        p.streams.insert(1, s);
        assert!(allows(&p, Action::ReadStream(1)));
        assert!(!allows(&p, Action::ReadStream(2)));
        assert!(!allows(&p, Action::ListStreams));
        assert!(allows(&p, Action::ListTopics(1)));
        assert!(allows(&p, Action::SendMessages(1, 2)));
        assert!(!allows(&p, Action::SendMessages(1, 3)));
        assert!(allows(&p, Action::PollMessages(1, 3)));
        assert!(!allows(&p, Action::ManageStream(1)));
        assert!(!allows(&p, Action::CreateTopic(1)));
    }
}
