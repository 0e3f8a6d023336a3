//! The SDK's own encodings of 31–37 and 42–44 decode to the expected commands.

use crate::protocol::requests::{decode, Command};
use iggy_actors::identifier::Identifier;
use iggy_actors::permissions::{Permissions, StreamPermissions, TopicPermissions};
use iggy_actors::users::UserStatus;
use iggy_actors::IggyError;
use iggy_binary_protocol::requests::personal_access_tokens::{
    CreatePersonalAccessTokenRequest, LoginWithPersonalAccessTokenRequest,
};
use iggy_binary_protocol::requests::users::{
    ChangePasswordRequest, CreateUserRequest, UpdatePermissionsRequest, UpdateUserRequest,
};
use iggy_binary_protocol::{
    WireEncode, WireGlobalPermissions, WireIdentifier, WireName, WirePermissions,
    WireStreamPermissions, WireTopicPermissions,
};

fn wire_permissions() -> WirePermissions {
    WirePermissions {
        global: WireGlobalPermissions {
            manage_servers: false,
            read_servers: true,
            manage_users: false,
            read_users: true,
            manage_streams: false,
            read_streams: false,
            manage_topics: false,
            read_topics: false,
            poll_messages: true,
            send_messages: false,
        },
        streams: vec![WireStreamPermissions {
            stream_id: 3,
            manage_stream: true,
            read_stream: false,
            manage_topics: false,
            read_topics: false,
            poll_messages: false,
            send_messages: true,
            topics: vec![WireTopicPermissions {
                topic_id: 9,
                manage_topic: false,
                read_topic: true,
                poll_messages: false,
                send_messages: false,
            }],
        }],
    }
}

fn permissions() -> Permissions {
    let mut p = Permissions::default();
    p.global.read_servers = true;
    p.global.read_users = true;
    p.global.poll_messages = true;
    let mut s = StreamPermissions {
        manage_stream: true,
        send_messages: true,
        ..Default::default()
    };
    s.topics.insert(
        9,
        TopicPermissions {
            read_topic: true,
            ..Default::default()
        },
    );
    p.streams.insert(3, s);
    p
}

#[test]
fn sdk_user_requests_decode() {
    let create = CreateUserRequest {
        username: WireName::new("alice").unwrap(),
        password: "secret".into(),
        status: 2,
        permissions: Some(wire_permissions()),
    };
    assert_eq!(
        decode(33, &create.to_bytes()),
        Ok(Command::CreateUser {
            username: "alice".into(),
            password: "secret".into(),
            status: UserStatus::Inactive,
            permissions: Some(permissions()),
        })
    );
    let update = UpdateUserRequest {
        user_id: WireIdentifier::named("alice").unwrap(),
        username: None,
        status: Some(1),
    };
    assert_eq!(
        decode(35, &update.to_bytes()),
        Ok(Command::UpdateUser {
            user: Identifier::Name("alice".into()),
            username: None,
            status: Some(UserStatus::Active),
        })
    );
    let perms = UpdatePermissionsRequest {
        user_id: WireIdentifier::numeric(4),
        permissions: None,
    };
    assert_eq!(
        decode(36, &perms.to_bytes()),
        Ok(Command::UpdatePermissions {
            user: Identifier::Numeric(4),
            permissions: None,
        })
    );
    let change = ChangePasswordRequest {
        user_id: WireIdentifier::numeric(4),
        current_password: "old".into(),
        new_password: "newer".into(),
    };
    assert_eq!(
        decode(37, &change.to_bytes()),
        Ok(Command::ChangePassword {
            user: Identifier::Numeric(4),
            current_password: "old".into(),
            new_password: "newer".into(),
        })
    );
}

#[test]
fn sdk_token_requests_decode() {
    let create = CreatePersonalAccessTokenRequest {
        name: WireName::new("ci-token").unwrap(),
        expiry: 5_000_000,
    };
    assert_eq!(
        decode(42, &create.to_bytes()),
        Ok(Command::CreatePersonalAccessToken {
            name: "ci-token".into(),
            expiry: 5_000_000,
        })
    );
    let login = LoginWithPersonalAccessTokenRequest {
        token: WireName::new("abc=").unwrap(),
    };
    assert_eq!(
        decode(44, &login.to_bytes()),
        Ok(Command::LoginWithPersonalAccessToken {
            token: "abc=".into()
        })
    );
    assert!(Command::LoginWithPersonalAccessToken { token: "x".into() }.allowed_before_login());
    assert_eq!(decode(43, &[]), Err(IggyError::InvalidCommand));
}

#[test]
fn malformed_user_requests() {
    // Bad status byte.
    assert_eq!(
        decode(33, &[3, b'a', b'b', b'c', 3, b'p', b'w', b'd', 7, 0]),
        Err(IggyError::InvalidCommand)
    );
    // Permissions length says 12, the blob is 11 bytes (no streams) + 1 trailing.
    let mut payload = vec![1, 4, 1, 0, 0, 0, 1, 12, 0, 0, 0];
    payload.extend_from_slice(&[0; 11]);
    payload.push(0);
    assert_eq!(decode(36, &payload), Err(IggyError::InvalidFormat));
    // Truncated blob.
    assert_eq!(
        decode(36, &[1, 4, 1, 0, 0, 0, 1, 11, 0, 0, 0, 0, 0]),
        Err(IggyError::InvalidCommand)
    );
    // A presence flag other than 1 means absent (trap 12).
    assert_eq!(
        decode(35, &[1, 4, 1, 0, 0, 0, 2, 2]),
        Ok(Command::UpdateUser {
            user: Identifier::Numeric(1),
            username: None,
            status: None,
        })
    );
}
