import BrokerSecurity
import KafkaWire

/// DescribeUserScramCredentials: mechanisms and iterations per user, never secrets. Only
/// DESCRIBE on the cluster may ask (without an authorizer: `super.users` only).
struct DescribeUserScramCredentialsHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: DescribeUserScramCredentialsRequest, context: RequestContext) async -> DescribeUserScramCredentialsResponse? {
        guard state.authorizer.isEnabled ? context.isAllowed(cluster: .describe) : state.config.superUsers.contains(context.principal) else {
            return DescribeUserScramCredentialsResponse(errorCode: KafkaErrorCode.clusterAuthorizationFailed.rawValue,
                                                        errorMessage: nil)
        }
        let all = state.credentials.list()
        var names = request.users?.map(\.name) ?? []
        let describeAll = names.isEmpty
        if describeAll { names = Array(Set(all.map(\.user))).sorted() }
        var counts: [String: Int] = [:]
        for n in names { counts[n, default: 0] += 1 }
        var seen = Set<String>()
        var results: [DescribeUserScramCredentialsResponse.DescribeUserScramCredentialsResult] = []
        for name in names where seen.insert(name).inserted {
            if counts[name]! > 1 {
                results.append(.init(user: name, errorCode: KafkaErrorCode.duplicateResource.rawValue,
                                     errorMessage: "Cannot describe SCRAM credentials for the same user twice in a single request: \(name)"))
                continue
            }
            let infos = all.filter { $0.user == name }.map {
                DescribeUserScramCredentialsResponse.CredentialInfo(mechanism: ScramMechanismCode.code(for: $0.algorithm),
                                                                    iterations: Int32($0.iterations))
            }
            if infos.isEmpty {
                results.append(.init(user: name, errorCode: KafkaErrorCode.resourceNotFound.rawValue,
                                     errorMessage: "Attempt to describe nonexistent credential: user=\(name)"))
            } else {
                results.append(.init(user: name, errorCode: 0, errorMessage: nil, credentialInfos: infos))
            }
        }
        return DescribeUserScramCredentialsResponse(errorCode: 0, errorMessage: nil, results: results)
    }
}

/// Kafka's wire codes for SCRAM mechanisms (`ScramMechanism.type()`).
enum ScramMechanismCode {
    static func code(for a: ScramAlgorithm) -> Int8 { a == .sha256 ? 1 : 2 }
    static func algorithm(_ code: Int8) -> ScramAlgorithm? {
        switch code {
        case 1: return .sha256
        case 2: return .sha512
        default: return nil
        }
    }
}
