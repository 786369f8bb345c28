//! Expiry alerts (issue 28) delivered to real HTTP receivers on this machine: a webhook whose
//! HMAC signature and timestamp are checked, Slack- and Teams-shaped bodies; the store clock
//! moved across the thresholds; two instances on one store; a receiver answering 500, 500,
//! then 200; a 403 not retried; a send cut short retried once its lease ends.

mod common;

use std::net::TcpListener;

use chrono::{DateTime, Duration, Utc};
use common::clocked;
use common::receiver::Receiver;
use keydesk_core::accounts::create_account;
use keydesk_core::alerts::{self, ChannelForm, Courier};
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::credentials::{self, CredentialForm, GenerateRequest, Lifetime};
use keydesk_core::vault::Vault;
use keydesk_core::{tags, Keydesk, Store};
use serde_json::Value;

const WARNING: Duration = Duration::days(30);

struct Fixture {
    _t: common::TestStore,
    store: Store,
    /// When the credential's secret ends.
    ends: DateTime<Utc>,
}

/// One `#eu` account with credentials whose secret lives 90 days from `start`.
async fn fixture(start: DateTime<Utc>) -> Fixture {
    let t = common::test_store().await;
    let store = clocked(&t.store, start);
    let account = create_account(
        &store,
        &ContactForm {
            company_name: "<b>Smith & Sons</b>".into(),
            name: "Sam".into(),
            ..Default::default()
        },
        &BillingForm::default(),
    )
    .await
    .unwrap()
    .id;
    tags::add_tag(&store, account, "eu").await.unwrap();
    let vault = Vault::new("keydesk-test-unused");
    credentials::generate(
        &Keydesk::new(&store, &vault),
        &GenerateRequest::new(
            account,
            &CredentialForm {
                name: "Integration".into(),
                email: "it@smith.example".into(),
                application: "PSA".into(),
            },
        )
        .lifetime(Lifetime::Days90),
    )
    .await
    .unwrap();
    Fixture {
        store: t.store.clone(),
        _t: t,
        ends: start + Duration::days(90),
    }
}

fn channel(kind: &str, url: &str, tags: &str) -> ChannelForm {
    ChannelForm {
        kind: kind.into(),
        name: format!("{kind} channel"),
        url: url.into(),
        tags: tags.into(),
        ..Default::default()
    }
}

async fn round(store: &Store, at: DateTime<Utc>) -> alerts::DeliveryRound {
    alerts::deliver_due(&clocked(store, at), &Courier::new(), WARNING)
        .await
        .unwrap()
}

#[tokio::test]
async fn each_threshold_is_delivered_once_signed_and_naming_what_ends() {
    let start = Utc::now();
    let f = fixture(start).await;
    let hook = Receiver::start(&[200]);
    let added = alerts::add_channel(&f.store, &channel("webhook", &hook.url, ""))
        .await
        .unwrap();
    let key = added.signing_secret.expect("a webhook gets a signing key");

    // Nothing due yet; then each threshold, each once however many rounds run.
    assert_eq!(round(&f.store, start).await.claimed, 0);
    let moments = [
        (f.ends - Duration::days(29), "warning"),
        (f.ends - Duration::days(6), "7d"),
        (f.ends - Duration::hours(20), "1d"),
        (f.ends + Duration::hours(1), "expired"),
    ];
    for (n, (at, threshold)) in moments.iter().enumerate() {
        let first = round(&f.store, *at).await;
        assert_eq!((first.claimed, first.delivered), (1, 1), "{threshold}");
        let again = round(&f.store, *at + Duration::minutes(1)).await;
        assert_eq!(again, alerts::DeliveryRound::default(), "{threshold} twice");
        let got = hook.received();
        assert_eq!(got.len(), n + 1);
        let last = got.last().unwrap();
        let body = last.json();
        assert_eq!(body["threshold"], *threshold);
        // The signature a receiver checks: HMAC-SHA256 of the body under the key shown once.
        assert_eq!(
            last.header("X-Keydesk-Signature").unwrap(),
            format!(
                "sha256={}",
                keydesk_core_signature(key.expose(), &last.body)
            )
        );
        let stamp: i64 = last.header("X-Keydesk-Timestamp").unwrap().parse().unwrap();
        assert!((stamp - at.timestamp()).abs() <= 1, "the round's time");
        assert_eq!(
            last.header("X-Keydesk-Delivery").unwrap(),
            body["delivery_id"]
        );
        assert_eq!(body["account"]["company_name"], "<b>Smith & Sons</b>");
        assert_eq!(body["credential"]["application"], "PSA");
        let text = String::from_utf8_lossy(&last.body);
        assert!(!text.contains("hint"), "{text}");
    }
    let state = alerts::list_channels(&f.store).await.unwrap()[0].state();
    assert!(
        state.starts_with("webhook channel: last delivered"),
        "{state}"
    );
}

