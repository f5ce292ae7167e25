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
