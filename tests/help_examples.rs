//! Every example in every subcommand's `--help` runs: `sim --help` once cited a file that
//! did not exist. Each example runs through `sh` in a scratch directory that sees the
//! repository's `sims/` (so `--plot out/` and `> shard-2.json` write there), bounded by a
//! timeout. `serve` examples must print their address (on port 0 when the example names no
//! port: the default one may be taken where tests run); `call` examples run against a
//! `hedgehog serve` child. An example may exit 0 or 1 (1: the thing checked failed, as for
//! a config that `--strict` rejects); 2 (bad usage or input) or a timeout fails the test.
#![cfg(all(feature = "cli", unix))] // runs the `hedgehog` binary through `sh`

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_hedgehog");
const TIMEOUT: Duration = Duration::from_secs(120);

fn stdout_of(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).output().expect("run hedgehog");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The subcommands `hedgehog --help` lists.
fn subcommands() -> Vec<String> {
    let help = stdout_of(&["--help"]);
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// The `hedgehog ...` lines after `Examples:` in `hedgehog <sub> --help`.
fn examples(sub: &str) -> Vec<String> {
    stdout_of(&[sub, "--help"])
        .lines()
        .skip_while(|l| !l.starts_with("Examples:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(str::trim)
        .filter(|l| l.starts_with("hedgehog "))
        .map(str::to_string)
        .collect()
}

/// A fresh directory that sees the repository's `sims/`.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let sims = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sims");
    std::os::unix::fs::symlink(sims, dir.join("sims")).expect("link sims/");
    dir
}

fn shell(example: &str, dir: &PathBuf) -> Command {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(example.replace("hedgehog ", &format!("{BIN} ")))
        .current_dir(dir);
    command
}

/// Runs `example` to its end, failing the test if it takes longer than [`TIMEOUT`].
fn run_bounded(example: &str, dir: &PathBuf) -> Output {
    let child = shell(example, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sh");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(TIMEOUT) {
        Ok(out) => out.expect("wait for the example"),
        Err(_) => {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            panic!("{example:?} did not finish within {TIMEOUT:?}");
        }
    }
}

/// Starts `example` (a `serve` command, run with `exec` so killing the child kills the
/// server) and returns it with its port, once it has printed its address.
fn start_server(example: &str, dir: &PathBuf) -> (Child, u16) {
    let mut child = shell(&format!("exec {example}"), dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Drains to the end: a server whose stdout closed would stop logging mid-test.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(20));
    let port = first
        .as_ref()
        .ok()
        .and_then(|l| l.strip_prefix("listen on address 127.0.0.1:"))
        .and_then(|p| p.parse().ok());
    match port {
        Some(port) => (child, port),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{example:?} did not print its address: {first:?}");
        }
    }
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn every_help_example_runs() {
    let subs = subcommands();
    assert!(subs.iter().any(|s| s == "sim"), "{subs:?}");
    let mut ran = 0;
    for sub in &subs {
        for (i, example) in examples(sub).iter().enumerate() {
            let dir = scratch(&format!("help-example-{sub}-{i}"));
            let example = example.clone();
            let out = match sub.as_str() {
                "serve" => {
                    let example = if example.contains("--port") {
                        example
                    } else {
                        format!("{example} --port 0")
                    };
                    stop(start_server(&example, &dir).0);
                    ran += 1;
                    continue;
                }
                "call" => {
                    let (server, port) = start_server("hedgehog serve --port 0", &dir);
                    let target = format!(" --target http://127.0.0.1:{port}");
                    let out = run_bounded(&(example.clone() + &target), &dir);
                    stop(server);
                    out
                }
                _ => run_bounded(&example, &dir),
            };
            let code = out.status.code();
            assert!(
                matches!(code, Some(0 | 1)),
                "{example:?} exited {code:?}\nstdout: {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            ran += 1;
        }
    }
    // check-config, sim, sweep, serve and call each have examples.
    assert!(ran >= 10, "only {ran} examples found");
}
