//! A fake request for binding tests: no server, just the parts binding reads.

#![allow(dead_code)]

use bytes::Bytes;
use hertz_binding::RequestView;

#[derive(Default, Clone)]
pub struct FakeRequest {
    pub params: Vec<(String, String)>,
    pub query: Vec<u8>,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Bytes,
}

impl FakeRequest {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn param(mut self, k: &str, v: &str) -> Self {
        self.params.push((k.into(), v.into()));
        self
    }

    pub fn query(mut self, q: &str) -> Self {
        self.query = q.as_bytes().to_vec();
        self
    }

    pub fn header(mut self, k: &str, v: impl AsRef<[u8]>) -> Self {
        self.headers.push((k.into(), v.as_ref().to_vec()));
        self
    }

    pub fn body(mut self, b: impl Into<Vec<u8>>) -> Self {
        self.body = Bytes::from(b.into());
        self
    }

    pub fn json(self, b: &str) -> Self {
        self.header("Content-Type", "application/json").body(b)
    }

    pub fn form(self, b: &str) -> Self {
        self.header("Content-Type", "application/x-www-form-urlencoded")
            .body(b)
    }
}

impl RequestView for FakeRequest {
    fn path_param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn query_string(&self) -> &[u8] {
        &self.query
    }

    fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    fn header_all(&self, name: &str) -> Vec<&[u8]> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
            .collect()
    }

    fn body(&self) -> &[u8] {
        &self.body
    }

    fn body_bytes(&self) -> Bytes {
        self.body.clone()
    }
}
