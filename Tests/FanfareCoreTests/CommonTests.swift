import FanfareCore
import Foundation
import Testing

@Suite struct TimeOrderedIDTests {
    @Test func idsSortByCreationTimeAndCarryIt() {
        // Within one millisecond the random bits decide the order (ids stay
        // unique, which is all a cursor needs); across milliseconds time does.
        let base = Date(timeIntervalSince1970: 1_800_000_000)
        let ids = (0..<200).map { TimeOrderedID.make(at: base.addingTimeInterval(Double($0) * 0.002)) }
        let text = ids.map(\.uuidString)
        #expect(text == text.sorted(), "ids out of creation order")
        #expect(abs(TimeOrderedID.date(of: ids[0]).timeIntervalSince(base)) < 0.001)
        let first = ids[0].uuidString
        #expect(Array(first)[14] == "7", "version nibble")
        #expect("89AB".contains(Array(first)[19]), "variant bits")
    }
}

@Suite struct PageQueryTests {
    @Test func defaultsAndBounds() throws {
        #expect(try PageQuery(limit: nil, cursor: nil) == PageQuery(limit: 50, after: nil))
        #expect(try PageQuery(limit: "200", cursor: "").limit == 200)
        for bad in ["0", "201", "-1", "ten", "1.5"] {
            do {
                _ = try PageQuery(limit: bad, cursor: nil)
                Issue.record("limit \(bad) was accepted")
            } catch {
                #expect(error.issues == [FieldIssue(field: "limit", .wholeNumberBetween(min: 1, max: 200))])
            }
        }
    }

    @Test func cursorsRoundTripAndGarbageIsNamed() throws {
        let id = UUID()
        #expect(try PageQuery(limit: nil, cursor: PageQuery.encode(cursor: id)).after == id)
        do {
            _ = try PageQuery(limit: "0", cursor: "not a cursor!")
            Issue.record("accepted")
        } catch {
            #expect(error.issues.map(\.field) == ["limit", "cursor"])
        }
    }

    @Test func aPageHasANextCursorOnlyWhenMoreRowsExist() {
        let page = PageQuery(limit: 2, after: nil)
        let ids = [UUID(), UUID(), UUID()]
        let full = page.page(ids) { $0 }
        #expect(full.items == Array(ids.prefix(2)))
        #expect(full.nextCursor == PageQuery.encode(cursor: ids[1]))
        #expect(page.page(Array(ids.prefix(2))) { $0 }.nextCursor == nil)
    }
}

@Suite struct CSVWriterTests {
    @Test func quotesWhatNeedsQuotingAndDefusesFormulas() {
        var csv = CSVWriter(header: ["a", "b"])
        csv.append(["x,y", "say \"hi\""])
        csv.append(["=SUM(A1)", "line\nbreak"])
        csv.append(["@cmd", "普通"])
        #expect(csv.text == "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n'=SUM(A1),\"line\nbreak\"\r\n'@cmd,普通\r\n")
    }

    /// The one way exports write numbers: whole ones bare, fractions as
    /// they are, nothing for a missing or non-finite value; a negative
    /// number stays a number (no formula guard).
    @Test func numbersAreWrittenOnceTheSameWayForEveryExport() {
        #expect(CSVWriter.number(12) == "12" && CSVWriter.number(-3) == "-3" && CSVWriter.number(0) == "0")
        #expect(CSVWriter.number(0.0234) == "0.0234" && CSVWriter.number(-0.5) == "-0.5" && CSVWriter.number(123_456_789) == "123456789")
        #expect(
            CSVWriter.number(nil) == "" && CSVWriter.number(.nan) == "" && CSVWriter.number(.infinity) == "" && CSVWriter.number(-.infinity) == "")
        #expect(CSVWriter.number(1e16) == "1e+16", "beyond Int's exact range: as Swift writes it, not a wrapped integer")
        #expect(CSVWriter.cell(CSVWriter.number(-12)) == "-12" && CSVWriter.cell(CSVWriter.number(-0.25)) == "-0.25")
    }

    /// A report's CSV writes its numbers through the writer's rule.
    @Test func aReportsCSVWritesNumbersThroughTheWriter() {
        let content = ReportContent(
            kpis: [
                .init(key: "followers", unit: "count", value: 125, previous: 100),
                .init(key: "engagement_rate", unit: "ratio", value: 0.0234, previous: nil),
                .init(key: "purchase_amount", unit: "fen", value: .nan, previous: -1_250),
            ],
            basis: "impressions",
            top: [
                .init(
                    postID: UUID(uuidString: "00000000-0000-0000-0000-0000000000B1")!, title: "=春季", platform: "weibo", engagements: 40, rate: 0.5,
                    basis: "impressions")
            ],
            bottom: [], anomalies: [.init(series: "followers_net", day: "2026-03-02", value: -7)], quality: [], postsCounted: 1)
        let csv = content.csv(
            kind: .weekly, period: DashboardPeriod(from: "2026-03-02", to: "2026-03-08"),
            comparison: DashboardPeriod(from: "2026-02-23", to: "2026-03-01"))
        #expect(csv.hasPrefix("\u{FEFF}report,from,to,compared_from,compared_to\r\nweekly,2026-03-02,2026-03-08,2026-02-23,2026-03-01\r\n"))
        #expect(csv.contains("\r\nfollowers,count,125,100,0.25\r\n"), "\(csv)")
        #expect(csv.contains("\r\nengagement_rate,ratio,0.0234,,\r\n"), "\(csv)")
        #expect(csv.contains("\r\npurchase_amount,fen,,-1250,\r\n"), "\(csv)")
        #expect(csv.contains("\r\ntop,00000000-0000-0000-0000-0000000000b1,'=春季,weibo,40,0.5,impressions\r\n"), "\(csv)")
        #expect(csv.contains("\r\nfollowers_net,2026-03-02,-7\r\n"), "\(csv)")
    }
}

@Suite struct AuditRedactionTests {
    @Test func secretLookingFieldsAreNeverWritten() {
        let summary = AuditRedaction.summary(["password": "hunter2hunter2", "api_token": "fnf_x", "name": "CI", "Secret_Key": "k"])
        #expect(summary == "Secret_Key=[redacted]; api_token=[redacted]; name=CI; password=[redacted]")
        #expect(!summary.contains("hunter2") && !summary.contains("fnf_x"))
    }
}

@Suite struct RetryPolicyTests {
    @Test func backOffDoublesUpToTheCap() {
        let policy = RetryPolicy(base: 15, cap: 3_600)
        #expect((1...5).map { policy.delay(afterAttempt: $0) } == [15, 30, 60, 120, 240])
        #expect(policy.delay(afterAttempt: 50) == 3_600)
    }

    @Test func periodsStartOnTheHour() {
        let t = Date(timeIntervalSince1970: 7_200 + 1_234)
        #expect(RetryPolicy.periodStart(of: t, every: 3_600) == Date(timeIntervalSince1970: 7_200))
    }
}
