//! Built-in resolvers: a static table and DNS.

use std::collections::HashMap;

use super::{Instance, Resolver};
use crate::connector;
use crate::middleware::BoxFuture;
use crate::{Error, ErrorKind};

/// A fixed table of services and their instances.
#[derive(Debug, Default)]
pub struct StaticResolver {
    services: HashMap<String, Vec<Instance>>,
}

impl StaticResolver {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the instances of `name`.
    pub fn service(mut self, name: impl Into<String>, instances: Vec<Instance>) -> Self {
        self.services.insert(name.into(), instances);
        self
    }
}

impl Resolver for StaticResolver {
    fn name(&self) -> &str {
        "static"
    }

    fn resolve<'a>(
        &'a self,
        service: &'a str,
        _port: u16,
    ) -> BoxFuture<'a, Result<Vec<Instance>, Error>> {
        let found = self.services.get(service).cloned().ok_or_else(|| {
            Error::new(ErrorKind::NoInstance).with_detail(format!("unknown service {service}"))
        });
        Box::pin(async move { found })
    }
}

/// Resolves the service name as a DNS host name (system resolver); every address is an
/// instance of weight 10 on the URL's port.
#[derive(Debug, Default)]
pub struct DnsResolver(());

impl DnsResolver {
    /// The resolver.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Resolver for DnsResolver {
    fn name(&self) -> &str {
        "dns"
    }

    fn resolve<'a>(
        &'a self,
        service: &'a str,
        port: u16,
    ) -> BoxFuture<'a, Result<Vec<Instance>, Error>> {
        Box::pin(async move {
            let addrs = connector::resolve(service, port).await?;
            Ok(addrs.into_iter().map(|a| Instance::new(a, 10)).collect())
        })
    }
}