/// What a receiver computes (the README's few lines), written here independently of core.
fn keydesk_core_signature(key: &str, body: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn slack_and_teams_get_their_documented_shapes_and_tags_limit_a_channel() {
    let start = Utc::now();
    let f = fixture(start).await;
    let (slack, teams, us) = (
        Receiver::start(&[200]),
        Receiver::start(&[202]),
        Receiver::start(&[200]),
    );
    alerts::add_channel(&f.store, &channel("slack", &slack.url, "#eu"))
        .await
        .unwrap();
    alerts::add_channel(&f.store, &channel("teams", &teams.url, ""))
        .await
        .unwrap();
    alerts::add_channel(&f.store, &channel("webhook", &us.url, "us"))
        .await
        .unwrap();
    let done = round(&f.store, f.ends - Duration::days(6)).await;
    assert_eq!(done.delivered, 2);
    assert!(
        us.received().is_empty(),
        "a #us channel hears nothing of #eu"
    );

    let slack = slack.received()[0].json();
    assert_eq!(slack["blocks"][0]["type"], "header");
    let fields = slack["blocks"][1]["fields"].to_string();
    assert!(
        fields.contains("&lt;b&gt;Smith &amp; Sons&lt;/b&gt;"),
        "{fields}"
    );
    let card = &teams.received()[0].json()["attachments"][0];
    assert_eq!(
        card["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(card["content"]["type"], "AdaptiveCard");
    let facts = card["content"]["body"][1]["facts"].as_array().unwrap();
    assert!(facts.iter().any(|f| f["title"] == "Client ID"));
}

#[tokio::test]
async fn two_instances_deliver_nothing_twice() {
    let start = Utc::now();
    let f = fixture(start).await;
    let hook = Receiver::start(&[200]);
    alerts::add_channel(&f.store, &channel("webhook", &hook.url, ""))
        .await
        .unwrap();
    let at = f.ends - Duration::days(6);
    // A second instance: its own connection to the same store.
    let other = Store::open(f._t.location.clone()).await.unwrap();
    let (a, b) = tokio::join!(round(&f.store, at), round(&other, at));
    assert_eq!(a.delivered + b.delivered, 1, "{a:?} {b:?}");
    assert_eq!(hook.received().len(), 1);
}

#[tokio::test]
async fn a_server_error_is_retried_with_backoff_and_a_refusal_is_not() {
    let start = Utc::now();
    let f = fixture(start).await;
    let flaky = Receiver::start(&[500, 500, 200]);
    let refusing = Receiver::start(&[403]);
    alerts::add_channel(&f.store, &channel("webhook", &flaky.url, ""))
        .await
        .unwrap();
    alerts::add_channel(&f.store, &channel("teams", &refusing.url, ""))
        .await
        .unwrap();
    let at = f.ends - Duration::days(6);
    let first = round(&f.store, at).await;
    assert_eq!((first.retrying, first.failed), (1, 1), "{first:?}");
    // Not before the backoff: 1 minute, then 2.
    assert_eq!(
        round(&f.store, at + Duration::seconds(30)).await.retrying,
        0
    );
    assert_eq!(round(&f.store, at + Duration::minutes(1)).await.retrying, 1);
    let third = round(&f.store, at + Duration::minutes(3)).await;
    assert_eq!(third.delivered, 1);
    assert_eq!(flaky.received().len(), 3);
    let ids: Vec<String> = flaky
        .received()
        .iter()
        .map(|r| r.header("X-Keydesk-Delivery").unwrap().to_owned())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "one delivery id: {ids:?}"
    );
    // The 403: asked once, never again, and the Health page says so.
    round(&f.store, at + Duration::hours(2)).await;
    assert_eq!(refusing.received().len(), 1);
    let states: Vec<String> = alerts::list_channels(&f.store)
        .await
        .unwrap()
        .iter()
        .map(|c| c.state())
        .collect();
    assert!(
        states
            .iter()
            .any(|s| s.starts_with("teams channel: failed — 403 Forbidden")
                && s.ends_with("not retried")),
        "{states:?}"
    );
}

/// A send cut short — claimed, leased and on its way when the process goes (here: the round
/// dropped while the receiver holds the request) — is sent again once its lease ends, by the
/// next round, with the same delivery id; not before. (keydesk-server killed by SIGKILL is the
/// server's test.)
#[tokio::test]
async fn a_send_cut_short_is_sent_again_when_its_lease_ends() {
    let start = Utc::now();
    let f = fixture(start).await;
    let hook = Receiver::start(&[0, 200]);
    alerts::add_channel(&f.store, &channel("webhook", &hook.url, ""))
        .await
        .unwrap();
    let at = f.ends - Duration::days(6);
    let store = f.store.clone();
    let cut = tokio::spawn(async move { round(&store, at).await });
    while hook.received().is_empty() {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    cut.abort();
    assert!(cut.await.is_err(), "the round was cut short");
    let early = round(&f.store, at + Duration::minutes(4)).await;
    assert_eq!(
        early,
        alerts::DeliveryRound::default(),
        "the lease still runs"
    );
    let later = round(&f.store, at + Duration::minutes(6)).await;
    assert_eq!((later.claimed, later.delivered), (0, 1), "{later:?}");
    let got = hook.received();
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].header("X-Keydesk-Delivery"),
        got[1].header("X-Keydesk-Delivery")
    );
    assert_eq!(round(&f.store, at + Duration::hours(1)).await.delivered, 0);
}

/// A receiver nobody answers at (the port closed) is retried, and the channel says so.
#[tokio::test]
async fn an_unreachable_receiver_is_retried_and_the_channel_says_so() {
    let start = Utc::now();
    let f = fixture(start).await;
    let nowhere = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", nowhere.local_addr().unwrap());
    drop(nowhere);
    alerts::add_channel(&f.store, &channel("webhook", &url, ""))
        .await
        .unwrap();
    let first = round(&f.store, f.ends - Duration::days(6)).await;
    assert_eq!(first.retrying, 1, "{first:?}");
    let state = alerts::list_channels(&f.store).await.unwrap()[0].state();
    assert!(
        state.contains("not reached") && state.ends_with("retrying"),
        "{state}"
    );
}

#[tokio::test]
async fn a_channel_url_and_kind_are_checked() {
    let t = common::test_store().await;
    for (form, field) in [
        (channel("pager", "https://x.example/", ""), "kind"),
        (channel("slack", "ftp://x.example/", ""), "url"),
        (channel("slack", "http://hooks.example/", ""), "url"),
        (channel("slack", "https://user:pw@x.example/", ""), "url"),
        (
            ChannelForm {
                name: " ".into(),
                ..channel("slack", "https://x.example/", "")
            },
            "name",
        ),
        (channel("slack", "https://x.example/", "a b!"), "tags"),
    ] {
        match alerts::add_channel(&t.store, &form).await {
            Err(keydesk_core::Error::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{form:?}: {other:?}"),
        }
    }
    assert!(alerts::list_channels(&t.store).await.unwrap().is_empty());
}

/// On a team store keydesk-server logs in with the endpoint role: that login delivers, reading
/// no more than the alert names (the company name; team.rs checks the other columns stay shut).
#[tokio::test]
async fn keydesk_servers_login_delivers_on_a_team_store() {
    let keydesk_core::StoreLocation::Url(url) =
        common::fresh_location(std::path::Path::new(".")).await
    else {
        common::skipped("a team store's roles are PostgreSQL's");
        return;
    };
    let start = Utc::now();
    let admin = Store::open(keydesk_core::StoreLocation::Url(url.clone()))
        .await
        .unwrap();
    let admin = clocked(&admin, start);
    let account = create_account(
        &admin,
        &ContactForm {
            company_name: "Endpoint Ltd".into(),
            name: "E".into(),
            ..Default::default()
        },
        &BillingForm::default(),
    )
    .await
    .unwrap()
    .id;
    tags::add_tag(&admin, account, "eu").await.unwrap();
    credentials::generate(
        &Keydesk::new(&admin, &Vault::new("keydesk-test-unused")),
        &GenerateRequest::new(
            account,
            &CredentialForm {
                name: "Integration".into(),
                email: "it@endpoint.example".into(),
                application: "PSA".into(),
            },
        )
        .lifetime(Lifetime::Days90),
    )
    .await
    .unwrap();
    let hook = Receiver::start(&[200]);
    alerts::add_channel(&admin, &channel("slack", &hook.url, "eu"))
        .await
        .unwrap();
    let login = format!(
        "alerts_{}",
        &keydesk_core::secrets::new_client_id().unwrap()[..10]
    );
    use sea_orm::ConnectionTrait;
    admin
        .connection()
        .execute_unprepared(&format!(
            "CREATE ROLE {login} LOGIN IN ROLE keydesk_endpoint"
        ))
        .await
        .unwrap();
    let mut as_server = url::Url::parse(&url).unwrap();
    as_server.set_username(&login).unwrap();
    let server = Store::open(keydesk_core::StoreLocation::Url(as_server.to_string()))
        .await
        .unwrap();
    let done = round(&server, start + Duration::days(84)).await;
    assert_eq!(done.delivered, 1, "{done:?}");
    let text = hook.received()[0].json()["text"].to_string();
    assert!(text.contains("Endpoint Ltd"), "{text}");
}

/// On a team store admins manage the channels (the database refuses anyone else), everyone
/// reads their names and states, and no one but admins and keydesk-server reads a webhook's
/// signing key — not even by plain SQL.
#[tokio::test]
async fn on_a_team_store_only_admins_manage_channels_and_the_key_stays_unread() {
    let keydesk_core::StoreLocation::Url(url) =
        common::fresh_location(std::path::Path::new(".")).await
    else {
        common::skipped("a team store's roles are PostgreSQL's");
        return;
    };
    let admin = Store::open(keydesk_core::StoreLocation::Url(url.clone()))
        .await
        .unwrap();
    alerts::add_channel(&admin, &channel("webhook", "https://psa.example/hook", ""))
        .await
        .unwrap();
    let login = format!(
        "tess_{}",
        &keydesk_core::secrets::new_client_id().unwrap()[..10]
    );
    use sea_orm::ConnectionTrait;
    admin
        .connection()
        .execute_unprepared(&format!(
            "CREATE ROLE {login} LOGIN IN ROLE keydesk_technician;
             INSERT INTO technicians (login, display_name, all_accounts) VALUES ('{login}', 'Tess', true);"
        ))
        .await
        .unwrap();
    let mut as_tess = url::Url::parse(&url).unwrap();
    as_tess.set_username(&login).unwrap();
    let tess = Store::open(keydesk_core::StoreLocation::Url(as_tess.to_string()))
        .await
        .unwrap();
    let listed = alerts::list_channels(&tess).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].state().contains("nothing delivered yet"));
    let added = alerts::add_channel(&tess, &channel("slack", "https://hooks.example/x", "")).await;
    assert!(
        matches!(added, Err(keydesk_core::Error::Refused(_))),
        "{added:?}"
    );
    let deleted = alerts::delete_channel(&tess, listed[0].id).await;
    assert!(deleted.is_err(), "{deleted:?}");
    let key = tess
        .connection()
        .execute_unprepared("SELECT signing_secret FROM alert_channels")
        .await;
    assert!(key.unwrap_err().to_string().contains("permission denied"));
}

