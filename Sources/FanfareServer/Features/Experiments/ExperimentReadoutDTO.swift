import FanfareCore
import Foundation
import Vapor

/// An experiment's read-out as the API and the page show it: each arm's
/// sample, the sample-ratio check over all arms, and each variant against
/// the control by every method (docs/experiments.md), relative and
/// absolute. A method that cannot give numbers says why in `error`
/// (gbstats' names) and gives none.
struct ReadoutDTO: Content, Equatable {
    struct Arm: Content, Equatable {
        var id: UUID
        var name: String
        var control: Bool
        var weight: Double
        var visitors: Int
        var converted: Int
        /// The conversion rate, or the mean amount per visitor in yuan.
        var mean: Double
        /// The sample standard deviation behind `mean`.
        var stddev: Double
    }

    struct Method: Content, Equatable {
        var expected: Double?
        var ciLower: Double?
        var ciUpper: Double?
        var upliftStddev: Double?
        var pValue: Double?
        var chanceToWin: Double?
        var riskControl: Double?
        var riskVariant: Double?
        var error: String?
    }

    struct Difference: Content, Equatable {
        var frequentist: Method
        var sequential: Method
        var bayesian: Method
        var bayesianProper: Method
    }

    struct Comparison: Content, Equatable {
        var armId: UUID
        var relative: Difference
        var absolute: Difference
    }

    var at: Date
    var metric: String
    var inverse: Bool
    var arms: [Arm]
    /// Chi-square p-value of the arms' visitors against their weights (nil before any visitor).
    var srmPValue: Double?
    /// True when the split looks broken (p below 0.001): no result should be trusted.
    var srmWarning: Bool
    var comparisons: [Comparison]
    /// The arms were not assigned at random (alternated by time or
    /// account): the differences may come from the time or the account, not
    /// the arm. Every read-out says so.
    var quasiExperiment: Bool
    /// Whether the sample-ratio check applies: only a random split has
    /// intended weights to check against.
    var srmApplies: Bool
    /// In plain English for API readers; the pages say it in the reader's language.
    var warning: String?

    static let quasiWarning =
        "Quasi-experiment: the arms were alternated by time or account, not assigned at random, so differences in time or account may explain the result. No sample-ratio check applies (there are no intended weights)."

    /// Below this the observed split is too unlikely under the weights.
    static let srmThreshold = 0.001

    static func empty(_ arms: [ExperimentArm], assignment: Experiment.Assignment) -> ReadoutDTO {
        ReadoutDTO(
            at: Date(), metric: "", inverse: false,
            arms: arms.map {
                Arm(id: $0.id!, name: $0.name, control: $0.position == 0, weight: $0.weight, visitors: 0, converted: 0, mean: 0, stddev: 0)
            },
            srmPValue: nil, srmWarning: false, comparisons: [], quasiExperiment: !assignment.randomised, srmApplies: assignment.randomised,
            warning: assignment.randomised ? nil : quasiWarning)
    }

    static func make(
        arms: [ExperimentArm], tallies: [UUID: LinkService.ArmTally], metric: Experiment.Metric, inverse: Bool,
        assignment: Experiment.Assignment = .link, at: Date
    ) -> ReadoutDTO {
        var rows: [Arm] = []
        var samples: [ArmSample] = []
        for arm in arms {
            let tally = tallies[arm.id!] ?? LinkService.ArmTally()
            let n = Double(tally.visitors)
            switch metric {
            case .conversion, .engagementRate, .clickThrough, .readRate:
                let sample = ArmSample.binomial(users: tally.visitors, conversions: tally.converted)
                samples.append(sample)
                rows.append(
                    Arm(
                        id: arm.id!, name: arm.name, control: arm.position == 0, weight: arm.weight, visitors: tally.visitors,
                        converted: tally.converted, mean: sample.mean, stddev: sample.variance.squareRoot()))
            case .revenuePerVisitor:
                // Amounts in fen, read in yuan; visitors who bought nothing count as 0.
                let mean = n == 0 ? 0 : tally.sum / n / 100
                let variance = n < 2 ? 0 : max(0, (tally.sumOfSquares - tally.sum * tally.sum / n) / (n - 1)) / 10_000
                samples.append(ArmSample.mean(n: tally.visitors, mean: mean, stddev: variance.squareRoot()))
                rows.append(
                    Arm(
                        id: arm.id!, name: arm.name, control: arm.position == 0, weight: arm.weight, visitors: tally.visitors,
                        converted: tally.converted, mean: mean, stddev: variance.squareRoot()))
            }
        }
        let visitors = rows.map(\.visitors)
        // Alternated arms have no intended split, so nothing to check it against.
        let srm =
            visitors.reduce(0, +) == 0 || !assignment.randomised
            ? nil : ExperimentStatistics.sampleRatioPValue(units: visitors, weights: rows.map(\.weight))
        var comparisons: [Comparison] = []
        if let control = samples.first {
            for (index, variant) in samples.enumerated().dropFirst() {
                let readout = ExperimentStatistics.readout(
                    control: control, variant: variant, weights: [rows[0].weight, rows[index].weight], inverse: inverse)
                comparisons.append(Comparison(armId: rows[index].id, relative: difference(readout.relative), absolute: difference(readout.absolute)))
            }
        }
        return ReadoutDTO(
            at: at, metric: metric.rawValue, inverse: inverse, arms: rows, srmPValue: srm, srmWarning: (srm ?? 1) < srmThreshold,
            comparisons: comparisons, quasiExperiment: !assignment.randomised, srmApplies: assignment.randomised,
            warning: assignment.randomised ? nil : quasiWarning)
    }

