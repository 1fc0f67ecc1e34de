//! Figures for issue #8 (ignored; run with `--ignored --nocapture`, ideally `--release`): the
//! cost of a cache hit, through the client and through the outgoing layer. No log subscriber is
//! installed when it runs alone, as in production at `info`.

use std::convert::Infallible;
use std::time::Instant;

use bytes::Bytes;
use feide_tower::exchange::{SubjectToken, TokenExchange};
use feide_tower::provider::Secret;
use feide_tower::testkit::{DEFAULT_CLIENT_ID, DEFAULT_DATASOURCE_AUDIENCE};
use http::{Request, Response};
use http_body_util::Full;
use tower::{Service, ServiceBuilder, ServiceExt};

use crate::common::{TestResult, empty, start_quiet};

const N: u32 = 200_000;

#[tokio::test(flavor = "current_thread")]
#[ignore = "a measurement, not a test"]
async fn measure_cache_hit() -> TestResult {
    let (fake, provider) = start_quiet().await;
    let subject = Secret::new(fake.issue_opaque_token(Some("alice"), DEFAULT_CLIENT_ID));
    let exchange = TokenExchange::login_client(&provider, DEFAULT_DATASOURCE_AUDIENCE).build()?;
    let token = exchange.exchange(&subject).await?;
    println!(
        "subject (opaque) {} bytes, exchanged JWT {} bytes",
        subject.expose().len(),
        token.expose().len()
    );

    let start = Instant::now();
    for _ in 0..N {
        std::hint::black_box(exchange.exchange(&subject).await?);
    }
    println!("exchange() hit: {:?}/call", start.elapsed() / N);

    // A JWT-sized subject (the data-source pattern hashes the incoming JWT).
    let jwt_subject =
        Secret::new(fake.access_token_for("alice", DEFAULT_DATASOURCE_AUDIENCE, "readUser"));
    let ds = TokenExchange::data_source(&provider)
        .client(
            feide_tower::testkit::DEFAULT_DATASOURCE_CLIENT_ID,
            feide_tower::testkit::DEFAULT_DATASOURCE_CLIENT_SECRET,
        )
        .build()?;
    ds.exchange(&jwt_subject).await?;
    let start = Instant::now();
    for _ in 0..N {
        std::hint::black_box(ds.exchange(&jwt_subject).await?);
    }
    println!(
        "exchange() hit, {}-byte JWT subject: {:?}/call",
        jwt_subject.expose().len(),
        start.elapsed() / N
    );

    // Through the layer, against an inner service that answers at once.
    let inner = tower::service_fn(|_: Request<Full<Bytes>>| async {
        Ok::<_, Infallible>(Response::new(empty()))
    });
    let mut bare = inner;
    let start = Instant::now();
    for _ in 0..N {
        let request = Request::get("http://127.0.0.1/x")
            .extension(SubjectToken::new(subject.clone()))
            .body(empty())?;
        std::hint::black_box(bare.ready().await?.call(request).await?);
    }
    let baseline = start.elapsed() / N;

    for (name, retry) in [("retrying", true), ("no_retry", false)] {
        let start = Instant::now();
        if retry {
            let mut client = ServiceBuilder::new().layer(exchange.layer()).service(inner);
            for _ in 0..N {
                let request = Request::get("http://127.0.0.1/x")
                    .extension(SubjectToken::new(subject.clone()))
                    .body(empty())?;
                std::hint::black_box(client.ready().await?.call(request).await?);
            }
        } else {
            let mut client = ServiceBuilder::new()
                .layer(exchange.layer().no_retry())
                .service(inner);
            for _ in 0..N {
                let request = Request::get("http://127.0.0.1/x")
                    .extension(SubjectToken::new(subject.clone()))
                    .body(empty())?;
                std::hint::black_box(client.ready().await?.call(request).await?);
            }
        }
        let per = start.elapsed() / N;
        println!(
            "layer ({name}) hit: {per:?}/request, {:?} over the bare service ({baseline:?})",
            per.saturating_sub(baseline)
        );
    }
    Ok(())
}

#[test]
#[ignore = "a measurement, not a test"]
fn measure_sha256() {
    use aws_lc_rs::digest;
    for len in [43usize, 1088] {
        let data = vec![b'x'; len];
        let start = Instant::now();
        for _ in 0..N {
            let mut ctx = digest::Context::new(&digest::SHA256);
            ctx.update(b"feide-tower/exchange/v1\0");
            ctx.update(&[1]);
            ctx.update(&(len as u64).to_be_bytes());
            ctx.update(std::hint::black_box(&data));
            ctx.update(&(70u64).to_be_bytes());
            ctx.update(&[b'a'; 70]);
            ctx.update(&[0]);
            std::hint::black_box(ctx.finish());
        }
        let incremental = start.elapsed() / N;
        let start = Instant::now();
        for _ in 0..N {
            std::hint::black_box(digest::digest(&digest::SHA256, std::hint::black_box(&data)));
        }
        println!(
            "sha256 {len} bytes: incremental {incremental:?}, one-shot {:?}",
            start.elapsed() / N
        );
    }
}
