//! Property tests over mutated scenario files: take a valid file from sims/, change one to
//! three of its nodes (drop a key, swap a value's type, extreme numbers, huge durations, wrong
//! enum words, deep nesting, long arrays), then parse it and, if it parses, simulate it with
//! small caps. Whatever the mutation, nothing panics or aborts, every error names the file and a
//! JSON path, and the run's memory stays bounded (the caps below keep every case small).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hedgehog::json::Value;
use hedgehog::scenario::{scenario_files, Scenario};
use hedgehog::sim::run::{summary, trace};
use hedgehog::trace::render::to_text;
use proptest::prelude::*;

/// The test's caps on what one case may simulate, far under the library's (docs/scenarios.md):
/// enough to run every code path, small enough that a case takes milliseconds.
const MAX_CALLS: u64 = 20;
const MAX_ATTEMPTS_LIMIT: u32 = 16;
const MAX_CLIENTS: u64 = 3;
const MAX_FAN_OUT: u32 = 3;
/// Arrivals per client over a load run.
const MAX_ARRIVALS: u64 = 40;

/// The shipped scenario files: (path, parsed JSON).
fn shipped() -> &'static [(PathBuf, Value)] {
    static FILES: OnceLock<Vec<(PathBuf, Value)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let sims = Path::new(env!("CARGO_MANIFEST_DIR")).join("sims");
        // The scenarios, and the load-world ones among the experiments (not the occ study).
        [sims.clone(), sims.join("experiments")]
            .iter()
            .flat_map(|dir| scenario_files(dir).expect("sims/ is readable"))
            .map(|file| {
                let text = std::fs::read_to_string(&file).expect("readable");
                let value = hedgehog::json::parse(&text).expect("shipped files are JSON");
                (file, value)
            })
            .filter(|(_, value)| value.get("model").is_none())
            .collect()
    })
}

/// Numbers no field expects: huge, negative, tiny, out of every integer type.
const NUMBERS: &[&str] = &[
    "1e300",
    "-1",
    "-0.0",
    "0",
    "18446744073709551615",
    "18446744073709551616",
    "4294967295",
    "4294967296",
    "1e-300",
    "1e999",
    "-1e999",
    "0.5",
    "123456789012345678901234567890",
];

/// Strings where a duration, a status, an enum word or a path is expected.
const WORDS: &[&str] = &[
    "NaN",
    "inf",
    "-Infinity",
    "20000000000s",
    "99999999999999999999s",
    "1e300s",
    "-1s",
    "0s",
    ".000000001s",
    "1ms",
    "",
    "UNAVAILABLE",
    "unavailable",
    "14",
    "CANCELED",
    "fast",
    "repeat",
    "last",
    "poisson",
    "hold",
    "spec",
    "echo.Echo/UnaryEcho",
    "../nowhere.json",
    "\u{0}",
];

/// A hostile leaf value.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop::sample::select(NUMBERS).prop_map(|n| hedgehog::json::parse(n).unwrap_or(Value::Null)),
        prop::sample::select(WORDS).prop_map(|w| Value::String(w.to_string())),
        (-3i64..100_000).prop_map(|n| Value::from(n as f64)),
    ]
}

/// A replacement: a leaf, a nesting of it up to 64 deep, a long array of it (within the
/// test's caps: a few hundred elements), or a small object.
fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => leaf(),
        1 => (leaf(), 1usize..64).prop_map(|(v, depth)| {
            (0..depth).fold(v, |inner, _| Value::Array(vec![inner]))
        }),
        1 => (leaf(), 0usize..400).prop_map(|(v, n)| Value::Array(vec![v; n])),
        1 => prop::collection::vec((prop::sample::select(WORDS), leaf()), 0..4).prop_map(|kv| {
            Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
        }),
    ]
}

/// One change at the `n`-th node (pre-order, counted modulo the tree's size).
#[derive(Clone, Debug)]
enum Mutation {
    /// Replace the node.
    Replace(usize, Value),
    /// Drop the node's first, middle or last key, if it is an object.
    DropKey(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), replacement()).prop_map(|(n, v)| Mutation::Replace(n, v)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(n, k)| Mutation::DropKey(n, k)),
    ]
}

