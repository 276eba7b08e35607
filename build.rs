//! Compiles proto/echo.proto with protox (a pure-Rust protobuf compiler), so a fresh machine
//! builds with `cargo build` alone: no system `protoc`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/echo.proto");
    let fds = protox::compile(["echo.proto"], ["proto"])?;
    tonic_prost_build::configure().compile_fds(fds)?;
    Ok(())
}
