//! A `hedgehog serve` child process for the tests that run it: started on a free port, its
//! address read from its first line, stopped with Ctrl-C, every wait bounded.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The `hedgehog` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_hedgehog");
/// How long any one wait may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// A `hedgehog serve --port 0` child, its first stdout line read; killed on drop.
pub struct Serve {
    child: Option<Child>,
    /// Its stdout after the first line, until a test takes it.
    pub stdout: Option<BufReader<ChildStdout>>,
    /// The port it listens on.
    pub port: u16,
}

impl Serve {
    /// Starts `hedgehog serve --port 0 ARGS` and reads its address line (bounded).
    pub fn start(args: &[&str]) -> Serve {
        let mut child = Command::new(BIN)
            .args(["serve", "--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn hedgehog serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        // Read the first line on a thread, so a silent server fails the test instead of hanging.
        std::thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            let mut first = String::new();
            let _ = stdout.read_line(&mut first);
            let _ = tx.send((first, stdout));
        });
        let (first, stdout) = rx.recv_timeout(WAIT).expect("serve prints its address");
        let port = first
            .trim_end()
            .strip_prefix("listen on address 127.0.0.1:")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
        Serve {
            child: Some(child),
            stdout: Some(stdout),
            port,
        }
    }

    /// The URI a client calls it at.
    pub fn target(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its process id, as `kill` takes it.
    pub fn pid(&self) -> String {
        self.child.as_ref().expect("running").id().to_string()
    }

    /// Whether it still runs.
    pub fn alive(&mut self) -> bool {
        let child = self.child.as_mut().expect("running");
        child.try_wait().expect("try_wait").is_none()
    }

    /// Ctrl-C (SIGINT).
    pub fn interrupt(&self) {
        let sent = Command::new("kill")
            .args(["-INT", &self.pid()])
            .status()
            .expect("run kill");
        assert!(sent.success());
    }

    /// Waits (bounded) for the exit; returns its status and stderr.
    pub fn exit(&mut self) -> (ExitStatus, String) {
        let mut child = self.child.take().expect("running");
        let pid = child.id().to_string();
        let mut stderr: ChildStderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            let _ = tx.send((child.wait(), text));
        });
        match rx.recv_timeout(WAIT) {
            Ok((status, text)) => (status.expect("wait"), text),
            Err(_) => {
                let _ = Command::new("kill").args(["-KILL", &pid]).status();
                panic!("hedgehog serve did not exit within {WAIT:?}");
            }
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
