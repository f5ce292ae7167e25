import FanfareCore
import Foundation
import Testing

/// RFC 3339 times with years 1 to 9999 in UTC (issue 16).
@Suite struct APITimeTests {
    @Test func readsRFC3339WithOffsetsAndFractions() {
        #expect(APITime.parse("2026-11-23T08:00:00Z")?.timeIntervalSince1970 == 1_795_420_800)
        #expect(APITime.parse("2026-11-23t08:00:00z")?.timeIntervalSince1970 == 1_795_420_800)
        #expect(APITime.parse("2026-11-23 16:00:00+08:00")?.timeIntervalSince1970 == 1_795_420_800)
        #expect(APITime.parse("2026-11-23T03:30:00-04:30")?.timeIntervalSince1970 == 1_795_420_800)
        #expect(APITime.parse("2026-11-23T08:00:00.5Z")?.timeIntervalSince1970 == 1_795_420_800.5)
        #expect(APITime.parse("0001-01-01T00:00:00Z") == APITime.earliest)
        #expect(APITime.parse("2024-02-29T00:00:00Z") != nil, "a leap day")
    }

    @Test func refusesOtherFormsAndYearsOutsideOneTo9999() {
        for text in [
            "99999-01-01T00:00:00Z", "+99999-01-01T00:00:00Z", "0000-12-31T23:59:59Z", "-0001-01-01T00:00:00Z", "9999-12-31T20:00:00-04:00",
            "0001-01-01T00:00:00+00:01", "2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T08:00:60Z",
            "2026-11-23T08:00Z", "2026-11-23T08:00:00", "2026-11-23T08:00:00+0800", "2026-11-23T08:00:00.Z", "2026-11-23T08:00:00Z ", "",
        ] {
            #expect(APITime.parse(text) == nil, "\(text)")
        }
        #expect(APITime.isWritable(Date(timeIntervalSince1970: 253_402_300_799)))
        #expect(!APITime.isWritable(Date(timeIntervalSince1970: 253_402_300_800)))
    }
}