    static func difference(_ readout: DifferenceReadout) -> Difference {
        func frequentist(_ result: Result<FrequentistReadout, ReadoutError>) -> Method {
            switch result {
            case .success(let r):
                Method(expected: r.expected, ciLower: r.ciLower, ciUpper: r.ciUpper, upliftStddev: r.upliftStddev, pValue: r.pValue)
            case .failure(let error): Method(error: error.rawValue)
            }
        }
        func bayesian(_ result: Result<BayesianReadout, ReadoutError>) -> Method {
            switch result {
            case .success(let r):
                Method(
                    expected: r.expected, ciLower: r.ciLower, ciUpper: r.ciUpper, upliftStddev: r.upliftStddev, chanceToWin: r.chanceToWin,
                    riskControl: r.riskControl, riskVariant: r.riskVariant)
            case .failure(let error): Method(error: error.rawValue)
            }
        }
        return Difference(
            frequentist: frequentist(readout.frequentist), sequential: frequentist(readout.sequential), bayesian: bayesian(readout.bayesian),
            bayesianProper: bayesian(readout.bayesianProper))
    }
}

/// An experiment as the API shows it, with its arms.
struct ExperimentDTO: Content, Equatable {
    struct Arm: Content, Equatable {
        var id: UUID
        var name: String
        var control: Bool
        var weight: Double
        var destination: String
        var postIds: [UUID]
    }

    var id: UUID
    var name: String
    var hypothesis: String
    var varies: String
    var assignment: String
    var randomised: Bool
    var metric: String
    var conversionType: String
    var inverse: Bool
    var state: String
    var linkId: UUID?
    var startedAt: Date?
    var endedAt: Date?
    var winnerArmId: UUID?
    var decision: String?
    var arms: [Arm]
    var createdAt: Date
    /// An audience experiment's account.
    var accountId: UUID?
    /// An audience experiment's group sends, once it started (nil otherwise).
    var sends: [Send]?

    /// One arm's group send and what the platform counted of it.
    struct Send: Content, Equatable {
        var armId: UUID
        /// `pending`, `sent` or `failed`.
        var state: String
        /// Fans in the group.
        var addressed: Int
        var sentAt: Date?
        /// Fans the platform delivered it to, and those who opened it (nil until counted).
        var delivered: Int?
        var readers: Int?
        var countedAt: Date?
        /// The platform's reason, when it refused the send.
        var failure: String?

        init(_ send: ExperimentSend) {
            armId = send.armID
            state = send.state
            addressed = send.addressed
            sentAt = send.sentAt
            delivered = send.delivered
            readers = send.readers
            countedAt = send.countedAt
            failure = send.failure
        }
    }

    init(_ experiment: Experiment, arms: [ExperimentArm], sends: [ExperimentSend]? = nil) {
        id = experiment.id!
        name = experiment.name
        hypothesis = experiment.hypothesis
        varies = experiment.varies
        assignment = experiment.assignment
        randomised = Experiment.Assignment(rawValue: experiment.assignment)?.randomised ?? false
        metric = experiment.metric
        conversionType = experiment.conversionType
        inverse = experiment.inverse
        state = experiment.state
        linkId = experiment.linkID
        startedAt = experiment.startedAt
        endedAt = experiment.endedAt
        winnerArmId = experiment.winnerArmID
        decision = experiment.decision
        self.arms = arms.map {
            Arm(id: $0.id!, name: $0.name, control: $0.position == 0, weight: $0.weight, destination: $0.destination, postIds: $0.postIDs)
        }
        createdAt = experiment.createdAt
        accountId = experiment.audienceAccountID
        self.sends = sends.map { $0.map(Send.init) }
    }
}

/// What the traffic allows before (or while) an experiment runs: from the
/// 28 days before it started (or before now, for a draft), the link's
/// people per day and its baseline — or the workspace's links' when the
/// link has too little history — the smallest relative change found at
/// power 0.8 in 14 and 28 days, and the days needed to find +10 % and +20 %
/// (`PowerPlan`, docs/experiments.md).
struct PowerDTO: Content, Equatable {
    /// `link`, `workspace`, `audience` (the account's fans and its earlier
    /// group sends' read rate), `posts` (the workspace's latest published
    /// posts' numbers), or `none` when there is nothing to plan from.
    var basis: String
    var historyDays: Int
    var visitorsPerDay: Double
    /// The conversion rate, or the mean amount per visitor in yuan.
    var baseline: Double?
    var mde14Days: Double?
    var mde28Days: Double?
    var daysFor10Percent: Int?
    var daysFor20Percent: Int?
    /// An audience experiment: the fans split (or to be split now) and the
    /// smallest relative change in read rate one send to them can find.
    var audienceFans: Int?
    var mdeAudience: Double?
    /// Post arms: planned by rounds of one post per arm, from the
    /// workspace's latest published posts with stored numbers
    /// (`historyPosts` of them, `impressionsPerPost` on average): the
    /// smallest uplift the arms' posts so far can show (`postsPerArm`, the
    /// smaller arm), and the posts per arm needed for +10 % and +20 %.
    var historyPosts: Int?
    var impressionsPerPost: Double?
    var postsPerArm: Int?
    var mdePosts: Double?
    var postsFor10Percent: Int?
    var postsFor20Percent: Int?
    /// Published posts a post-arm plan reads at most.
    static let historyPostsLimit = 100

    static let historyDays = 28
    /// Fewer people than this over the history: the link's own is too thin to plan with.
    static let minimumVisitors = 28
}
