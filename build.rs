//! With the `echo` feature, compiles proto/echo.proto with protox (a pure-Rust protobuf
//! compiler), so a fresh machine builds with `cargo build` alone: no system `protoc`. Without
//! it there is nothing to build: a library user pays for no protobuf compiler. (Cargo compiles
//! the build script with the package's features, so `cfg(feature = "echo")` is the same test
//! as `CARGO_FEATURE_ECHO`, and it also leaves out the optional build-dependencies' code.)

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "echo")]
    {
        println!("cargo:rerun-if-changed=proto/echo.proto");
        let fds = protox::compile(["echo.proto"], ["proto"])?;
        tonic_prost_build::configure().compile_fds(fds)?;
    }
    Ok(())
}
