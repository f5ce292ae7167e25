import FanfareCore
import Foundation

/// The arithmetic under every chart: round tick values for a value axis,
/// calendar-aligned ticks for a time axis, a linear map from data to the
/// drawing, and label widths so labels can be thinned or shortened instead
/// of colliding. No drawing happens here, so it is tested on its own.
enum ChartScale {
    /// Value-axis ticks by Heckbert's "nice numbers": steps of 1, 2 or 5
    /// times a power of ten, the range widened to whole steps. The range
    /// always holds 0 (a bar or a net change read against a shifted zero
    /// misleads), and `integral` keeps steps whole for counts (no 0.5 fans).
    /// 0–87 gives 0, 20, 40, 60, 80, 100.
    static func niceTicks(min low: Double, max high: Double, target: Int = 5, integral: Bool = false) -> [Double] {
        var low = Swift.min(0, low.isFinite ? low : 0)
        var high = Swift.max(0, high.isFinite ? high : 0)
        // Only all zeros can leave an empty range, since 0 is always in it.
        if low == high { high = 1 }
        let range = niceNumber(high - low, round: false)
        var step = niceNumber(range / Double(Swift.max(target - 1, 1)), round: true)
        if integral { step = Swift.max(step, 1) }
        low = (low / step).rounded(.down) * step
        high = (high / step).rounded(.up) * step
        let count = Int(((high - low) / step).rounded())
        // Multiplying from the start (not adding) keeps 0.1 + 0.2 errors out of the labels.
        return (0...Swift.max(count, 1)).map { index in
            let value = low + Double(index) * step
            return abs(value) < step * 1e-9 ? 0 : value
        }
    }

    /// The nearest 1, 2, 5 or 10 × 10ⁿ to `value` (`round`), or the smallest not below it.
    static func niceNumber(_ value: Double, round: Bool) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let exponent = log10(value).rounded(.down)
        let power = pow(10, exponent)
        let fraction = value / power
        let nice: Double
        if round {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * power
    }

    /// A linear map from a domain to a drawing interval; a zero-width domain
    /// maps to the middle, so one point or all-equal values never divide by zero.
    struct Linear: Sendable {
        var domain: (Double, Double)
        var range: (Double, Double)

        func callAsFunction(_ value: Double) -> Double {
            let width = domain.1 - domain.0
            guard width != 0, width.isFinite, value.isFinite else { return (range.0 + range.1) / 2 }
            return range.0 + (value - domain.0) / width * (range.1 - range.0)
        }
    }

    /// The unit a time axis is ticked in.
    enum TimeUnit: Sendable, Equatable {
        case hour, day, month, year
    }

