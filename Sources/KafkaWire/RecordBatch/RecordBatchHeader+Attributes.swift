/// Bit 3 of the batch attributes.
public enum TimestampType: Int8, Hashable, Sendable {
    /// The producer's timestamps; the only type a producer may send.
    case createTime = 0
    /// The broker's append time (topics with `message.timestamp.type=LogAppendTime`).
    case logAppendTime = 1
}

extension RecordBatchHeader {
    enum AttributeBits {
        static let compression: Int16 = 0x07
        static let timestampType: Int16 = 0x08
        static let transactional: Int16 = 0x10
        static let control: Int16 = 0x20
        static let deleteHorizon: Int16 = 0x40
        /// Bits 7–15: unused, must be zero.
        static let reserved: Int16 = ~0x7F
    }

    /// Bits 0–2; `nil` for the reserved codec ids 5–7.
    public var compression: CompressionCodec? {
        get { CompressionCodec(batchAttributes: attributes) }
        set { attributes = (attributes & ~AttributeBits.compression) | (newValue?.rawValue ?? 0) }
    }

    public var timestampType: TimestampType {
        get { attributes & AttributeBits.timestampType == 0 ? .createTime : .logAppendTime }
        set { setFlag(AttributeBits.timestampType, newValue == .logAppendTime) }
    }

    public var isTransactional: Bool {
        get { attributes & AttributeBits.transactional != 0 }
        set { setFlag(AttributeBits.transactional, newValue) }
    }

    /// A control batch (transaction markers); only the broker writes these.
    public var isControl: Bool {
        get { attributes & AttributeBits.control != 0 }
        set { setFlag(AttributeBits.control, newValue) }
    }

    /// Set by compaction: `baseTimestamp` is then the delete horizon.
    public var hasDeleteHorizonMs: Bool {
        get { attributes & AttributeBits.deleteHorizon != 0 }
        set { setFlag(AttributeBits.deleteHorizon, newValue) }
    }

    /// Whether any of the unused bits 7–15 is set.
    public var hasReservedAttributeBits: Bool {
        attributes & AttributeBits.reserved != 0
    }

    /// Whether the batch belongs to an idempotent or transactional producer.
    public var hasProducerId: Bool { producerId >= 0 }

    private mutating func setFlag(_ bit: Int16, _ on: Bool) {
        attributes = on ? attributes | bit : attributes & ~bit
    }
}
