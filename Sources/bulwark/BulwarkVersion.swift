enum BulwarkVersion {
    static let current = "0.1.0-dev"
}
