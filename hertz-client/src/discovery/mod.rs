//! Service discovery (Hertz's `pkg/app/client/discovery` and `loadbalance`): a request whose
//! options turn discovery on names a *service* as its URL host; the [`Discovery`] middleware
//! asks a [`Resolver`] for the service's [`Instance`]s (cached, refreshed on an interval),
//! lets a [`LoadBalancer`] pick one, and sends the request to that instance's address.
//!
//! ```no_run
//! use hertz_client::discovery::{Discovery, Instance, StaticResolver, WeightedRoundRobin};
//! use hertz_client::{Client, Context, Request, RequestOptions, Response};
//!
//! # async fn run() -> Result<(), hertz_client::Error> {
//! let resolver = StaticResolver::new().service(
//!     "user-service",
//!     vec![
//!         Instance::new("10.0.0.1:8080".parse().unwrap(), 10),
//!         Instance::new("10.0.0.2:8080".parse().unwrap(), 30),
//!     ],
//! );
//! let client = Client::builder()
//!     .use_(Discovery::new(resolver).balancer(WeightedRoundRobin::new()))
//!     .build()?;
//! let mut req = Request::new();
//! req.set_uri("http://user-service/users/1");
//! let mut resp = Response::new();
//! let opts = RequestOptions::new().discovery(true); // opt in, like Hertz's WithSD
//! client.do_with(&Context::background(), &mut req, &mut resp, &opts).await?;
//! # Ok(()) }
//! ```
//!
//! The request keeps its original `Host` (the service name) unless it set one; its URI is
//! restored after the call, so a reused request still names the service.

mod balance;
mod resolvers;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use hertz_protocol::{Context, Request, Response};

use crate::middleware::{BoxFuture, Middleware, Next};
use crate::url::Url;
use crate::{Error, ErrorKind};

pub use balance::{LoadBalancer, WeightedRandom, WeightedRoundRobin};
pub use resolvers::{DnsResolver, StaticResolver};

/// One instance of a service: an address, a weight for the balancer, and tags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    addr: SocketAddr,
    weight: u32,
    tags: Vec<(String, String)>,
}

impl Instance {
    /// An instance at `addr`; weight 0 means "never picked".
    pub fn new(addr: SocketAddr, weight: u32) -> Self {
        Instance {
            addr,
            weight,
            tags: Vec::new(),
        }
    }

    /// Adds a tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// The address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The weight.
    pub fn weight(&self) -> u32 {
        self.weight
    }

    /// A tag's value.
    pub fn get_tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn has_tags(&self, wanted: &[(String, String)]) -> bool {
        wanted.iter().all(|(k, v)| self.get_tag(k) == Some(v))
    }
}

/// Finds the instances of a service.
pub trait Resolver: Send + Sync + 'static {
    /// A name for logs.
    fn name(&self) -> &str;

    /// The instances of `service`; `port` is the URL's (explicit or default) port, for
    /// resolvers such as DNS that only know hosts.
    fn resolve<'a>(
        &'a self,
        service: &'a str,
        port: u16,
    ) -> BoxFuture<'a, Result<Vec<Instance>, Error>>;
}

struct Cached {
    instances: Arc<[Instance]>,
    fetched: Instant,
}

/// The discovery middleware; requests opt in with
/// [`RequestOptions::discovery`](crate::RequestOptions::discovery).
pub struct Discovery {
    resolver: Box<dyn Resolver>,
    balancer: Box<dyn LoadBalancer>,
    refresh: Duration,
    cache: Mutex<HashMap<(String, u16), Cached>>,
}

impl Discovery {
    /// Discovery through `resolver`, weighted random balancing, refresh every 5 s.
    pub fn new(resolver: impl Resolver) -> Self {
        Discovery {
            resolver: Box::new(resolver),
            balancer: Box::new(WeightedRandom::new()),
            refresh: Duration::from_secs(5),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The load balancer.
    pub fn balancer(mut self, balancer: impl LoadBalancer) -> Self {
        self.balancer = Box::new(balancer);
        self
    }

    /// How long resolved instances are used before the resolver is asked again (on the
    /// next request after that; a failed refresh keeps the old list).
    pub fn refresh_interval(mut self, every: Duration) -> Self {
        self.refresh = every;
        self
    }

    async fn instances(&self, service: &str, port: u16) -> Result<Arc<[Instance]>, Error> {
        let key = (service.to_owned(), port);
        let stale = {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            match cache.get(&key) {
                Some(c) if c.fetched.elapsed() < self.refresh => return Ok(c.instances.clone()),
                Some(c) => Some(c.instances.clone()),
                None => None,
            }
        };
        match self.resolver.resolve(service, port).await {
            Ok(found) => {
                let instances: Arc<[Instance]> = found.into();
                let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
                cache.insert(
                    key,
                    Cached {
                        instances: instances.clone(),
                        fetched: Instant::now(),
                    },
                );
                Ok(instances)
            }
            Err(err) => match stale {
                Some(old) => {
                    tracing::warn!(resolver = self.resolver.name(), %service, %err,
                        "refresh failed; using the previous instances");
                    Ok(old)
                }
                None => Err(err),
            },
        }
    }

    async fn route(
        &self,
        ctx: &Context,
        req: &mut Request,
        resp: &mut Response,
        next: Next<'_>,
    ) -> Result<(), Error> {
        let original = req.uri().to_owned();
        let (scheme, service, port, authority, target) = {
            let url = Url::parse(&original)?;
            (url.scheme, url.host, url.port, url.authority, url.target)
        };
        let instances = self.instances(service, port).await?;
        let tags = next.options().tags();
        let eligible: Vec<Instance> = instances
            .iter()
            .filter(|i| i.has_tags(tags))
            .cloned()
            .collect();
        let picked = self
            .balancer
            .pick(service, &eligible)
            .and_then(|i| eligible.get(i))
            .ok_or_else(|| {
                Error::new(ErrorKind::NoInstance).with_detail(format!(
                    "{service} via {} ({} instances, tags {tags:?})",
                    self.resolver.name(),
                    instances.len()
                ))
            })?;
        let set_host = !req.headers().contains("host");
        if set_host {
            req.headers_mut().insert("Host", authority.to_owned());
        }
        req.set_uri(format!("{}://{}{}", scheme.as_str(), picked.addr(), target));
        let res = next.run(ctx, req, resp).await;
        req.set_uri(original);
        if set_host {
            req.headers_mut().remove("host");
        }
        res
    }
}

impl Middleware for Discovery {
    fn call<'a>(
        &'a self,
        ctx: &'a Context,
        req: &'a mut Request,
        resp: &'a mut Response,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<(), Error>> {
        if !next.options().is_discovery() {
            return next.run(ctx, req, resp);
        }
        Box::pin(self.route(ctx, req, resp, next))
    }
}
