//! [`KeptHead`]: the copy of the application's request head a call keeps for its later
//! attempts.
//!
//! Every call through the layer makes one (a transparent retry, R70, can follow any first
//! attempt), and most calls never use it: the first attempt goes out with the application's
//! own head. So the copy is built to be cheap to make and to drop rather than to use: its
//! headers are a list, one allocation, rather than a header map, two (its index table and its
//! entries). A later attempt rebuilds the map from the list, appending in the order the
//! application's map iterates, so the rebuilt map iterates (and goes on the wire) the same.

use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Request};

use super::transport::RequestTemplate;

/// The application's request head, copied for the attempts after the first.
#[derive(Debug, Clone)]
pub(super) struct KeptHead {
    method: http::Method,
    uri: http::Uri,
    version: http::Version,
    /// Every header value with its name, in the map's iteration order.
    headers: Vec<(HeaderName, HeaderValue)>,
    extensions: http::Extensions,
}

impl KeptHead {
    /// A copy of `template`'s head.
    pub(super) fn of(template: &RequestTemplate) -> Self {
        let head = template.parts();
        let mut headers = Vec::with_capacity(head.headers.len());
        headers.extend(head.headers.iter().map(|(n, v)| (n.clone(), v.clone())));
        KeptHead {
            method: head.method.clone(),
            uri: head.uri.clone(),
            version: head.version,
            headers,
            extensions: head.extensions.clone(),
        }
    }

    /// `template`'s head itself, kept (no attempt went out with it).
    pub(super) fn from_template(template: RequestTemplate) -> Self {
        let head = template.into_parts();
        let mut headers = Vec::with_capacity(head.headers.len());
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
            extensions: head.extensions,
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
        head.extensions = self.extensions.clone();
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> RequestTemplate {
        let mut request = Request::post("http://example.test/echo.Echo/UnaryEcho")
            .header("te", "trailers")
            .header("x-multi", "1")
            .header("content-type", "application/grpc")
            .header("x-multi", "2")
            .header("x-multi", "3")
            .body(())
            .expect("a request");
        request.extensions_mut().insert(7u32);
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
        let template = template();
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
}
