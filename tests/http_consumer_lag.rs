//! `GET /streams/{s}/topics/{t}/consumer-lag` (an addition to the original's API, for the
//! dashboard's lag view and any client): every stored offset of a topic, of consumers and
//! consumer groups, with its lag per partition and in total; it falls as consumers commit,
//! needs the poll permission, and names unknown streams and topics like the other reads.

mod common;

use common::http::{base_url, raw, root_token, token};
use common::{create_stream_and_topic, id, name, root_client, within, TestServer};
use iggy::prelude::{
    Consumer, ConsumerGroupClient, ConsumerOffsetClient, IggyClient, UserClient, UserStatus,
};
use serde_json::Value;

async fn send(client: &IggyClient, partition: u32, count: u32) {
    common::send_payloads(client, partition, (0..count).map(|n| format!("m{n}"))).await;
}

async fn lag(url: &str, token: &str) -> (u16, Value) {
    let response = raw()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("consumer-lag request");
    let status = response.status().as_u16();
    let body = response.text().await.expect("body");
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_lag_reports_every_stored_offset_and_falls_as_consumers_commit() {
    let server = TestServer::start();
    let root = root_client(&server).await;
    create_stream_and_topic(&root, "s", "t", 2).await;
    send(&root, 0, 10).await;
    send(&root, 1, 4).await;
    let (s, t) = (id(0), id(0));
    let consumer = Consumer::new(id(7));
    within(root.store_consumer_offset(&consumer, &s, &t, Some(0), 3))
        .await
        .expect("consumer 7 commits 3 on partition 0");
    let reader = Consumer::new(name("reader"));
    within(root.store_consumer_offset(&reader, &s, &t, Some(1), 1))
        .await
        .expect("reader commits 1 on partition 1");
    within(root.create_consumer_group(&s, &t, "billing"))
        .await
        .expect("create group");
    within(root.create_consumer_group(&s, &t, "idle"))
        .await
        .expect("create group");
    within(root.join_consumer_group(&s, &t, &name("billing")))
        .await
        .expect("join");
    let billing = Consumer::group(name("billing"));
    within(root.store_consumer_offset(&billing, &s, &t, Some(0), 8))
        .await
        .expect("billing commits 8 on partition 0");

    let base = base_url(&server);
    let url = format!("{base}/streams/s/topics/t/consumer-lag");
    let root_token = root_token(&base).await;
    let (status, body) = lag(&url, &root_token).await;
    assert_eq!(status, 200, "{body}");
    let p0 = &body["partitions"][0];
    assert_eq!(p0["current_offset"], 9);
    assert_eq!(
        p0["consumers"],
        serde_json::json!([{"id": 7, "stored_offset": 3, "lag": 6}])
    );
    assert_eq!(
        p0["consumer_groups"],
        serde_json::json!([{"id": 0, "name": "billing", "stored_offset": 8, "lag": 1}])
    );
    let reader_id = xxhash_rust::xxh32::xxh32(b"reader", 0);
    let p1 = &body["partitions"][1];
    assert_eq!(p1["current_offset"], 3);
    assert_eq!(
        p1["consumers"],
        serde_json::json!([{"id": reader_id, "stored_offset": 1, "lag": 2}])
    );
    assert_eq!(body["consumer_groups"][0]["lag"], 1);
    assert_eq!(body["consumer_groups"][1]["name"], "idle");
    assert_eq!(body["consumer_groups"][1]["partitions_count"], 0);

    within(root.store_consumer_offset(&consumer, &s, &t, Some(0), 9))
        .await
        .expect("consumer 7 reads to the end");
    let (_, body) = lag(&url, &root_token).await;
    assert_eq!(body["partitions"][0]["consumers"][0]["lag"], 0);
    let consumer_7 = body["consumers"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == 7))
        .cloned()
        .expect("consumer 7 in the totals");
    assert_eq!(consumer_7["lag"], 0, "the lag fell after the commit");

    within(root.create_user("nopoll", "secret", UserStatus::Active, None))
        .await
        .expect("create user without permissions");
    let (status, body) = lag(&url, &token(&base, "nopoll", "secret").await).await;
    assert_eq!((status, &body["code"]), (403, &Value::from("unauthorized")));
    let (status, body) = lag(
        &format!("{base}/streams/s/topics/9/consumer-lag"),
        &root_token,
    )
    .await;
    assert_eq!((status, &body["id"]), (404, &Value::from(2010)));
    let (status, _) = lag(&url, "not-a-token").await;
    assert_eq!(status, 401);
}
