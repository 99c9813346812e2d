//! Load balancers: pick one instance by weight.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use super::Instance;

/// Picks an instance of a service.
pub trait LoadBalancer: Send + Sync + 'static {
    /// The index of the chosen instance in `instances`; `None` when none can be chosen
    /// (empty list, all weights zero).
    fn pick(&self, service: &str, instances: &[Instance]) -> Option<usize>;
}

/// Picks at random with probability proportional to weight (Hertz's default).
#[derive(Debug, Default)]
pub struct WeightedRandom(());

impl WeightedRandom {
    /// The balancer.
    pub fn new() -> Self {
        Self::default()
    }
}

impl LoadBalancer for WeightedRandom {
    fn pick(&self, _service: &str, instances: &[Instance]) -> Option<usize> {
        let total: u64 = instances.iter().map(|i| u64::from(i.weight())).sum();
        if total == 0 {
            return None;
        }
        let mut ticket = fastrand::u64(0..total);
        instances.iter().position(|i| {
            let w = u64::from(i.weight());
            if ticket < w {
                true
            } else {
                ticket -= w;
                false
            }
        })
    }
}

/// Smooth weighted round robin (nginx's): over any window of `sum(weights)` picks, each
/// instance is chosen exactly `weight` times, interleaved rather than in runs.
#[derive(Debug, Default)]
pub struct WeightedRoundRobin {
    /// Per service: the running "current weight" of each instance.
    state: Mutex<HashMap<String, Vec<i64>>>,
}

impl WeightedRoundRobin {
    /// The balancer.
    pub fn new() -> Self {
        Self::default()
    }
}

impl LoadBalancer for WeightedRoundRobin {
    fn pick(&self, service: &str, instances: &[Instance]) -> Option<usize> {
        let total: i64 = instances.iter().map(|i| i64::from(i.weight())).sum();
        if total == 0 {
            return None;
        }
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let current = state.entry(service.to_owned()).or_default();
        if current.len() != instances.len() {
            *current = vec![0; instances.len()];
        }
        let mut best = None;
        for (i, inst) in instances.iter().enumerate() {
            current[i] += i64::from(inst.weight());
            if inst.weight() > 0 && best.is_none_or(|b: usize| current[i] > current[b]) {
                best = Some(i);
            }
        }
        let best = best?;
        current[best] -= total;
        Some(best)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instances(weights: &[u32]) -> Vec<Instance> {
        weights
            .iter()
            .enumerate()
            .map(|(i, &w)| Instance::new(([127, 0, 0, 1], 1000 + i as u16).into(), w))
            .collect()
    }

    #[test]
    fn round_robin_is_smooth_and_exact() {
        let lb = WeightedRoundRobin::new();
        let list = instances(&[5, 1, 1]);
        let picks: Vec<usize> = (0..7).map(|_| lb.pick("s", &list).unwrap()).collect();
        assert_eq!(picks, [0, 0, 1, 0, 2, 0, 0]);
        let mut counts = [0; 3];
        for _ in 0..700 {
            counts[lb.pick("s", &list).unwrap()] += 1;
        }
        assert_eq!(counts, [500, 100, 100]);
    }

    #[test]
    fn zero_weights_are_never_picked() {
        let list = instances(&[0, 3, 0]);
        for _ in 0..50 {
            assert_eq!(WeightedRandom::new().pick("s", &list), Some(1));
            assert_eq!(WeightedRoundRobin::new().pick("s", &list), Some(1));
        }
        assert_eq!(WeightedRandom::new().pick("s", &instances(&[0, 0])), None);
        assert_eq!(WeightedRoundRobin::new().pick("s", &[]), None);
    }

    #[test]
    fn random_follows_weights() {
        let list = instances(&[1, 9]);
        let lb = WeightedRandom::new();
        let heavy = (0..10_000)
            .filter(|_| lb.pick("s", &list) == Some(1))
            .count();
        // Binomial(10000, 0.9): mean 9000, sd 30; 8700..9300 is ten sd either way.
        assert!((8700..9300).contains(&heavy), "{heavy}");
    }
}
