/// Turns the Prometheus text format into OpenMetrics 1.0 text, which swift-prometheus does not write: a counter's
/// `# TYPE` (and `# HELP`) name its family without the `_total` its samples keep, and the exposition ends with
/// `# EOF`. Everything else (gauges, histograms, label escaping) is the same in both.
enum OpenMetricsText {
    static func convert(prometheus text: [UInt8]) -> [UInt8] {
        var output = [UInt8]()
        output.reserveCapacity(text.count + 8)
        for line in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let string = String(decoding: line, as: UTF8.self)
            let parts = string.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            if parts.count >= 4, parts[0] == "#", parts[1] == "TYPE", parts[3] == "counter", parts[2].hasSuffix("_total") {
                output.append(contentsOf: Array("# TYPE \(parts[2].dropLast("_total".count)) counter".utf8))
            } else if parts.count >= 3, parts[0] == "#", parts[1] == "HELP", parts[2].hasSuffix("_total") {
                let help = ["#", "HELP", String(parts[2].dropLast("_total".count))] + parts.dropFirst(3).map(String.init)
                output.append(contentsOf: Array(help.joined(separator: " ").utf8))
            } else {
                output.append(contentsOf: line)
            }
            output.append(UInt8(ascii: "\n"))
        }
        output.append(contentsOf: Array("# EOF\n".utf8))
        return output
    }
}
