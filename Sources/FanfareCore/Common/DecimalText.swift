import Foundation

/// A number with a fixed count of decimals, as `String(format: "%.Nf")`
/// writes it, without going through Foundation's format parser and the C
/// library's printf: a chart writes every point's coordinates this way,
/// and on the analytics overview (hundreds of points) printf was an eighth
/// of the page's CPU. Values whose scaled fraction is too near a half to
/// round safely from the scaled double (where printf rounds the exact
/// binary value) still go through printf, as do huge and non-finite ones.
public enum DecimalText {
    private static let scales: [Double] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]

    public static func fixed(_ value: Double, digits: Int) -> String {
        guard digits >= 0, digits < scales.count, value.isFinite, abs(value) < 1e12 else {
            return String(format: "%.\(digits)f", value)
        }
        let scaled = value * scales[digits]
        let fraction = abs(scaled - scaled.rounded(.towardZero))
        if abs(fraction - 0.5) < 1e-6 { return String(format: "%.\(digits)f", value) }
        let units = Int64(scaled.rounded())
        var digitsText = String(units.magnitude)
        if digits > 0 {
            if digitsText.count <= digits { digitsText = String(repeating: "0", count: digits - digitsText.count + 1) + digitsText }
            digitsText.insert(".", at: digitsText.index(digitsText.endIndex, offsetBy: -digits))
        }
        // printf keeps the sign of a negative value that rounds to zero ("-0.0").
        return (value.sign == .minus ? "-" : "") + digitsText
    }
}
