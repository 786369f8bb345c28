//! The `oauth2` crate (5.x), a client platforms really use, against a running `keydesk-server`:
//! client credentials by HTTP Basic and in the request body, introspection, revocation.
//! The crate's own transports (reqwest 0.12, ureq 2) are left off; ureq 3 carries its requests,
//! over HTTPS to the server's rustls listener.

use keydesk_core::credentials::Grace;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, ClientId, ClientSecret, HttpRequest, HttpResponse, IntrospectionUrl,
    RequestTokenError, RevocationUrl, StandardRevocableToken, TokenIntrospectionResponse,
    TokenResponse, TokenUrl,
};

mod common;
use common::start_tls;

/// oauth2's `SyncHttpClient`: any `Fn(HttpRequest) -> Result<HttpResponse, E>`.
fn transport(
    agent: &ureq::Agent,
) -> impl Fn(HttpRequest) -> Result<HttpResponse, ureq::Error> + '_ {
    move |request: HttpRequest| {
        let response = agent.run(request)?;
        let (parts, body) = response.into_parts();
        let body = body.into_reader();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut { body }, &mut bytes)?;
        Ok(HttpResponse::from_parts(parts, bytes))
    }
}

#[test]
fn client_credentials_by_basic_and_by_body_then_introspect_and_revoke() {
    // HTTPS: the crate refuses a revocation endpoint that is not (RFC 7009 §2).
    let s = start_tls();
    let issued = s.credentials("oauth2-crate@example.com");
    let http = transport(&s.agent);
    for auth in [AuthType::BasicAuth, AuthType::RequestBody] {
        let client = BasicClient::new(ClientId::new(issued.credential.client_id.clone()))
            .set_client_secret(ClientSecret::new(issued.secret.expose().to_owned()))
            .set_auth_type(auth.clone())
            .set_token_uri(TokenUrl::new(s.url("/oauth2/token")).unwrap())
            .set_introspection_url(IntrospectionUrl::new(s.url("/oauth2/introspect")).unwrap())
            .set_revocation_url(RevocationUrl::new(s.url("/oauth2/revoke")).unwrap());

        let token = client
            .exchange_client_credentials()
            .request(&http)
            .unwrap_or_else(|e| panic!("{auth:?}: {e:?}"));
        assert_eq!(token.token_type().as_ref(), "bearer");
        assert_eq!(token.expires_in().unwrap().as_secs(), 3600);
        assert!(token.refresh_token().is_none());

        let facts = client
            .introspect(token.access_token())
            .request(&http)
            .unwrap();
        assert!(facts.active(), "{auth:?}");
        assert_eq!(
            facts.client_id().map(|c| c.as_str()),
            Some(issued.credential.client_id.as_str())
        );
        assert!(facts.exp().is_some() && facts.iat().is_some());

        client
            .revoke_token(StandardRevocableToken::AccessToken(
                token.access_token().clone(),
            ))
            .unwrap()
            .request(&http)
            .unwrap();
        let after = client
            .introspect(token.access_token())
            .request(&http)
            .unwrap();
        assert!(!after.active(), "{auth:?}: revoked");
    }

    // A renewed-"now" secret is refused, and the crate reports the server's invalid_client.
    let renewed = s.renew(issued.credential.id, Grace::Now);
    let stale = BasicClient::new(ClientId::new(issued.credential.client_id.clone()))
        .set_client_secret(ClientSecret::new(issued.secret.expose().to_owned()))
        .set_token_uri(TokenUrl::new(s.url("/oauth2/token")).unwrap());
    match stale.exchange_client_credentials().request(&http) {
        Err(RequestTokenError::ServerResponse(e)) => {
            assert_eq!(e.error().as_ref(), "invalid_client")
        }
        other => panic!("expected invalid_client, got {other:?}"),
    }
    let fresh = BasicClient::new(ClientId::new(issued.credential.client_id.clone()))
        .set_client_secret(ClientSecret::new(renewed.secret.expose().to_owned()))
        .set_token_uri(TokenUrl::new(s.url("/oauth2/token")).unwrap());
    fresh.exchange_client_credentials().request(&http).unwrap();
}
