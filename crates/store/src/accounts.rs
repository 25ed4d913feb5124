//! Accounts: sign-in credentials and sessions (no principal yet), the principal of an
//! account, users and their grants.

use crate::Result;
use async_trait::async_trait;
use domain::{AccessRole, MemberId, OrgId, OrgPath, Principal, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone)]
pub struct Credentials {
    pub user_id: UserId,
    pub password_hash: String,
    pub disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub member_id: Option<MemberId>,
    pub disabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantRow {
    pub id: i64,
    pub user_id: UserId,
    pub role: AccessRole,
    pub org_id: OrgId,
    pub org_name: String,
    pub org_path: OrgPath,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserDetail {
    pub user: User,
    pub grants: Vec<GrantRow>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub member_id: Option<MemberId>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewGrant {
    pub user_id: UserId,
    pub role: AccessRole,
    pub org_id: OrgId,
}

/// Sign-in, sessions, accounts and grants.
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    // ---- Sign-in and sessions (no principal yet) ---------------------------------

    /// The stored credentials of an account, by sign-in name.
    async fn credentials(&self, username: &str) -> Result<Option<Credentials>>;

    /// The principal of an account: its grants with their organizations' paths.
    /// `None` when the account does not exist or is disabled.
    async fn principal(&self, user: UserId) -> Result<Option<Principal>>;

    /// The stored session and its expiry, expired or not: the caller compares the expiry.
    /// Instants are kept to the second.
    async fn session_load(&self, id: &str) -> Result<Option<(Vec<u8>, OffsetDateTime)>>;

    /// Saves a session that exists. A session that is gone (ended by a sign-out, or by a
    /// password change, reset or disable of its account) stays gone: a request still in
    /// flight when it was ended cannot bring it back.
    async fn session_save(
        &self,
        id: &str,
        data: &[u8],
        expires: OffsetDateTime,
        user: Option<UserId>,
    ) -> Result<()>;

    /// Creates a session only if the id is free; `false` when it was taken. `user` is the
    /// signed-in account, whose password change, reset or disable ends the session.
    async fn session_create(
        &self,
        id: &str,
        data: &[u8],
        expires: OffsetDateTime,
        user: Option<UserId>,
    ) -> Result<bool>;

    async fn session_delete(&self, id: &str) -> Result<()>;

    async fn session_delete_expired(&self, now: OffsetDateTime) -> Result<u64>;

    // ---- Accounts ----------------------------------------------------------------

    async fn user_create(&self, p: &Principal, new: NewUser) -> Result<User>;

    async fn user_get(&self, p: &Principal, id: UserId) -> Result<UserDetail>;

    async fn user_by_username(&self, p: &Principal, username: &str) -> Result<Option<UserDetail>>;

    /// Accounts the principal administers: those whose every grant, member link and home
    /// organization lie in its account scope (`Principal::may_administer`), and its own.
    async fn user_list(&self, p: &Principal) -> Result<Vec<UserDetail>>;

    /// Sets an account's password and ends every session of the account (the web keeps
    /// the current one of a user changing their own password by giving it a new id).
    async fn user_set_password(&self, p: &Principal, id: UserId, hash: &str) -> Result<()>;

    /// Disables (ending every session of the account) or enables an account.
    async fn user_set_disabled(&self, p: &Principal, id: UserId, disabled: bool) -> Result<()>;

    async fn grant_add(&self, p: &Principal, new: NewGrant) -> Result<GrantRow>;

    async fn grant_revoke(&self, p: &Principal, grant_id: i64) -> Result<()>;
}
