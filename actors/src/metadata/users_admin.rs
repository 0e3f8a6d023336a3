//! User administration in the metadata actor: GetUser, GetUsers, CreateUser, DeleteUser,
//! UpdateUser, UpdatePermissions and ChangePassword, and applying their log entries.
//!
//! New users get the highest id ever used + 1, so a deleted user's id (which open
//! sessions may still carry) never names another user.

use super::entries::MetadataEntry;
use super::user_messages::{
    ChangePassword, CreateUser, DeleteUser, GetPasswordTarget, GetUser, GetUsers, PasswordTarget,
    UpdatePermissions, UpdateUser, UserInfo,
};
use super::MetadataActor;
use crate::access::Action;
use crate::error::IggyError;
use crate::identifier::Identifier;
use crate::users::{self, User, UserStatus, ROOT_USER_ID};
use actix::prelude::*;
use log::{info, warn};

fn info_of(user: &User) -> UserInfo {
    UserInfo {
        id: user.id,
        created_at: user.created_at,
        status: user.status,
        username: user.username.clone(),
        permissions: user.permissions.clone(),
    }
}

impl MetadataActor {
    /// The acting user when it exists and is active, else `Unauthenticated` (a deleted or
    /// deactivated user's session stops working at its next command).
    pub(super) fn active_user(&self, user_id: u32) -> Result<&User, IggyError> {
        match self.users.get(&user_id) {
            Some(user) if user.status == UserStatus::Active => Ok(user),
            _ => Err(IggyError::Unauthenticated),
        }
    }

    fn lookup_user(&self, target: &Identifier) -> Option<&User> {
        match target {
            Identifier::Numeric(id) => self.users.get(id),
            Identifier::Name(name) => self.find_user(name),
        }
    }

    fn resolve_user(&self, target: &Identifier) -> Result<&User, IggyError> {
        self.lookup_user(target).ok_or(IggyError::ResourceNotFound)
    }

    fn next_user_id(&self) -> u32 {
        let after_last = self
            .users
            .keys()
            .next_back()
            .map_or(0, |id| id.saturating_add(1));
        self.next_user_id.max(after_last)
    }

    /// Applies the user and token entries (replay and live).
    pub(super) fn apply_account_change(&mut self, change: MetadataEntry) {
        match change {
            MetadataEntry::DeleteUser { id } => {
                self.next_user_id = self.next_user_id.max(id.saturating_add(1));
                self.tokens.remove_user(id);
                if self.users.remove(&id).is_none() {
                    warn!("metadata log: delete of unknown user {id} ignored");
                }
            }
            MetadataEntry::UpdateUser {
                id,
                username,
                status,
            } => match self.users.get_mut(&id) {
                Some(user) => {
                    if let Some(name) = username {
                        user.username = name;
                    }
                    if let Some(status) = status {
                        user.status = status;
                    }
                }
                None => warn!("metadata log: update of unknown user {id} ignored"),
            },
            MetadataEntry::UpdatePermissions { id, permissions } => match self.users.get_mut(&id) {
                Some(user) => user.permissions = permissions,
                None => warn!("metadata log: permissions of unknown user {id} ignored"),
            },
            MetadataEntry::ChangePassword { id, password_hash } => match self.users.get_mut(&id) {
                Some(user) => user.password_hash = password_hash,
                None => warn!("metadata log: password of unknown user {id} ignored"),
            },
            MetadataEntry::CreatePersonalAccessToken {
                user_id,
                name,
                token_hash,
                expiry_at,
            } => self.apply_token_created(user_id, name, token_hash, expiry_at),
            MetadataEntry::DeletePersonalAccessToken { user_id, name } => {
                // A token skipped on replay because it had expired is not there: fine.
                self.tokens.remove(user_id, &name);
            }
            other => warn!("metadata log: {other:?} is not a user change"),
        }
    }

    /// Permission for acting on `target`: none for oneself, else `ManageUsers`.
    fn authorize_self_or_manage(&self, user_id: u32, target_id: u32) -> Result<(), IggyError> {
        self.active_user(user_id)?;
        if target_id == user_id {
            Ok(())
        } else {
            self.authorize(user_id, Action::ManageUsers)
        }
    }
}

impl Handler<GetUser> for MetadataActor {
    type Result = Result<Option<UserInfo>, IggyError>;

    fn handle(&mut self, msg: GetUser, _: &mut Self::Context) -> Self::Result {
        self.active_user(msg.user_id)?;
        let Some(user) = self.lookup_user(&msg.target) else {
            return Ok(None);
        };
        if user.id != msg.user_id {
            self.authorize(msg.user_id, Action::ReadUsers)?;
        }
        Ok(Some(info_of(user)))
    }
}

