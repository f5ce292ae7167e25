import Foundation
import Testing

@testable import FanfareCore

@Suite struct DecimalTextTests {
    @Test func writesWhatPrintfWrites() {
        var mix = PostGainsTests.Mix(state: 5)
        var values: [Double] = [0, -0.0, 0.05, -0.04, 0.25, 0.15, 1.15, 2.675, 1e11, -1e11, 123_456.789, 0.000_001, 9.95, 99.95, -9.95]
        for _ in 0..<20_000 {
            let magnitude = Double(mix.below(1_000_000_000)) / Double([1, 10, 100, 1_000, 10_000, 1_000_000][mix.below(6)])
            values.append(mix.below(2) == 0 ? magnitude : -magnitude)
            values.append(Double(mix.below(100_000)) / 7)
        }
        for value in values {
            for digits in 0...3 {
                #expect(DecimalText.fixed(value, digits: digits) == String(format: "%.\(digits)f", value), "\(value) \(digits)")
            }
        }
    }

    @Test func nonFiniteAndHugeValuesAreLeftToPrintf() {
        for value in [Double.nan, .infinity, -.infinity, 1e300] {
            #expect(DecimalText.fixed(value, digits: 1) == String(format: "%.1f", value))
        }
    }
}
