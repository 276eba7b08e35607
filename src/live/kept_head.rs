//! [`KeptHead`]: the copy of the application's request head a call keeps for its later
//! attempts.
//!
//! Every call through the layer makes one (a transparent retry, R70, can follow any first
//! attempt), and most calls never use it: the first attempt goes out with the application's
//! own head. So the copy is built to be cheap to make and to drop rather than to use: its
//! headers are a list, inline for a few (a tonic request has two of its own, `te` and
//! `content-type`), rather than a header map, two allocations (its index table and its
//! entries). A later attempt rebuilds the map from the list, appending in the order the
//! application's map iterates, so the rebuilt map iterates (and goes on the wire) the same.
//! Its extensions are, for a tonic client's request, just the method's name
//! ([`tonic::GrpcMethod`]): that one value is kept as it is, and put in a new map only for
//! an attempt that needs it, rather than the map cloned (three allocations: the map, its
//! table, the boxed value) and dropped at every call. Any other extensions are kept as a
//! clone of the whole map.

use http::request::Parts;
use http::{Extensions, HeaderMap, HeaderName, HeaderValue, Request};
use smallvec::SmallVec;
use tonic::GrpcMethod;

use super::transport::RequestTemplate;

/// The application's request head, copied for the attempts after the first. The default is
/// an empty head (`GET /`, no headers, no extensions).
#[derive(Debug, Clone, Default)]
pub(super) struct KeptHead {
    method: http::Method,
    uri: http::Uri,
    version: http::Version,
    /// Every header value with its name, in the map's iteration order.
    headers: HeaderList,
    extensions: KeptExtensions,
}

/// Header names and values, inline up to three: a tonic request's two and a `grpc-timeout`
/// (`Request::set_timeout`). Each is 72 bytes, and the list moves with the transport into
/// the call's driver: two or three cost the same to move (callgrind), four more.
type HeaderList = SmallVec<[(HeaderName, HeaderValue); 3]>;

/// The application's request extensions, as kept for later attempts.
#[derive(Debug, Clone, Default)]
enum KeptExtensions {
    /// None at all.
    #[default]
    Empty,
    /// Only the method's name, which tonic's generated clients put on every request.
    Method(GrpcMethod<'static>),
    /// Anything else: the whole map.
    Map(Extensions),
}

impl KeptExtensions {
    /// A copy of `extensions`, which hold what `hold` says.
    fn of(extensions: &Extensions, hold: ExtensionsHold<'_>) -> Self {
        match hold {
            ExtensionsHold::Nothing => KeptExtensions::Empty,
            ExtensionsHold::MethodOnly(method) => KeptExtensions::Method(method.clone()),
            ExtensionsHold::Other => KeptExtensions::Map(extensions.clone()),
        }
    }

    /// A map holding what was kept.
    fn to_extensions(&self) -> Extensions {
        match self {
            KeptExtensions::Empty => Extensions::new(),
            KeptExtensions::Method(method) => {
                let mut extensions = Extensions::new();
                extensions.insert(method.clone());
                extensions
            }
            KeptExtensions::Map(extensions) => extensions.clone(),
        }
    }
}

/// What a request's extensions hold, as far as the layer needs to know: looked at once per
/// call (each typed lookup hashes into the map).
#[derive(Clone, Copy, Debug)]
pub(super) enum ExtensionsHold<'a> {
    /// Nothing.
    Nothing,
    /// Tonic's method name alone, as a tonic client's request does.
    MethodOnly(&'a GrpcMethod<'static>),
    /// Anything else: per-call options or a call index may be among them.
    Other,
}

impl<'a> ExtensionsHold<'a> {
    /// What `extensions` hold.
    pub(super) fn of(extensions: &'a Extensions) -> Self {
        match extensions.len() {
            0 => ExtensionsHold::Nothing,
            1 => match extensions.get::<GrpcMethod<'static>>() {
                Some(method) => ExtensionsHold::MethodOnly(method),
                None => ExtensionsHold::Other,
            },
            _ => ExtensionsHold::Other,
        }
    }

    /// Only the method's name, or nothing: no per-call options or call index to look up.
    pub(super) fn is_plain(self) -> bool {
        !matches!(self, ExtensionsHold::Other)
    }
}

impl KeptHead {
    /// A copy of `template`'s head.
    #[cfg(test)]
    pub(super) fn of(template: &RequestTemplate) -> Self {
        KeptHead::with(template, ExtensionsHold::of(template.extensions()))
    }

    /// A copy of `template`'s head, whose extensions hold what `hold` says.
    pub(super) fn with(template: &RequestTemplate, hold: ExtensionsHold<'_>) -> Self {
        let head = template.parts();
        // The list is filled first and the head built last, where it is returned: filled
        // inside a head already built, the head (some 300 bytes) was moved twice more.
        let mut headers = HeaderList::new();
        for (name, value) in &head.headers {
            headers.push((name.clone(), value.clone()));
        }
        KeptHead {
            method: head.method.clone(),
            uri: head.uri.clone(),
            version: head.version,
            headers,
            extensions: KeptExtensions::of(&head.extensions, hold),
        }
    }

