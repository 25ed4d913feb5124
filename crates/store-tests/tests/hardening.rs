//! Issue 11, the store's part: who administers an account (defect 2) and the sessions a
//! password change, a reset or a disable ends (defect 4). Every case runs on SQLite and,
//! when `RESOLUTE_TEST_POSTGRES` is set, on PostgreSQL.

use domain::{AccessRole, MemberId, OrgId, UserId};
use store::*;
use store_tests::*;

store_tests::suite!(
    a_district_admin_cannot_administer_an_account_reaching_past_the_district,
    password_changes_resets_and_disables_end_the_accounts_sessions,
);

async fn account(
    s: &dyn Store,
    name: &str,
    member: Option<MemberId>,
    grants: &[(AccessRole, OrgId)],
) -> UserId {
    let u = s
        .user_create(
            &sys(),
            NewUser {
                username: name.into(),
                display_name: name.into(),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$x$y".into(),
                member_id: member,
            },
        )
        .await
        .unwrap();
    for (role, org) in grants {
        s.grant_add(
            &sys(),
            NewGrant {
                user_id: u.id,
                role: *role,
                org_id: *org,
            },
        )
        .await
        .unwrap();
    }
    u.id
}

async fn a_district_admin_cannot_administer_an_account_reaching_past_the_district(s: &dyn Store) {
    let t = tree(s).await;
    let lucnam_admin = principal(s, AccessRole::Admin, t.d1.id).await;
    let province_admin = principal(s, AccessRole::Admin, t.province.id).await;
    // The province's office, with one grant inside Lục Nam.
    let vanphong = account(
        s,
        "vanphong.tinhuy",
        None,
        &[
            (AccessRole::OfficeStaff, t.province.id),
            (AccessRole::Member, t.c1.id),
        ],
    )
    .await;
    // A Lục Nam cell's account, linked to a member of Yên Thế.
    let linked_outside =
        account(s, "linked", Some(t.m4.id), &[(AccessRole::Member, t.c1.id)]).await;
    // An account wholly inside Lục Nam.
    let inside = account(s, "inside", Some(t.m1.id), &[(AccessRole::Member, t.c1.id)]).await;

    let before = audit_count(s).await;
    for id in [vanphong, linked_outside] {
        is_not_found(s.user_get(&lucnam_admin, id).await);
        is_not_found(
            s.user_set_password(&lucnam_admin, id, "$argon2id$stolen")
                .await,
        );
        is_not_found(s.user_set_disabled(&lucnam_admin, id, true).await);
        is_not_found(
            s.grant_add(
                &lucnam_admin,
                NewGrant {
                    user_id: id,
                    role: AccessRole::Member,
                    org_id: t.c2.id,
                },
            )
            .await,
        );
        let in_lucnam = s.user_get(&sys(), id).await.unwrap().grants;
        let g = in_lucnam.iter().find(|g| g.org_id == t.c1.id).unwrap();
        is_not_found(s.grant_revoke(&lucnam_admin, g.id).await);
    }
    assert_eq!(audit_count(s).await, before, "nothing was changed");
    let listed: Vec<UserId> = s
        .user_list(&lucnam_admin)
        .await
        .unwrap()
        .iter()
        .map(|u| u.user.id)
        .collect();
    assert!(!listed.contains(&vanphong) && !listed.contains(&linked_outside));
    assert!(listed.contains(&inside) && listed.contains(&lucnam_admin.user_id));
    assert!(
        s.user_by_username(&lucnam_admin, "vanphong.tinhuy")
            .await
            .unwrap()
            .is_none()
    );
    let creds = s.credentials("vanphong.tinhuy").await.unwrap().unwrap();
    assert!(!creds.disabled);
    assert_ne!(creds.password_hash, "$argon2id$stolen");

    // Lục Nam's admin administers what lies wholly inside Lục Nam; the province's admin
    // administers all three.
    s.user_set_disabled(&lucnam_admin, inside, true)
        .await
        .unwrap();
    s.user_set_disabled(&lucnam_admin, inside, false)
        .await
        .unwrap();
    for id in [vanphong, linked_outside, inside] {
        s.user_get(&province_admin, id).await.unwrap();
        s.user_set_password(&province_admin, id, "$argon2id$new")
            .await
            .unwrap();
    }
    // An account Lục Nam's admin creates is at home in Lục Nam, and theirs to administer.
    let created = s
        .user_create(
            &lucnam_admin,
            NewUser {
                username: "moi.lucnam".into(),
                display_name: "Mới".into(),
                password_hash: "h".into(),
                member_id: None,
            },
        )
        .await
        .unwrap();
    s.user_set_password(&lucnam_admin, created.id, "h2")
        .await
        .unwrap();
    // Once it holds a grant above Lục Nam it is not theirs any more.
    s.grant_add(
        &sys(),
        NewGrant {
            user_id: created.id,
            role: AccessRole::Member,
            org_id: t.province.id,
        },
    )
    .await
    .unwrap();
    is_not_found(s.user_set_password(&lucnam_admin, created.id, "h3").await);
}

async fn open(s: &dyn Store, sessions: &[(&str, UserId)]) {
    let later = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    for (id, user) in sessions {
        s.session_create(id, b"{}", later, Some(*user))
            .await
            .unwrap();
    }
}

async fn sessions_of(s: &dyn Store, ids: &[&str]) -> Vec<bool> {
    let mut out = Vec::new();
    for id in ids {
        out.push(s.session_load(id).await.unwrap().is_some());
    }
    out
}

async fn password_changes_resets_and_disables_end_the_accounts_sessions(s: &dyn Store) {
    let t = tree(s).await;
    let admin = principal(s, AccessRole::Admin, t.d1.id).await;
    let a = account(s, "a.lucnam", None, &[(AccessRole::Member, t.c1.id)]).await;
    let b = account(s, "b.lucnam", None, &[(AccessRole::Member, t.c1.id)]).await;
    let later = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let a_sessions = [("a1", a), ("a2", a)];
    let all = ["a1", "a2", "b1"];
    open(s, &a_sessions).await;
    open(s, &[("b1", b)]).await;
    assert_eq!(sessions_of(s, &all).await, [true, true, true]);

    // The owner changes the password: every session of the account ends (the web gives
    // the current one a new id), the other account's stay.
    let me = s.principal(a).await.unwrap().unwrap();
    s.user_set_password(&me, a, "$argon2id$mine").await.unwrap();
    assert_eq!(sessions_of(s, &all).await, [false, false, true]);

    // A reset by an administrator.
    open(s, &a_sessions).await;
    s.user_set_password(&admin, a, "$argon2id$reset")
        .await
        .unwrap();
    assert_eq!(sessions_of(s, &all).await, [false, false, true]);

    // A disable; enabling again brings no session back.
    open(s, &a_sessions).await;
    s.user_set_disabled(&admin, a, true).await.unwrap();
    assert_eq!(sessions_of(s, &all).await, [false, false, true]);
    s.user_set_disabled(&admin, a, false).await.unwrap();
    assert_eq!(sessions_of(s, &all).await, [false, false, true]);

    // A session saved after it was ended stays ended.
    s.session_save("a1", b"{}", later, Some(a)).await.unwrap();
    assert_eq!(sessions_of(s, &all).await, [false, false, true]);
    // Enabling ends nothing.
    open(s, &a_sessions).await;
    s.user_set_disabled(&admin, b, true).await.unwrap();
    s.user_set_disabled(&admin, b, false).await.unwrap();
    assert_eq!(sessions_of(s, &all).await, [true, true, false]);
}
