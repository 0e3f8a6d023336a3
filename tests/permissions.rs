//! The permission matrix: for each global permission and for stream- and topic-scoped
//! ones, a user that has it can run exactly the commands it allows; every other command
//! answers 41 (Unauthorized).

mod common;
mod user_support;

use common::{within, TestServer};
use iggy::prelude::{
    Client, CompressionAlgorithm, Consumer, ConsumerOffsetClient, GlobalPermissions, IggyClient,
    IggyError, IggyExpiry, IggyMessage, MaxTopicSize, MessageClient, PartitionClient, Partitioning,
    Permissions, PollingStrategy, StreamClient, StreamPermissions, SystemClient, TopicClient,
    TopicPermissions, UserClient, UserStatus,
};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use user_support::{create_user, id, login};

/// Stream ids 0 ("s0") and 1 ("s1"), each with topic 0 ("t").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Probe {
    Stats,
    Clients,
    GetUsers,
    CreateUser,
    GetStreams,
    CreateStream,
    GetStream(u32),
    UpdateStream(u32),
    GetTopics(u32),
    GetTopic(u32),
    CreateTopic(u32),
    UpdateTopic(u32),
    CreatePartitions(u32),
    Send(u32),
    Poll(u32),
    StoreOffset(u32),
}

use Probe::*;

fn all_probes() -> Vec<Probe> {
    let mut probes = vec![
        Stats,
        Clients,
        GetUsers,
        CreateUser,
        GetStreams,
        CreateStream,
    ];
    for s in [0, 1] {
        probes.extend([
            GetStream(s),
            UpdateStream(s),
            GetTopics(s),
            GetTopic(s),
            CreateTopic(s),
            UpdateTopic(s),
            CreatePartitions(s),
            Send(s),
            Poll(s),
            StoreOffset(s),
        ]);
    }
    probes
}

static UNIQUE: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", UNIQUE.fetch_add(1, Ordering::SeqCst))
}

async fn run(client: &IggyClient, probe: Probe) -> Result<(), IggyError> {
    let topic = id(0);
    match probe {
        Stats => client.get_stats().await.map(drop),
        Clients => client.get_clients().await.map(drop),
        GetUsers => client.get_users().await.map(drop),
        CreateUser => {
            let name = unique("user");
            let created = client.create_user(&name, "secret", UserStatus::Active, None);
            created.await.map(drop)
        }
        GetStreams => client.get_streams().await.map(drop),
        CreateStream => client.create_stream(&unique("stream")).await.map(drop),
        GetStream(s) => client.get_stream(&id(s)).await.map(drop),
        UpdateStream(s) => client.update_stream(&id(s), &format!("s{s}")).await,
        GetTopics(s) => client.get_topics(&id(s)).await.map(drop),
        GetTopic(s) => client.get_topic(&id(s), &topic).await.map(drop),
        CreateTopic(s) => client
            .create_topic(
                &id(s),
                &unique("topic"),
                1,
                CompressionAlgorithm::None,
                None,
                IggyExpiry::NeverExpire,
                MaxTopicSize::Unlimited,
            )
            .await
            .map(drop),
        UpdateTopic(s) => {
            client
                .update_topic(
                    &id(s),
                    &topic,
                    "t",
                    CompressionAlgorithm::None,
                    None,
                    IggyExpiry::NeverExpire,
                    MaxTopicSize::Unlimited,
                )
                .await
        }
        CreatePartitions(s) => client.create_partitions(&id(s), &topic, 1).await,
        Send(s) => {
            let mut messages = [IggyMessage::from_str("probe").expect("message")];
            let partitioning = Partitioning::partition_id(0);
            client
                .send_messages(&id(s), &topic, &partitioning, &mut messages)
                .await
        }
        Poll(s) => client
            .poll_messages(
                &id(s),
                &topic,
                Some(0),
                &Consumer::new(id(1)),
                &PollingStrategy::offset(0),
                1,
                false,
            )
            .await
            .map(drop),
        StoreOffset(s) => {
            let consumer = Consumer::new(id(1));
            client
                .store_consumer_offset(&consumer, &id(s), &topic, Some(0), 0)
                .await
        }
    }
}

fn global(set: impl Fn(&mut GlobalPermissions)) -> Permissions {
    let mut global = GlobalPermissions::default();
    set(&mut global);
    Permissions {
        global,
        streams: None,
    }
}

fn on_stream0(set: impl Fn(&mut StreamPermissions)) -> Permissions {
    let mut stream = StreamPermissions::default();
    set(&mut stream);
    Permissions {
        global: GlobalPermissions::default(),
        streams: Some(BTreeMap::from([(0, stream)])),
    }
}

fn on_topic0(set: impl Fn(&mut TopicPermissions)) -> Permissions {
    let mut topic = TopicPermissions::default();
    set(&mut topic);
    on_stream0(|s| s.topics = Some(BTreeMap::from([(0, topic.clone())])))
}

fn both(probes: &[fn(u32) -> Probe]) -> Vec<Probe> {
    [0, 1]
        .into_iter()
        .flat_map(|s| probes.iter().map(move |p| p(s)))
        .collect()
}

fn stream0(probes: &[fn(u32) -> Probe]) -> Vec<Probe> {
    probes.iter().map(|p| p(0)).collect()
}

