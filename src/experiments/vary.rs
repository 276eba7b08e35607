//! `--vary PATH=V1,V2,...`: edit one value of a scenario's JSON per variant.
//!
//! The edit works on the scenario *file's* JSON, before it is parsed, so anything a file can
//! say can be swept — a policy field, a latency parameter, a `load` rate. The path must
//! already exist (a typo must not silently add a key the parser then rejects or, worse, a key
//! something ignores); the error names the deepest part that exists and the keys found there.
//!
//! Values: where the file holds a protobuf Duration string (`"0.01s"`), a human duration such
//! as `5ms`, `250us` or `1.5s` is accepted and written back as an exact Duration string; where
//! it holds a number under a `*_ms` key, `5ms` or `2s` becomes milliseconds. Otherwise a value
//! is read as JSON when it parses (`3`, `true`, `{"a":1}`) and as a string when not.

use crate::json::Value;
use crate::scenario::Scenario;

pub use super::error::{NoSuchPath, PathSyntaxError, VaryError};

/// One `--vary`: a path and the values to try, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Vary {
    /// `service_config.methodConfig[0].hedgingPolicy.hedgingDelay`.
    pub path: String,
    /// The raw values as typed.
    pub values: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

impl Vary {
    /// Parses `PATH=V1,V2,...` (commas inside brackets, braces or quotes do not split).
    pub fn parse(text: &str) -> Result<Vary, VaryError> {
        let (path, values) = text
            .split_once('=')
            .ok_or_else(|| VaryError::NoEquals(text.to_string()))?;
        segments(path).map_err(|cause| VaryError::Path {
            text: text.to_string(),
            cause,
        })?;
        let values = split_top_level(values);
        if values.iter().any(|v| v.is_empty()) {
            return Err(VaryError::EmptyValue(text.to_string()));
        }
        Ok(Vary {
            path: path.to_string(),
            values,
        })
    }

    /// The last key of the path, for short labels: `hedgingDelay`.
    pub fn short(&self) -> String {
        match segments(&self.path).ok().and_then(|s| s.last().cloned()) {
            Some(Seg::Key(k)) => k,
            _ => self.path.clone(),
        }
    }
}

fn split_top_level(text: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quoted) = (Vec::new(), String::new(), 0i32, false);
    for ch in text.chars() {
        match ch {
            '"' => quoted = !quoted,
            '[' | '{' if !quoted => depth += 1,
            ']' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    out.push(cur);
    out.into_iter().map(|s| s.trim().to_string()).collect()
}

fn segments(path: &str) -> Result<Vec<Seg>, PathSyntaxError> {
    let bad = |problem: String| PathSyntaxError {
        path: path.to_string(),
        problem,
    };
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if key.is_empty() {
            return Err(bad("empty key".to_string()));
        }
        out.push(Seg::Key(key.to_string()));
        while !rest.is_empty() {
            let (idx, after) = rest
                .split_once(']')
                .ok_or_else(|| bad("unclosed [".to_string()))?;
            let i = idx
                .parse::<usize>()
                .map_err(|_| bad(format!("[{idx}] is not an index")))?;
            out.push(Seg::Index(i));
            rest = after.strip_prefix('[').unwrap_or(after);
            if !after.is_empty() && !after.starts_with('[') {
                return Err(bad(format!("unexpected \"{after}\"")));
            }
        }
    }
    Ok(out)
}

