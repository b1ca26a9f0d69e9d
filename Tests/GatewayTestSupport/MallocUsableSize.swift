import Foundation

/// The bytes the heap block holding `object` can hold: glibc's `malloc_usable_size` (its header is not in
/// the Glibc module, so it is looked up by name). What an object really costs once malloc has rounded its
/// size up; `.max` where the function is missing, so a size check fails rather than passes.
public func mallocUsableSize(of object: AnyObject) -> Int {
    typealias UsableSize = @convention(c) (UnsafeMutableRawPointer?) -> Int
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_usable_size") else { return .max }
    return unsafeBitCast(symbol, to: UsableSize.self)(Unmanaged.passUnretained(object).toOpaque())
}
