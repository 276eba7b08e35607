//! Which `methodConfig` entry applies to an RPC (R11, R15).
//!
//! Exact `service/method` first, then the service's default, then the global default. The
//! chosen entry applies whole: a method entry that sets only `timeout` has no policy, even if
//! its service's entry has a `retryPolicy` — fields are never merged across entries. Names are
//! unique (R14), so at most one entry matches at each level.

use super::{MethodConfig, Policy, ServiceConfig};

impl ServiceConfig {
    fn find(&self, service: Option<&str>, method: Option<&str>) -> Option<&MethodConfig> {
        self.method_configs.iter().find(|mc| {
            mc.names
                .iter()
                .any(|n| n.service.as_deref() == service && n.method.as_deref() == method)
        })
    }

    pub(crate) fn select_impl(&self, service: &str, method: &str) -> Option<&MethodConfig> {
        let service = (!service.is_empty()).then_some(service);
        let method = (!method.is_empty()).then_some(method);
        let exact = match (service, method) {
            (Some(_), Some(_)) => self.find(service, method),
            _ => None,
        };
        exact
            .or_else(|| service.and_then(|s| self.find(Some(s), None)))
            .or_else(|| self.find(None, None))
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
