//! This crate's own service config in hedgehog's simulator: a scripted server failing two
//! attempts of every three, every attempt of every call, snapshotted with insta. A change to the
//! config (or to hedgehog) that changes what the client does shows up as a snapshot diff.

use std::path::Path;

use hedgehog::code::Code;
use hedgehog::{render, Scenario};
use inventory_downstream::SERVICE_CONFIG;

fn scenario() -> Scenario {
    let text = format!(
        r#"{{
  "name": "inventory-flaky",
  "description": "Two UNAVAILABLE then OK, over and over; maxAttempts 4 absorbs it.",
  "service_config": {SERVICE_CONFIG},
  "jitter": "none",
  "server": {{
    "schedule": {{ "script": [
      {{ "status": "UNAVAILABLE" }},
      {{ "status": "UNAVAILABLE", "pushback_ms": "30" }},
      {{ "status": "OK" }}
    ], "then": "repeat" }},
    "latency": {{ "fixed_ms": 2 }}
  }},
  "client": {{ "method": "inventory.v1.Inventory/GetItem", "message": "hedgehog-plush",
              "calls": 2, "interval_ms": 100, "deadline_ms": 1000 }}
}}"#
    );
    let value = hedgehog::json::parse(&text).expect("the scenario is JSON");
    Scenario::from_value(&value, Path::new("."), "inventory-flaky").expect("a valid scenario")
}

#[test]
fn every_call_succeeds_on_its_third_attempt() {
    let trace = hedgehog::simulate(&scenario(), 1);
    for call in &trace.calls {
        assert_eq!(call.status, Code::Ok);
        let previous: Vec<_> = call.attempts.iter().map(|a| a.previous).collect();
        assert_eq!(previous, [None, Some(1), Some(2)], "R74");
    }
    // The pushback of 30 ms replaces the backoff before the third attempt, with no jitter (R36).
    let first = &trace.calls[0].attempts;
    assert_eq!(first[2].sent - first[1].ended.expect("ended"), 30_000_000);
}

#[test]
fn the_trace_is_snapshotted() {
    let trace = hedgehog::simulate(&scenario(), 1);
    insta::assert_snapshot!(render::to_yaml(&trace));
}
