import Fluent

/// Every migration, in the order it runs: by the release it shipped in,
/// then by its feature's place in `Features.all`, then in the order the
/// feature lists it. The order of what has shipped never changes (a test
/// holds it); a change is a new migration in the next release.
enum FanfareMigrations {
    static var all: [any Migration] { ordered(Features.all) }

    static func ordered(_ features: [any Feature]) -> [any Migration] {
        let listed = features.enumerated().flatMap { featureIndex, feature in
            feature.migrations.enumerated().map { position, shipped in (shipped.release, featureIndex, position, shipped.migration) }
        }
        return listed.sorted { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }.map(\.3)
    }
}
