import Foundation

/// The fan funnel's steps, in order: follow → join the community → first
/// purchase → repurchase → referral (docs/analytics.md, "Fan analytics").
public enum FunnelStepKind: String, CaseIterable, Sendable, Codable {
    case follow
    case joinCommunity = "join_community"
    case firstPurchase = "first_purchase"
    case repurchase
    case referral

    /// The step's place, 0 for the follow.
    public var index: Int { Self.allCases.firstIndex(of: self)! }
}

/// How purchases and refunds count. The event API does not say which
/// purchase a refund belongs to, so each refund cancels one purchase; but
/// a fan who still left money with the shop (net spend above 0) keeps at
/// least one purchase, so a partial refund does not undo buying. A refund
/// that cancels the only purchase in full leaves no purchase.
public enum PurchaseCounting {
    /// The purchases that stand.
    public static func kept(purchases: Int, refunds: Int, netFen: Int64) -> Int {
        let left = purchases - refunds
        if left >= 1 { return left }
        return purchases > 0 && netFen > 0 ? 1 : 0
    }

    /// The step a fan's own facts reach (strict: each step needs the one
    /// before it), or nil when not even the follow.
    public static func reached(followed: Bool, joined: Bool, kept: Int, referred: Bool) -> FunnelStepKind? {
        guard followed else { return nil }
        guard joined else { return .follow }
        guard kept >= 1 else { return .joinCommunity }
        guard kept >= 2 else { return .firstPurchase }
        return referred ? .referral : .repurchase
    }
}

/// A funnel as the page and the API show it: unique fans at each step,
/// the share of the step before, the share of the first step.
public struct FanFunnel: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var kind: FunnelStepKind
        /// Unique fans who reached this step (and every one before it).
        public var fans: Int
        /// fans ÷ the step before's fans; nil for the first step or after a step of 0.
        public var stepConversion: Double?
        /// fans ÷ the first step's fans; nil when the first step is 0.
        public var overallConversion: Double?
    }

    public var steps: [Step]

    /// From the unique fans at each step, in `FunnelStepKind` order.
    public init(counts: [Int]) {
        precondition(counts.count == FunnelStepKind.allCases.count, "one count per step")
        steps = FunnelStepKind.allCases.enumerated().map { index, kind in
            let fans = counts[index]
            let before = index > 0 ? counts[index - 1] : nil
            return Step(
                kind: kind, fans: fans, stepConversion: before.flatMap { $0 > 0 ? Double(fans) / Double($0) : nil },
                overallConversion: counts[0] > 0 ? Double(fans) / Double(counts[0]) : nil)
        }
    }

    /// Nobody followed in the period.
    public var isEmpty: Bool { steps.first?.fans ?? 0 == 0 }
}

/// Repurchase and value over a period: buyers are fans with at least one
/// purchase that stands in the period (`PurchaseCounting`), repeat buyers
/// those with two or more.
public struct RepurchaseSummary: Sendable, Equatable, Codable {
    public var buyers: Int
    public var repeatBuyers: Int
    /// Purchases minus refunds in the period, over every fan (a refund of an
    /// earlier purchase takes money back in the period it is sent).
    public var netSpendFen: Int64
    /// The buyers' own net spend in the period.
    public var buyersNetSpendFen: Int64

    public init(buyers: Int, repeatBuyers: Int, netSpendFen: Int64, buyersNetSpendFen: Int64) {
        self.buyers = buyers
        self.repeatBuyers = repeatBuyers
        self.netSpendFen = netSpendFen
        self.buyersNetSpendFen = buyersNetSpendFen
    }

    /// Repeat buyers ÷ buyers; nil without buyers.
    public var repurchaseRate: Double? { buyers > 0 ? Double(repeatBuyers) / Double(buyers) : nil }
    /// The value of a buying fan over the period: their net spend ÷ buyers, in fen; nil without buyers.
    public var netSpendPerBuyerFen: Double? { buyers > 0 ? Double(buyersNetSpendFen) / Double(buyers) : nil }
}
