//! [`RunningServer`]: a test server on its own thread — the echo server, or any server
//! behaviour ([`RunningServer::start_behaviour`]) — with a handle to watch and stop it.
//!
//! Why a thread with a current-thread runtime: the server model hands out steps in *arrival
//! order*, and the simulator defines that order for attempts sent at the same instant as the
//! order they were sent. On one HTTP/2 connection, streams arrive in the order the
//! client opened them, and a current-thread runtime runs the per-stream tasks hyper spawns in
//! FIFO order, so handlers reach the model in stream order. On a multi-threaded runtime two
//! workers could race and swap simultaneous hedges. It also keeps the server's work off the
//! caller's runtime, as a separate process would.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use std::convert::Infallible;
use std::sync::Arc;

use tonic::body::Body;
#[cfg(feature = "echo")]
use tonic::service::Routes;
use tower::util::BoxCloneSyncService;

mod preface_deadline;

use preface_deadline::PrefaceDeadline;

use super::behaviour_service::BehaviourService;
#[cfg(feature = "echo")]
use super::echo_service::EchoService;
use super::served_attempt::ServedAttempt;
#[cfg(feature = "echo")]
use super::served_attempt::StepSource;
use crate::scenario::behaviour::Behaviour;

/// A running test server (the echo server, or a [`Behaviour`] for any method).
pub struct RunningServer {
    /// The address it listens on (the real port when bound to port 0).
    pub local_addr: SocketAddr,
    /// Per-attempt records, in the order attempts ended.
    pub attempts: mpsc::UnboundedReceiver<ServedAttempt>,
    graceful: Option<oneshot::Sender<()>>,
    abort: Option<oneshot::Sender<()>>,
    done: oneshot::Receiver<Result<(), ServerError>>,
}

/// Why the echo server stopped other than by being asked to; it prints as its cause does.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Its thread could not build a runtime or adopt the bound listener.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// tonic's server failed while serving.
    #[error(transparent)]
    Transport(#[from] tonic::transport::Error),
}

/// How a [`RunningServer`] treats its connections.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerOptions {
    /// A connection that has not sent the HTTP/2 preface this long after it was accepted is
    /// closed (default 5 s), so silent peers cannot hold sockets forever.
    pub preface_timeout: Duration,
}

impl Default for ServerOptions {
    fn default() -> ServerOptions {
        ServerOptions {
            preface_timeout: Duration::from_secs(5),
        }
    }
}

impl ServerOptions {
    /// These options with `timeout` for the HTTP/2 preface.
    pub fn preface_timeout(mut self, timeout: Duration) -> ServerOptions {
        self.preface_timeout = timeout;
        self
    }
}

/// A server's whole service, whatever it is made of: tonic routes (the echo server) or one
/// service for every path (a behaviour).
type AnyService = BoxCloneSyncService<http::Request<Body>, http::Response<Body>, Infallible>;

async fn serve(
    listener: std::net::TcpListener,
    service: AnyService,
    options: ServerOptions,
    graceful: oneshot::Receiver<()>,
    abort: oneshot::Receiver<()>,
) -> Result<(), ServerError> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let preface = options.preface_timeout;
    let incoming = futures_util::StreamExt::map(
        tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
        move |accepted| accepted.map(|stream| PrefaceDeadline::new(stream, preface)),
    );
    let server = tonic::transport::Server::builder().serve_with_incoming_shutdown(
        service,
        incoming,
        async move {
            let _ = graceful.await;
        },
    );
    tokio::select! {
        // A graceful end first; an abort (the handle was dropped) drops every connection.
        biased;
        result = server => Ok(result?),
        _ = abort => Ok(()),
    }
}

impl RunningServer {
    /// Binds `addr` and serves the echo service answering from `source` on it, on a thread
    /// of its own.
    #[cfg(feature = "echo")]
    #[cfg_attr(docsrs, doc(cfg(feature = "echo")))]
    pub async fn start(
        addr: SocketAddr,
        source: impl StepSource,
    ) -> std::io::Result<RunningServer> {
        Self::start_with(addr, source, ServerOptions::default()).await
    }

    /// [`Self::start`] with `options`.
    #[cfg(feature = "echo")]
    #[cfg_attr(docsrs, doc(cfg(feature = "echo")))]
    pub async fn start_with(
        addr: SocketAddr,
        source: impl StepSource,
        options: ServerOptions,
    ) -> std::io::Result<RunningServer> {
        let (service, attempts) = EchoService::new(source);
        Self::serve(
            addr,
            BoxCloneSyncService::new(Routes::new(service)),
            options,
            attempts,
        )
    }

    /// Binds `addr` (`127.0.0.1:0` for a test) and serves `behaviour`, drawing from the server
    /// streams of `seed`, for every method of every service, on a thread of its own: the same
    /// behaviour value the simulator runs ([`crate::sim::run::trace_with_behaviour`]), over
    /// real HTTP/2, for a client generated from any proto. See [`BehaviourService`].
    pub async fn start_behaviour(
        addr: SocketAddr,
        behaviour: Arc<dyn Behaviour>,
        seed: u64,
    ) -> std::io::Result<RunningServer> {
        let (service, attempts) = BehaviourService::new(behaviour, seed);
        let options = ServerOptions::default();
        Self::serve(addr, BoxCloneSyncService::new(service), options, attempts)
    }

    /// Binds `addr` and serves `service` on a thread of its own, its records arriving on
    /// `attempts`.
    fn serve(
        addr: SocketAddr,
        service: AnyService,
        options: ServerOptions,
        attempts: mpsc::UnboundedReceiver<ServedAttempt>,
    ) -> std::io::Result<RunningServer> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let local_addr = listener.local_addr()?;
        let (graceful_tx, graceful) = oneshot::channel();
        let (abort_tx, abort) = oneshot::channel();
        let (done_tx, done) = oneshot::channel();
        std::thread::Builder::new()
            .name("hedgehog-test-server".into())
            .spawn(move || {
                let result = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(serve(listener, service, options, graceful, abort)),
                    Err(e) => Err(e.into()),
                };
                let _ = done_tx.send(result);
            })?;
        Ok(RunningServer {
            local_addr,
            attempts,
            graceful: Some(graceful_tx),
            abort: Some(abort_tx),
            done,
        })
    }

    /// `http://ADDR`, for a client channel.
    pub fn uri(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// The next finished attempt, or `None` after `timeout`.
    pub async fn next_attempt(&mut self, timeout: Duration) -> Option<ServedAttempt> {
        tokio::time::timeout(timeout, self.attempts.recv())
            .await
            .ok()
            .flatten()
    }

    /// Stops accepting, lets running requests and open connections finish, and waits.
    pub async fn shutdown(mut self) -> Result<(), ServerError> {
        if let Some(tx) = self.graceful.take() {
            let _ = tx.send(());
        }
        (&mut self.done).await.unwrap_or(Ok(()))
    }

    /// Shuts down gracefully and returns the attempts not yet taken from [`Self::attempts`]
    /// (every handler has ended by then, so none is missing).
    pub async fn stop(mut self) -> Vec<ServedAttempt> {
        if let Some(tx) = self.graceful.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.done).await;
        let mut rest = Vec::new();
        while let Ok(record) = self.attempts.try_recv() {
            rest.push(record);
        }
        rest
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.abort.take() {
            let _ = tx.send(());
        }
    }
}
