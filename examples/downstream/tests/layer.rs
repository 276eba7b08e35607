//! hedgehog's A6 layer on this crate's own generated client, against its own tonic server on
//! 127.0.0.1 that fails the first two attempts with UNAVAILABLE: the call succeeds on the third
//! attempt, and the server saw `grpc-previous-rpc-attempts` absent, then 1, then 2 (R74).

use hedgehog::RetryLayer;
use inventory_downstream::pb::inventory_client::InventoryClient;
use inventory_downstream::pb::GetItemRequest;
use inventory_downstream::{FlakyInventory, RunningInventory, SERVICE_CONFIG};
use tonic::transport::Channel;
use tower::ServiceBuilder;

type Client = InventoryClient<hedgehog::RetryService<Channel>>;

/// A server failing its first `failures` requests, and a client through the layer for `config`.
async fn setup(failures: usize, config: &str) -> (FlakyInventory, RunningInventory, Client) {
    let inventory = FlakyInventory::failing_first(failures);
    let server = RunningInventory::start(inventory.clone())
        .await
        .expect("bind 127.0.0.1:0");
    let channel = Channel::from_shared(server.uri())
        .expect("a valid uri")
        .connect_lazy();
    let layer = RetryLayer::from_service_config(config).expect("a valid service config");
    let client = InventoryClient::new(ServiceBuilder::new().layer(layer).service(channel));
    (inventory, server, client)
}

#[tokio::test]
async fn a_call_that_fails_twice_succeeds_on_the_third_attempt() {
    let (inventory, _server, mut client) = setup(2, SERVICE_CONFIG).await;

    let item = client
        .get_item(GetItemRequest {
            sku: "hedgehog-plush".into(),
        })
        .await
        .expect("the third attempt succeeds")
        .into_inner();

    assert_eq!((item.sku.as_str(), item.in_stock), ("hedgehog-plush", 7));
    // The call returned after the server answered its last attempt, so every attempt is recorded.
    assert_eq!(
        inventory.seen(),
        [None, Some("1".to_string()), Some("2".to_string())],
        "R74: no header on the first attempt, then the number of earlier attempts"
    );
}

#[tokio::test]
async fn without_a_policy_a_call_makes_one_attempt() {
    // R1: no policy covers the method, so UNAVAILABLE reaches the application at once.
    let (inventory, _server, mut client) = setup(1, r#"{"methodConfig": []}"#).await;

    let status = client
        .get_item(GetItemRequest { sku: "x".into() })
        .await
        .expect_err("no policy, no retry");

    assert_eq!(status.code(), tonic::Code::Unavailable);
    assert_eq!(inventory.seen(), [None]);
}
