//! The official SDK's `HttpClient` (`iggy` 0.10.0) against the real binary: every
//! resource the client reaches over HTTP.

mod common;

use bytes::Bytes;
use common::http::{base_url, http_addr, raw, root_token, sdk_http_client, sdk_http_client_at};
use common::{create_stream_and_topic, id, name, root_client, within, TestServer};
use iggy::prelude::*;
use std::collections::BTreeMap;
use std::io::Read;

fn message(payload: &str) -> IggyMessage {
    IggyMessage::builder()
        .payload(Bytes::from(payload.to_string()))
        .build()
        .expect("build message")
}

async fn send(
    client: &IggyClient,
    stream: &Identifier,
    topic: &Identifier,
    p: u32,
    payloads: &[&str],
) {
    let mut messages: Vec<IggyMessage> = payloads.iter().map(|p| message(p)).collect();
    within(client.send_messages(stream, topic, &Partitioning::partition_id(p), &mut messages))
        .await
        .expect("send messages over HTTP");
}

fn texts(polled: &PolledMessages) -> Vec<String> {
    polled
        .messages
        .iter()
        .map(|m| String::from_utf8_lossy(&m.payload).to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_endpoints() {
    let server = TestServer::start();
    let client = sdk_http_client(&server).await;
    within(client.ping()).await.expect("ping");
    let _binary = root_client(&server).await;
    let stats = within(client.get_stats()).await.expect("stats");
    assert_eq!(stats.process_id, server.pid());
    assert_eq!(stats.iggy_server_version, "0.8.0");
    assert!(stats.memory_usage.as_bytes_u64() > 0);
    assert_eq!(
        stats.clients_count, 1,
        "the binary client only: HTTP callers are not clients"
    );
    let metadata = within(client.get_cluster_metadata())
        .await
        .expect("cluster metadata");
    assert_eq!(metadata.name, "single-node");
    assert_eq!(metadata.nodes[0].endpoints.http, http_addr(&server).port());
    assert_eq!(metadata.nodes[0].endpoints.tcp, server.tcp_addr().port());
    let clients = within(client.get_clients()).await.expect("clients");
    assert_eq!(clients.len(), 1, "{clients:?}");
    assert!(
        ["tcp", "quic", "ws"].contains(&clients[0].transport.as_str()),
        "the original's JSON names: {}",
        clients[0].transport
    );
    let one = within(client.get_client(clients[0].client_id))
        .await
        .expect("client")
        .expect("the TCP client exists");
    assert_eq!(one.user_id, Some(0));
    assert!(
        within(client.get_client(clients[0].client_id.wrapping_add(1)))
            .await
            .expect("unknown client")
            .is_none()
    );
    assert_eq!(
        within(client.get_me()).await.unwrap_err(),
        IggyError::FeatureUnavailable
    );
    let snapshot =
        within(client.snapshot(SnapshotCompression::Deflated, vec![SystemSnapshotType::All]))
            .await
            .expect("snapshot");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(snapshot.0)).expect("a ZIP");
    assert_eq!(zip.len(), 5);
    let mut config = String::new();
    zip.by_name("server_config.txt")
        .expect("config entry")
        .read_to_string(&mut config)
        .expect("read");
    assert!(config.contains("[http.jwt]"), "{config}");
    let refused = client
        .snapshot(
            SnapshotCompression::Stored,
            vec![SystemSnapshotType::All, SystemSnapshotType::Test],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(refused, IggyError::HttpResponseError(400, _)),
        "{refused:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_and_personal_access_tokens() {
    let server = TestServer::start();
    let root = sdk_http_client(&server).await;
    let readers = Permissions {
        global: GlobalPermissions {
            read_streams: true,
            ..Default::default()
        },
        streams: None,
    };
    let alice = within(root.create_user(
        "alice",
        "secret1",
        UserStatus::Active,
        Some(readers.clone()),
    ))
    .await
    .expect("create user");
    assert_eq!(alice.username, "alice");
    assert_eq!(alice.permissions, Some(readers));
    let users = within(root.get_users()).await.expect("users");
    assert_eq!(
        users
            .iter()
            .map(|u| u.username.as_str())
            .collect::<Vec<_>>(),
        ["iggy", "alice"]
    );
    let by_name = within(root.get_user(&name("alice")))
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(by_name.id, alice.id);
    assert!(within(root.get_user(&name("nobody")))
        .await
        .expect("get")
        .is_none());
    within(root.update_user(&id(alice.id), Some("alicia"), Some(UserStatus::Active)))
        .await
        .expect("update user");
    within(root.update_permissions(&name("alicia"), None))
        .await
        .expect("permissions");
    let updated = within(root.get_user(&id(alice.id)))
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(
        (updated.username.as_str(), updated.permissions),
        ("alicia", None)
    );
    within(root.change_password(&name("alicia"), "secret1", "secret2"))
        .await
        .expect("change password");
    let base = base_url(&server);
    let as_alice = sdk_http_client_at(&base);
    assert!(matches!(
        within(as_alice.login_user("alicia", "secret1"))
            .await
            .unwrap_err(),
        IggyError::HttpResponseError(400, _)
    ));
    within(as_alice.login_user("alicia", "secret2"))
        .await
        .expect("login with the new password");
    assert_eq!(
        within(as_alice.get_users()).await.unwrap_err(),
        IggyError::Unauthorized
    );
    within(as_alice.change_password(&name("alicia"), "secret2", "secret3"))
        .await
        .expect("own password without manage_users");

    let raw_token = within(root.create_personal_access_token("ci-token", IggyExpiry::NeverExpire))
        .await
        .expect("create PAT");
    let tokens = within(root.get_personal_access_tokens())
        .await
        .expect("PATs");
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].name, "ci-token");
    let with_pat = sdk_http_client_at(&base);
    let identity = within(with_pat.login_with_personal_access_token(&raw_token.token))
        .await
        .expect("PAT login");
    assert_eq!(identity.user_id, 0);
    within(with_pat.get_stats())
        .await
        .expect("stats with the PAT's JWT");
    within(root.delete_personal_access_token("ci-token"))
        .await
        .expect("delete PAT");
    assert!(
        within(sdk_http_client_at(&base).login_with_personal_access_token(&raw_token.token))
            .await
            .is_err()
    );
    within(root.delete_user(&name("alicia")))
        .await
        .expect("delete user");
    assert!(within(root.get_user(&id(alice.id)))
        .await
        .expect("get")
        .is_none());
    within(root.logout_user()).await.expect("logout");
    assert_eq!(
        within(root.get_users()).await.unwrap_err(),
        IggyError::Unauthenticated
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_topics_partitions_segments_and_groups() {
    let server = TestServer::start();
    let client = sdk_http_client(&server).await;
    let stream = within(client.create_stream("orders"))
        .await
        .expect("create stream");
    assert_eq!((stream.id, stream.name.as_str()), (0, "orders"));
    assert!(matches!(
        within(client.create_stream("orders")).await.unwrap_err(),
        IggyError::HttpResponseError(400, _)
    ));
    within(client.update_stream(&name("orders"), "sales"))
        .await
        .expect("rename");
    let streams = within(client.get_streams()).await.expect("streams");
    assert_eq!(streams[0].name, "sales");
    assert!(within(client.get_stream(&name("orders")))
        .await
        .expect("get")
        .is_none());
    let topic = within(client.create_topic(
        &name("sales"),
        "events",
        2,
        CompressionAlgorithm::Gzip,
        Some(1),
        IggyExpiry::NeverExpire,
        MaxTopicSize::Unlimited,
    ))
    .await
    .expect("create topic");
    assert_eq!(topic.partitions_count, 2);
    assert_eq!(topic.compression_algorithm, CompressionAlgorithm::Gzip);
    within(client.update_topic(
        &name("sales"),
        &name("events"),
        "clicks",
        CompressionAlgorithm::None,
        Some(2),
        IggyExpiry::ExpireDuration(IggyDuration::from(60_000_000)),
        MaxTopicSize::ServerDefault,
    ))
    .await
    .expect("update topic");
    let details = within(client.get_topic(&id(0), &name("clicks")))
        .await
        .expect("get topic")
        .expect("exists");
    assert_eq!(details.replication_factor, 2);
    assert_eq!(
        details.message_expiry,
        IggyExpiry::ExpireDuration(IggyDuration::from(60_000_000))
    );
    within(client.create_partitions(&id(0), &id(0), 3))
        .await
        .expect("create partitions");
    within(client.delete_partitions(&id(0), &id(0), 1))
        .await
        .expect("delete partitions");
    let topics = within(client.get_topics(&id(0))).await.expect("topics");
    assert_eq!(topics[0].partitions_count, 4);
    within(client.delete_segments(&id(0), &id(0), 0, 1))
        .await
        .expect("delete segments");
    assert!(within(client.delete_segments(&id(0), &id(0), 9, 1))
        .await
        .is_err());

    let group = within(client.create_consumer_group(&id(0), &id(0), "billing"))
        .await
        .expect("create group");
    assert_eq!(
        (group.id, group.name.as_str(), group.partitions_count),
        (0, "billing", 4)
    );
    let groups = within(client.get_consumer_groups(&id(0), &id(0)))
        .await
        .expect("groups");
    assert_eq!(groups.len(), 1);
    let one = within(client.get_consumer_group(&id(0), &id(0), &name("billing")))
        .await
        .expect("get group")
        .expect("exists");
    assert_eq!(one.members_count, 0);
    assert_eq!(
        within(client.join_consumer_group(&id(0), &id(0), &id(0)))
            .await
            .unwrap_err(),
        IggyError::FeatureUnavailable
    );
    within(client.delete_consumer_group(&id(0), &id(0), &name("billing")))
        .await
        .expect("delete group");
    assert!(within(client.get_consumer_group(&id(0), &id(0), &id(0)))
        .await
        .expect("get group")
        .is_none());

    send(&client, &id(0), &id(0), 1, &["a", "b"]).await;
    within(client.purge_topic(&id(0), &id(0)))
        .await
        .expect("purge topic");
    send(&client, &id(0), &id(0), 1, &["c"]).await;
    within(client.purge_stream(&id(0)))
        .await
        .expect("purge stream");
    let topic = within(client.get_topic(&id(0), &id(0)))
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(topic.messages_count, 0);
    within(client.delete_topic(&id(0), &id(0)))
        .await
        .expect("delete topic");
    within(client.delete_stream(&name("sales")))
        .await
        .expect("delete stream");
    assert!(within(client.get_streams())
        .await
        .expect("streams")
        .is_empty());
    assert!(matches!(
        within(client.delete_stream(&id(0))).await.unwrap_err(),
        IggyError::ResourceNotFound(_)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_offsets_and_flush() {
    let server = TestServer::start();
    let client = sdk_http_client(&server).await;
    let (s, t) = create_stream_and_topic(&client, "s", "t", 2).await;
    let (s, t) = (id(s), id(t));
    send(&client, &s, &t, 1, &["m0", "m1", "m2", "m3", "m4"]).await;
    let consumer = Consumer::new(id(7));
    let poll = |strategy: PollingStrategy, count: u32, auto_commit: bool| {
        let (client, s, t, consumer) = (&client, s.clone(), t.clone(), consumer.clone());
        async move {
            within(client.poll_messages(&s, &t, Some(1), &consumer, &strategy, count, auto_commit))
                .await
                .expect("poll")
        }
    };
    let polled = poll(PollingStrategy::offset(1), 2, false).await;
    assert_eq!((polled.partition_id, polled.current_offset), (1, 4));
    assert_eq!(texts(&polled), ["m1", "m2"]);
    assert_eq!(
        texts(&poll(PollingStrategy::first(), 1, false).await),
        ["m0"]
    );
    assert_eq!(
        texts(&poll(PollingStrategy::last(), 2, false).await),
        ["m3", "m4"]
    );
    let ts = polled.messages[1].header.timestamp;
    assert_eq!(
        texts(&poll(PollingStrategy::timestamp(ts.into()), 10, false).await).len(),
        5
    );
    assert_eq!(
        texts(&poll(PollingStrategy::next(), 2, true).await),
        ["m0", "m1"]
    );
    assert_eq!(
        texts(&poll(PollingStrategy::next(), 2, true).await),
        ["m2", "m3"]
    );
    let offset = within(client.get_consumer_offset(&consumer, &s, &t, Some(1)))
        .await
        .expect("get offset")
        .expect("stored by auto-commit");
    assert_eq!((offset.stored_offset, offset.current_offset), (3, 4));
    within(client.store_consumer_offset(&consumer, &s, &t, Some(1), 0))
        .await
        .expect("store offset");
    assert_eq!(
        texts(&poll(PollingStrategy::next(), 1, false).await),
        ["m1"]
    );
    assert!(matches!(
        within(client.store_consumer_offset(&consumer, &s, &t, Some(1), 99))
            .await
            .unwrap_err(),
        IggyError::HttpResponseError(400, _)
    ));
    within(client.delete_consumer_offset(&consumer, &s, &t, Some(1)))
        .await
        .expect("delete offset");
    assert!(
        within(client.get_consumer_offset(&consumer, &s, &t, Some(1)))
            .await
            .expect("get offset")
            .is_none()
    );
    let named = Consumer::new(name("reader"));
    within(client.store_consumer_offset(&named, &s, &t, Some(1), 2))
        .await
        .expect("named consumer");
    assert_eq!(
        within(client.get_consumer_offset(&named, &s, &t, Some(1)))
            .await
            .expect("get")
            .expect("stored")
            .stored_offset,
        2
    );

    // User headers of every kind, and ids, survive the JSON round trip.
    let mut headers = BTreeMap::new();
    headers.insert(
        HeaderKey::try_from("string").unwrap(),
        HeaderValue::try_from("héllo").unwrap(),
    );
    headers.insert(
        HeaderKey::try_from("u64").unwrap(),
        HeaderValue::from(u64::MAX - 2),
    );
    headers.insert(HeaderKey::from(42u32), HeaderValue::from(-1.5f64));
    headers.insert(
        HeaderKey::try_from("raw").unwrap(),
        HeaderValue::try_from(vec![0u8, 255]).unwrap(),
    );
    let mut with_headers = vec![IggyMessage::builder()
        .id(u128::from(u64::MAX) - 5)
        .payload(Bytes::from_static(b"h"))
        .user_headers(headers.clone())
        .build()
        .unwrap()];
    within(client.send_messages(&s, &t, &Partitioning::partition_id(0), &mut with_headers))
        .await
        .expect("send with headers");
    let back = within(client.poll_messages(
        &s,
        &t,
        Some(0),
        &consumer,
        &PollingStrategy::offset(0),
        1,
        false,
    ))
    .await
    .expect("poll headers");
    assert_eq!(back.messages[0].header.id, u128::from(u64::MAX) - 5);
    assert_eq!(back.messages[0].user_headers_map().unwrap(), Some(headers));

    // Balanced and key partitioning.
    let mut batch = vec![message("x")];
    within(client.send_messages(&s, &t, &Partitioning::balanced(), &mut batch))
        .await
        .expect("balanced");
    let mut batch = vec![message("y")];
    within(client.send_messages(
        &s,
        &t,
        &Partitioning::messages_key_str("k").unwrap(),
        &mut batch,
    ))
    .await
    .expect("by key");

    // Flush: the SDK's URL form (`fsync=true`) and the original's (`true`).
    within(client.flush_unsaved_buffer(&s, &t, 1, true))
        .await
        .expect("SDK flush form");
    let token = root_token(&base_url(&server)).await;
    for form in ["true", "false", "fsync=false"] {
        let response = raw()
            .get(format!(
                "{}/streams/0/topics/0/messages/flush/1/{form}",
                base_url(&server)
            ))
            .bearer_auth(&token)
            .send()
            .await
            .expect("flush request");
        assert_eq!(response.status(), 200, "flush form {form}");
    }
    let response = raw()
        .get(format!(
            "{}/streams/0/topics/0/messages/flush/1/maybe",
            base_url(&server)
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("flush request");
    assert_eq!(response.status(), 400);

    // What HTTP wrote, TCP reads.
    let tcp = root_client(&server).await;
    let polled = within(tcp.poll_messages(
        &s,
        &t,
        Some(1),
        &consumer,
        &PollingStrategy::offset(0),
        10,
        false,
    ))
    .await
    .expect("TCP poll");
    assert_eq!(texts(&polled)[..5], ["m0", "m1", "m2", "m3", "m4"]);
}
