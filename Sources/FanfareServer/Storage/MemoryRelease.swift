import Foundation

/// Gives freed heap memory back to the system.
///
/// glibc keeps what a program frees for its next allocations; after a
/// large lexicon import or compile (a 5 MB file, its plan, the rows read,
/// the old engine: tens of megabytes) that garbage would stay the
/// process's resident size for good. `malloc_trim(0)` returns every free
/// page of every arena. Looked up at run time, as `malloc.h` is not in
/// Swift's Glibc module; a no-op elsewhere.
enum MemoryRelease {
    private typealias Trim = @convention(c) (Int) -> Int32

    private static let trimFunction: Trim? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: Trim.self)
        #else
        return nil
        #endif
    }()

    static func trim() { _ = trimFunction?(0) }
}
