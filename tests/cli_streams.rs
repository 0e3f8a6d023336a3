//! Streams, topics and consumer groups through the real `iggy` CLI (iggy-cli 0.13.0),
//! checked through the SDK.
//! `scripts/test` installs the CLI.

mod common;

use std::process::ExitStatus;

use common::{name, partition_dir, root_client, within, TestServer};
use iggy::prelude::{
    CompressionAlgorithm, ConsumerGroupClient, IggyExpiry, StreamClient, TopicClient,
};

/// Run the CLI against `server` with root credentials: (status, stdout + stderr).
fn cli(server: &TestServer, args: &[&str]) -> (ExitStatus, String) {
    let (status, stdout, stderr) = common::cli::run(server, args);
    (status, format!("{stdout}\n{stderr}"))
}

/// Run the CLI, assert exit 0, return its output.
fn cli_ok(server: &TestServer, args: &[&str]) -> String {
    let (status, output) = cli(server, args);
    assert!(
        status.success(),
        "`iggy {}` exited with {status}.\n{output}\nserver:\n{}",
        args.join(" "),
        server.output()
    );
    output
}

/// Run the CLI, assert a non-zero exit, return its output.
fn cli_fails(server: &TestServer, args: &[&str]) -> String {
    let (status, output) = cli(server, args);
    assert!(
        !status.success(),
        "`iggy {}` was expected to fail but exited with {status}.\n{output}",
        args.join(" ")
    );
    output
}

