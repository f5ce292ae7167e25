import Foundation

/// A multinomial Naive Bayes classifier over hashed feature buckets, as
/// `scripts/analysis/train.py` writes it: per class a log-prior and a
/// log-probability for each bucket.
public struct NaiveBayesModel: Sendable {
    public let name: String
    public let classes: [String]
    let logPriors: [Float]
    /// Class-major: class 0's buckets, then class 1's, …
    let logProbabilities: [Float]
    let bucketCount: Int

    /// The probability of each class for a message's buckets.
    public func probabilities(_ buckets: Set<Int>) -> [Float] {
        var scores = logPriors
        logProbabilities.withUnsafeBufferPointer { table in
            for index in classes.indices {
                let row = index * bucketCount
                var sum: Float = 0
                for bucket in buckets { sum += table[row + bucket] }
                scores[index] += sum
            }
        }
        let top = scores.max() ?? 0
        let exponentials = scores.map { exp($0 - top) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { $0 / total }
    }
}

/// The two models Fanfare ships, read from the bytes of one file. Core
/// never opens the file itself (it does no I/O): the server reads its
/// resource (`ShippedAnalysisModels`) and tests read it by path.
public struct AnalysisModels: Sendable {
    public let sentiment: NaiveBayesModel
    public let intent: NaiveBayesModel

    /// Why the bytes are not a model this build can read.
    public struct FormatError: Error, CustomStringConvertible {
        public var coded: CodedMessage
        /// In English, for the log and the start-up failure.
        public var description: String { coded.english }
    }

    /// Reads the file format `train.py` writes: "FFAM", the features version, bucket
    /// count, model count, then per model its name, classes, log-priors
    /// and log-probabilities, all little-endian.
    public init(data: Data) throws {
        var reader = Reader(bytes: [UInt8](data))
        guard try reader.bytes(4) == Array("FFAM".utf8) else { throw FormatError(coded: .modelNoMagic) }
        let version = try reader.u32()
        guard version == MessageFeatures.version else {
            throw FormatError(coded: .modelVersion(version: Int(version), expected: Int(MessageFeatures.version)))
        }
        let buckets = Int(try reader.u32())
        guard buckets == MessageFeatures.bucketCount else {
            throw FormatError(coded: .modelBuckets(buckets: buckets, expected: MessageFeatures.bucketCount))
        }
        var models: [String: NaiveBayesModel] = [:]
        for _ in 0..<(try reader.u32()) {
            let name = try reader.string()
            let count = Int(try reader.u32())
            let classes = try (0..<count).map { _ in try reader.string() }
            let priors = try reader.floats(count)
            let table = try reader.floats(count * buckets)
            models[name] = NaiveBayesModel(name: name, classes: classes, logPriors: priors, logProbabilities: table, bucketCount: buckets)
        }
        guard let sentiment = models["sentiment"], sentiment.classes == ["pos", "neu", "neg"] else {
            throw FormatError(coded: .modelSentimentMissing)
        }
        guard let intent = models["intent"], intent.classes == MessageIntent.allCases.map(\.rawValue) else {
            throw FormatError(coded: .modelIntentMissing(classes: MessageIntent.allCases.map(\.rawValue)))
        }
        self.sentiment = sentiment
        self.intent = intent
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func bytes(_ count: Int) throws -> [UInt8] {
            guard count >= 0, offset + count <= bytes.count else { throw FormatError(coded: .modelEndsEarly) }
            defer { offset += count }
            return Array(bytes[offset..<(offset + count)])
        }

        mutating func u32() throws -> UInt32 {
            let raw = try bytes(4)
            return UInt32(raw[0]) | UInt32(raw[1]) << 8 | UInt32(raw[2]) << 16 | UInt32(raw[3]) << 24
        }

        mutating func string() throws -> String {
            let length = Int(try bytes(1)[0])
            return String(decoding: try bytes(length), as: UTF8.self)
        }

        mutating func floats(_ count: Int) throws -> [Float] {
            guard count >= 0, offset + count * 4 <= bytes.count else { throw FormatError(coded: .modelEndsEarly) }
            var result = [Float](repeating: 0, count: count)
            for index in 0..<count {
                let base = offset + index * 4
                let bits = UInt32(bytes[base]) | UInt32(bytes[base + 1]) << 8 | UInt32(bytes[base + 2]) << 16 | UInt32(bytes[base + 3]) << 24
                result[index] = Float(bitPattern: bits)
            }
            offset += count * 4
            return result
        }
    }
}
