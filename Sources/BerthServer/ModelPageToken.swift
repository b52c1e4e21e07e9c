/// `GET /models`' `nextPageToken`: the name of the last model on the page, in hexadecimal (safe in a query string
/// as it is), after which the next page continues.
///
/// A token that says where a page ended, rather than how many models it passed, neither skips nor repeats a model
/// when others load or unload between two pages.
struct ModelPageToken: Equatable {
    let lastName: String

    init(lastName: String) {
        self.lastName = lastName
    }

    /// The token a client sends back, or nil when it is not one this server wrote.
    init?(parsing text: String) {
        let digits = Array(text.utf8)
        guard !digits.isEmpty, digits.count.isMultiple(of: 2) else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = HexDigit.value(of: digits[index]), let low = HexDigit.value(of: digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        guard let name = String(validating: bytes, as: UTF8.self) else { return nil }
        lastName = name
    }

    var text: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(lastName.utf8.count * 2)
        for byte in lastName.utf8 {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
