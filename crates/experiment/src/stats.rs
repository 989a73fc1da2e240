//! Statistics for experiments: paired differences with a 95% t interval, and quantiles.

/// Two-sided 95% Student-t critical values for 1..=30 degrees of freedom.
const T95: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The 95% two-sided t critical value for `df` degrees of freedom (1.96 beyond 120).
pub fn t95(df: usize) -> f64 {
    match df {
        0 => f64::NAN,
        1..=30 => T95[df - 1],
        31..=40 => 2.021,
        41..=60 => 2.000,
        61..=120 => 1.980,
        _ => 1.960,
    }
}

/// Mean and 95% interval of paired differences `variant − baseline` over the seeds where both
/// have a value. With one pair the interval is unknown (NaN bounds).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Paired {
    /// Number of pairs used.
    pub n: usize,
    /// Mean of the baseline over those pairs.
    pub baseline_mean: f64,
    /// Mean of the variant over those pairs.
    pub variant_mean: f64,
    /// Mean difference.
    pub diff_mean: f64,
    /// Lower bound of the 95% interval of the mean difference.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

/// Paired comparison of two equally long series (one value per seed).
pub fn paired(baseline: &[Option<f64>], variant: &[Option<f64>]) -> Paired {
    let pairs: Vec<(f64, f64)> = baseline
        .iter()
        .zip(variant)
        .filter_map(|(b, v)| Some(((*b)?, (*v)?)))
        .filter(|(b, v)| b.is_finite() && v.is_finite())
        .collect();
    let n = pairs.len();
    if n == 0 {
        return Paired {
            n,
            baseline_mean: f64::NAN,
            variant_mean: f64::NAN,
            diff_mean: f64::NAN,
            lo: f64::NAN,
            hi: f64::NAN,
        };
    }
    let nf = n as f64;
    let baseline_mean = pairs.iter().map(|p| p.0).sum::<f64>() / nf;
    let variant_mean = pairs.iter().map(|p| p.1).sum::<f64>() / nf;
    let diffs: Vec<f64> = pairs.iter().map(|(b, v)| v - b).collect();
    let diff_mean = diffs.iter().sum::<f64>() / nf;
    let (lo, hi) = if n > 1 {
        let var = diffs.iter().map(|d| (d - diff_mean).powi(2)).sum::<f64>() / (nf - 1.0);
        let half = t95(n - 1) * (var / nf).sqrt();
        (diff_mean - half, diff_mean + half)
    } else {
        (f64::NAN, f64::NAN)
    };
    Paired { n, baseline_mean, variant_mean, diff_mean, lo, hi }
}

/// The `q`-quantile (0..=1) of values by linear interpolation between closest ranks (the
/// "type 7" rule of R and numpy's default); None for no values.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    Some(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy() {
        // numpy.quantile([1, 2, 3, 4, 10], [0.5, 0.95, 0.99]) = [3.0, 8.8, 9.76]
        let v = [10.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(quantile(&v, 0.5), Some(3.0));
        assert!((quantile(&v, 0.95).unwrap() - 8.8).abs() < 1e-12);
        assert!((quantile(&v, 0.99).unwrap() - 9.76).abs() < 1e-12);
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[7.0], 0.99), Some(7.0));
    }

    #[test]
    fn paired_interval_matches_a_hand_computation() {
        // Differences 1, 2, 3, 4: mean 2.5, sd 1.2910, se 0.6455, t(3) = 3.182.
        let b = [Some(10.0), Some(10.0), Some(10.0), Some(10.0), None];
        let v = [Some(11.0), Some(12.0), Some(13.0), Some(14.0), Some(99.0)];
        let p = paired(&b, &v);
        assert_eq!(p.n, 4);
        assert_eq!(p.diff_mean, 2.5);
        assert!((p.lo - (2.5 - 3.182 * 0.645_497)).abs() < 1e-4, "{p:?}");
        assert!((p.hi - (2.5 + 3.182 * 0.645_497)).abs() < 1e-4);
        let one = paired(&[Some(1.0)], &[Some(2.0)]);
        assert_eq!(one.diff_mean, 1.0);
        assert!(one.lo.is_nan());
        assert_eq!(paired(&[None], &[Some(1.0)]).n, 0);
    }
}
