import KafkaWire
import NIOCore

/// An in-process mutation fuzzer for the wire codec. Each input is a seed with a few
/// random mutations, read the way the broker reads bytes. A trap ends the process (so a
/// crash fails the run); beyond that, a decoded message must re-encode and decode back
/// to the same value, or the run reports a failure.
public struct WireFuzzer {
    public struct Report: Sendable, CustomStringConvertible {
        public var inputs = 0
        /// Inputs that decoded (and then passed the re-encode check).
        public var accepted = 0
        /// Inputs rejected with a typed error, as hostile input should be.
        public var rejected = 0
        /// Property violations: descriptions of what went wrong, with the input's index.
        public var failures: [String] = []

        public init() {}

        public var description: String {
            "\(inputs) inputs: \(accepted) accepted, \(rejected) rejected, \(failures.count) failures"
        }
    }

    private var rng: SplitMix64
    private let corpus: [FuzzInput]
    private let maxFrameSize: Int
    private let validator: RecordBatchValidator

    public init(seed: UInt64, corpus: [FuzzInput], maxFrameSize: Int = 1 << 20) {
        precondition(!corpus.isEmpty, "the fuzzer needs at least one seed")
        self.rng = SplitMix64(seed: seed)
        self.corpus = corpus
        self.maxFrameSize = maxFrameSize
        var validator = RecordBatchValidator()
        validator.requireSingleBatch = false
        validator.maxUncompressedBytes = 4 << 20
        self.validator = validator
    }

    public mutating func run(iterations: Int) -> Report {
        var report = Report()
        for i in 0..<iterations {
            var input = corpus[Int(rng.next() % UInt64(corpus.count))]
            let rounds = 1 + Int(rng.next() % 4)
            for _ in 0..<rounds { mutate(&input.bytes) }
            if case .recordBatches = input.target { FuzzMutations.repairBatchChecksums(&input.bytes) }
            report.inputs += 1
            switch execute(input) {
            case .accepted: report.accepted += 1
            case .rejected: report.rejected += 1
            case .failed(let why):
                if report.failures.count < 20 { report.failures.append("input \(i): \(why)") }
            }
        }
        return report
    }

    enum Outcome {
        case accepted, rejected
        case failed(String)
    }

    func execute(_ input: FuzzInput) -> Outcome {
        var buffer = ByteBuffer(bytes: input.bytes)
        switch input.target {
        case .requestFrame:
            do {
                guard let frame = try KafkaFrame.next(from: &buffer, maxFrameSize: maxFrameSize) else { return .rejected }
                let request = try KafkaRequestFrame(frame: frame)
                let message = try request.decodeAny()
                return Self.checkReencode(message, version: request.apiVersion)
            } catch {
                return .rejected
            }
        case .body(let key, let version, let isRequest):
            guard let type = isRequest ? key.requestType : key.responseType else { return .rejected }
            do {
                let message = try type.init(from: &buffer, version: version)
                return Self.checkReencode(message, version: version)
            } catch {
                return .rejected
            }
        case .recordBatches:
            do {
                _ = try validator.validate(buffer)
                var iterator = RecordBatchIterator(buffer)
                while let element = try iterator.next() {
                    if case .batch(let batch) = element {
                        _ = try batch.decodeRecords(maxUncompressedBytes: 4 << 20)
                    }
                }
                return .accepted
            } catch {
                return .rejected
            }
        }
    }

    /// decode → encode → decode must give back the first decoded value.
    static func checkReencode<M: KafkaApiMessage>(_ message: M, version: Int16) -> Outcome {
        var out = ByteBuffer()
        do {
            try message.encode(into: &out, version: version)
        } catch {
            return .failed("\(M.self) v\(version) decoded but did not re-encode: \(error)")
        }
        do {
            let again = try M(from: &out, version: version)
            guard again == message, out.readableBytes == 0 else {
                return .failed("\(M.self) v\(version) changed across a re-encode")
            }
            return .accepted
        } catch {
            return .failed("\(M.self) v\(version) re-encoding did not decode: \(error)")
        }
    }

    private mutating func mutate(_ bytes: inout [UInt8]) {
        FuzzMutations.apply(Int(rng.next() % UInt64(FuzzMutations.count)), to: &bytes, rng: &rng, corpus: corpus)
    }
}
