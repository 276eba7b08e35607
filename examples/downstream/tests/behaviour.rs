//! One server behaviour of this crate's own, in both worlds: hedgehog's simulator asks it per
//! attempt in virtual time, and hedgehog's test server serves it over real HTTP/2 for this
//! crate's own `inventory.v1.Inventory/GetItem` (hedgehog knows nothing of the proto: the
//! behaviour's reply is the encoded `Item`). The generated client calls it through the A6
//! layer, and the live trace tells the simulated story: the same attempts, `previous` values,
//! pushback and outcomes — the shipped config's retry throttle included — with times within
//! hedgehog's stated tolerance.

use std::sync::Arc;
use std::time::Duration;

use hedgehog::clock::TokioClock;
use hedgehog::code::Code;
use hedgehog::config::Jitter;
use hedgehog::live::compare::{compare, Tolerance};
use hedgehog::live::{RetryLayer, RunningServer};
use hedgehog::scenario::behaviour::{Answer, Arrival, Behaviour, Reply};
use hedgehog::scenario::Scenario;
use hedgehog::sim::run::trace_with_behaviour;
use hedgehog::trace::{Mode, Trace, TraceRecorder};
use inventory_downstream::pb::inventory_client::InventoryClient;
use inventory_downstream::pb::{GetItemRequest, Item};
use inventory_downstream::SERVICE_CONFIG;
use prost::bytes::Bytes;
use prost::Message as _;
use tonic::transport::Channel;
use tower::ServiceBuilder;

const MS: u64 = 1_000_000;
const CALLS: u64 = 3;
const INTERVAL: Duration = Duration::from_millis(150);

/// The inventory as this team models it: the first attempt of every call is shed with 25 ms of
/// pushback (R35), the second fails, the third answers with the item; each after 2 ms.
fn warming_up() -> Arc<dyn Behaviour> {
    let item = Item {
        sku: "hedgehog-plush".into(),
        in_stock: 7,
    };
    let reply = Bytes::from(item.encode_to_vec());
    Arc::new(move |a: &mut Arrival<'_>| {
        assert_eq!(a.method, "inventory.v1.Inventory/GetItem");
        match a.previous.unwrap_or(0) {
            0 => Answer::fail(Code::Unavailable).pushback("25").after(2 * MS),
            1 => Answer::fail(Code::Unavailable).after(2 * MS),
            _ => Answer::ok()
                .after(2 * MS)
                .reply(Reply::Bytes(reply.clone())),
        }
    })
}

fn scenario() -> Scenario {
    Scenario::builder("inventory-warming-up")
        .description("the shipped config against an inventory that needs three attempts")
        .service_config_text(SERVICE_CONFIG)
        .jitter(Jitter::None)
        .method("inventory.v1.Inventory/GetItem")
        .calls(CALLS)
        .interval(INTERVAL)
        .build()
        .expect("a valid scenario")
}

/// The calls of `scenario` through the layer, over real HTTP/2, against `behaviour`.
async fn live(
    scenario: &Scenario,
    behaviour: Arc<dyn Behaviour>,
) -> (Trace, Vec<Result<Item, tonic::Status>>) {
    let server = RunningServer::start_behaviour(([127, 0, 0, 1], 0).into(), behaviour, 1)
        .await
        .expect("bind 127.0.0.1:0");
    let channel = Channel::from_shared(server.uri())
        .expect("a valid uri")
        .connect()
        .await
        .expect("connects");
    let recorder = Arc::new(TraceRecorder::new());
    let clock = TokioClock::new();
    let layer = RetryLayer::builder()
        .config(scenario.config.clone())
        .jitter(scenario.jitter)
        .recorder(recorder.clone())
        .clock(clock)
        .build()
        .expect("a valid config");
    let client = InventoryClient::new(ServiceBuilder::new().layer(layer).service(channel));
    let mut calls = Vec::new();
    for i in 0..CALLS {
        // Call i starts at i × interval, as in the simulator.
        let start = clock.epoch() + INTERVAL * u32::try_from(i).expect("few calls");
        tokio::time::sleep_until(start).await;
        let mut client = client.clone();
        calls.push(tokio::spawn(async move {
            let request = GetItemRequest {
                sku: "hedgehog-plush".into(),
            };
            client.get_item(request).await.map(|r| r.into_inner())
        }));
    }
    let mut items = Vec::new();
    for call in calls {
        items.push(call.await.expect("the call task"));
    }
    let n = usize::try_from(CALLS).expect("few calls");
    tokio::time::timeout(Duration::from_secs(10), recorder.wait_calls(n))
        .await
        .expect("every call is recorded");
    drop(client);
    server.stop().await;
    (recorder.trace(&scenario.name, 1, Mode::Live), items)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_behaviour_tells_the_same_story_simulated_and_live() {
    let scenario = scenario();
    let behaviour = warming_up();
    let simulated = trace_with_behaviour(&scenario, 1, behaviour.clone()).expect("no panic");
    for call in &simulated.calls {
        assert_eq!(call.attempts[0].pushback.as_deref(), Some("25"));
        // R35: the pushback replaces the backoff before the second attempt.
        let first_ended = call.attempts[0].ended.expect("ended");
        assert_eq!(call.attempts[1].sent - first_ended, 25 * MS);
    }
    let story: Vec<(Code, usize)> = simulated
        .calls
        .iter()
        .map(|c| (c.status, c.attempts.len()))
        .collect();
    // The first two calls succeed on their third attempt. Their four failures leave the
    // throttle (maxTokens 10, tokenRatio 0.1) at 6.2 tokens; the third call's two failures
    // take it to 4.2, at most half of maxTokens, so it may not retry again (R43).
    assert_eq!(
        story,
        [(Code::Ok, 3), (Code::Ok, 3), (Code::Unavailable, 2)]
    );
    // Real time on a shared machine can stretch one run past the tolerance; a real
    // disagreement shows on every run.
    let mut disagreements = Vec::new();
    for _ in 0..3 {
        let (trace, items) = live(&scenario, behaviour.clone()).await;
        for (item, (status, _)) in items.iter().zip(&story) {
            match item {
                Ok(item) => assert_eq!((item.sku.as_str(), item.in_stock), ("hedgehog-plush", 7)),
                Err(e) => assert_eq!(Code::from(e.code()), *status),
            }
        }
        let verdict = compare(&simulated, &trace, Tolerance::default());
        if verdict.agrees() {
            return;
        }
        disagreements.push(verdict.disagreements());
    }
    panic!("simulated and live never agreed: {disagreements:#?}");
}
