import FanfareCore
import Fluent
import Vapor

/// A day of a core series the nightly pass flagged (`NightlyAnomalyPass`):
/// its value against the expected value and band the detector gave.
final class AnalyticsAnomaly: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "analytics_anomalies"
    /// `scope_id` of a workspace series (no account).
    static let workspaceScope = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    /// `AnomalySeriesKey.text`: `followers`, `impressions`, `events.purchase`…
    @Field(key: "series") var series: String
    @Field(key: "scope_id") var scopeID: UUID
    @OptionalField(key: "account_id") var accountID: UUID?
    @Field(key: "day") var day: String
    @Field(key: "value") var value: Double
    @Field(key: "expected") var expected: Double
    @Field(key: "low") var low: Double
    @Field(key: "high") var high: Double
    @Field(key: "score") var score: Double
    @Field(key: "detected_at") var detectedAt: Date

    static var workspaceKey: KeyPath<AnalyticsAnomaly, ParentProperty<AnalyticsAnomaly, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads; `HandListedFieldsTests` holds the list to what
    /// reflection finds.
    var properties: [any AnyProperty] {
        [$id, $workspace, $series, $scopeID, $accountID, $day, $value, $expected, $low, $high, $score, $detectedAt]
    }
}

/// An anomaly as the API shows it.
struct AnomalyDTO: Content, Equatable {
    var id: UUID
    var series: String
    var accountId: UUID?
    var day: String
    var value: Double
    var expected: Double
    var low: Double
    var high: Double
    var score: Double
    var detectedAt: Date

    init(_ anomaly: AnalyticsAnomaly) {
        id = anomaly.id!
        series = anomaly.series
        accountId = anomaly.accountID
        day = anomaly.day
        value = anomaly.value
        expected = anomaly.expected
        low = anomaly.low
        high = anomaly.high
        score = anomaly.score
        detectedAt = anomaly.detectedAt
    }
}
