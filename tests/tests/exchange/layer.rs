//! TokenExchangeLayer on plain tower client stacks (reqwest behind a tower Service, and
//! hyper-util's client; no axum): the header, the subject, the 401 rule.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use feide_tower::exchange::{ExchangeError, LayerError, SubjectToken, TokenExchange};
use feide_tower::provider::Secret;
use feide_tower::testkit::{DEFAULT_CLIENT_ID, DEFAULT_DATASOURCE_AUDIENCE, FakeFeide};
use http::header::AUTHORIZATION;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use tower::limit::ConcurrencyLimitLayer;
use tower::{ServiceBuilder, ServiceExt};

use crate::common::{Downstream, ReqwestService, TestResult, empty, start, token_calls};

const AUD: &str = DEFAULT_DATASOURCE_AUDIENCE;

fn get(url: &str, subject: Option<&str>) -> Request<Full<Bytes>> {
    let mut builder = Request::get(url);
    if let Some(subject) = subject {
        builder = builder.extension(SubjectToken::new(Secret::new(subject)));
    }
    builder.body(empty()).unwrap()
}

async fn setup() -> (FakeFeide, TokenExchange, Downstream, String) {
    let (fake, provider) = start().await;
    let exchange = TokenExchange::login_client(&provider, AUD).build().unwrap();
    let downstream = Downstream::start().await;
    let subject = fake.issue_opaque_token(Some("alice"), DEFAULT_CLIENT_ID);
    fake.reset_counts();
    (fake, exchange, downstream, subject)
}

