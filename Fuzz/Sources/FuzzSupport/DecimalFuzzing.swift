import BerthJSON
#if canImport(Glibc)
import Glibc
#endif

/// Berth's own decimal conversions against the C library's `strtod` on the same text: `DecimalText.parseDouble`
/// (every CSV field and model-file number), the plain prefix the CSV reader takes in one pass, and the JSON reader's
/// number (Clinger's step, Eisel and Lemire's, else `strtod`). Each must give `strtod`'s double bit for bit
/// wherever it gives one at all; a difference stops the run.
public func fuzzDecimal(_ input: FuzzInput) {
    let bytes = input.bytes
    guard bytes.count <= DecimalText.maxLength, !bytes.contains(0) else { return }
    bytes.withUnsafeBufferPointer { text in
        if let parsed = DecimalText.parseDouble(text) {
            let reference = strtodWhole(text)
            precondition(reference != nil, "parseDouble read \(parsed) from text strtod refuses")
            requireSameDouble(parsed, reference!, text)
        }
        if let (value, length) = DecimalText.parsePlainPrefix(text) {
            precondition(length > 0 && length <= text.count, "a plain prefix of \(length) bytes in \(text.count)")
            let reference = strtodWhole(UnsafeBufferPointer(rebasing: text[..<length]))
            precondition(reference != nil, "the plain prefix read \(value) from text strtod refuses")
            requireSameDouble(value, reference!, UnsafeBufferPointer(rebasing: text[..<length]))
        }
        var position = 0
        if let value = try? JSONReader.number(in: text, at: &position), position == text.count {
            let reference = strtodWhole(text)
            precondition(reference != nil, "the JSON reader read \(value) from text strtod refuses")
            requireSameDouble(value, reference!, text)
        }
    }
}

/// `strtod` of all of `text`, nil unless it reads every byte.
private func strtodWhole(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
    var terminated = Array(text.map { CChar(bitPattern: $0) })
    terminated.append(0)
    return terminated.withUnsafeMutableBufferPointer { scratch -> Double? in
        var end: UnsafeMutablePointer<CChar>? = nil
        let value = strtod(scratch.baseAddress!, &end)
        guard let end, end - scratch.baseAddress! == text.count, text.count > 0 else { return nil }
        return value
    }
}

private func requireSameDouble(_ value: Double, _ reference: Double, _ text: UnsafeBufferPointer<UInt8>) {
    precondition(value.bitPattern == reference.bitPattern || (value.isNaN && reference.isNaN),
                 "\(String(decoding: text, as: UTF8.self)): \(value) against strtod's \(reference)")
}
