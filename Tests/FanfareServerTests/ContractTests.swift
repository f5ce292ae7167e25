import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// The OpenAPI description and the routes must agree both ways, and every
/// page string must exist in both languages.
@Suite struct ContractTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `METHOD /path/{param}` for every operation in openapi.yaml, read by
    /// indentation: paths at two spaces, methods at four.
    static func specOperations() throws -> Set<String> {
        let text = try String(contentsOf: repository.appendingPathComponent("Sources/FanfareServer/Resources/openapi.yaml"), encoding: .utf8)
        var operations: Set<String> = []
        var inPaths = false
        var currentPath: String?
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("paths:") { inPaths = true; continue }
            if inPaths, let first = line.first, !first.isWhitespace, first != "#" { inPaths = false }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                currentPath = String(line.dropFirst(2).dropLast()).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            } else if let path = currentPath, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let key = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "patch", "delete"].contains(String(key)) { operations.insert("\(key.uppercased()) \(path)") }
            }
        }
        return operations
    }

    @Test func everyAPIRouteIsDescribedAndEveryDescribedRouteExists() async throws {
        try await withTestApp(.sqlite) { t in
            let documented = Set(["/api", "/hooks", "/healthz", "/readyz", "/metrics", "/openapi.yaml"])
            let routes = Set(
                t.app.routes.all.compactMap { route -> String? in
                    let path =
                        "/"
                        + route.path.map { component -> String in
                            if case .parameter(let name) = component { return "{\(name)}" }
                            return component.description
                        }.joined(separator: "/")
                    guard documented.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) else { return nil }
                    return "\(route.method.rawValue) \(path)"
                })
            let spec = try Self.specOperations()
            #expect(!spec.isEmpty)
            #expect(routes.subtracting(spec).sorted() == [], "routes missing from openapi.yaml")
            #expect(spec.subtracting(routes).sorted() == [], "openapi.yaml describes routes that do not exist")
            let served = try await t.api(.GET, "/openapi.yaml", token: nil)
            #expect(served.status == .ok && served.body.contains("openapi: 3."))
        }
    }

    @Test func bothLanguagesHaveTheSameKeys() {
        let en = Set(Strings.en.keys), zh = Set(Strings.zhHans.keys)
        #expect(en.subtracting(zh).sorted() == [], "missing in zh-Hans")
        #expect(zh.subtracting(en).sorted() == [], "missing in en")
        for (key, value) in Strings.zhHans { #expect(!value.isEmpty, "empty zh-Hans text for \(key)") }
    }

    @Test func everyKeyThePagesUseExists() throws {
        let sources = Self.repository.appendingPathComponent("Sources/FanfareServer")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }.filter {
            $0.pathExtension == "swift"
        }
        let pattern = try Regex(#"(?:ctx\.t|I18n\.text)\("([a-z0-9_.]+)""#)
        var used: Set<String> = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: pattern) {
                if let key = match.output[1].substring { used.insert(String(key)) }
            }
        }
        #expect(used.count > 50, "the key search found \(used.count) keys; is the pattern still right?")
        let known = Set(Strings.en.keys)
        #expect(used.filter { !$0.hasSuffix(".") }.subtracting(known).sorted() == [], "keys used but not defined")
        #expect(Set(I18n.dynamicKeys).subtracting(known).sorted() == [], "keys built at run time but not defined")
    }
}
