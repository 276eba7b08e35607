//! hedgehog's A6 layer on this crate's own generated client, against its own tonic server on
//! 127.0.0.1 that fails the first two attempts with UNAVAILABLE: the call succeeds on the third
//! attempt, and the server saw `grpc-previous-rpc-attempts` absent, then 1, then 2 (R74).

use hedgehog::RetryLayer;
use inventory_downstream::pb::inventory_client::InventoryClient;
use inventory_downstream::pb::GetItemRequest;
use inventory_downstream::{FlakyInventory, RunningInventory, SERVICE_CONFIG};
use tonic::transport::Channel;
use tower::ServiceBuilder;

#[tokio::test]
async fn a_call_that_fails_twice_succeeds_on_the_third_attempt() {
    let inventory = FlakyInventory::failing_first(2);
    let server = RunningInventory::start(inventory.clone())
        .await
        .expect("bind 127.0.0.1:0");
    let channel = Channel::from_shared(server.uri())
        .expect("a valid uri")
        .connect_lazy();
    let layer = RetryLayer::from_service_config(SERVICE_CONFIG).expect("a valid service config");
    let mut client = InventoryClient::new(ServiceBuilder::new().layer(layer).service(channel));

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
async fn a_status_the_policy_does_not_retry_is_not_retried() {
    // Without a retry policy for the method, UNAVAILABLE reaches the application at once.
    let inventory = FlakyInventory::failing_first(1);
    let server = RunningInventory::start(inventory.clone())
        .await
        .expect("bind 127.0.0.1:0");
    let channel = Channel::from_shared(server.uri())
        .expect("a valid uri")
        .connect_lazy();
    let layer = RetryLayer::from_service_config(r#"{"methodConfig": []}"#).expect("valid");
    let mut client = InventoryClient::new(ServiceBuilder::new().layer(layer).service(channel));

    let status = client
        .get_item(GetItemRequest { sku: "x".into() })
        .await
        .expect_err("no policy, no retry");

    assert_eq!(status.code(), tonic::Code::Unavailable);
    assert_eq!(inventory.seen(), [None]);
}
