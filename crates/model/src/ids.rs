//! Identifiers and the order side.

use std::fmt;

/// An account (a trader's subaccount, or a system account such as the insurance fund).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId(pub u32);

impl AccountId {
    /// The venue's insurance fund: receives liquidation fees, covers bad debt, and (on venues
    /// configured so) takes over positions the book cannot absorb.
    pub const INSURANCE_FUND: AccountId = AccountId(0);
    /// The backstop liquidator vault (Hyperliquid's HLP liquidator) on venues that have one.
    pub const BACKSTOP_VAULT: AccountId = AccountId(1);
    /// The first id available to ordinary accounts.
    pub const FIRST_USER: u32 = 2;

    /// True for the insurance fund and the backstop vault.
    pub const fn is_system(self) -> bool {
        self.0 < AccountId::FIRST_USER
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            AccountId::INSURANCE_FUND => f.write_str("insurance-fund"),
            AccountId::BACKSTOP_VAULT => f.write_str("backstop-vault"),
            AccountId(n) => write!(f, "account-{n}"),
        }
    }
}

/// A market (one perpetual contract) on a venue, indexing `VenueConfig::markets`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MarketId(pub u16);

impl MarketId {
    /// The index into the venue's market list.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// An order id, chosen by the client and unique among the venue's live orders.
///
/// Ids with the top bit set are reserved for orders the engine places itself (liquidations).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderId(pub u64);

impl OrderId {
    /// The bit that marks engine-generated order ids.
    pub const ENGINE_BIT: u64 = 1 << 63;

    /// True if the id is in the engine's reserved range.
    pub const fn is_engine(self) -> bool {
        self.0 & OrderId::ENGINE_BIT != 0
    }
}

/// Buy or sell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// Bid side: buying increases a position.
    Buy,
    /// Ask side: selling decreases a position.
    Sell,
}

impl Side {
    /// +1 for buy, -1 for sell.
    #[inline]
    pub const fn sign(self) -> i64 {
        match self {
            Side::Buy => 1,
            Side::Sell => -1,
        }
    }

    /// The other side.
    #[inline]
    pub const fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }

    /// The side that closes a position of the given sign (a long closes by selling).
    #[inline]
    pub const fn closing(position_sign: i64) -> Side {
        if position_sign > 0 {
            Side::Sell
        } else {
            Side::Buy
        }
    }
}
