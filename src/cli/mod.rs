//! Subcommands. Each file owns its arguments and its `run`; exit codes (as the README says):
//! 0 success, 1 the thing checked failed, 2 usage or input errors.

mod call;
mod call_load;
mod call_output;
mod check_config;
mod check_config_profiles;
mod format;
mod lints;
mod merge;
mod observe;
mod serve;
mod sim;
mod sim_live;
mod sim_svg;
mod sweep;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// gRPC retries and hedging exactly as gRFC A6 specifies: check a service config, simulate what
/// it does attempt by attempt, or run it for real over HTTP/2.
#[derive(Debug, Parser)]
#[command(name = "hedgehog", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate a service config, explain its policies, and show which gRPC runtimes accept it.
    CheckConfig(check_config::Args),
    // No doc comment here: it would replace the long help that `sim::Args` defines.
    Sim(sim::Args),
    // Long help lives on `sweep::Args` and `merge::Args`.
    Sweep(sweep::Args),
    Merge(merge::Args),
    /// Run the failing echo server (grpc-go's retry demo server).
    Serve(serve::Args),
    /// Call the echo server through the A6 retry layer and show every attempt.
    Call(call::Args),
}

impl Cli {
    /// Runs the chosen subcommand.
    pub fn run(self) -> ExitCode {
        observe::init();
        match self.command {
            Command::CheckConfig(args) => check_config::run(args),
            Command::Sim(args) => sim::run(args),
            Command::Sweep(args) => sweep::run(args),
            Command::Merge(args) => merge::run(args),
            Command::Serve(args) => serve::run(args),
            Command::Call(args) => call::run(args),
        }
    }
}