impl Handler<GetUsers> for MetadataActor {
    type Result = Result<Vec<UserInfo>, IggyError>;

    fn handle(&mut self, msg: GetUsers, _: &mut Self::Context) -> Self::Result {
        self.authorize(msg.user_id, Action::ReadUsers)?;
        Ok(self.users.values().map(info_of).collect())
    }
}

impl Handler<CreateUser> for MetadataActor {
    type Result = Result<UserInfo, IggyError>;

    fn handle(&mut self, msg: CreateUser, _: &mut Self::Context) -> Self::Result {
        self.authorize(msg.user_id, Action::ManageUsers)?;
        users::validate_username(&msg.username)?;
        if self.find_user(&msg.username).is_some() {
            return Err(IggyError::UserAlreadyExists);
        }
        let id = self.next_user_id();
        let user = User {
            id,
            username: msg.username,
            password_hash: msg.password_hash,
            status: msg.status,
            permissions: msg.permissions,
            created_at: 0,
        };
        self.commit(msg.user_id, MetadataEntry::CreateUser(user))?;
        let created = self.users.get(&id).ok_or(IggyError::Error)?;
        info!(
            "user {} created user {id} '{}'",
            msg.user_id, created.username
        );
        Ok(info_of(created))
    }
}

impl Handler<DeleteUser> for MetadataActor {
    type Result = Result<(), IggyError>;

    fn handle(&mut self, msg: DeleteUser, _: &mut Self::Context) -> Self::Result {
        self.authorize(msg.user_id, Action::ManageUsers)?;
        let id = self.resolve_user(&msg.target)?.id;
        if id == ROOT_USER_ID {
            return Err(IggyError::CannotDeleteUser);
        }
        self.commit(msg.user_id, MetadataEntry::DeleteUser { id })?;
        let forgotten = self.clients.forget_user(id);
        info!(
            "user {} deleted user {id} ({} session(s) logged out)",
            msg.user_id,
            forgotten.len()
        );
        for client_id in forgotten {
            let groups = self.clients.groups_of(client_id);
            self.leave_all_groups(client_id, groups);
        }
        Ok(())
    }
}

impl Handler<UpdateUser> for MetadataActor {
    type Result = Result<(), IggyError>;

    fn handle(&mut self, msg: UpdateUser, _: &mut Self::Context) -> Self::Result {
        self.authorize(msg.user_id, Action::ManageUsers)?;
        let id = self.resolve_user(&msg.target)?.id;
        if let Some(name) = &msg.username {
            users::validate_username(name)?;
            if self.find_user(name).is_some_and(|other| other.id != id) {
                return Err(IggyError::UserAlreadyExists);
            }
        }
        let change = MetadataEntry::UpdateUser {
            id,
            username: msg.username,
            status: msg.status,
        };
        self.commit(msg.user_id, change)?;
        info!("user {} updated user {id}", msg.user_id);
        Ok(())
    }
}

impl Handler<UpdatePermissions> for MetadataActor {
    type Result = Result<(), IggyError>;

    fn handle(&mut self, msg: UpdatePermissions, _: &mut Self::Context) -> Self::Result {
        self.authorize(msg.user_id, Action::ManageUsers)?;
        let id = self.resolve_user(&msg.target)?.id;
        if id == ROOT_USER_ID {
            return Err(IggyError::CannotChangePermissions);
        }
        let change = MetadataEntry::UpdatePermissions {
            id,
            permissions: msg.permissions,
        };
        self.commit(msg.user_id, change)?;
        info!("user {} changed the permissions of user {id}", msg.user_id);
        Ok(())
    }
}

impl Handler<GetPasswordTarget> for MetadataActor {
    type Result = Result<PasswordTarget, IggyError>;

    fn handle(&mut self, msg: GetPasswordTarget, _: &mut Self::Context) -> Self::Result {
        self.active_user(msg.user_id)?;
        let target = self.resolve_user(&msg.target)?;
        let (id, password_hash) = (target.id, target.password_hash.clone());
        self.authorize_self_or_manage(msg.user_id, id)?;
        Ok(PasswordTarget { id, password_hash })
    }
}

impl Handler<ChangePassword> for MetadataActor {
    type Result = Result<(), IggyError>;

    fn handle(&mut self, msg: ChangePassword, _: &mut Self::Context) -> Self::Result {
        self.authorize_self_or_manage(msg.user_id, msg.target_id)?;
        let id = msg.target_id;
        if !self.users.contains_key(&id) {
            return Err(IggyError::ResourceNotFound);
        }
        let change = MetadataEntry::ChangePassword {
            id,
            password_hash: msg.password_hash,
        };
        self.commit(msg.user_id, change)?;
        info!("user {} changed the password of user {id}", msg.user_id);
        Ok(())
    }
}
