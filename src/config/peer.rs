//! The four gRPC runtimes portability warnings talk about, and how each one is named for people.
//!
//! The display names are the ones `check-config` prints and puts in its JSON output, so a user
//! can grep for the runtime they deploy (`C-core (grpcio)` covers grpcio, C++, Ruby and PHP).

use super::Peer;

impl Peer {
    /// Every peer, in the order tables list them.
    pub const ALL: [Peer; 4] = [Peer::Go, Peer::Java, Peer::Core, Peer::Node];

    /// `grpc-go`, `grpc-java`, `C-core (grpcio)` or `grpc-js`.
    pub fn display_name(self) -> &'static str {
        match self {
            Peer::Go => "grpc-go",
            Peer::Java => "grpc-java",
            Peer::Core => "C-core (grpcio)",
            Peer::Node => "grpc-js",
        }
    }

    /// The peers not in `peers`, in [`Peer::ALL`] order.
    pub fn all_except(peers: &[Peer]) -> Vec<Peer> {
        Peer::ALL
            .into_iter()
            .filter(|p| !peers.contains(p))
            .collect()
    }
}

/// `grpc-go, grpc-java` for a list of peers.
pub(crate) fn list(peers: &[Peer]) -> String {
    peers
        .iter()
        .map(|p| p.display_name())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_complements() {
        assert_eq!(list(&[Peer::Go, Peer::Core]), "grpc-go, C-core (grpcio)");
        assert_eq!(
            Peer::all_except(&[Peer::Go]),
            [Peer::Java, Peer::Core, Peer::Node]
        );
    }
}
