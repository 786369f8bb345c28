//! Start-up ratios a reader can trust: paired launches (Keydesk and the bare app alternating),
//! the median ratio with a bootstrap 95% interval over the pairs, and the fastest-decile ratio,
//! which WebKit's occasional late start (~0.5 s, in every app alike) cannot reach.

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// The `p`-quantile (0..=1) of `values`, nearest rank.
pub fn quantile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The mean of the fastest tenth of `values` (at least one value).
pub fn fastest_decile(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let n = (sorted.len() / 10).max(1).min(sorted.len());
    sorted[..n].iter().sum::<f64>() / n as f64
}

/// A small, seeded generator (xorshift64*): the interval is reproducible for the same figures.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
    }
}

/// The ratio of medians `median(a) / median(b)` over paired runs, with its bootstrap 95%
/// interval: `resamples` draws of the pairs with replacement, keeping each pair together
/// (a slow moment of the machine hits both launches of a pair alike).
pub struct RatioEstimate {
    pub ratio: f64,
    pub low: f64,
    pub high: f64,
}

impl RatioEstimate {
    /// The interval's larger half-width relative to the ratio (0.10 = ±10%).
    pub fn relative_half_width(&self) -> f64 {
        ((self.high - self.ratio).max(self.ratio - self.low)) / self.ratio
    }
}

pub fn median_ratio(a: &[f64], b: &[f64], resamples: usize) -> RatioEstimate {
    assert_eq!(a.len(), b.len(), "paired runs");
    let ratio = median(a) / median(b);
    let n = a.len();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut ratios = Vec::with_capacity(resamples);
    let (mut sa, mut sb) = (vec![0.0; n], vec![0.0; n]);
    for _ in 0..resamples {
        for i in 0..n {
            let j = rng.below(n);
            sa[i] = a[j];
            sb[i] = b[j];
        }
        ratios.push(median(&sa) / median(&sb));
    }
    RatioEstimate {
        ratio,
        low: quantile(&ratios, 0.025),
        high: quantile(&ratios, 0.975),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_apps_give_a_ratio_of_one_with_a_narrow_interval() {
        let a: Vec<f64> = (0..30).map(|i| 300.0 + (i % 7) as f64).collect();
        let estimate = median_ratio(&a, &a, 2000);
        assert!((estimate.ratio - 1.0).abs() < 1e-9);
        assert!(estimate.relative_half_width() < 0.01);
    }

    #[test]
    fn a_few_late_starts_move_neither_the_median_ratio_nor_the_fastest_decile() {
        let bare: Vec<f64> = (0..30).map(|i| 300.0 + (i % 5) as f64).collect();
        let mut keydesk: Vec<f64> = bare.iter().map(|b| b * 1.05).collect();
        keydesk[3] += 500.0;
        keydesk[17] += 500.0;
        let estimate = median_ratio(&keydesk, &bare, 2000);
        assert!((estimate.ratio - 1.05).abs() < 0.02, "{}", estimate.ratio);
        assert!(estimate.low <= estimate.ratio && estimate.ratio <= estimate.high);
        let fast = fastest_decile(&keydesk) / fastest_decile(&bare);
        assert!((fast - 1.05).abs() < 0.01, "{fast}");
    }

    #[test]
    fn scattered_launches_give_a_wide_interval() {
        let bare: Vec<f64> = (0..30).map(|i| 300.0 + (i * 37 % 300) as f64).collect();
        let keydesk: Vec<f64> = (0..30).map(|i| 300.0 + (i * 53 % 500) as f64).collect();
        assert!(median_ratio(&keydesk, &bare, 2000).relative_half_width() > 0.10);
    }
}