    /// Time-axis ticks at calendar boundaries in the given zone (whole
    /// hours, midnights, Mondays, first days of months or years), the
    /// finest step that gives at most `maxTicks`; `daily` data is never
    /// ticked by hours (midnight and noon of one day say nothing new).
    static func timeTicks(
        from start: Date, to end: Date, zone: TimeZone, maxTicks: Int = 6, daily: Bool = false
    ) -> (
        ticks: [Date], unit: TimeUnit
    ) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        calendar.firstWeekday = 2
        guard end > start else {
            let unit: TimeUnit = daily ? .day : .hour
            return ([start], unit)
        }
        let hour = 3_600.0
        let day = 86_400.0
        let candidates: [(unit: TimeUnit, component: Calendar.Component, step: Int, seconds: Double)] = [
            (.hour, .hour, 1, hour), (.hour, .hour, 2, 2 * hour), (.hour, .hour, 3, 3 * hour), (.hour, .hour, 6, 6 * hour),
            (.hour, .hour, 12, 12 * hour), (.day, .day, 1, day), (.day, .day, 2, 2 * day), (.day, .weekOfYear, 1, 7 * day),
            (.day, .weekOfYear, 2, 14 * day), (.month, .month, 1, 30 * day), (.month, .month, 2, 61 * day),
            (.month, .month, 3, 91 * day), (.month, .month, 6, 182 * day), (.year, .year, 1, 365 * day),
            (.year, .year, 2, 730 * day), (.year, .year, 5, 1_826 * day), (.year, .year, 10, 3_652 * day),
        ]
        let span = end.timeIntervalSince(start)
        for candidate in candidates where !(daily && candidate.unit == .hour) {
            // Skip candidates that would obviously give too many ticks before generating them.
            if span / candidate.seconds > Double(maxTicks) + 1 { continue }
            var ticks: [Date] = []
            var tick = firstBoundary(at: start, component: candidate.component, step: candidate.step, calendar: calendar)
            while tick <= end, ticks.count <= maxTicks {
                ticks.append(tick)
                guard let next = calendar.date(byAdding: candidate.component, value: candidate.step, to: tick) else { break }
                tick = next
            }
            if ticks.count <= maxTicks, !ticks.isEmpty { return (ticks, candidate.unit) }
        }
        return ([start, end], .year)
    }

    /// The first boundary of `component` at or after `date` whose number is
    /// a multiple of `step` (hours 0, 6, 12, 18; months 1, 4, 7, 10).
    private static func firstBoundary(at date: Date, component: Calendar.Component, step: Int, calendar: Calendar) -> Date {
        let unitStart = calendar.dateInterval(of: component, for: date)?.start ?? date
        var tick = unitStart < date ? (calendar.date(byAdding: component, value: 1, to: unitStart) ?? date) : unitStart
        guard step > 1, component != .day, component != .weekOfYear else { return tick }
        for _ in 0..<step {
            let number: Int
            switch component {
            case .hour: number = calendar.component(.hour, from: tick)
            case .month: number = calendar.component(.month, from: tick) - 1
            default: number = calendar.component(.year, from: tick)
            }
            if number % step == 0 { break }
            tick = calendar.date(byAdding: component, value: 1, to: tick) ?? tick
        }
        return tick
    }

    /// The width a label takes at `fontSize`, estimated: Chinese characters
    /// are a full em, Latin letters and digits about six tenths.
    static func textWidth(_ text: String, fontSize: Double) -> Double {
        text.unicodeScalars.reduce(0) { width, scalar in width + (scalar.value >= 0x2E80 ? 1.0 : 0.6) * fontSize }
    }

    /// `text` shortened with "…" to fit `width`; the second value says whether it was shortened.
    static func fit(_ text: String, width: Double, fontSize: Double) -> (shown: String, shortened: Bool) {
        guard textWidth(text, fontSize: fontSize) > width else { return (text, false) }
        var shown = ""
        let budget = width - textWidth("…", fontSize: fontSize)
        for character in text {
            if textWidth(shown + String(character), fontSize: fontSize) > budget { break }
            shown.append(character)
        }
        return (shown + "…", true)
    }

    /// Which of the labels centred at `positions` to keep so that none
    /// collide: every k-th, the smallest k that leaves `gap` between
    /// neighbours. The first is always kept.
    static func thinned(positions: [Double], widths: [Double], gap: Double) -> [Int] {
        guard positions.count == widths.count, !positions.isEmpty else { return [] }
        for k in 1...positions.count {
            let kept = Array(stride(from: 0, to: positions.count, by: k))
            let collides = zip(kept, kept.dropFirst()).contains { left, right in
                abs(positions[right] - positions[left]) < (widths[left] + widths[right]) / 2 + gap
            }
            if !collides { return kept }
        }
        return [0]
    }

    /// A coordinate for the drawing: one decimal, never NaN or infinity.
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        // Written from the whole tenths: what the general path below writes
        // for any drawing-sized value, without its intermediate strings (a
        // chart writes a few hundred coordinates per view).
        let tenths = (value * 10).rounded()
        if abs(tenths) < 1e12 {
            let whole = Int(tenths)
            if whole % 10 == 0 { return String(whole / 10) }
            let magnitude = whole.magnitude
            return (whole < 0 ? "-" : "") + String(magnitude / 10) + "." + String(magnitude % 10)
        }
        let rounded = tenths / 10
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return DecimalText.fixed(rounded, digits: 1)
    }

    /// An SVG path through `points` ("M x y L x y …"), written into one string.
    static func path(_ points: [(x: Double, y: Double)]) -> String {
        var out = ""
        out.reserveCapacity(points.count * 14)
        for (index, point) in points.enumerated() {
            if index > 0 { out += " " }
            out += index == 0 ? "M" : "L"
            out += coordinate(point.x)
            out += " "
            out += coordinate(point.y)
        }
        return out
    }

    /// The median of finite values (0 when there are none).
    static func median(_ values: [Double]) -> Double {
        let sorted = values.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