fn size(v: &Value) -> usize {
    1 + match v {
        Value::Array(items) => items.iter().map(size).sum(),
        Value::Object(map) => map.values().map(size).sum(),
        _ => 0,
    }
}

/// The `n`-th node of `v` in pre-order.
fn node(v: &mut Value, n: usize) -> Option<&mut Value> {
    if n == 0 {
        return Some(v);
    }
    let mut n = n - 1;
    let children: Vec<&mut Value> = match v {
        Value::Array(items) => items.iter_mut().collect(),
        Value::Object(map) => map.values_mut().collect(),
        _ => return None,
    };
    for child in children {
        let s = size(child);
        if n < s {
            return node(child, n);
        }
        n -= s;
    }
    None
}

fn apply(value: &mut Value, m: &Mutation) {
    let total = size(value);
    match m {
        Mutation::Replace(n, new) => {
            if let Some(v) = node(value, n % total) {
                *v = new.clone();
            }
        }
        Mutation::DropKey(n, k) => {
            if let Some(Value::Object(map)) = node(value, n % total) {
                let key = map.keys().nth(k % map.len().max(1)).cloned();
                if let Some(key) = key {
                    map.remove(&key);
                }
            }
        }
    }
}

/// Brings a parsed scenario under the test's caps (what it may simulate, not what it may say).
fn capped(mut s: Scenario) -> Scenario {
    s.client.calls = s.client.calls.min(MAX_CALLS);
    s.client.max_attempts_limit = s.client.max_attempts_limit.min(MAX_ATTEMPTS_LIMIT);
    s.seeds.truncate(2);
    if let Some(load) = &mut s.load {
        load.clients = load.clients.min(MAX_CLIENTS);
        load.fan_out = load.fan_out.min(MAX_FAN_OUT);
        if let Some(arrivals) = &mut load.arrivals {
            // rate_milli arrivals per 1000 s: at most MAX_ARRIVALS over the run.
            let span = MAX_ARRIVALS.saturating_mul(1_000 * 1_000_000_000) / arrivals.rate_milli;
            arrivals.duration = arrivals.duration.min(span.max(1));
        }
    }
    s
}

/// Parses the mutated file and, if it is a scenario, simulates it under the caps; every error
/// must name the file and a JSON path.
fn check(file: &Path, value: &Value) {
    let label = file.display().to_string();
    let base = file.parent().expect("sims/");
    match Scenario::from_value(value, base, &label) {
        Err(e) => {
            assert_eq!(e.file, label, "{e}");
            assert!(!e.problems.is_empty(), "{e}");
            for p in &e.problems {
                assert!(!p.path.is_empty() && !p.message.is_empty(), "{e}");
            }
            assert!(e.to_string().starts_with(&label), "{e}");
        }
        Ok(s) => {
            let s = capped(s);
            for &seed in &s.seeds {
                let sum = summary(&s, seed);
                let t = trace(&s, seed);
                assert_eq!(t.calls.len() as u64, sum.calls(), "{label} seed {seed}");
                for c in &t.calls {
                    assert!(
                        c.ended >= c.started,
                        "{label}: call {} ends before it starts",
                        c.call
                    );
                    for a in &c.attempts {
                        let ended = a.ended.unwrap_or(a.sent);
                        assert!(ended >= a.sent, "{label}: attempt ends before it is sent");
                    }
                }
                let _ = to_text(&t, &s.description);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_scenario_files_never_panic_and_name_file_and_path(
        which in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let (file, value) = &shipped()[which.index(shipped().len())];
        let mut value = value.clone();
        for m in &mutations {
            apply(&mut value, m);
        }
        check(file, &value);
    }
}

#[test]
fn every_shipped_file_passes_the_check_unmutated() {
    assert!(
        shipped().iter().any(|(_, v)| v.get("load").is_some()),
        "a load-world file"
    );
    for (file, value) in shipped() {
        check(file, value);
        let s = Scenario::from_value(value, file.parent().unwrap(), "f").expect("valid");
        assert!(!s.seeds.is_empty());
    }
}
