import Foundation
import MultipartKit
import NIOCore
import NIOHTTP1

/// A `multipart/form-data` body, for the uploads platforms take that way
/// (Mastodon's media, Weibo's picture, WeChat's material).
public struct MultipartBody: Sendable {
    public struct File: Sendable {
        public var field: String
        public var fileName: String
        public var contentType: String
        public var data: Data

        public init(field: String, fileName: String, contentType: String, data: Data) {
            self.field = field
            self.fileName = fileName
            self.contentType = contentType
            self.data = data
        }
    }

    public var contentType: String
    public var body: Data

    public init(fields: [(String, String)], files: [File], boundary: String = "fanfare-\(UUID().uuidString)") {
        var parts: [MultipartPart] = fields.map { name, value in
            MultipartPart(headers: ["Content-Disposition": "form-data; name=\"\(Self.quoted(name))\""], body: value)
        }
        for file in files {
            parts.append(
                MultipartPart(
                    headers: [
                        "Content-Disposition": "form-data; name=\"\(Self.quoted(file.field))\"; filename=\"\(Self.quoted(file.fileName))\"",
                        "Content-Type": file.contentType,
                    ], body: ByteBuffer(bytes: file.data)))
        }
        var buffer = ByteBuffer()
        // Serialising parts built here cannot fail: every part has a body.
        try? MultipartSerializer().serialize(parts: parts, boundary: boundary, into: &buffer)
        contentType = "multipart/form-data; boundary=\(boundary)"
        body = Data(buffer.readableBytesView)
    }

    /// Names and file names are ours (ASCII); quotes and line breaks are
    /// dropped all the same so a part header can never be split.
    private static func quoted(_ text: String) -> String {
        text.filter { $0 != "\"" && $0 != "\r" && $0 != "\n" }
    }
}
