import Foundation

/// A JSON string literal, escaped by hand: the command line writes one
/// object per input line and an encoder per line would dominate its time.
enum JSONText {
    static func append(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20: output += Array(String(format: "\\u%04x", byte).utf8)
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// A filter over standard input for the command line: one answer a line,
/// streamed in blocks so a pipeline sees answers as lines arrive and
/// memory stays flat. A line that is not valid UTF-8 is named on standard
/// error and answered with an error object, so output line N always answers
/// input line N; the exit status is then 1.
enum LineFilter {
    /// `failure` is the JSON object answering an unreadable line.
    static func run(name: String, failure: (Int) -> String, answer: (String) -> [UInt8]) -> Int32 {
        var pending: [UInt8] = []
        var output: [UInt8] = []
        var lineNumber = 0
        var failed = false
        func handle(_ line: ArraySlice<UInt8>) {
            lineNumber += 1
            var bytes = line
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                failed = true
                FileHandle.standardError.write(Data("fanfare \(name): line \(lineNumber): not valid UTF-8; skipped\n".utf8))
                output += Array((failure(lineNumber) + "\n").utf8)
                return
            }
            output += answer(text)
        }
        while true {
            let block = FileHandle.standardInput.availableData
            if block.isEmpty { break }
            pending += block
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                handle(pending[start..<newline])
                start = newline + 1
            }
            pending.removeSubrange(..<start)
            FileHandle.standardOutput.write(Data(output))
            output.removeAll(keepingCapacity: true)
        }
        if !pending.isEmpty { handle(pending[...]) }
        FileHandle.standardOutput.write(Data(output))
        return failed ? 1 : 0
    }
}