/// The `|`-separated line of `list -l list` output whose third field is `wanted`.
fn list_row<'a>(output: &'a str, wanted: &str) -> Vec<&'a str> {
    output
        .lines()
        .map(|line| line.split('|').collect::<Vec<_>>())
        .find(|fields| fields.len() >= 3 && fields[2] == wanted)
        .unwrap_or_else(|| panic!("no row named {wanted:?} in:\n{output}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_stream_create_list_get_update_delete() {
    let server = TestServer::start();
    let client = root_client(&server).await;

    let output = cli_ok(&server, &["stream", "create", "orders"]);
    assert!(
        output.contains("Stream with name: orders"),
        "create output:\n{output}"
    );
    let stream = within(client.get_stream(&name("orders")))
        .await
        .expect("get_stream")
        .expect("orders created by the CLI");
    assert_eq!(stream.id, 0);
    cli_ok(&server, &["stream", "create", "invoices"]);

    let output = cli_ok(&server, &["stream", "list"]);
    assert!(
        output.contains("orders") && output.contains("invoices"),
        "list output:\n{output}"
    );
    let output = cli_ok(&server, &["stream", "list", "--list-mode", "list"]);
    let row = list_row(&output, "orders");
    assert_eq!(row[0], "0", "orders id in {row:?}");
    assert_eq!(row[5].trim(), "0", "topics count in {row:?}");
    assert_eq!(list_row(&output, "invoices")[0], "1");

    let output = cli_ok(&server, &["stream", "get", "orders"]);
    let name_row = output
        .lines()
        .find(|line| line.contains("Stream name"))
        .unwrap_or_else(|| panic!("no name row:\n{output}"));
    assert!(name_row.contains("orders"), "{name_row}");
    let id_row = output
        .lines()
        .find(|line| line.contains("Stream ID"))
        .unwrap_or_else(|| panic!("no id row:\n{output}"));
    assert!(id_row.contains('0'), "{id_row}");

    let output = cli_ok(&server, &["stream", "update", "orders", "orders2"]);
    assert!(
        output.contains("updated name: orders2"),
        "update output:\n{output}"
    );
    assert!(within(client.get_stream(&name("orders")))
        .await
        .expect("get old")
        .is_none());
    let renamed = within(client.get_stream(&name("orders2")))
        .await
        .expect("get new")
        .expect("orders2");
    assert_eq!(renamed.id, 0);

    let output = cli_fails(&server, &["stream", "create", "orders2"]);
    assert!(
        output.contains("Problem creating stream"),
        "duplicate create output:\n{output}"
    );

    let output = cli_ok(&server, &["stream", "delete", "orders2"]);
    assert!(output.contains("deleted"), "delete output:\n{output}");
    let names: Vec<String> = within(client.get_streams())
        .await
        .expect("streams")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, vec!["invoices".to_string()]);
    cli_fails(&server, &["stream", "delete", "orders2"]);

    let output = cli_ok(&server, &["stream", "delete", "1"]);
    assert!(output.contains("deleted"), "delete by id output:\n{output}");
    let output = cli_ok(&server, &["stream", "list"]);
    assert!(
        output.contains("No streams found"),
        "list output:\n{output}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_topic_create_list_get_delete() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    cli_ok(&server, &["stream", "create", "orders"]);

    let output = cli_ok(
        &server,
        &["topic", "create", "orders", "payments", "3", "none"],
    );
    assert!(
        output.contains("Topic with name: payments, partitions count: 3"),
        "create output:\n{output}"
    );
    let topic = within(client.get_topic(&name("orders"), &name("payments")))
        .await
        .expect("get_topic")
        .expect("payments created by the CLI");
    assert_eq!(topic.id, 0);
    assert_eq!(topic.partitions_count, 3);
    assert_eq!(
        topic.partitions.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    assert_eq!(topic.compression_algorithm, CompressionAlgorithm::None);
    assert_eq!(topic.message_expiry, IggyExpiry::NeverExpire);
    assert_eq!(topic.replication_factor, 1);
    for p in 0..3 {
        assert!(partition_dir(server.dirs(), 0, 0, p).is_dir(), "p{p} dir");
    }

    cli_ok(
        &server,
        &["topic", "create", "orders", "refunds", "1", "gzip"],
    );
    let output = cli_ok(&server, &["topic", "list", "orders"]);
    assert!(
        output.contains("payments") && output.contains("refunds"),
        "list output:\n{output}"
    );
    let output = cli_ok(&server, &["topic", "list", "orders", "--list-mode", "list"]);
    let row = list_row(&output, "payments");
    assert_eq!(row[0], "0", "payments id in {row:?}");
    assert_eq!(
        row.last().map(|s| s.trim()),
        Some("3"),
        "partitions {row:?}"
    );
    let row = list_row(&output, "refunds");
    assert_eq!(row[0], "1", "refunds id in {row:?}");
    assert_eq!(
        row.last().map(|s| s.trim()),
        Some("1"),
        "partitions {row:?}"
    );

    let output = cli_ok(&server, &["topic", "get", "orders", "payments"]);
    for (label, value) in [
        ("Topic id", "0"),
        ("Topic name", "payments"),
        ("Partitions count", "3"),
        ("Compression", "none"),
    ] {
        let row = output
            .lines()
            .find(|line| line.contains(label))
            .unwrap_or_else(|| panic!("no {label} row:\n{output}"));
        assert!(
            row.to_lowercase().contains(value),
            "{label} row {row:?} lacks {value}"
        );
    }

    let output = cli_ok(&server, &["topic", "delete", "orders", "payments"]);
    assert!(output.contains("deleted"), "delete output:\n{output}");
    assert!(within(client.get_topic(&name("orders"), &name("payments")))
        .await
        .expect("get deleted")
        .is_none());
    assert!(
        !partition_dir(server.dirs(), 0, 0, 0).exists(),
        "deleted topic's partition dir remains"
    );
    let topics: Vec<String> = within(client.get_topics(&name("orders")))
        .await
        .expect("topics")
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(topics, vec!["refunds".to_string()]);
    cli_fails(&server, &["topic", "delete", "orders", "payments"]);
    cli_fails(&server, &["topic", "create", "nostream", "x", "1", "none"]);
    cli_fails(
        &server,
        &["topic", "create", "orders", "refunds", "1", "none"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_consumer_group_create_list_get_delete() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    cli_ok(&server, &["stream", "create", "orders"]);
    cli_ok(
        &server,
        &["topic", "create", "orders", "payments", "3", "none"],
    );

    let output = cli_ok(
        &server,
        &["consumer-group", "create", "orders", "payments", "billing"],
    );
    assert!(output.contains("billing"), "create output:\n{output}");
    cli_ok(
        &server,
        &["consumer-group", "create", "orders", "payments", "audit"],
    );
    let group =
        within(client.get_consumer_group(&name("orders"), &name("payments"), &name("billing")))
            .await
            .expect("get group")
            .expect("billing created by the CLI");
    assert_eq!((group.id, group.partitions_count), (0, 3));

    let output = cli_ok(
        &server,
        &[
            "consumer-group",
            "list",
            "orders",
            "payments",
            "--list-mode",
            "list",
        ],
    );
    assert!(
        output.contains("billing") && output.contains("audit"),
        "list output:\n{output}"
    );
    let output = cli_ok(
        &server,
        &["consumer-group", "get", "orders", "payments", "audit"],
    );
    assert!(output.contains("audit"), "get output:\n{output}");
    assert!(output.contains('1'), "get output shows the id:\n{output}");

    let output = cli_ok(
        &server,
        &["consumer-group", "delete", "orders", "payments", "billing"],
    );
    assert!(output.contains("deleted"), "delete output:\n{output}");
    assert!(within(client.get_consumer_group(
        &name("orders"),
        &name("payments"),
        &name("billing")
    ))
    .await
    .expect("get deleted")
    .is_none());
    cli_fails(
        &server,
        &["consumer-group", "delete", "orders", "payments", "billing"],
    );
    cli_fails(
        &server,
        &["consumer-group", "create", "orders", "payments", "audit"],
    );
    // The CLI reports a group it cannot find (the empty answer) and exits 0.
    let output = cli_ok(
        &server,
        &["consumer-group", "get", "orders", "nope", "audit"],
    );
    assert!(output.contains("was not found"), "get output:\n{output}");
}
