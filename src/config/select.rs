//! Which `methodConfig` entry applies to an RPC (R11, R15).
//!
//! Exact `service/method` first, then the service's default, then the global default. The
//! chosen entry applies whole: a method entry that sets only `timeout` has no policy, even if
//! its service's entry has a `retryPolicy` — fields are never merged across entries. Names are
//! unique (R14), so at most one entry matches at each level.

use super::{MethodConfig, Policy, ServiceConfig};

/// Which levels of R15's lookup a reader of the config uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Selection {
    /// R15: the exact name, the service's default, the global default. Every gRPC runtime.
    #[default]
    A6,
    /// The exact name, then the service's default; a global default (`{}`) applies to
    /// nothing: gapic-generator-go (`grpc_service_config/config.go`) and gapic-generator-java
    /// (`GapicServiceConfig`).
    NoGlobalDefault,
    /// The exact `{service, method}` name only: gapic-generator-python
    /// (`_get_retry_and_timeout` looks for the method's own selector in each `name` list).
    ExactOnly,
}

impl ServiceConfig {
    pub(crate) fn select_impl(&self, service: &str, method: &str) -> Option<&MethodConfig> {
        self.select_as(service, method, Selection::A6)
    }

    /// The entry `service`/`method` gets from a reader that looks only at `selection`'s
    /// levels (R15 for every gRPC runtime).
    ///
    /// One pass over the names, comparing each once (the live layer selects per request):
    /// the first exact match ends it; the first service default and the first global default
    /// met on the way are kept for when none does. Names are unique (R14), so "first" only
    /// matters for a config that was not validated, where it is the entry listed first.
    pub fn select_as(
        &self,
        service: &str,
        method: &str,
        selection: Selection,
    ) -> Option<&MethodConfig> {
        let service = (!service.is_empty()).then_some(service);
        let method = (!method.is_empty()).then_some(method);
        let (mut by_service, mut global) = (None, None);
        for mc in &self.method_configs {
            for name in &mc.names {
                match (name.service.as_deref(), name.method.as_deref()) {
                    (Some(s), Some(m)) if Some(s) == service && Some(m) == method => {
                        return Some(mc);
                    }
                    (Some(s), None) if Some(s) == service => {
                        by_service = by_service.or(Some(mc));
                    }
                    (None, None) => global = global.or(Some(mc)),
                    _ => {}
                }
            }
        }
        match selection {
            Selection::ExactOnly => None,
            Selection::NoGlobalDefault => by_service,
            Selection::A6 => by_service.or(global),
        }
    }

    /// The entry for an RPC path: `/echo.Echo/UnaryEcho` or `echo.Echo/UnaryEcho`; a path
    /// without a method part (`echo.Echo`) finds the service's default or the global default.
    pub fn select_entry_for_path(&self, path: &str) -> Option<&MethodConfig> {
        let path = path.strip_prefix('/').unwrap_or(path);
        // A byte scan: `split_once('/')` goes through the general `memchr`, about twice the
        // instructions for a path of a few dozen bytes (the live layer selects per request).
        let (service, method) = match path.bytes().position(|b| b == b'/') {
            Some(slash) => (&path[..slash], &path[slash + 1..]),
            None => (path, ""),
        };
        self.select_impl(service, method)
    }

    /// The policy for an RPC path (see [`ServiceConfig::select_entry_for_path`]), or
    /// [`Policy::None`] when no entry matches (R1).
    pub fn select_path(&self, path: &str) -> Policy {
        self.select_entry_for_path(path)
            .map(|mc| mc.policy.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse_str, ParseOptions};

    #[test]
    fn each_reader_looks_at_its_own_levels_r15() {
        let text = r#"{"methodConfig": [
            {"name": [{"service": "s", "method": "m"}], "timeout": "1s"},
            {"name": [{"service": "s"}], "timeout": "2s"},
            {"name": [{}], "timeout": "3s"}]}"#;
        let config = parse_str(text, &ParseOptions::default())
            .expect("valid")
            .config;
        let timeout = |service, method, selection| {
            config
                .select_as(service, method, selection)
                .and_then(|mc| mc.timeout)
                .map(|t| t / 1_000_000_000)
        };
        let all = [
            Selection::A6,
            Selection::NoGlobalDefault,
            Selection::ExactOnly,
        ];
        // The exact name: every reader.
        assert_eq!(all.map(|s| timeout("s", "m", s)), [Some(1); 3]);
        // The service's default: all but gapic-generator-python.
        assert_eq!(all.map(|s| timeout("s", "x", s)), [Some(2), Some(2), None]);
        // The global default: A6 only.
        assert_eq!(all.map(|s| timeout("t", "x", s)), [Some(3), None, None]);
    }

    #[test]
    fn the_level_decides_not_the_order_and_the_first_of_a_level_wins_r14_r15() {
        // The global default and the service's listed before the exact name.
        let text = r#"{"methodConfig": [
            {"name": [{}], "timeout": "3s"},
            {"name": [{"service": "t"}, {"service": "s"}], "timeout": "2s"},
            {"name": [{"service": "s", "method": "x"}, {"service": "s", "method": "m"}],
             "timeout": "1s"}]}"#;
        let mut config = parse_str(text, &ParseOptions::default())
            .expect("valid")
            .config;
        // A config nobody validated may repeat a name (R14 forbids it): the entry listed first
        // keeps it, at every level.
        let again = config.method_configs.clone();
        for (mut mc, secs) in again.into_iter().zip([30, 20, 10]) {
            mc.timeout = Some(secs * 1_000_000_000);
            config.method_configs.push(mc);
        }
        let seconds = |service, method| {
            let entry = config.select_as(service, method, Selection::A6);
            entry.and_then(|mc| mc.timeout).map(|t| t / 1_000_000_000)
        };
        assert_eq!(seconds("s", "m"), Some(1));
        assert_eq!(seconds("s", "y"), Some(2));
        assert_eq!(seconds("t", "m"), Some(2));
        assert_eq!(seconds("u", "m"), Some(3));
        assert_eq!(seconds("", ""), Some(3), "no service: the global default");
        let exact_only = config.select_as("s", "", Selection::ExactOnly);
        assert!(exact_only.is_none(), "no method: nothing exact");
    }
}
