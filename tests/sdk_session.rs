//! The official Rust SDK (`iggy` 0.10.0) against the real server binary, over the transport
//! the harness speaks (`IGGY_TEST_TRANSPORT`): sessions, identity, clients, cluster metadata.

mod common;

use common::{root_client, sdk_client, test_transport, within, TestServer};
use iggy::prelude::{
    Client, ClusterClient, ClusterNodeRole, ClusterNodeStatus, IggyError, SystemClient, UserClient,
};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_ping_and_identity() {
    let server = TestServer::start();
    let client = sdk_client(server.endpoint()).await;

    within(client.ping()).await.expect("ping before login");
    let identity = within(client.login_user("iggy", "iggy"))
        .await
        .expect("root login");
    assert_eq!(identity.user_id, 0, "root user id");
    within(client.ping()).await.expect("ping after login");

    let me = within(client.get_me()).await.expect("get_me");
    assert_ne!(me.client_id, 0, "client id must be non-zero");
    assert_eq!(me.user_id, Some(0), "get_me user id");
    assert_eq!(
        me.transport,
        test_transport().wire_name(),
        "get_me transport"
    );
    assert!(
        me.address.starts_with("127.0.0.1:"),
        "peer address {:?}",
        me.address
    );
    assert_eq!(me.consumer_groups_count, 0);

    let clients = within(client.get_clients()).await.expect("get_clients");
    let listed = clients
        .iter()
        .find(|c| c.client_id == me.client_id)
        .unwrap_or_else(|| panic!("own client {} not in {clients:?}", me.client_id));
    assert_eq!(listed.user_id, Some(0));
    assert_eq!(listed.transport, test_transport().wire_name());
    assert_eq!(listed.address, me.address);

    let fetched = within(client.get_client(me.client_id))
        .await
        .expect("get_client")
        .expect("get_client returned None for a connected client");
    assert_eq!(fetched.client_id, me.client_id);
    assert_eq!(fetched.user_id, Some(0));
    assert_eq!(fetched.address, me.address);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_client_is_none() {
    let server = TestServer::start();
    let client = sdk_client(server.endpoint()).await;
    within(client.login_user("iggy", "iggy"))
        .await
        .expect("login");
    let me = within(client.get_me()).await.expect("get_me");
    let other = me.client_id.wrapping_add(1).max(1);
    let missing = within(client.get_client(other)).await.expect("get_client");
    assert!(missing.is_none(), "unexpected client {missing:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_describe_this_server() {
    let server = TestServer::start();
    let client = sdk_client(server.endpoint()).await;
    within(client.login_user("iggy", "iggy"))
        .await
        .expect("login");

    let stats = within(client.get_stats()).await.expect("get_stats");
    assert_eq!(stats.process_id, server.pid(), "process id");
    assert!(stats.memory_usage.as_bytes_u64() > 0, "memory usage");
    assert_eq!(stats.iggy_server_version, "0.8.0");
    assert!(
        stats.clients_count >= 1,
        "clients_count {}",
        stats.clients_count
    );
    assert!(!stats.hostname.is_empty(), "hostname empty");
    assert_eq!(stats.streams_count, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_metadata_is_single_node() {
    let server = TestServer::start();
    let client = sdk_client(server.endpoint()).await;
    within(client.login_user("iggy", "iggy"))
        .await
        .expect("login");

    let metadata = within(client.get_cluster_metadata())
        .await
        .expect("get_cluster_metadata");
    assert_eq!(metadata.name, "single-node");
    assert_eq!(metadata.nodes.len(), 1, "{metadata:?}");
    let node = &metadata.nodes[0];
    assert_eq!(node.name, "iggy-node");
    assert_eq!(node.ip, "127.0.0.1");
    assert_eq!(node.endpoints.tcp, server.tcp_addr().port(), "tcp port");
    assert_eq!(node.role, ClusterNodeRole::Leader);
    assert_eq!(node.status, ClusterNodeStatus::Healthy);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_makes_session_unauthenticated() {
    let server = TestServer::start();
    let client = sdk_client(server.endpoint()).await;
    within(client.login_user("iggy", "iggy"))
        .await
        .expect("login");
    within(client.get_stats())
        .await
        .expect("stats while logged in");

    within(client.logout_user()).await.expect("logout");
    let error = within(client.get_stats())
        .await
        .expect_err("get_stats after logout must fail");
    assert_eq!(error, IggyError::Unauthenticated);
    within(client.ping()).await.expect("ping after logout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_invalid_credentials() {
    let server = TestServer::start();
    let client = sdk_client(server.endpoint()).await;
    let error = within(client.login_user("iggy", "not-the-password"))
        .await
        .expect_err("login with a wrong password must fail");
    assert_eq!(error, IggyError::InvalidCredentials);
    let error = within(client.login_user("nobody", "whatever"))
        .await
        .expect_err("login of an unknown user must fail");
    assert_eq!(error, IggyError::InvalidCredentials);
    within(client.login_user("iggy", "iggy"))
        .await
        .expect("correct login after failures");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_before_login_is_unauthenticated() {
    let server = TestServer::start();
    let client = sdk_client(server.endpoint()).await;
    // The SDK sends GetStats without a local login check, so this is the server's answer.
    let error = within(client.get_stats())
        .await
        .expect_err("get_stats before login must fail");
    assert_eq!(error, IggyError::Unauthenticated);
}

/// Whether a client with `client_id` is listed, asked by a new client (every old one may
/// have gone stale).
async fn listed(server: &TestServer, client_id: u32) -> bool {
    let observer = root_client(server).await;
    let clients = within(observer.get_clients()).await.expect("clients");
    clients.iter().any(|c| c.client_id == client_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_disconnected_clients_are_removed() {
    let server = TestServer::builder()
        .env("IGGY_HEARTBEAT_ENABLED", "true")
        .env("IGGY_HEARTBEAT_INTERVAL", "1s")
        .start();
    // The SDK pings at connect and then every 5 s: stale after about 1.2 s here.
    let silent = root_client(&server).await;
    let silent_id = within(silent.get_me()).await.expect("me").client_id;
    let leaving = root_client(&server).await;
    let leaving_id = within(leaving.get_me()).await.expect("me").client_id;
    within(leaving.disconnect()).await.expect("disconnect");
    drop(leaving);
    let deadline = Instant::now() + Duration::from_secs(15);
    while listed(&server, silent_id).await || listed(&server, leaving_id).await {
        assert!(
            Instant::now() < deadline,
            "a silent or disconnected client stayed registered"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The stale client's next request is refused; the SDK reconnects and logs in again.
    within(silent.login_user("iggy", "iggy"))
        .await
        .expect("the SDK reconnects after StaleClient");
    within(silent.get_stats()).await.expect("served again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_is_a_zip_of_the_requested_types() {
    use iggy::prelude::{SnapshotCompression, SystemSnapshotType};
    let server = TestServer::builder()
        .env("IGGY_HTTP_JWT_ENCODING_SECRET", "top-secret-value")
        .start();
    let client = root_client(&server).await;
    let snapshot = within(client.snapshot(
        SnapshotCompression::Stored,
        vec![SystemSnapshotType::ServerConfig, SystemSnapshotType::Test],
    ))
    .await
    .expect("snapshot");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(snapshot.0)).expect("a ZIP");
    let mut names: Vec<String> = zip.file_names().map(String::from).collect();
    names.sort();
    assert_eq!(names, ["server_config.txt", "test.txt"]);
    let mut config = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("server_config.txt").unwrap(), &mut config)
        .unwrap();
    assert!(config.contains("encoding_secret = \"******\""), "{config}");
    assert!(!config.contains("top-secret-value"), "secrets are redacted");
    let refused = client
        .snapshot(
            SnapshotCompression::Deflated,
            vec![SystemSnapshotType::All, SystemSnapshotType::ProcessList],
        )
        .await
        .unwrap_err();
    assert_eq!(refused, IggyError::InvalidCommand);
}