/// A human duration (`5ms`, `0.01s`, `250us`, `10ns`, `2m`, `1h`) in nanoseconds, exactly.
pub fn parse_duration(text: &str) -> Option<u64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (num, unit) = text.split_at(split);
    let scale: u64 = match unit {
        "ns" => 1,
        "us" | "µs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    };
    let (whole, frac) = num.split_once('.').unwrap_or((num, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || !digits(frac) {
        return None;
    }
    let w: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut total = w.checked_mul(scale)?;
    let mut place = scale;
    for d in frac.chars() {
        place /= 10;
        let digit = u64::from(d.to_digit(10)?);
        if place == 0 {
            if digit != 0 {
                return None; // finer than a nanosecond
            }
            continue;
        }
        total = total.checked_add(digit * place)?;
    }
    Some(total)
}

/// `ns` as a protobuf JSON Duration: `0.005s`, `1s`.
fn proto_duration(ns: u64) -> String {
    let (s, frac) = (ns / 1_000_000_000, ns % 1_000_000_000);
    if frac == 0 {
        format!("{s}s")
    } else {
        format!("{s}.{}s", format!("{frac:09}").trim_end_matches('0'))
    }
}

fn is_proto_duration(v: &Value) -> bool {
    v.as_str()
        .and_then(|s| s.strip_suffix('s'))
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// The JSON value `raw` becomes at a place currently holding `old` under key `key`.
fn coerce(raw: &str, old: &Value, key: Option<&str>) -> Value {
    if is_proto_duration(old) {
        if let Some(ns) = parse_duration(raw) {
            return Value::String(proto_duration(ns));
        }
    }
    if old.is_number() && key.is_some_and(|k| k.ends_with("_ms")) {
        if let Some(ns) = parse_duration(raw) {
            if let Some(n) = crate::json::Number::from_f64(ns as f64 / 1e6) {
                return Value::Number(n);
            }
        }
    }
    crate::json::parse(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
}

/// Sets `path` in `root` to `raw` (coerced as described in the module docs). A top-level
/// scenario key that has a default and may be absent ([`Scenario::DEFAULTED_KEYS`]:
/// `profile`, `jitter`) is added when the file lacks it, so `--vary profile=a6,grpc-go`
/// works on any scenario.
pub fn apply(root: &mut Value, path: &str, raw: &str) -> Result<(), NoSuchPath> {
    let segs = segments(path)?;
    if let ([Seg::Key(key)], Value::Object(map)) = (segs.as_slice(), &mut *root) {
        if Scenario::DEFAULTED_KEYS.contains(&key.as_str()) && map.get(key).is_none() {
            map.insert(key.clone(), Value::String(raw.to_string()));
            return Ok(());
        }
    }
    let mut here = root;
    let mut walked = String::new();
    let last = segs.len() - 1;
    for (i, seg) in segs.iter().enumerate() {
        let shown = if walked.is_empty() {
            "the top level".to_string()
        } else {
            walked.clone()
        };
        let next = match seg {
            Seg::Key(k) => {
                let found = here.as_object().map(|m| {
                    let keys: Vec<&str> = m.keys().map(String::as_str).collect();
                    keys.join(", ")
                });
                match here.get_mut(k.as_str()) {
                    Some(v) => v,
                    None => {
                        let path = path.to_string();
                        return Err(match found {
                            Some(keys) => NoSuchPath::NoKey {
                                path,
                                key: k.clone(),
                                at: shown,
                                keys,
                            },
                            None => NoSuchPath::NotObject { path, at: shown },
                        });
                    }
                }
            }
            Seg::Index(n) => {
                let len = here.as_array().map(Vec::len);
                match here.get_mut(*n) {
                    Some(v) => v,
                    None => {
                        let path = path.to_string();
                        return Err(match len {
                            Some(len) => NoSuchPath::NoIndex {
                                path,
                                at: shown,
                                len,
                                index: *n,
                            },
                            None => NoSuchPath::NotArray { path, at: shown },
                        });
                    }
                }
            }
        };
        match seg {
            Seg::Key(k) if walked.is_empty() => walked = k.clone(),
            Seg::Key(k) => walked = format!("{walked}.{k}"),
            Seg::Index(n) => walked = format!("{walked}[{n}]"),
        }
        if i == last {
            let key = match seg {
                Seg::Key(k) => Some(k.as_str()),
                Seg::Index(_) => None,
            };
            *next = coerce(raw, next, key);
            return Ok(());
        }
        here = next;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::test_json as json;

    fn doc() -> Value {
        json!({"service_config": {"methodConfig": [{"hedgingPolicy":
            {"maxAttempts": 2, "hedgingDelay": "0.01s"}}]},
            "client": {"deadline_ms": 100}})
    }

    #[test]
    fn durations_become_exact_duration_strings() {
        let mut v = doc();
        let p = "service_config.methodConfig[0].hedgingPolicy.hedgingDelay";
        for (raw, want) in [
            ("5ms", "0.005s"),
            ("0.02s", "0.02s"),
            ("1.5s", "1.5s"),
            ("250us", "0.00025s"),
        ] {
            apply(&mut v, p, raw).unwrap();
            assert_eq!(
                v["service_config"]["methodConfig"][0]["hedgingPolicy"]["hedgingDelay"],
                want
            );
        }
        apply(&mut v, "client.deadline_ms", "2s").unwrap();
        assert_eq!(v["client"]["deadline_ms"], json!(2000.0));
        apply(
            &mut v,
            "service_config.methodConfig[0].hedgingPolicy.maxAttempts",
            "3",
        )
        .unwrap();
        assert_eq!(
            v["service_config"]["methodConfig"][0]["hedgingPolicy"]["maxAttempts"],
            3
        );
    }

    #[test]
    fn profile_and_jitter_may_be_varied_on_a_file_without_them() {
        let mut v = json!({"name": "x", "client": {}});
        apply(&mut v, "profile", "grpc-js").unwrap();
        apply(&mut v, "jitter", "none").unwrap();
        assert_eq!(v["profile"], Value::String("grpc-js".into()));
        assert_eq!(v["jitter"], Value::String("none".into()));
        apply(&mut v, "profile", "c-core").unwrap();
        assert_eq!(v["profile"], Value::String("c-core".into()));
        assert!(
            apply(&mut v, "seeds", "[1]").is_err(),
            "only defaulted keys are added"
        );
    }

    #[test]
    fn missing_paths_are_explained() {
        let mut v = doc();
        let e = apply(
            &mut v,
            "service_config.methodConfig[0].retryPolicy.maxAttempts",
            "3",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("no key \"retryPolicy\" at service_config.methodConfig[0]"),
            "{e}"
        );
        assert!(e.contains("keys there: hedgingPolicy"), "{e}");
        let e = apply(&mut v, "service_config.methodConfig[2].x", "3")
            .unwrap_err()
            .to_string();
        assert!(e.contains("has 1 elements, no [2]"), "{e}");
        assert!(Vary::parse("a.b").is_err());
        assert!(Vary::parse("a[x]=1").is_err());
    }

    #[test]
    fn values_split_at_top_level_commas_only() {
        let v = Vary::parse(r#"a.b=1,{"x":[1,2]},"c,d""#).unwrap();
        assert_eq!(v.values, ["1", r#"{"x":[1,2]}"#, r#""c,d""#]);
        assert_eq!(
            Vary::parse("x.hedgingDelay=5ms").unwrap().short(),
            "hedgingDelay"
        );
        assert_eq!(parse_duration("0.5ns"), None);
        assert_eq!(parse_duration("1.5s"), Some(1_500_000_000));
    }
}
