//! A small seeded generator (SplitMix64) so the sample data is byte-identical on every run
//! and does not depend on a crate's algorithm choices across versions.

/// Deterministic pseudo-random numbers.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed and a stream label, so independent parts do not shift each other.
    pub fn new(seed: u64, stream: &str) -> Self {
        let mut h = seed ^ 0x9E37_79B9_7F4A_7C15;
        for b in stream.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
        }
        Rng(h)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Roughly normal noise with mean 0 and standard deviation 1 (sum of uniforms).
    pub fn noise(&mut self) -> f64 {
        (0..4)
            .map(|_| self.unit())
            .sum::<f64>()
            .mul_add(3f64.sqrt(), -2.0 * 3f64.sqrt())
    }

    /// A count around `expected`: Poisson-like spread, never negative.
    pub fn count(&mut self, expected: f64) -> u64 {
        if expected <= 0.0 {
            return 0;
        }
        let v = expected + self.noise() * expected.sqrt() * 0.8;
        v.round().max(0.0) as u64
    }

    /// A count of `n` trials with probability `p` (never above `n`).
    pub fn binomial(&mut self, n: u64, p: f64) -> u64 {
        let p = p.clamp(0.0, 1.0);
        if n < 60 {
            return (0..n).filter(|_| self.unit() < p).count() as u64;
        }
        let mean = n as f64 * p;
        let sd = (mean * (1.0 - p)).sqrt();
        (mean + self.noise() * sd).round().clamp(0.0, n as f64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers() {
        let a: Vec<u64> = (0..5)
            .scan(Rng::new(1, "x"), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..5)
            .scan(Rng::new(1, "x"), |r, _| Some(r.next_u64()))
            .collect();
        let c: Vec<u64> = (0..5)
            .scan(Rng::new(1, "y"), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn binomial_stays_in_range() {
        let mut r = Rng::new(7, "b");
        for n in [0, 1, 5, 59, 60, 1000] {
            for _ in 0..50 {
                assert!(r.binomial(n, 0.9) <= n);
            }
        }
    }
}
