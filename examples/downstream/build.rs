//! Compiles proto/inventory.proto with protox (pure Rust, no system `protoc`): this crate's own
//! build-time work, not hedgehog's.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/inventory.proto");
    let fds = protox::compile(["inventory.proto"], ["proto"])?;
    tonic_prost_build::configure().compile_fds(fds)?;
    Ok(())
}
