//! The web dashboard (`/ui`) in a real headless Chromium against the real binary: log in
//! and out, manage streams and topics, send and read messages in every format, watch a
//! consumer's lag fall, edit permissions and see the refusal, tail a topic live over the
//! WebSocket transport, and use it from the keyboard, on a narrow window and in dark mode.
//! Every test fails on an uncaught script error or a request that leaves loopback, and
//! saves a screenshot under `target/tmp/ui-screenshots/`.

mod common;

use bytes::Bytes;
use common::browser::{Browser, Page, DESKTOP};
use common::http::{base_url, raw};
use common::{id, name, root_client, within, TestServer, TestServerBuilder};
use iggy::prelude::{
    Consumer, ConsumerGroupClient, HeaderKey, HeaderValue, IggyClient, IggyExpiry, IggyMessage,
    MessageClient, Partitioning, PersonalAccessTokenClient, PollingStrategy, StreamClient,
    SystemClient, TopicClient, UserClient,
};
use serde_json::json;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::{Duration, Instant};

fn dashboard() -> TestServerBuilder {
    TestServer::builder().env("IGGY_HTTP_WEB_UI", "true")
}

/// A browser tab on the dashboard's login screen.
async fn open(server: &TestServer, size: (u32, u32)) -> (Browser, Page) {
    let browser = Browser::launch().await;
    let page = browser.page(size).await;
    page.goto(&format!("{}/ui", base_url(server))).await;
    page.wait_for("document.querySelector('#login-form')", "the login screen")
        .await;
    (browser, page)
}

async fn log_in(page: &Page, username: &str, password: &str) {
    page.fill("#username", username).await;
    page.fill("#password", password).await;
    page.click("#login").await;
    page.wait_for(
        &format!(
            "document.querySelector('#whoami')?.innerText === {}",
            json!(username)
        ),
        "the login to finish",
    )
    .await;
}

/// Submits the open dialog's form.
async fn submit_dialog(page: &Page) {
    page.click("dialog[open] button[type=submit]").await;
    page.wait_for(
        "!document.querySelector('dialog[open]')",
        "the dialog to close",
    )
    .await;
}

