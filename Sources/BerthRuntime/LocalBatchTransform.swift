#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BerthArtifacts
import BerthCodecs
import BerthCore

/// `berth predict`: a SageMaker batch transform job on one machine, with no server and no SageMaker.
///
/// Each input file is split the way a job with `SplitType=Line` splits it (whole lines, never mixing files;
/// `MULTI_RECORD` packs as many lines as fit in the payload limit, `SINGLE_RECORD` sends one line each);
/// RecordIO files split at record boundaries, JSON and NPY files are one request each (`SplitType=None`). The
/// answers go through the same `InferencePipeline` as `/invocations` and are joined like `AssembleWith=Line`
/// into `<input>.out`. A file with a bad record gets no `.out` — as on SageMaker — and the error names its line.
public struct LocalBatchTransform: Sendable {
    public let pipeline: InferencePipeline
    public let requestFormat: RequestFormat
    public let responseFormat: ResponseFormat
    public let strategy: BatchStrategy
    public let payloadLimit: PayloadLimit

    public init(pipeline: InferencePipeline, requestFormat: RequestFormat, responseFormat: ResponseFormat,
                strategy: BatchStrategy, payloadLimit: PayloadLimit) {
        self.pipeline = pipeline
        self.requestFormat = requestFormat
        self.responseFormat = responseFormat
        self.strategy = strategy
        self.payloadLimit = payloadLimit
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

    /// Transforms `input` into `output`; `progress` is called after each request with the bytes of the input done.
    public func run(input: String, output: String, progress: (_ bytesDone: Int, _ bytesTotal: Int, _ records: Int) -> Void) -> FileResult {
        let clock = ContinuousClock()
        let start = clock.now
        var result = FileResult(input: input, output: output)
        do throws(BatchFileFailure) {
            let file = try MappedInputFile(path: input)
            let destination = try PendingOutputFile(path: output)
            var splitter = BatchRequestSplitter(bytes: file.bytes, format: requestFormat, strategy: strategy, payloadLimit: payloadLimit)
            // A CSV file with a header (BERTH_CSV_HEADER=present) has it once, on its first non-blank line: every later
            // request is sent with it in front, numbered as the line before its own first line, so each maps its
            // columns; a request of the header alone (SingleRecord) answers nothing.
            let header = requestFormat == .csv && pipeline.decoding.csvHeader == .present
                ? CSVHeader.line(in: file.bytes).map { (line: Array(file.bytes[$0.range]) + [UInt8(ascii: "\n")], end: $0.next) } : nil
            while let request = try next(&splitter) {
                if let header, request.range.upperBound <= header.end { continue }
                let answer: (body: [UInt8], rowCount: Int)
                do throws(CodecError) {
                    let body = UnsafeBufferPointer(rebasing: file.bytes[request.range])
                    if let header, request.range.lowerBound >= header.end {
                        answer = try (header.line + body).withUnsafeBytes { bytes in
                            Result { () throws(CodecError) in
                                try pipeline.answer(bytes, from: requestFormat, to: responseFormat, explain: pipeline.defaultExplanation,
                                                    firstLineNumber: request.firstLine - 1)
                            }
                        }.get()
                    } else {
                        answer = try pipeline.answer(UnsafeRawBufferPointer(body), from: requestFormat, to: responseFormat,
                                                     explain: pipeline.defaultExplanation, firstLineNumber: request.firstLine)
                    }
                } catch {
                    let place = requestFormat.isLineOriented ? "" : "request starting at byte \(request.range.lowerBound): "
                    throw BatchFileFailure(reason: place + error.message)
                }
                try destination.append(answer.body)
                // `AssembleWith=Line`: every text answer ends its line.
                if responseFormat.isText && answer.body.last != UInt8(ascii: "\n") { try destination.append([UInt8(ascii: "\n")]) }
                result.records += answer.rowCount
                result.requests += 1
                file.release(before: request.range.upperBound)
                progress(request.range.upperBound, file.bytes.count, result.records)
            }
            try destination.commit()
        } catch {
            result.failure = error.reason
            // A failed file has no `.out`: one an earlier run left would read as this run's answers.
            switch FileSystem.kind(of: output, followLinks: false) {
            case .file?, .symbolicLink?:
                if unlink(output) == 0 { result.failure! += " (the .out an earlier run left was removed)" }
            default:
                break
            }
        }
        let elapsed = clock.now - start
        result.seconds = elapsed.inSeconds
        return result
    }

    private func next(_ splitter: inout BatchRequestSplitter) throws(BatchFileFailure) -> BatchRequestSplitter.Request? {
        do throws(CodecError) {
            return try splitter.next()
        } catch {
            throw BatchFileFailure(reason: error.message)
        }
    }
}
