import Vapor

/// A response body that is written while it is produced, such as a stream
/// of server-sent events: Fanfare's server sends it chunked and flushes
/// every write. (Vapor's own streaming bodies keep their storage to
/// themselves, so a server of our own cannot drive them.)
///
/// The response's ordinary body is the first part of the stream as well,
/// so that a caller without a live connection (the in-memory test client)
/// still gets a sensible answer.
struct StreamedBody: Sendable {
    /// Writes the rest of the body; returns when it is complete. It is
    /// cancelled when the client goes away or the server stops.
    let produce: @Sendable (StreamedBodyWriter) async throws -> Void
}

/// Hands each part of a streamed body to the connection and waits until it
/// has been written, so a slow reader slows the producer down.
struct StreamedBodyWriter: Sendable {
    let send: @Sendable (ByteBuffer) async throws -> Void

    func write(_ text: String) async throws {
        try await send(ByteBuffer(string: text))
    }
}

extension Response {
    struct StreamedBodyKey: StorageKey {
        typealias Value = StreamedBody
    }

    /// A response whose body is `first`, then whatever `produce` writes.
    static func streamed(
        status: HTTPStatus = .ok, headers: HTTPHeaders, first: String,
        produce: @escaping @Sendable (StreamedBodyWriter) async throws -> Void
    ) -> Response {
        let response = Response(status: status, headers: headers, body: .init(string: first))
        response.storage[StreamedBodyKey.self] = StreamedBody(produce: produce)
        return response
    }

    var streamedBody: StreamedBody? { storage[StreamedBodyKey.self] }
}