async fn send(client: &IggyClient, partition: u32, payloads: &[&str]) {
    common::send_payloads(client, partition, payloads.iter().map(|p| p.to_string())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_errors_logout_and_revoked_tokens_return_to_the_login_screen() {
    let server = dashboard().start();
    let (_browser, page) = open(&server, DESKTOP).await;
    page.fill("#username", "iggy").await;
    page.fill("#password", "wrong").await;
    page.click("#login").await;
    page.wait_for(
        "document.querySelector('#login-form .error')?.innerText.includes('invalid_credentials')",
        "the API's error on the login screen",
    )
    .await;
    page.screenshot("login-error").await;

    log_in(&page, "iggy", "iggy").await;
    page.wait_for("document.querySelector('#server-version')", "the overview")
        .await;
    page.click("#logout").await;
    page.wait_for(
        "document.querySelector('#login-form')",
        "the login screen after logout",
    )
    .await;
    assert_eq!(
        page.eval("sessionStorage.length").await,
        json!(0),
        "logout forgets the token"
    );

    // A token revoked elsewhere: the next call answers 401 and the app goes back to login.
    log_in(&page, "iggy", "iggy").await;
    let token = page
        .eval("JSON.parse(sessionStorage.getItem('iggy.session')).token")
        .await;
    let token = token.as_str().expect("the token is in session storage");
    assert!(
        !page.eval("location.href").await.to_string().contains(token),
        "the token is never in the URL"
    );
    let revoked = raw()
        .delete(format!("{}/users/logout", base_url(&server)))
        .bearer_auth(token)
        .send()
        .await
        .expect("logout request");
    assert_eq!(revoked.status(), 204);
    page.click("a[href='/ui/streams']").await;
    page.wait_for(
        "document.querySelector('#login-form')?.innerText.includes('expired or was revoked')",
        "the login screen after a revoked token",
    )
    .await;

    page.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_returns_to_the_login_screen() {
    let server = dashboard()
        .env("IGGY_HTTP_JWT_ACCESS_TOKEN_EXPIRY", "3 s")
        .start();
    let (_browser, page) = open(&server, DESKTOP).await;
    log_in(&page, "iggy", "iggy").await;
    page.wait_within(
        "document.querySelector('#login-form')?.innerText.includes('session expired')",
        "the login screen once the token expired",
        Duration::from_secs(15),
    )
    .await;
    page.screenshot("expired").await;
    page.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_topics_and_messages_sent_from_the_ui_and_the_sdk_read_in_every_format() {
    let server = dashboard().start();
    let (_browser, page) = open(&server, DESKTOP).await;
    log_in(&page, "iggy", "iggy").await;

    page.click("a[href='/ui/streams']").await;
    page.click("#create-stream").await;
    page.fill("#f-name", "orders").await;
    submit_dialog(&page).await;
    page.wait_for("location.pathname === '/ui/streams/0'", "the new stream")
        .await;
    page.click("#create-topic").await;
    page.fill("#f-name", "events").await;
    page.fill("#f-partitions", "3").await;
    page.fill("#f-expiry", "7 days").await;
    page.fill("#f-maxSize", "10 GB").await;
    submit_dialog(&page).await;
    page.wait_for(
        "location.pathname === '/ui/streams/0/topics/0'",
        "the new topic",
    )
    .await;
    page.wait_for(
        "document.querySelector('main').innerText.includes('7 d') && document.querySelector('main').innerText.includes('10.0 GB')",
        "the expiry and the maximum size in human units",
    )
    .await;

    let sdk = root_client(&server).await;
    let topic = within(sdk.get_topic(&name("orders"), &name("events")))
        .await
        .expect("get topic")
        .expect("the topic exists");
    assert_eq!(topic.partitions_count, 3, "made by the dashboard");
    assert!(
        matches!(topic.message_expiry, IggyExpiry::ExpireDuration(d) if d.as_micros() == 7 * 86_400_000_000),
        "{:?}",
        topic.message_expiry
    );

    // From the UI: a JSON payload with a header, to partition 1.
    page.click("a[href$='/messages']").await;
    page.wait_for(
        "document.querySelector('#read-status')?.innerText",
        "the reader",
    )
    .await;
    page.select("#send-partitioning", "partition_id").await;
    page.select("#send-partition", "1").await;
    page.fill("#send-payload", r#"{"order":42,"item":"book"}"#)
        .await;
    page.click("#add-header").await;
    page.fill(".header-row .header-key", "source").await;
    page.fill(".header-row .header-value-input", "dashboard")
        .await;
    page.click("#send").await;
    page.wait_for(
        "[...document.querySelectorAll('.toast')].some(t => t.innerText === 'Message sent.')",
        "the send to succeed",
    )
    .await;
    let polled = within(sdk.poll_messages(
        &id(0),
        &id(0),
        Some(1),
        &Consumer::new(id(1)),
        &PollingStrategy::offset(0),
        10,
        false,
    ))
    .await
    .expect("SDK poll");
    assert_eq!(polled.messages.len(), 1);
    let message = &polled.messages[0];
    assert_eq!(&message.payload[..], br#"{"order":42,"item":"book"}"#);
    let headers = message.user_headers_map().expect("headers").expect("some");
    assert_eq!(
        headers[&HeaderKey::from_str("source").unwrap()]
            .as_str()
            .unwrap(),
        "dashboard"
    );

    // From the SDK: 25 messages to partition 2, the last with a typed header.
    let payloads: Vec<String> = (0..25).map(|n| format!("{{\"n\":{n}}}")).collect();
    let refs: Vec<&str> = payloads.iter().map(String::as_str).collect();
    send(&sdk, 2, &refs[..24]).await;
    let mut last = vec![IggyMessage::builder()
        .payload(Bytes::from(refs[24].to_string()))
        .user_headers(BTreeMap::from([(
            HeaderKey::from_str("attempt").unwrap(),
            HeaderValue::from_str("3").unwrap(),
        )]))
        .build()
        .expect("message")];
    within(sdk.send_messages(&id(0), &id(0), &Partitioning::partition_id(2), &mut last))
        .await
        .expect("SDK send");

    // Partition 1 as text, JSON and hex.
    page.select("#read-partition", "1").await;
    page.select("#read-kind", "first").await;
    page.click("#read").await;
    page.wait_for(
        "document.querySelector('#messages .payload')?.innerText === '{\"order\":42,\"item\":\"book\"}'",
        "the UI's message as text",
    )
    .await;
    assert!(page
        .text("#messages .headers")
        .await
        .contains("source (string) = dashboard"));
    page.select("#read-format", "json").await;
    page.wait_for(
        "document.querySelector('#messages .payload')?.innerText === '{\\n  \"order\": 42,\\n  \"item\": \"book\"\\n}'",
        "the message as pretty JSON",
    )
    .await;
    page.select("#read-format", "hex").await;
    page.wait_for(
        "document.querySelector('#messages .payload')?.innerText.startsWith('00000000  7b 22 6f 72 64 65 72 22')",
        "the message as hex",
    )
    .await;
    page.screenshot("messages-hex").await;

    // Partition 2: the last 10, then back and forwards by pages of 10.
    page.select("#read-format", "text").await;
    page.select("#read-partition", "2").await;
    page.select("#read-kind", "last").await;
    page.fill("#read-count", "10").await;
    page.click("#read").await;
    let offsets = "[...document.querySelectorAll('#messages .message')].map(m => Number(m.dataset.offset)).join(',')";
    page.wait_for(
        &format!("{offsets} === '15,16,17,18,19,20,21,22,23,24'"),
        "the last page",
    )
    .await;
    assert!(page
        .text("#messages")
        .await
        .contains("attempt (string) = 3"));
    page.click("#older").await;
    page.wait_for(
        &format!("{offsets} === '5,6,7,8,9,10,11,12,13,14'"),
        "the page before",
    )
    .await;
    page.click("#older").await;
    page.wait_for(
        &format!("{offsets} === '0,1,2,3,4,5,6,7,8,9'"),
        "the first page",
    )
    .await;
    assert_eq!(
        page.eval("document.querySelector('#older').disabled").await,
        json!(true)
    );
    page.click("#newer").await;
    page.wait_for(
        &format!("{offsets} === '10,11,12,13,14,15,16,17,18,19'"),
        "the next page",
    )
    .await;
    page.select("#read-kind", "offset").await;
    page.fill("#read-offset", "23").await;
    page.click("#read").await;
    page.wait_for(&format!("{offsets} === '23,24'"), "reading from offset 23")
        .await;
    // The SDK's messages in each format too.
    assert_eq!(
        page.text("#messages .payload").await,
        r#"{"n":23}"#,
        "as text"
    );
    page.select("#read-format", "hex").await;
    page.wait_for(
        "document.querySelector('#messages .payload')?.innerText.startsWith('00000000  7b 22 6e 22 3a 32 33 7d')",
        "an SDK message as hex",
    )
    .await;
    page.select("#read-format", "json").await;
    page.wait_for(
        "document.querySelector('#messages .payload')?.innerText === '{\\n  \"n\": 23\\n}'",
        "JSON of an SDK message",
    )
    .await;
    page.screenshot("messages").await;

    // The stream list shows the counts; a purge (confirmed) empties the topic.
    page.click("a[href='/ui/streams']").await;
    page.wait_for(
        "document.querySelector('#streams')?.innerText.includes('26')",
        "26 messages",
    )
    .await;
    page.click("#streams a").await;
    page.wait_for("location.pathname === '/ui/streams/0'", "the stream")
        .await;
    page.click("main table a").await;
    page.wait_for(
        "location.pathname === '/ui/streams/0/topics/0'",
        "the topic",
    )
    .await;
    page.click("#purge-topic").await;
    page.click("dialog[open] button.danger").await;
    page.wait_for(
        "[...document.querySelectorAll('.toast')].some(t => t.innerText.includes('purged'))",
        "the purge",
    )
    .await;
    let stats = within(sdk.get_stream(&id(0)))
        .await
        .expect("get stream")
        .expect("stream");
    assert_eq!(stats.messages_count, 0, "purged from the dashboard");
    page.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumers_lag_falls_after_it_consumes() {
    let server = dashboard().start();
    let sdk = root_client(&server).await;
    common::create_stream_and_topic(&sdk, "orders", "events", 3).await;
    let payloads: Vec<String> = (0..10).map(|n| format!("m{n}")).collect();
    let refs: Vec<&str> = payloads.iter().map(String::as_str).collect();
    send(&sdk, 0, &refs).await;
    within(sdk.create_consumer_group(&id(0), &id(0), "billing"))
        .await
        .expect("create group");
    let (stream, topic, consumer, next) =
        (id(0), id(0), Consumer::new(id(7)), PollingStrategy::next());
    let poll = |n: u32| sdk.poll_messages(&stream, &topic, Some(0), &consumer, &next, n, true);
    within(poll(3)).await.expect("consumer 7 reads 3");

    let (_browser, page) = open(&server, DESKTOP).await;
    log_in(&page, "iggy", "iggy").await;
    page.goto(&format!("{}/ui/streams/0/topics/0/lag", base_url(&server)))
        .await;
    let lag =
        "document.querySelector('.lag[data-who=\"consumer 7\"][data-partition=\"0\"]')?.innerText";
    page.wait_for(&format!("{lag} === '7'"), "consumer 7's lag of 7")
        .await;
    page.eval("document.querySelector('#lag').scrollIntoView()")
        .await;
    page.screenshot("lag-before").await;

    within(poll(10)).await.expect("consumer 7 reads the rest");
    page.wait_for(
        &format!("{lag} === '0'"),
        "the lag to fall to 0 (refreshed on its own)",
    )
    .await;
    let total = "document.querySelector('.lag-total[data-who=\"consumer 7\"]')?.innerText";
    assert_eq!(page.eval(total).await, json!("0"));
    page.eval("document.querySelector('#lag').scrollIntoView()")
        .await;
    page.screenshot("lag").await;
    page.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissions_edited_in_the_ui_refuse_the_users_forbidden_action() {
    let server = dashboard().start();
    let sdk = root_client(&server).await;
    common::create_stream_and_topic(&sdk, "orders", "events", 1).await;
    let (_browser, page) = open(&server, DESKTOP).await;
    log_in(&page, "iggy", "iggy").await;

    page.click("a[href='/ui/users']").await;
    page.click("#create-user").await;
    page.fill("#f-username", "alice").await;
    page.fill("#f-password", "secret1").await;
    submit_dialog(&page).await;
    page.wait_for("location.pathname === '/ui/users/1'", "alice's page")
        .await;
    // Read streams globally; on stream "orders": read and send, nothing more.
    page.check(
        "#permissions-form fieldset [data-perm='read_streams']",
        true,
    )
    .await;
    page.click("#add-stream-permissions").await;
    page.wait_for(
        "document.querySelector('.perm-stream')",
        "a stream's rights",
    )
    .await;
    page.check(".perm-stream [data-perm='read_stream']", true)
        .await;
    page.check(".perm-stream [data-perm='send_messages']", true)
        .await;
    page.click("#save-permissions").await;
    page.wait_for(
        "[...document.querySelectorAll('.toast')].some(t => t.innerText.includes('Permissions of'))",
        "the permissions to be saved",
    )
    .await;
    page.screenshot("permissions").await;

    let alice = within(sdk.get_user(&name("alice")))
        .await
        .expect("get user")
        .expect("alice");
    let permissions = alice.permissions.expect("permissions were saved");
    assert!(permissions.global.read_streams && !permissions.global.manage_streams);
    let on_orders = &permissions.streams.expect("stream rights")[&0];
    assert!(on_orders.read_stream && on_orders.send_messages && !on_orders.manage_stream);

    page.click("#logout").await;
    page.wait_for("document.querySelector('#login-form')", "the login screen")
        .await;
    log_in(&page, "alice", "secret1").await;
    page.click("a[href='/ui/streams']").await;
    page.wait_for(
        "document.querySelector('#streams a')?.innerText === 'orders'",
        "alice reads the streams",
    )
    .await;
    page.click("#create-stream").await;
    page.fill("#f-name", "mine").await;
    page.click("dialog[open] button[type=submit]").await;
    page.wait_for(
        "document.querySelector('dialog[open] .error')?.innerText.includes('403 unauthorized')",
        "the refusal in the dialog",
    )
    .await;
    page.screenshot("permissions-refused").await;
    assert!(
        within(sdk.get_stream(&name("mine")))
            .await
            .expect("get")
            .is_none(),
        "nothing was created"
    );
    page.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_tail_shows_a_message_sent_by_the_sdk_within_a_second() {
    let server = dashboard().start();
    let sdk = root_client(&server).await;
    common::create_stream_and_topic(&sdk, "orders", "events", 3).await;
    send(&sdk, 1, &["before the tail started"]).await;
    let (_browser, page) = open(&server, DESKTOP).await;
    log_in(&page, "iggy", "iggy").await;
    page.goto(&format!("{}/ui/streams/0/topics/0/tail", base_url(&server)))
        .await;
    page.wait_for(
        "document.querySelector('#tail-status')?.innerText.startsWith('Tailing 3 partitions')",
        "the tail to run",
    )
    .await;

    // The browser is a client of the WebSocket transport, logged in as root.
    let clients = within(sdk.get_clients()).await.expect("get clients");
    assert!(
        clients
            .iter()
            .any(|c| c.transport == "WebSocket" && c.user_id == Some(0)),
        "{clients:?}"
    );

    send(&sdk, 2, &["live from the SDK"]).await;
    let sent = Instant::now();
    page.wait_within(
        "[...document.querySelectorAll('#tail-messages .payload')].some(p => p.innerText === 'live from the SDK')",
        "the SDK's message in the live tail",
        Duration::from_secs(1),
    )
    .await;
    let seen = sent.elapsed();
    assert!(
        !page
            .text("#tail-messages")
            .await
            .contains("before the tail started"),
        "the tail shows what arrives after it started"
    );
    page.screenshot("tail").await;
    assert!(seen < Duration::from_secs(1), "{seen:?}");

    // Leaving the tab stops the tail, which deletes its stored offsets and disconnects.
    page.click("a[href$='/lag']").await;
    page.wait_for(
        "document.querySelector('#lag-updated')?.innerText",
        "the lag tab",
    )
    .await;
    let base = base_url(&server);
    let token = common::http::root_token(&base).await;
    let mut left = serde_json::Value::Null;
    for _ in 0..100 {
        left = raw()
            .get(format!("{base}/streams/0/topics/0/consumer-lag"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("consumer-lag")
            .json()
            .await
            .expect("JSON");
        if left["consumers"] == json!([]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        left["consumers"],
        json!([]),
        "the tail left no offsets behind"
    );
    let tokens = within(sdk.get_personal_access_tokens())
        .await
        .expect("tokens");
    assert!(
        tokens.is_empty(),
        "the tail's login token was deleted: {tokens:?}"
    );
    assert!(
        page.requests()
            .iter()
            .any(|url| url.starts_with("ws://127.0.0.1:")),
        "the tail's WebSocket is among the recorded requests: {:?}",
        page.requests()
    );
    page.assert_clean();
}

/// The check every test ends with would catch a script, style, API call or WebSocket
/// going anywhere but this machine.
#[test]
fn only_loopback_urls_pass_the_request_check() {
    for url in [
        "http://127.0.0.1:3000/ui/js/app.js",
        "ws://127.0.0.1:8092",
        "http://localhost:3000/ui",
        "http://[::1]:3000/streams",
        "data:image/svg+xml,<svg/>",
        "about:blank",
    ] {
        assert!(common::browser::loopback(url), "{url}");
    }
    for url in [
        "https://cdn.jsdelivr.net/npm/chart.js",
        "https://fonts.googleapis.com/css?family=Inter",
        "ws://10.0.0.5:8092",
        "http://127.0.0.1.example.com/x",
        "http://localhost.evil.example/",
        "//cdn.example/x.js",
    ] {
        assert!(!common::browser::loopback(url), "{url}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_websocket_the_live_tail_says_so() {
    let server = dashboard().env("IGGY_WEBSOCKET_ENABLED", "false").start();
    let sdk = root_client(&server).await;
    common::create_stream_and_topic(&sdk, "orders", "events", 1).await;
    let (_browser, page) = open(&server, DESKTOP).await;
    log_in(&page, "iggy", "iggy").await;
    page.wait_for(
        "document.querySelector('#overview-transports')?.innerText.includes('WebSocket\\t—\\tdisabled')",
        "WebSocket shown as disabled on the overview",
    )
    .await;
    page.goto(&format!("{}/ui/streams/0/topics/0/tail", base_url(&server)))
        .await;
    page.wait_for(
        "document.querySelector('#tail-disabled')?.innerText.includes('WebSocket transport is disabled')",
        "the tail saying WebSocket is disabled",
    )
    .await;
    page.screenshot("tail-disabled").await;
    page.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_narrow_window_dark_theme_units_and_local_times() {
    let server = dashboard().start();
    let sdk = root_client(&server).await;
    common::create_stream_and_topic(&sdk, "orders", "events", 2).await;
    let (_browser, page) = open(&server, DESKTOP).await;

    // Log in and reach the streams with the keyboard alone.
    page.press("Tab", false).await;
    page.wait_for(
        "document.activeElement?.id === 'username' || document.activeElement?.id === 'password'",
        "focus in the form",
    )
    .await;
    page.eval("document.querySelector('#username').focus()")
        .await;
    page.call("Input.insertText", json!({ "text": "iggy" }))
        .await;
    page.press("Tab", false).await;
    assert_eq!(
        page.eval("document.activeElement.id").await,
        json!("password")
    );
    page.call("Input.insertText", json!({ "text": "iggy" }))
        .await;
    page.press("Enter", false).await;
    page.wait_for("document.querySelector('#whoami')", "a keyboard login")
        .await;
    page.wait_for(
        "document.activeElement?.tagName === 'H1'",
        "focus on the new screen's heading",
    )
    .await;
    // Back from the heading through Log out and the navigation to "Streams".
    let mut reached = false;
    for _ in 0..10 {
        page.press("Tab", true).await;
        let focused = page
            .eval("document.activeElement?.getAttribute('href')")
            .await;
        if focused == json!("/ui/streams") {
            reached = true;
            break;
        }
    }
    assert!(reached, "the Streams link is reachable with the keyboard");
    let outline = page
        .eval("getComputedStyle(document.activeElement).outlineStyle")
        .await;
    assert_ne!(outline, json!("none"), "the focused link is outlined");
    page.press("Enter", false).await;
    page.wait_for(
        "location.pathname === '/ui/streams'",
        "Enter follows the link",
    )
    .await;
    page.wait_for("document.querySelector('#streams a')", "the stream list")
        .await;

    // Times in the browser's zone, UTC on hover; sizes with units.
    let title = page
        .eval("document.querySelector('#streams time').title")
        .await;
    assert!(
        title.as_str().unwrap_or("").starts_with("UTC 20"),
        "{title}"
    );
    assert!(page.text("#streams").await.contains("0 B"));

    // A narrow window: nothing wider than the screen, the navigation still there.
    page.resize(380, 740).await;
    page.color_scheme("dark").await;
    page.goto(&format!("{}/ui/streams/0/topics/0", base_url(&server)))
        .await;
    page.wait_for("document.querySelector('#tab table')", "the topic")
        .await;
    let overflow = page
        .eval("document.documentElement.scrollWidth <= window.innerWidth")
        .await;
    assert_eq!(overflow, json!(true), "the page fits a narrow window");
    let background = page
        .eval("getComputedStyle(document.body).backgroundColor")
        .await;
    assert_eq!(
        background,
        json!("rgb(15, 18, 22)"),
        "the dark theme follows the system"
    );
    page.screenshot("narrow-dark").await;
    page.color_scheme("light").await;
    let background = page
        .eval("getComputedStyle(document.body).backgroundColor")
        .await;
    assert_eq!(background, json!("rgb(246, 247, 249)"), "and the light one");
    page.assert_clean();
}
