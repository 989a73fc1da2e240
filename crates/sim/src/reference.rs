//! Exogenous reference prices: labelled inputs from outside the venues under test (a price on
//! other exchanges, a macro shock, a recorded path). A geometric Brownian motion, a jump-diffusion
//! or a recorded series of `(seconds, price)` points.

use crate::rng::Rng;

/// How the reference price moves.
#[derive(Clone, Debug, PartialEq)]
pub enum ReferenceModel {
    /// Geometric Brownian motion with annualised drift and volatility.
    Gbm {
        /// Annual drift (0.0 for none).
        drift_annual: f64,
        /// Annual volatility (0.8 = 80%).
        volatility_annual: f64,
    },
    /// GBM plus Poisson jumps of a mean relative size (negative for crashes).
    JumpDiffusion {
        /// Annual drift.
        drift_annual: f64,
        /// Annual volatility.
        volatility_annual: f64,
        /// Expected jumps per hour.
        jumps_per_hour: f64,
        /// Mean jump as a fraction (−0.05 = 5% down).
        jump_mean: f64,
        /// Standard deviation of the jump fraction.
        jump_stdev: f64,
    },
    /// A recorded path: `(seconds from start, price)`, held constant between points.
    Series(Vec<(f64, f64)>),
}

/// A reference price path stepped at a fixed interval.
#[derive(Clone, Debug)]
pub struct ReferencePath {
    model: ReferenceModel,
    price: f64,
    rng: Rng,
    next_point: usize,
    /// Scheduled shocks: `(seconds from start, multiplicative factor)`, applied once each.
    shocks: Vec<(f64, f64)>,
}

const SECONDS_PER_YEAR: f64 = 365.0 * 24.0 * 3600.0;

impl ReferencePath {
    /// A path starting at `start_price`.
    pub fn new(
        model: ReferenceModel,
        start_price: f64,
        rng: Rng,
        mut shocks: Vec<(f64, f64)>,
    ) -> ReferencePath {
        shocks.sort_by(|a, b| a.0.total_cmp(&b.0));
        let price = match &model {
            ReferenceModel::Series(points) => points.first().map_or(start_price, |p| p.1),
            _ => start_price,
        };
        ReferencePath { model, price, rng, next_point: 0, shocks }
    }

    /// The current price.
    pub fn price(&self) -> f64 {
        self.price
    }

    /// Advances to time `t_s` (seconds from start) over a step of `dt_s`.
    pub fn step(&mut self, t_s: f64, dt_s: f64) -> f64 {
        match &self.model {
            ReferenceModel::Gbm { drift_annual, volatility_annual } => {
                self.price *= gbm_factor(&mut self.rng, *drift_annual, *volatility_annual, dt_s);
            }
            ReferenceModel::JumpDiffusion {
                drift_annual,
                volatility_annual,
                jumps_per_hour,
                jump_mean,
                jump_stdev,
            } => {
                self.price *= gbm_factor(&mut self.rng, *drift_annual, *volatility_annual, dt_s);
                if self.rng.chance(jumps_per_hour * dt_s / 3600.0) {
                    let jump = jump_mean + jump_stdev * self.rng.normal();
                    self.price *= (1.0 + jump).max(0.01);
                }
            }
            ReferenceModel::Series(points) => {
                while self.next_point < points.len() && points[self.next_point].0 <= t_s {
                    self.price = points[self.next_point].1;
                    self.next_point += 1;
                }
            }
        }
        while let Some(&(at, factor)) = self.shocks.first() {
            if at > t_s {
                break;
            }
            self.price *= factor;
            self.shocks.remove(0);
        }
        self.price = self.price.max(1e-12);
        self.price
    }
}

fn gbm_factor(rng: &mut Rng, drift: f64, vol: f64, dt_s: f64) -> f64 {
    let dt = dt_s / SECONDS_PER_YEAR;
    libm::exp((drift - 0.5 * vol * vol) * dt + vol * libm::sqrt(dt) * rng.normal())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_steps_through_points_and_shocks_apply_once() {
        let model = ReferenceModel::Series(vec![(0.0, 100.0), (10.0, 90.0), (20.0, 95.0)]);
        let mut p = ReferencePath::new(model, 1.0, Rng::new(1), vec![(15.0, 0.5)]);
        assert_eq!(p.step(5.0, 1.0), 100.0);
        assert_eq!(p.step(10.0, 1.0), 90.0);
        assert_eq!(p.step(15.0, 1.0), 45.0);
        assert_eq!(p.step(16.0, 1.0), 45.0);
        assert_eq!(p.step(20.0, 1.0), 95.0);
    }

    #[test]
    fn gbm_is_reproducible_and_moves() {
        let model = ReferenceModel::Gbm { drift_annual: 0.0, volatility_annual: 1.0 };
        let run = || {
            let mut p = ReferencePath::new(model.clone(), 100.0, Rng::new(9), Vec::new());
            (1..=600).map(|t| p.step(t as f64, 1.0)).collect::<Vec<f64>>()
        };
        let (a, b) = (run(), run());
        assert_eq!(a, b);
        assert!(a.iter().any(|&x| (x - 100.0).abs() > 0.1));
    }
}
