import Foundation

/// The parts of the atproto and app.bsky lexicons Fanfare reads and writes.
enum BlueskyEntity {
    struct Session: Decodable {
        var accessJwt: String
        var refreshJwt: String
        var handle: String
        var did: String
    }

    struct StrongRef: Codable, Equatable {
        var uri: String
        var cid: String
    }

    struct ReplyRef: Codable, Equatable {
        var root: StrongRef
        var parent: StrongRef
    }

    /// An `app.bsky.feed.post` record as read back.
    struct PostRecord: Decodable {
        var text: String?
        var createdAt: String?
        var reply: ReplyRef?
    }

    /// An `app.bsky.feed.post` record to write.
    /// A blob as `com.atproto.repo.uploadBlob` returns it, put into the
    /// record as it came.
    struct Blob: Codable, Equatable {
        struct Link: Codable, Equatable {
            var link: String
            enum CodingKeys: String, CodingKey { case link = "$link" }
        }
        var type: String?
        var ref: Link
        var mimeType: String
        var size: Int

        enum CodingKeys: String, CodingKey {
            case type = "$type"
            case ref, mimeType, size
        }
    }

    struct UploadedBlob: Decodable {
        var blob: Blob
    }

    struct AspectRatio: Encodable {
        var width: Int
        var height: Int
    }

    /// `app.bsky.embed.images` (up to 4 pictures) or `app.bsky.embed.video`.
    enum Embed: Encodable {
        struct Image: Encodable {
            var alt: String
            var image: Blob
            var aspectRatio: AspectRatio?
        }
        case images([Image])
        case video(Blob, alt: String?, aspectRatio: AspectRatio?)

        enum CodingKeys: String, CodingKey {
            case type = "$type"
            case images, video, alt, aspectRatio
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .images(let images):
                try container.encode("app.bsky.embed.images", forKey: .type)
                try container.encode(images, forKey: .images)
            case .video(let blob, let alt, let ratio):
                try container.encode("app.bsky.embed.video", forKey: .type)
                try container.encode(blob, forKey: .video)
                try container.encodeIfPresent(alt, forKey: .alt)
                try container.encodeIfPresent(ratio, forKey: .aspectRatio)
            }
        }
    }

    struct NewPost: Encodable {
        var text: String
        var createdAt: String
        var facets: [Facet]?
        var reply: ReplyRef?
        var tags: [String]?
        var embed: Embed? = nil

        enum CodingKeys: String, CodingKey {
            case type = "$type"
            case text, createdAt, facets, reply, tags, embed
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode("app.bsky.feed.post", forKey: .type)
            try container.encode(text, forKey: .text)
            try container.encode(createdAt, forKey: .createdAt)
            try container.encodeIfPresent(facets, forKey: .facets)
            try container.encodeIfPresent(reply, forKey: .reply)
            try container.encodeIfPresent(tags, forKey: .tags)
            try container.encodeIfPresent(embed, forKey: .embed)
        }
    }

    /// `app.bsky.richtext.facet`.
    struct Facet: Encodable {
        var facet: BlueskyRichText.Facet

        struct Index: Encodable {
            var byteStart: Int
            var byteEnd: Int
        }

        struct Feature: Encodable {
            var feature: BlueskyRichText.Feature

            enum CodingKeys: String, CodingKey { case type = "$type", uri, did, tag }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                switch feature {
                case .link(let uri):
                    try container.encode("app.bsky.richtext.facet#link", forKey: .type)
                    try container.encode(uri, forKey: .uri)
                case .mention(let did):
                    try container.encode("app.bsky.richtext.facet#mention", forKey: .type)
                    try container.encode(did, forKey: .did)
                case .tag(let tag):
                    try container.encode("app.bsky.richtext.facet#tag", forKey: .type)
                    try container.encode(tag, forKey: .tag)
                }
            }
        }

        enum CodingKeys: String, CodingKey { case index, features }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(Index(byteStart: facet.byteStart, byteEnd: facet.byteEnd), forKey: .index)
            try container.encode([Feature(feature: facet.feature)], forKey: .features)
        }
    }

    struct CreateRecord: Encodable {
        var repo: String
        var collection = "app.bsky.feed.post"
        var rkey: String
        var record: NewPost
    }

    /// `app.bsky.graph.block`: the account blocks `subject` (a DID).
    struct CreateBlock: Encodable {
        struct Block: Encodable {
            var subject: String
            var createdAt: String
            enum CodingKeys: String, CodingKey {
                case type = "$type"
                case subject, createdAt
            }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode("app.bsky.graph.block", forKey: .type)
                try container.encode(subject, forKey: .subject)
                try container.encode(createdAt, forKey: .createdAt)
            }
        }
        var repo: String
        var collection = "app.bsky.graph.block"
        var rkey: String
        var record: Block
    }

    struct DeleteRecord: Encodable {
        var repo: String
        var collection: String
        var rkey: String
    }

    struct RecordOutput: Decodable {
        var uri: String
        var cid: String?
    }

    struct GetRecordOutput: Decodable {
        var uri: String
        var cid: String?
        var value: PostRecord
    }

    struct Author: Decodable {
        var did: String
        var handle: String
        var displayName: String?
    }

    struct PostView: Decodable {
        var uri: String
        var cid: String
        var author: Author?
        var record: PostRecord
        var likeCount: Int?
        var repostCount: Int?
        var replyCount: Int?
        var quoteCount: Int?
    }

    struct Posts: Decodable {
        var posts: [PostView]
    }

    struct Notification: Decodable {
        var uri: String
        var author: Author
        var reason: String
        var reasonSubject: String?
        var record: PostRecord?
        var indexedAt: String
    }

    struct Notifications: Decodable {
        var notifications: [Notification]
        var cursor: String?
    }

    struct Profile: Decodable {
        var did: String
        var followersCount: Int?
        var followsCount: Int?
        var postsCount: Int?
    }

    struct ResolvedHandle: Decodable {
        var did: String
    }
}
