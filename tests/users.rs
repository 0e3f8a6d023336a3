//! Users over the SDK (TCP): every command of 31–37 and its error codes, and how user
//! changes reach open sessions.

mod common;
mod user_support;

use common::{login_payload, within, RawConn, TestServer};
use iggy::prelude::{
    GlobalPermissions, Permissions, StreamClient, SystemClient, UserClient, UserStatus,
};
use user_support::{code, create_user, id, login, name};

fn readers() -> Permissions {
    Permissions {
        global: GlobalPermissions {
            read_streams: true,
            read_users: true,
            ..Default::default()
        },
        streams: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_get_update_and_delete_users() {
    let server = TestServer::start();
    let root = login(&server, "iggy", "iggy").await;

    let created = within(root.create_user("alice", "secret1", UserStatus::Active, Some(readers())))
        .await
        .expect("create alice");
    assert_eq!(created.id, 1);
    assert_eq!(created.username, "alice");
    assert_eq!(created.status, UserStatus::Active);
    assert_eq!(created.permissions, Some(readers()));
    let by_name = within(root.get_user(&name("alice")))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_name.id, 1);
    assert_eq!(by_name.permissions, Some(readers()));
    let plain = within(root.create_user("bob", "secret2", UserStatus::Inactive, None))
        .await
        .expect("create bob");
    assert_eq!(plain.permissions, None);
    assert_eq!(plain.status, UserStatus::Inactive);
    let users = within(root.get_users()).await.unwrap();
    let names: Vec<_> = users.iter().map(|u| (u.id, u.username.as_str())).collect();
    assert_eq!(names, vec![(0, "iggy"), (1, "alice"), (2, "bob")]);
    assert!(within(root.get_user(&id(77))).await.unwrap().is_none());

    // Creation errors.
    assert_eq!(
        code(
            "duplicate",
            within(root.create_user("alice", "whatever", UserStatus::Active, None)).await
        ),
        46
    );
    assert_eq!(
        code(
            "short name",
            within(root.create_user("ab", "whatever", UserStatus::Active, None)).await
        ),
        43
    );
    assert_eq!(
        code(
            "short password",
            within(root.create_user("carol", "pw", UserStatus::Active, None)).await
        ),
        44
    );

    // Update: rename, status, errors.
    within(root.update_user(&id(2), Some("bobby"), Some(UserStatus::Active)))
        .await
        .expect("update bob");
    let bob = within(root.get_user(&name("bobby")))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((bob.id, bob.status), (2, UserStatus::Active));
    assert_eq!(
        code(
            "taken name",
            within(root.update_user(&id(2), Some("alice"), None)).await
        ),
        46
    );
    assert_eq!(
        code(
            "unknown user",
            within(root.update_user(&id(99), Some("zed"), None)).await
        ),
        20
    );
    assert_eq!(
        code(
            "short new name",
            within(root.update_user(&id(2), Some("zz"), None)).await
        ),
        43
    );

    // Permissions.
    within(root.update_permissions(&id(2), Some(readers())))
        .await
        .expect("set permissions");
    let bob = within(root.get_user(&id(2))).await.unwrap().unwrap();
    assert_eq!(bob.permissions, Some(readers()));
    within(root.update_permissions(&id(2), None)).await.unwrap();
    let bob = within(root.get_user(&id(2))).await.unwrap().unwrap();
    assert_eq!(bob.permissions, None);
    assert_eq!(
        code(
            "root permissions",
            within(root.update_permissions(&id(0), None)).await
        ),
        49
    );
    assert_eq!(
        code(
            "unknown user",
            within(root.update_permissions(&id(99), None)).await
        ),
        20
    );

    // Delete.
    assert_eq!(
        code("delete root", within(root.delete_user(&id(0))).await),
        48
    );
    assert_eq!(
        code("delete unknown", within(root.delete_user(&id(99))).await),
        20
    );
    within(root.delete_user(&name("bobby"))).await.unwrap();
    assert!(within(root.get_user(&id(2))).await.unwrap().is_none());
    // Ids are never reused.
    let next = create_user(&root, "dave", "secret4", None).await;
    assert_eq!(next, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_status_and_own_record() {
    let server = TestServer::start();
    let root = login(&server, "iggy", "iggy").await;
    let alice = create_user(&root, "alice", "secret1", None).await;

    // Own record and own password need no permission; others' do.
    let client = login(&server, "alice", "secret1").await;
    let me = within(client.get_user(&id(alice))).await.unwrap().unwrap();
    assert_eq!(me.username, "alice");
    assert_eq!(
        code("other user", within(client.get_user(&id(0))).await),
        41
    );
    assert_eq!(code("list", within(client.get_users()).await), 41);
    assert_eq!(
        code(
            "other's password",
            within(client.change_password(&id(0), "iggy", "newroot")).await
        ),
        41
    );
    assert_eq!(
        code(
            "wrong current",
            within(client.change_password(&id(alice), "nope!", "secret2")).await
        ),
        42
    );
    assert_eq!(
        code(
            "short new",
            within(client.change_password(&id(alice), "secret1", "no")).await
        ),
        44
    );
    within(client.change_password(&id(alice), "secret1", "secret2"))
        .await
        .expect("own password");
    // The session survives its password change.
    within(client.get_user(&id(alice)))
        .await
        .expect("still logged in");
    let old = sdk_login_code(&server, "alice", "secret1").await;
    assert_eq!(old, 42);
    login(&server, "alice", "secret2").await;

    // Root changes alice's password (knowing the current one); unknown user → 20.
    within(root.change_password(&id(alice), "secret2", "secret3"))
        .await
        .unwrap();
    assert_eq!(
        code(
            "unknown",
            within(root.change_password(&id(42), "secret2", "secret3")).await
        ),
        20
    );

    // Inactive users cannot log in.
    within(root.update_user(&id(alice), None, Some(UserStatus::Inactive)))
        .await
        .unwrap();
    assert_eq!(sdk_login_code(&server, "alice", "secret3").await, 47);
}

async fn sdk_login_code(server: &TestServer, username: &str, password: &str) -> u32 {
    let client = common::sdk_client(server.endpoint()).await;
    code("login", within(client.login_user(username, password)).await)
}

/// Deleting, deactivating or stripping a user takes effect at its sessions' next command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_sessions_follow_user_changes() {
    let server = TestServer::start();
    let root = login(&server, "iggy", "iggy").await;
    within(root.create_stream("s1")).await.unwrap();
    let alice = create_user(&root, "alice", "secret1", Some(readers())).await;
    let mut raw = RawConn::connect(server.tcp_addr());
    assert_eq!(raw.login("alice", "secret1"), 0);
    const GET_STREAMS: u32 = 201;
    assert_eq!(raw.send_frame(GET_STREAMS, &[]).0, 0);

    within(root.update_permissions(&id(alice), None))
        .await
        .unwrap();
    assert_eq!(raw.send_frame(GET_STREAMS, &[]).0, 41);
    within(root.update_permissions(&id(alice), Some(readers())))
        .await
        .unwrap();
    assert_eq!(raw.send_frame(GET_STREAMS, &[]).0, 0);

    within(root.update_user(&id(alice), None, Some(UserStatus::Inactive)))
        .await
        .unwrap();
    assert_eq!(raw.send_frame(GET_STREAMS, &[]).0, 40);
    within(root.update_user(&id(alice), None, Some(UserStatus::Active)))
        .await
        .unwrap();
    assert_eq!(raw.send_frame(GET_STREAMS, &[]).0, 0);

    within(root.delete_user(&id(alice))).await.unwrap();
    assert_eq!(raw.send_frame(GET_STREAMS, &[]).0, 40);
    // The deleted user's client record no longer names it.
    let clients = within(root.get_clients()).await.unwrap();
    assert!(
        clients.iter().all(|c| c.user_id != Some(alice)),
        "{clients:?}"
    );
    // And its credentials are gone.
    let mut fresh = RawConn::connect(server.tcp_addr());
    assert_eq!(
        fresh.send_frame(38, &login_payload("alice", "secret1")).0,
        42
    );
}

/// Malformed user requests: bad status (3), permissions length mismatch (4).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests() {
    let server = TestServer::start();
    let mut raw = RawConn::connect(server.tcp_addr());
    assert_eq!(raw.login("iggy", "iggy"), 0);
    let bad_status = [3, b'a', b'b', b'c', 3, b'p', b'w', b'd', 9, 0];
    assert_eq!(raw.send_frame(33, &bad_status).0, 3);
    let mut mismatch = vec![3, b'a', b'b', b'c', 3, b'p', b'w', b'd', 1, 1, 12, 0, 0, 0];
    mismatch.extend_from_slice(&[0; 12]);
    assert_eq!(raw.send_frame(33, &mismatch).0, 4);
    // Nothing was created.
    assert_eq!(raw.send_frame(31, &[2, 3, b'a', b'b', b'c']), (0, vec![]));
}
