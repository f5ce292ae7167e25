import FanfareCore
import Vapor

/// One page of a list: `items` and the cursor of the next page.
struct Page<Item: Content>: Content {
    var items: [Item]
    var nextCursor: String?
}

extension Request {
    /// `limit` and `cursor` from the query, validated.
    func pageRequest() throws -> PageQuery {
        try PageQuery(limit: query[String.self, at: "limit"], cursor: query[String.self, at: "cursor"])
    }

    /// Decodes a JSON body, naming the field when one is missing or of the
    /// wrong type. An empty body counts as an empty object.
    func decodeInput<T: Decodable>(_ type: T.Type) throws -> T {
        if body.data == nil || body.data?.readableBytes == 0 {
            return try JSONDecoder.api.decode(T.self, from: Data("{}".utf8))
        }
        guard let contentType = headers.contentType, contentType == .json || contentType.subType.hasSuffix("+json") else {
            throw Problem(.unsupportedMediaType, "Send the body as JSON with 'Content-Type: application/json'.")
        }
        return try content.decode(T.self)
    }

    /// Decodes a body that carries one of the Core's documents (a segment
    /// rule, activity settings, a fan profile, the fan programme) with the
    /// document's own snake_case keys: the API decoder's key conversion
    /// would look for camelCase ones and quietly find nothing.
    func decodeDocument<T: Decodable>(_ type: T.Type) throws -> T {
        guard let buffer = body.data, buffer.readableBytes > 0 else { return try JSONDecoder.document.decode(T.self, from: Data("{}".utf8)) }
        guard let contentType = headers.contentType, contentType == .json || contentType.subType.hasSuffix("+json") else {
            throw Problem(.unsupportedMediaType, "Send the body as JSON with 'Content-Type: application/json'.")
        }
        return try JSONDecoder.document.decode(T.self, from: Data(buffer: buffer))
    }
}

extension JSONDecoder {
    /// Keys as written: for bodies whose types name their snake_case keys themselves.
    static let document: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .apiTime
        return decoder
    }()

    static let api: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .apiTime
        return decoder
    }()
}

extension JSONDecoder.DateDecodingStrategy {
    /// RFC 3339 with a year from 1 to 9999 (`APITime`). Foundation's
    /// `.iso8601` took a year-99999 time, which could then only be written
    /// back in a form no RFC 3339 reader accepts. The error's coded message
    /// is what the problem document tells the client (see `fieldIssues`).
    static let apiTime = JSONDecoder.DateDecodingStrategy.custom { decoder in
        let container = try decoder.singleValueContainer()
        guard let text = try? container.decode(String.self), let date = APITime.parse(text) else {
            throw DecodingError.coded(.typeTime, at: container.codingPath)
        }
        return date
    }
}

extension JSONEncoder {
    static let api: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
