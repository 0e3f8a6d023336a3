//! Users, permissions and tokens survive a restart; the data directory holds no password
//! and no token in plain text.

mod common;
mod user_support;

use common::{files_containing, sdk_client, within, TestServer};
use iggy::prelude::{
    GlobalPermissions, IggyDuration, IggyExpiry, Permissions, PersonalAccessTokenClient,
    StreamPermissions, UserClient, UserStatus,
};
use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;
use user_support::{create_user, id, login};

fn scoped() -> Permissions {
    let stream = StreamPermissions {
        read_stream: true,
        send_messages: true,
        ..Default::default()
    };
    Permissions {
        global: GlobalPermissions {
            read_servers: true,
            ..Default::default()
        },
        streams: Some(BTreeMap::from([(3, stream)])),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_permissions_and_tokens_survive_restart() {
    let server = TestServer::builder()
        .env("IGGY_PERSONAL_ACCESS_TOKEN_CLEANER_ENABLED", "false")
        .start();
    let dirs = server.dirs().clone();
    let root = login(&server, "iggy", "iggy").await;
    let alice = create_user(&root, "alice", "alice-first-pw", Some(scoped())).await;
    let bob = create_user(&root, "bob", "bob-secret-pw", None).await;
    let carol = create_user(&root, "carol", "carol-secret-pw", None).await;
    within(root.change_password(&id(alice), "alice-first-pw", "alice-second-pw"))
        .await
        .unwrap();
    within(root.update_user(&id(carol), Some("caroline"), Some(UserStatus::Inactive)))
        .await
        .unwrap();
    within(root.delete_user(&id(bob))).await.unwrap();
    let client = login(&server, "alice", "alice-second-pw").await;
    let kept = within(client.create_personal_access_token("kept-token", IggyExpiry::NeverExpire))
        .await
        .unwrap();
    let lifetime = IggyExpiry::ExpireDuration(IggyDuration::from_str("1s").unwrap());
    let expiring = within(client.create_personal_access_token("gone-token", lifetime))
        .await
        .unwrap();
    let deleted = within(client.create_personal_access_token("deleted-token", lifetime))
        .await
        .unwrap();
    within(client.delete_personal_access_token("deleted-token"))
        .await
        .unwrap();
    drop((client, root));
    // Let the expiring token expire before the restart: replay skips it.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    server.stop();

    let server = TestServer::builder().dirs(&dirs).start();
    let root = login(&server, "iggy", "iggy").await;
    let users = within(root.get_users()).await.unwrap();
    let names: Vec<_> = users.iter().map(|u| (u.id, u.username.as_str())).collect();
    assert_eq!(
        names,
        vec![(0, "iggy"), (alice, "alice"), (carol, "caroline")]
    );
    let a = within(root.get_user(&id(alice))).await.unwrap().unwrap();
    assert_eq!(a.permissions, Some(scoped()));
    let c = within(root.get_user(&id(carol))).await.unwrap().unwrap();
    assert_eq!(c.status, UserStatus::Inactive);
    // Ids of deleted users are not reused after a restart either.
    assert_eq!(create_user(&root, "dave", "dave-pw", None).await, carol + 1);

    let client = login(&server, "alice", "alice-second-pw").await;
    let tokens = within(client.get_personal_access_tokens()).await.unwrap();
    let token_names: Vec<_> = tokens.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(token_names, ["kept-token"]);
    let fresh = sdk_client(server.endpoint()).await;
    let identity = within(fresh.login_with_personal_access_token(&kept.token))
        .await
        .expect("token survives restart");
    assert_eq!(identity.user_id, alice);
    let old = sdk_client(server.endpoint()).await;
    let refused = within(old.login_user("alice", "alice-first-pw")).await;
    assert_eq!(refused.map(|_| 0).unwrap_or_else(|e| e.as_code()), 42);
    drop((client, fresh, old, root));
    server.stop();

    let data = dirs.system_path();
    let secrets = [
        "alice-first-pw",
        "alice-second-pw",
        "bob-secret-pw",
        "carol-secret-pw",
        "dave-pw",
        &kept.token,
        &expiring.token,
        &deleted.token,
    ];
    for secret in secrets {
        let found = files_containing(&data, secret.as_bytes());
        assert!(
            found.is_empty(),
            "{secret:?} found in plain text in {found:?}"
        );
    }
}