/// E-mail over SMTP with STARTTLS to a receiver on this machine (its certificate from a
/// throwaway CA given as the channel's CA file): the message arrives inside TLS, after AUTH
/// with the password given to the sender (never in the store), to every recipient, with a
/// subject, a plain-text and an HTML part — the name escaped, no secret. A 550 is not retried.
#[tokio::test]
async fn e_mail_goes_over_starttls_with_both_parts_and_a_refusal_is_not_retried() {
    let start = Utc::now();
    let f = fixture(start).await;
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = common::certificates::self_signed(certs.path());
    let ca = certs.path().join("ca.pem").display().to_string();
    let smtp = common::smtp::SmtpReceiver::start(&cert, &key, "250 queued");
    let refusing = common::smtp::SmtpReceiver::start(&cert, &key, "550 no such user");
    let email = |port: u16, name: &str| ChannelForm {
        kind: "email".into(),
        name: name.into(),
        smtp_host: "127.0.0.1".into(),
        smtp_port: u32::from(port),
        smtp_tls: "starttls".into(),
        smtp_user: "alerts".into(),
        mail_from: "keydesk@msp.example".into(),
        mail_to: "ops@msp.example, eu@msp.example".into(),
        ca_file: ca.clone(),
        ..Default::default()
    };
    alerts::add_channel(&f.store, &email(smtp.port, "Ops mail"))
        .await
        .unwrap();
    alerts::add_channel(&f.store, &email(refusing.port, "Old list"))
        .await
        .unwrap();
    let courier = Courier::new().with_smtp_passwords(alerts::SmtpPasswords::Given(
        keydesk_core::secrets::Secret::new("mail-password".into()),
    ));
    let at = f.ends - Duration::days(6);
    let done = alerts::deliver_due(&clocked(&f.store, at), &courier, WARNING)
        .await
        .unwrap();
    assert_eq!((done.delivered, done.failed), (1, 1), "{done:?}");
    let got = smtp.received();
    assert_eq!(got.len(), 1);
    let mail = &got[0];
    assert!(mail.over_tls, "the message crossed inside TLS");
    assert_eq!(
        mail.login,
        Some(("alerts".to_owned(), "mail-password".to_owned()))
    );
    assert_eq!(mail.to, ["<ops@msp.example>", "<eu@msp.example>"]);
    let data = mail.data.replace("=\r\n", "");
    assert!(
        data.contains("Subject: A client secret expires within 7 days"),
        "{data}"
    );
    assert!(
        data.contains("text/plain") && data.contains("text/html"),
        "{data}"
    );
    let (text, html) = data.split_once("text/html").unwrap();
    assert!(
        text.contains("Account: <b>Smith & Sons</b>"),
        "as typed in the text part"
    );
    assert!(
        html.contains("&lt;b&gt;Smith &amp; Sons&lt;/b&gt;"),
        "{html}"
    );
    assert!(!html.contains("<b>Smith"), "the HTML part escapes the name");
    // The password is in no row of the store.
    let url = &alerts::list_channels(&f.store).await.unwrap()[0].url;
    assert!(url.starts_with("smtp://alerts@127.0.0.1:"), "{url}");
    assert!(!url.contains("mail-password"));
    // The 550: said on the channel, not retried.
    alerts::deliver_due(
        &clocked(&f.store, at + Duration::hours(3)),
        &courier,
        WARNING,
    )
    .await
    .unwrap();
    assert_eq!(refusing.received().len(), 1);
    let states: Vec<String> = alerts::list_channels(&f.store)
        .await
        .unwrap()
        .iter()
        .map(|c| c.state())
        .collect();
    assert!(
        states
            .iter()
            .any(|s| s.starts_with("Old list: failed — SMTP 550") && s.ends_with("not retried")),
        "{states:?}"
    );
}