#[tokio::test(flavor = "multi_thread")]
async fn sets_the_exchanged_token_and_reuses_it() -> TestResult {
    let (fake, exchange, downstream, subject) = setup().await;
    let client = ServiceBuilder::new()
        .layer(exchange.layer())
        .service(ReqwestService::new());

    for _ in 0..3 {
        // A stale Authorization set by the caller is replaced, not sent alongside.
        let mut request = get(&downstream.url("/me"), Some(&subject));
        request
            .headers_mut()
            .insert(AUTHORIZATION, "Bearer stale".parse()?);
        let response = client.clone().oneshot(request).await?;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let expected = exchange.exchange(&Secret::new(subject.clone())).await?;
    let seen = downstream.seen();
    assert_eq!(seen.len(), 3);
    for auth in &seen {
        assert_eq!(
            auth.as_deref(),
            Some(format!("Bearer {}", expected.expose()).as_str())
        );
        // The login's own token never reaches the data source.
        assert!(!auth.as_deref().unwrap_or_default().contains(&subject));
    }
    assert_eq!(token_calls(&fake), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_header_is_sensitive_and_the_subject_goes_no_further() -> TestResult {
    let (_fake, exchange, _downstream, subject) = setup().await;
    let inspected = Arc::new(Mutex::new(None));
    let record = Arc::clone(&inspected);
    let inner = tower::service_fn(move |request: Request<Full<Bytes>>| {
        let record = Arc::clone(&record);
        async move {
            let auth = request.headers().get(AUTHORIZATION).cloned();
            let has_subject = request.extensions().get::<SubjectToken>().is_some();
            *record.lock().unwrap() = Some((auth, has_subject));
            Ok::<_, Infallible>(Response::new(empty()))
        }
    });
    let client = ServiceBuilder::new().layer(exchange.layer()).service(inner);
    client
        .oneshot(get("http://127.0.0.1:9/x", Some(&subject)))
        .await?;
    let (auth, has_subject) = inspected.lock().unwrap().take().expect("called");
    let auth = auth.expect("Authorization set");
    assert!(auth.is_sensitive());
    assert!(auth.to_str()?.starts_with("Bearer ey"));
    assert!(!has_subject);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn no_subject_or_a_failed_exchange_sends_nothing() -> TestResult {
    let (fake, exchange, downstream, _subject) = setup().await;
    let client = ServiceBuilder::new()
        .layer(exchange.layer())
        .service(ReqwestService::new());

    let err = client
        .clone()
        .oneshot(get(&downstream.url("/me"), None))
        .await
        .expect_err("no subject");
    assert!(
        matches!(err, LayerError::Token(ExchangeError::MissingSubject)),
        "{err:?}"
    );

    let bogus = "SUBJECT-bogus-9f8e";
    let err = client
        .oneshot(get(&downstream.url("/me"), Some(bogus)))
        .await
        .expect_err("invalid subject");
    let token_err = err.as_token_error().expect("an exchange error");
    assert!(token_err.is_invalid_grant(), "{err:?}");
    assert!(!format!("{err} {err:?}").contains(bogus));

    assert!(
        downstream.seen().is_empty(),
        "nothing was sent unauthenticated"
    );
    assert_eq!(token_calls(&fake), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_drops_the_token_and_retries_once_with_a_new_one() -> TestResult {
    let (fake, exchange, downstream, subject) = setup().await;
    // A concurrency limit of 1 also proves the call goes to the service that was polled ready,
    // for the retry too (tower's limit panics otherwise).
    let client = ServiceBuilder::new()
        .layer(exchange.layer())
        .layer(ConcurrencyLimitLayer::new(1))
        .service(ReqwestService::new());

    client
        .clone()
        .oneshot(get(&downstream.url("/me"), Some(&subject)))
        .await?;
    assert_eq!(token_calls(&fake), 1);

    downstream.unauthorized(1);
    let response = client
        .clone()
        .oneshot(get(&downstream.url("/me"), Some(&subject)))
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let seen = downstream.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0], seen[1], "the cached token, refused");
    assert_ne!(
        seen[1], seen[2],
        "the retry carries a newly exchanged token"
    );
    assert_eq!(token_calls(&fake), 2);

    // The new token is the cached one now.
    client
        .oneshot(get(&downstream.url("/me"), Some(&subject)))
        .await?;
    assert_eq!(downstream.seen()[3], seen[2]);
    assert_eq!(token_calls(&fake), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_that_always_answers_401_gets_two_tries_not_a_loop() -> TestResult {
    let (fake, exchange, downstream, subject) = setup().await;
    let client = ServiceBuilder::new()
        .layer(exchange.layer())
        .service(ReqwestService::new());
    downstream.unauthorized(-1);

    let response = client
        .clone()
        .oneshot(get(&downstream.url("/me"), Some(&subject)))
        .await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(downstream.seen().len(), 2);
    assert_eq!(token_calls(&fake), 2);

    let response = client
        .oneshot(get(&downstream.url("/me"), Some(&subject)))
        .await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(downstream.seen().len(), 4);
    assert_eq!(
        token_calls(&fake),
        3,
        "one exchange per refused request, at most"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn without_retry_a_401_is_returned_and_the_next_request_gets_a_new_token() -> TestResult {
    let (fake, exchange, downstream, subject) = setup().await;
    let client = ServiceBuilder::new()
        .layer(exchange.layer().no_retry())
        .service(ReqwestService::new());
    downstream.unauthorized(1);

    let response = client
        .clone()
        .oneshot(get(&downstream.url("/me"), Some(&subject)))
        .await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(downstream.seen().len(), 1);

    let response = client
        .oneshot(get(&downstream.url("/me"), Some(&subject)))
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let seen = downstream.seen();
    assert_ne!(seen[0], seen[1]);
    assert_eq!(token_calls(&fake), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_401s_replace_the_token_once() -> TestResult {
    let (fake, exchange, downstream, subject) = setup().await;
    let client = ServiceBuilder::new()
        .layer(exchange.layer())
        .service(ReqwestService::new());
    client
        .clone()
        .oneshot(get(&downstream.url("/me"), Some(&subject)))
        .await?;
    let refused = downstream.seen()[0].clone();

    // The API now refuses the cached token (revoked), and only that one.
    downstream.refuse(refused.clone());
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            let request = get(&downstream.url("/me"), Some(&subject));
            tokio::spawn(async move { client.oneshot(request).await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await??.status(), StatusCode::OK);
    }
    let seen = downstream.seen();
    let renewed: Vec<_> = seen.iter().filter(|auth| **auth != refused).collect();
    assert_eq!(renewed.len(), 20, "each request ends with the new token");
    assert!(renewed.iter().all(|auth| *auth == renewed[0]));
    assert_eq!(
        token_calls(&fake),
        2,
        "one re-exchange shared by every refused request"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn works_on_hyper_utils_client_as_well() -> TestResult {
    // The same layer over hyper's own client (hyper-util's legacy `Client`, a tower Service):
    // nothing in the layer depends on reqwest.
    let (fake, exchange, downstream, subject) = setup().await;
    let hyper_client =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http::<Full<Bytes>>();
    let client = ServiceBuilder::new()
        .layer(exchange.layer())
        .service(hyper_client);
    for _ in 0..2 {
        let response = client
            .clone()
            .oneshot(get(&downstream.url("/me"), Some(&subject)))
            .await?;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let expected = exchange.exchange(&Secret::new(subject.clone())).await?;
    let bearer = format!("Bearer {}", expected.expose());
    assert_eq!(
        downstream.seen(),
        vec![Some(bearer.clone()), Some(bearer)],
        "both requests carried the exchanged token"
    );
    assert_eq!(token_calls(&fake), 1, "and it was exchanged once");
    Ok(())
}
