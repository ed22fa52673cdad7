import BrokerSecurity
import KafkaWire

/// AlterUserScramCredentials: deletions and upsertions (the client sends salt, iterations
/// and SaltedPassword; the store keeps StoredKey and ServerKey). ALTER on the cluster may
/// alter (without an authorizer: `super.users` only).
struct AlterUserScramCredentialsHandler: ApiHandler {
    let state: BrokerState

    typealias Result = AlterUserScramCredentialsResponse.AlterUserScramCredentialsResult

    func handle(_ request: AlterUserScramCredentialsRequest, context: RequestContext) async -> AlterUserScramCredentialsResponse? {
        let users = request.deletions.map(\.name) + request.upsertions.map(\.name)
        var order: [String] = []
        for u in users where !order.contains(u) { order.append(u) }
        guard state.authorizer.isEnabled ? context.isAllowed(cluster: .alter) : state.config.superUsers.contains(context.principal) else {
            return AlterUserScramCredentialsResponse(results: order.map {
                Result(user: $0, errorCode: KafkaErrorCode.clusterAuthorizationFailed.rawValue, errorMessage: "Cluster authorization failed.")
            })
        }
        var errors: [String: (KafkaErrorCode, String)] = [:]
        // Kafka: a user named more than once for the same mechanism is a duplicate.
        var pairs = Set<String>()
        for (name, mech) in request.deletions.map({ ($0.name, $0.mechanism) }) + request.upsertions.map({ ($0.name, $0.mechanism) }) {
            if !pairs.insert("\(mech)/\(name)").inserted {
                errors[name] = (.duplicateResource, "A user credential cannot be altered twice in the same request")
            }
        }
        for d in request.deletions where errors[d.name] == nil {
            if d.name.isEmpty {
                errors[d.name] = (.unacceptableCredential, "Username must not be empty")
            } else if let a = ScramMechanismCode.algorithm(d.mechanism) {
                if state.credentials.credential(user: d.name, algorithm: a) == nil {
                    errors[d.name] = (.resourceNotFound, "Attempt to delete a user credential that does not exist")
                }
            } else {
                errors[d.name] = (.unsupportedSaslMechanism, "Unknown SCRAM mechanism")
            }
        }
        for u in request.upsertions where errors[u.name] == nil {
            if u.name.isEmpty {
                errors[u.name] = (.unacceptableCredential, "Username must not be empty")
            } else if let a = ScramMechanismCode.algorithm(u.mechanism) {
                if !ScramAlgorithm.iterationRange.contains(Int(u.iterations)) {
                    errors[u.name] = (.unacceptableCredential, "Iterations \(u.iterations) not within \(ScramAlgorithm.iterationRange)")
                } else if u.salt.isEmpty || u.saltedPassword.count != (a == .sha256 ? 32 : 64) {
                    errors[u.name] = (.unacceptableCredential, "Salt and salted password are required")
                }
            } else {
                errors[u.name] = (.unsupportedSaslMechanism, "Unknown SCRAM mechanism")
            }
        }
        for d in request.deletions where errors[d.name] == nil {
            do {
                try state.credentials.remove(user: d.name, algorithm: ScramMechanismCode.algorithm(d.mechanism)!)
                context.auditAdmin("delete-scram-credential", resourceType: "user", resourceName: d.name,
                                   before: ScramMechanismCode.algorithm(d.mechanism)!.mechanismName)
            } catch {
                errors[d.name] = (.unknownServerError, "credential store: \(error.message)")
            }
        }
        for u in request.upsertions where errors[u.name] == nil {
            let a = ScramMechanismCode.algorithm(u.mechanism)!
            let credential = ScramCredential.fromSaltedPassword(u.saltedPassword, salt: u.salt, iterations: Int(u.iterations), algorithm: a)
            do {
                let existed = state.credentials.credential(user: u.name, algorithm: a).map { "\(a.mechanismName) iterations=\($0.iterations)" } ?? ""
                try state.credentials.upsert(user: u.name, credential: credential)
                // What changed, never the secret: the mechanism and iteration count.
                context.auditAdmin("upsert-scram-credential", resourceType: "user", resourceName: u.name,
                                   before: existed, after: "\(a.mechanismName) iterations=\(u.iterations)")
            } catch {
                errors[u.name] = (.unknownServerError, "credential store: \(error.message)")
            }
        }
        if !users.isEmpty {
            state.logger.info("SCRAM credentials altered", metadata: ["principal": "\(context.principal)",
                                                                     "users": "\(order.joined(separator: ","))"])
        }
        return AlterUserScramCredentialsResponse(results: order.map { name in
            if let (code, message) = errors[name] { return Result(user: name, errorCode: code.rawValue, errorMessage: message) }
            return Result(user: name, errorCode: 0, errorMessage: nil)
        })
    }
}
