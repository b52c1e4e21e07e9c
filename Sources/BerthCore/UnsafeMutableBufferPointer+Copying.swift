extension UnsafeMutableBufferPointer {
    /// A new allocation holding `elements` (at least one element's room, so the base address is never nil): what
    /// the compact forests hand their C walks, which must outlive no Swift array. The caller deallocates it.
    static func copying(_ elements: [Element]) -> UnsafeMutableBufferPointer<Element> {
        let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: Swift.max(elements.count, 1))
        _ = buffer.initialize(from: elements)
        return buffer
    }
}