fn profiles() -> Vec<(&'static str, Permissions, Vec<Probe>)> {
    let reader: &[fn(u32) -> Probe] = &[GetStream, GetTopics, GetTopic, Poll, StoreOffset];
    let stream_manager: &[fn(u32) -> Probe] = &[
        GetStream,
        UpdateStream,
        GetTopics,
        GetTopic,
        CreateTopic,
        UpdateTopic,
        CreatePartitions,
        Send,
        Poll,
        StoreOffset,
    ];
    let topics_manager: &[fn(u32) -> Probe] = &[
        GetTopics,
        GetTopic,
        CreateTopic,
        UpdateTopic,
        CreatePartitions,
        Send,
        Poll,
        StoreOffset,
    ];
    let topics_reader: &[fn(u32) -> Probe] = &[GetTopics, GetTopic, Poll, StoreOffset];
    let poller: &[fn(u32) -> Probe] = &[Poll, StoreOffset];
    let topic_manager: &[fn(u32) -> Probe] = &[
        GetTopic,
        UpdateTopic,
        CreatePartitions,
        Send,
        Poll,
        StoreOffset,
    ];
    let topic_reader: &[fn(u32) -> Probe] = &[GetTopic, Poll, StoreOffset];
    let with = |mut v: Vec<Probe>, extra: &[Probe]| {
        v.extend_from_slice(extra);
        v
    };
    vec![
        ("nothing", global(|_| {}), vec![]),
        (
            "manage_servers",
            global(|g| g.manage_servers = true),
            vec![Stats, Clients],
        ),
        (
            "read_servers",
            global(|g| g.read_servers = true),
            vec![Stats, Clients],
        ),
        (
            "manage_users",
            global(|g| g.manage_users = true),
            vec![GetUsers, CreateUser],
        ),
        (
            "read_users",
            global(|g| g.read_users = true),
            vec![GetUsers],
        ),
        (
            "manage_streams",
            global(|g| g.manage_streams = true),
            with(both(stream_manager), &[GetStreams, CreateStream]),
        ),
        (
            "read_streams",
            global(|g| g.read_streams = true),
            with(both(reader), &[GetStreams]),
        ),
        (
            "manage_topics",
            global(|g| g.manage_topics = true),
            both(topics_manager),
        ),
        (
            "read_topics",
            global(|g| g.read_topics = true),
            both(topics_reader),
        ),
        (
            "poll_messages",
            global(|g| g.poll_messages = true),
            both(poller),
        ),
        (
            "send_messages",
            global(|g| g.send_messages = true),
            both(&[Send]),
        ),
        (
            "stream manage_stream",
            on_stream0(|s| s.manage_stream = true),
            stream0(stream_manager),
        ),
        (
            "stream read_stream",
            on_stream0(|s| s.read_stream = true),
            stream0(reader),
        ),
        (
            "stream manage_topics",
            on_stream0(|s| s.manage_topics = true),
            stream0(topics_manager),
        ),
        (
            "stream read_topics",
            on_stream0(|s| s.read_topics = true),
            stream0(topics_reader),
        ),
        (
            "stream poll_messages",
            on_stream0(|s| s.poll_messages = true),
            stream0(poller),
        ),
        (
            "stream send_messages",
            on_stream0(|s| s.send_messages = true),
            stream0(&[Send]),
        ),
        (
            "topic manage_topic",
            on_topic0(|t| t.manage_topic = true),
            stream0(topic_manager),
        ),
        (
            "topic read_topic",
            on_topic0(|t| t.read_topic = true),
            stream0(topic_reader),
        ),
        (
            "topic poll_messages",
            on_topic0(|t| t.poll_messages = true),
            stream0(poller),
        ),
        (
            "topic send_messages",
            on_topic0(|t| t.send_messages = true),
            stream0(&[Send]),
        ),
    ]
}

async fn set_up(root: &IggyClient) {
    for s in [0u32, 1] {
        within(root.create_stream(&format!("s{s}"))).await.unwrap();
        within(root.create_topic(
            &id(s),
            "t",
            1,
            CompressionAlgorithm::None,
            None,
            IggyExpiry::NeverExpire,
            MaxTopicSize::Unlimited,
        ))
        .await
        .unwrap();
        // One message, so a stored offset of 0 is valid.
        within(run(root, Send(s))).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_permission_allows_exactly_its_commands() {
    let server = TestServer::start();
    let root = login(&server, "iggy", "iggy").await;
    set_up(&root).await;
    let mut mismatches = Vec::new();
    for (i, (label, permissions, allowed)) in profiles().into_iter().enumerate() {
        let username = format!("user{i}");
        create_user(&root, &username, "secret", Some(permissions)).await;
        let client = login(&server, &username, "secret").await;
        let allowed: BTreeSet<Probe> = allowed.into_iter().collect();
        for probe in all_probes() {
            let outcome = within(run(&client, probe)).await;
            let status = outcome.map(|_| 0).unwrap_or_else(|e| e.as_code());
            let refused = status == 41;
            if allowed.contains(&probe) == refused || status == 40 {
                mismatches.push(format!("{label}: {probe:?} answered {status}"));
            }
        }
        within(client.disconnect()).await.ok();
    }
    assert!(
        mismatches.is_empty(),
        "mismatches:\n{}",
        mismatches.join("\n")
    );
}