    /// `template`'s head itself, kept (no attempt went out with it).
    pub(super) fn from_template(template: RequestTemplate) -> Self {
        let head = template.into_parts();
        let mut headers = HeaderList::with_capacity(head.headers.len());
        let mut name: Option<HeaderName> = None;
        for (n, v) in head.headers {
            // The map names each run of values once, at its first value.
            if let Some(n) = n {
                name = Some(n);
            }
            if let Some(n) = &name {
                headers.push((n.clone(), v));
            }
        }
        KeptHead {
            method: head.method,
            uri: head.uri,
            version: head.version,
            headers,
            // Moved, not copied: nothing to save by looking into it.
            extensions: KeptExtensions::Map(head.extensions),
        }
    }

    /// The head of a later attempt: the application's, rebuilt.
    pub(super) fn to_parts(&self) -> Parts {
        let (mut head, ()) = Request::new(()).into_parts();
        head.method = self.method.clone();
        head.uri = self.uri.clone();
        head.version = self.version;
        let mut headers = HeaderMap::with_capacity(self.headers.len());
        for (name, value) in &self.headers {
            headers.append(name.clone(), value.clone());
        }
        head.headers = headers;
        head.extensions = self.extensions.to_extensions();
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> RequestTemplate {
        template_with(|extensions| {
            extensions.insert(7u32);
        })
    }

    fn template_with(extend: impl FnOnce(&mut Extensions)) -> RequestTemplate {
        let mut request = Request::post("http://example.test/echo.Echo/UnaryEcho")
            .header("te", "trailers")
            .header("x-multi", "1")
            .header("content-type", "application/grpc")
            .header("x-multi", "2")
            .header("x-multi", "3")
            .body(())
            .expect("a request");
        extend(request.extensions_mut());
        RequestTemplate::new(request.into_parts().0)
    }

    fn listed(headers: &HeaderMap) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().expect("ascii").to_string()))
            .collect()
    }

    #[test]
    fn a_kept_head_rebuilds_the_application_head_in_its_order_r74() {
        // Five values (past the inline list) and two (within it).
        let few = Request::post("http://example.test/echo.Echo/UnaryEcho")
            .header("te", "trailers")
            .header("content-type", "application/grpc")
            .extension(7u32)
            .body(())
            .expect("a request");
        let few = RequestTemplate::new(few.into_parts().0);
        for template in [template(), few] {
            a_kept_head_rebuilds(template);
        }
    }

    fn a_kept_head_rebuilds(template: RequestTemplate) {
        for kept in [
            KeptHead::of(&template),
            KeptHead::from_template(template.clone()),
        ] {
            let rebuilt = kept.to_parts();
            assert_eq!(listed(&rebuilt.headers), listed(template.headers()));
            assert_eq!(rebuilt.uri, template.parts().uri);
            assert_eq!(rebuilt.method, http::Method::POST);
            assert_eq!(rebuilt.extensions.get::<u32>(), Some(&7));
        }
    }

    fn method(extensions: &Extensions) -> Option<(&str, &str)> {
        let method = extensions.get::<GrpcMethod<'static>>()?;
        Some((method.service(), method.method()))
    }

    #[test]
    fn a_later_attempt_carries_every_extension_whichever_way_they_were_kept_r74() {
        let named = GrpcMethod::new("echo.Echo", "UnaryEcho");
        // Only tonic's method name (kept as the value itself); with another value (the map);
        // none at all.
        let only_method = template_with(|e| {
            e.insert(named.clone());
        });
        let with_more = template_with(|e| {
            e.insert(named.clone());
            e.insert(7u32);
        });
        let none = template_with(|_| {});
        for kept in [
            KeptHead::of(&only_method),
            KeptHead::from_template(only_method),
        ] {
            let rebuilt = kept.to_parts().extensions;
            assert_eq!(method(&rebuilt), Some(("echo.Echo", "UnaryEcho")));
            assert_eq!(rebuilt.len(), 1);
        }
        for kept in [KeptHead::of(&with_more), KeptHead::from_template(with_more)] {
            let rebuilt = kept.to_parts().extensions;
            assert_eq!(method(&rebuilt), Some(("echo.Echo", "UnaryEcho")));
            assert_eq!(rebuilt.get::<u32>(), Some(&7));
            assert_eq!(rebuilt.len(), 2);
        }
        for kept in [KeptHead::of(&none), KeptHead::from_template(none)] {
            assert!(kept.to_parts().extensions.is_empty());
        }
    }
}