/// The weekly digest: one message per channel and ISO week, listing what ends within 30 days
/// (for a tagged channel, its accounts only), soonest first; a second round the same week sends
/// nothing, the next week another.
#[tokio::test]
async fn a_weekly_digest_goes_once_a_week_with_what_ends_within_30_days() {
    let start = Utc::now();
    let f = fixture(start).await;
    let everything = Receiver::start(&[200]);
    let us_only = Receiver::start(&[200]);
    alerts::add_channel(
        &f.store,
        &ChannelForm {
            weekly_digest: true,
            ..channel("webhook", &everything.url, "")
        },
    )
    .await
    .unwrap();
    alerts::add_channel(
        &f.store,
        &ChannelForm {
            weekly_digest: true,
            ..channel("slack", &us_only.url, "us")
        },
    )
    .await
    .unwrap();
    // 70 days on, the 90-day secret ends in 20: the digest lists it (the warning alert too).
    let at = start + Duration::days(70);
    round(&f.store, at).await;
    let digests: Vec<Value> = everything
        .received()
        .iter()
        .map(|r| r.json())
        .filter(|b| b["event"] == "digest")
        .collect();
    assert_eq!(digests.len(), 1, "{digests:?}");
    assert_eq!(
        digests[0]["title"],
        "This week: 1 client secret expires in the next 30 days"
    );
    assert_eq!(
        digests[0]["digest"][0]["company_name"],
        "<b>Smith & Sons</b>"
    );
    let slack = us_only.received();
    assert_eq!(slack.len(), 1, "a #us channel's digest, and no #eu alert");
    assert_eq!(
        slack[0].json()["blocks"][0]["text"]["text"],
        "This week: no client secret expires in the next 30 days"
    );
    // The same week: nothing more; the next ISO week: another digest.
    let later_that_week = at + Duration::hours(1);
    round(&f.store, later_that_week).await;
    assert_eq!(us_only.received().len(), 1);
    round(&f.store, at + Duration::days(7)).await;
    assert_eq!(us_only.received().len(), 2);
}
