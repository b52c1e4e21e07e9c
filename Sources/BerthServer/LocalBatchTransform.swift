import BerthCodecs
import BerthCore
import FoundationEssentials

/// `berth predict`: a SageMaker batch transform job on one machine, with no server and no SageMaker.
///
/// Each input file is split the way a job with `SplitType=Line` splits it (whole lines, never mixing files;
/// `MULTI_RECORD` packs as many lines as fit in the payload limit, `SINGLE_RECORD` sends one line each);
/// RecordIO files split at record boundaries, JSON and NPY files are one request each (`SplitType=None`). The
/// answers go through the same `InferencePipeline` as `/invocations` and are joined like `AssembleWith=Line`
/// into `<input>.out`. A file with a bad record gets no `.out` — as on SageMaker — and the error names its line.
public struct LocalBatchTransform: Sendable {
    public enum Strategy: String, Sendable {
        case multiRecord = "MULTI_RECORD"
        case singleRecord = "SINGLE_RECORD"
    }

    public let pipeline: InferencePipeline
    public let requestFormat: RequestFormat
    public let responseFormat: ResponseFormat
    public let strategy: Strategy
    /// The largest request, in bytes; nil is unlimited (`MaxPayloadInMB=0`).
    public let maxPayloadBytes: Int?

    public init(pipeline: InferencePipeline, requestFormat: RequestFormat, responseFormat: ResponseFormat,
                strategy: Strategy, maxPayloadBytes: Int?) {
        self.pipeline = pipeline
        self.requestFormat = requestFormat
        self.responseFormat = responseFormat
        self.strategy = strategy
        self.maxPayloadBytes = maxPayloadBytes
    }

    /// What became of one input file.
    public struct FileResult: Sendable {
        public let input: String
        public let output: String
        public var records = 0
        public var requests = 0
        public var seconds = 0.0
        /// Why the file failed (no output was written), or nil.
        public var failure: String?
    }

    /// One request's slice of an input file and the line number it starts on.
    struct Request {
        let range: Range<Int>
        let firstLine: Int
    }

    /// Transforms `input` into `output`; `progress` is called after each request with the bytes of the input done.
    public func run(input: String, output: String, progress: (_ bytesDone: Int, _ bytesTotal: Int, _ records: Int) -> Void) -> FileResult {
        let clock = ContinuousClock()
        let start = clock.now
        var result = transform(input: input, output: output, progress: progress)
        let elapsed = clock.now - start
        result.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return result
    }

    private func transform(input: String, output: String, progress: (Int, Int, Int) -> Void) -> FileResult {
        var result = FileResult(input: input, output: output)
        guard let data = FileManager.default.contents(atPath: input) else {
            result.failure = "cannot read the file"
            return result
        }
        let bytes = [UInt8](data)
        var answers = [UInt8]()
        let failure: String? = bytes.withUnsafeBufferPointer { buffer -> String? in
            let requests: [Request]
            do throws(CodecError) {
                requests = try split(buffer)
            } catch {
                return error.message
            }
            for request in requests {
                let answer: (body: [UInt8], rowCount: Int)
                do throws(CodecError) {
                    answer = try pipeline.answer(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[request.range])), from: requestFormat,
                                                 to: responseFormat, firstLineNumber: request.firstLine)
                } catch {
                    return requestFormat.isLineOriented || error.message.hasPrefix("line") ? error.message
                        : "request starting at byte \(request.range.lowerBound): \(error.message)"
                }
                answers.append(contentsOf: answer.body)
                if responseFormat.isText && answers.last != UInt8(ascii: "\n") { answers.append(UInt8(ascii: "\n")) }
                result.records += answer.rowCount
                result.requests += 1
                progress(request.range.upperBound, buffer.count, result.records)
            }
            return nil
        }
        if let failure {
            result.failure = failure
            return result
        }
        // Written whole, through a temporary name, so a failed or interrupted file never leaves a partial .out.
        let partial = output + ".partial"
        do {
            try Data(answers).write(to: URL(fileURLWithPath: partial))
            if FileManager.default.fileExists(atPath: output) { try FileManager.default.removeItem(atPath: output) }
            try FileManager.default.moveItem(atPath: partial, toPath: output)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            result.failure = "cannot write \(output): \(error)"
        }
        return result
    }

    /// The requests a job would send for this file.
    func split(_ bytes: UnsafeBufferPointer<UInt8>) throws(CodecError) -> [Request] {
        let limit = maxPayloadBytes ?? Int.max
        var units: [Request]
        if requestFormat.isLineOriented {
            units = lines(bytes)
        } else if requestFormat == .recordIO && RecordIOFraming.startsWithMagic(bytes) {
            units = try RecordIOFraming.records(in: bytes).map { payload in
                Request(range: payload.lowerBound - 8..<min(bytes.count, payload.lowerBound + (payload.count + 3) & ~3), firstLine: 1)
            }
        } else {
            units = [Request(range: 0..<bytes.count, firstLine: 1)]
        }
        if let oversized = units.first(where: { $0.range.count > limit }) {
            let what = requestFormat.isLineOriented ? "line \(oversized.firstLine) is" : "a record of \(oversized.range.count) bytes is"
            throw CodecError(.badRequest, "\(what) larger than the \(limit >> 20) MB payload limit: raise --max-payload-mb (0 = unlimited)")
        }
        guard strategy == .multiRecord, units.count > 1 else { return units }
        var requests = [Request]()
        var current = units[0]
        for unit in units.dropFirst() {
            if unit.range.upperBound - current.range.lowerBound <= limit {
                current = Request(range: current.range.lowerBound..<unit.range.upperBound, firstLine: current.firstLine)
            } else {
                requests.append(current)
                current = unit
            }
        }
        requests.append(current)
        return requests
    }

    /// Each non-blank line with its newline, and its line number.
    private func lines(_ bytes: UnsafeBufferPointer<UInt8>) -> [Request] {
        var lines = [Request]()
        var start = 0
        var number = 1
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let next = min(end + 1, bytes.count)
            if bytes[start..<end].contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\t") }) {
                lines.append(Request(range: start..<next, firstLine: number))
            }
            start = next
            number += 1
        }
        return lines
    }
}
