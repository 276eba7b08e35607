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
    fn find(&self, service: Option<&str>, method: Option<&str>) -> Option<&MethodConfig> {
        self.method_configs.iter().find(|mc| {
            mc.names
                .iter()
                .any(|n| n.service.as_deref() == service && n.method.as_deref() == method)
        })
    }

    pub(crate) fn select_impl(&self, service: &str, method: &str) -> Option<&MethodConfig> {
        self.select_as(service, method, Selection::A6)
    }

    /// The entry `service`/`method` gets from a reader that looks only at `selection`'s
    /// levels (R15 for every gRPC runtime).
    pub fn select_as(
        &self,
        service: &str,
        method: &str,
        selection: Selection,
    ) -> Option<&MethodConfig> {
        let service = (!service.is_empty()).then_some(service);
        let method = (!method.is_empty()).then_some(method);
        let exact = match (service, method) {
            (Some(_), Some(_)) => self.find(service, method),
            _ => None,
        };
        if selection == Selection::ExactOnly {
            return exact;
        }
        let by_service = exact.or_else(|| service.and_then(|s| self.find(Some(s), None)));
        if selection == Selection::NoGlobalDefault {
            return by_service;
        }
        by_service.or_else(|| self.find(None, None))
    }

    /// The entry for an RPC path: `/echo.Echo/UnaryEcho` or `echo.Echo/UnaryEcho`; a path
    /// without a method part (`echo.Echo`) finds the service's default or the global default.
    pub fn select_entry_for_path(&self, path: &str) -> Option<&MethodConfig> {
        let path = path.strip_prefix('/').unwrap_or(path);
        let (service, method) = path.split_once('/').unwrap_or((path, ""));
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
}
