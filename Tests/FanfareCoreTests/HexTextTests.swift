import Foundation
import Testing

@testable import FanfareCore

@Suite struct HexTextTests {
    @Test func hexIsWhatTheFormatterWrites() {
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 2, 31, 32, 33] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(HexText.lower(bytes) == bytes.map { String(format: "%02x", $0) }.joined())
        }
        #expect(HexText.lower([0x00, 0x0f, 0xf0, 0xff]) == "000ff0ff")
    }

    @Test func uuidsReadBackInEitherCase() {
        for _ in 0..<200 {
            let id = UUID()
            #expect(HexText.uuid(id.uuidString) == id)
            #expect(HexText.uuid(id.uuidString.lowercased()) == id)
        }
    }

    /// Nil exactly where Foundation gives nil.
    @Test(arguments: [
        "", "demo", "01A1AE5F-8CE0-7886-880C-4DC5F24DAE6", "01A1AE5F-8CE0-7886-880C-4DC5F24DAE6FF", "01A1AE5F8CE0-7886-880C-4DC5F24DAE6F0",
        "01A1AE5G-8CE0-7886-880C-4DC5F24DAE6F", "01A1AE5F-8CE0-7886-880C-4DC5F24DAE6 ", "01A1AE5F_8CE0_7886_880C_4DC5F24DAE6F",
        "０1A1AE5F-8CE0-7886-880C-4DC5F24DAE6F", "01a1ae5f-8ce0-7886-880c-4dc5f24dae6f",
    ])
    func agreesWithFoundation(_ text: String) {
        #expect(HexText.uuid(text) == UUID(uuidString: text))
    }
}
