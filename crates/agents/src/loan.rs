//! A loan-based market maker: it quotes a token it borrowed from the project, holding a call
//! option on it (strike). While the option is in the money it makes a market like any maker;
//! when the price falls below the strike — the option out of the money — or the project recalls
//! the loan, it withdraws its quotes, and out of the money it sells part of the borrowed
//! inventory (it owes tokens, not dollars, so selling high and buying back low pays).

use cascade_model::Side;
use cascade_sim::{Agent, Ctx, Signal};

use crate::common::{market_order, position, secs, Place};
use crate::maker::{MakerParams, MarketMaker};

/// Loan terms on top of the maker's quoting parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct LoanParams {
    /// How it quotes while it quotes.
    pub maker: MakerParams,
    /// Call option strike, USD per token.
    pub strike_usd: f64,
    /// Share of the remaining inventory sold per refresh while out of the money (0: none).
    pub dump_fraction: f64,
    /// Market-order slippage bound, fraction.
    pub slippage: f64,
}

/// See the module documentation.
#[derive(Clone, Debug)]
pub struct LoanMaker {
    params: LoanParams,
    maker: MarketMaker,
    recalled: bool,
    withdrawn: bool,
}

impl LoanMaker {
    /// A loan-based maker.
    pub fn new(params: LoanParams) -> LoanMaker {
        let maker = MarketMaker::new(params.maker.clone());
        LoanMaker { params, maker, recalled: false, withdrawn: false }
    }

    fn place(&self) -> Place {
        self.params.maker.place
    }
}

impl Agent for LoanMaker {
    fn start(&mut self, ctx: &mut Ctx<'_>) {
        self.maker.start(ctx);
    }

    fn wake(&mut self, ctx: &mut Ctx<'_>) {
        let p = self.place();
        let mid = ctx.snapshot(p.venue, p.market).and_then(|s| s.mid());
        let price_usd = mid.map(|m| m.get() as f64 * ctx.tick_usd(p.venue, p.market));
        let out_of_money = price_usd.is_some_and(|px| px < self.params.strike_usd);
        if self.recalled || out_of_money {
            if !self.withdrawn {
                self.maker.signal(ctx, &Signal { name: "pull_quotes".into(), value: None });
                self.withdrawn = true;
            }
            let held = position(ctx, p);
            if out_of_money && !self.recalled && held > 0 && self.params.dump_fraction > 0.0 {
                if let Some(mid) = mid {
                    let lots = ((held as f64 * self.params.dump_fraction).ceil() as i64).min(held);
                    market_order(ctx, p, Side::Sell, mid, lots, self.params.slippage, true);
                }
            }
            ctx.wake_in(secs(self.params.maker.refresh_s));
            return;
        }
        if self.withdrawn {
            self.maker.signal(ctx, &Signal { name: "resume".into(), value: None });
            self.withdrawn = false;
        }
        self.maker.wake(ctx);
    }

    fn signal(&mut self, ctx: &mut Ctx<'_>, signal: &Signal) {
        if signal.name == "recall" {
            self.recalled = true;
            self.withdrawn = true;
            self.maker.signal(ctx, &Signal { name: "pull_quotes".into(), value: None });
        } else {
            self.maker.signal(ctx, signal);
        }
    }
}
