/// When appended bytes are forced to disk.
public enum Durability: Sendable {
    /// Appends land in the page cache; fsync only by the flush settings
    /// (`flush.messages`, `flush.ms`), at segment roll and at shutdown.
    case pageCache
    /// As `pageCache`, and `waitUntilDurable` returns only after an fsync that covers
    /// the offset; one flusher shares each fsync among all waiting appenders.
    case groupCommit
}
