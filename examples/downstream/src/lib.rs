//! An inventory service as a team adopting hedgehog has it: its own proto
//! (`inventory.v1.Inventory/GetItem`), its own tonic server, its own service config, and
//! hedgehog's A6 layer in front of its generated client. The tests show the layer over real
//! HTTP/2 (`tests/layer.rs`), the same config in hedgehog's simulator snapshotted with insta
//! (`tests/simulated.rs`), and that depending on hedgehog changes nothing about this crate's
//! own serde behaviour (`tests/no_feature_leak.rs`).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;
use tonic::{Request, Response, Status};

/// The generated client, server and messages of `proto/inventory.proto`.
pub mod pb {
    tonic::include_proto!("inventory.v1");
}

use pb::inventory_server::{Inventory, InventoryServer};
use pb::{GetItemRequest, Item};

/// This service's retry policy, as it ships: standard gRPC service config JSON.
pub const SERVICE_CONFIG: &str = include_str!("inventory-service-config.json");

/// The request header A6 puts on every attempt after the first (the number of earlier attempts).
pub const PREVIOUS_ATTEMPTS: &str = "grpc-previous-rpc-attempts";

/// An inventory that answers UNAVAILABLE to its first `failures` requests, then the item; it
/// records the `grpc-previous-rpc-attempts` value of every request it sees.
#[derive(Clone, Default)]
pub struct FlakyInventory {
    failures: usize,
    seen: Arc<Mutex<Vec<Option<String>>>>,
}

impl FlakyInventory {
    /// An inventory failing its first `failures` requests.
    pub fn failing_first(failures: usize) -> Self {
        FlakyInventory {
            failures,
            seen: Arc::default(),
        }
    }

    /// The `grpc-previous-rpc-attempts` header of every request so far, in arrival order
    /// (`None`: the request had none).
    pub fn seen(&self) -> Vec<Option<String>> {
        self.seen.lock().expect("not poisoned").clone()
    }
}

#[tonic::async_trait]
impl Inventory for FlakyInventory {
    async fn get_item(&self, request: Request<GetItemRequest>) -> Result<Response<Item>, Status> {
        let previous = request
            .metadata()
            .get(PREVIOUS_ATTEMPTS)
            .map(|v| v.to_str().unwrap_or("<not ASCII>").to_string());
        let arrived = {
            let mut seen = self.seen.lock().expect("not poisoned");
            seen.push(previous);
            seen.len()
        };
        if arrived <= self.failures {
            return Err(Status::unavailable("warming up"));
        }
        let sku = request.into_inner().sku;
        Ok(Response::new(Item { sku, in_stock: 7 }))
    }
}

/// A server running on 127.0.0.1 until dropped.
pub struct RunningInventory {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl RunningInventory {
    /// Serves `inventory` on 127.0.0.1 at a port the system picks.
    pub async fn start(inventory: FlakyInventory) -> std::io::Result<RunningInventory> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let incoming = tonic::transport::server::TcpIncoming::from(listener);
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(InventoryServer::new(inventory))
                .serve_with_incoming_shutdown(incoming, async {
                    stopped.await.ok();
                }),
        );
        Ok(RunningInventory {
            addr,
            stop: Some(stop),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningInventory {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
    }
}
