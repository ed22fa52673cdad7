extension ServiceDef {
    /// The built-in Kafka service definition: Ranger's `ranger-servicedef-kafka.json`
    /// (five top-level resources, eleven access types, the `ip-range` condition), except
    /// that names are case-sensitive, as Kafka's are. Bulwark adds record-level access
    /// (docs/RECORD-RULES.md): `field` below `topic` (the key, a header or a JSON path of
    /// the value, named only by data-mask policies), a `rowFilterDef` for `consume`
    /// (which records a consumer sees) and `publish` (which records a producer may
    /// write), and a `dataMaskDef` for `consume` with Ranger's mask types.
    public static let kafka: ServiceDef = {
        func resource(_ name: String) -> ResourceDef {
            ResourceDef(name: name, level: 1, parent: nil, ignoreCase: false, wildcard: true,
                        recursiveSupported: false, excludesSupported: true, pathSeparator: "/")
        }
        func access(_ name: String, _ implied: [String] = []) -> AccessTypeDef { AccessTypeDef(name: name, impliedGrants: implied) }
        return ServiceDef(
            name: "kafka",
            resources: ["topic", "transactionalid", "cluster", "delegationtoken", "consumergroup"].map(resource)
                + [ResourceDef(name: "field", level: 2, parent: "topic", ignoreCase: false, wildcard: false,
                               recursiveSupported: false, excludesSupported: false, pathSeparator: ".")],
            accessTypes: [
                access("publish", ["describe"]), access("consume", ["describe"]), access("configure", ["describe"]),
                access("describe"),
                access("kafka_admin", ["publish", "consume", "configure", "describe", "create", "delete", "describe_configs",
                                       "alter_configs", "alter", "idempotent_write", "cluster_action"]),
                access("create"), access("delete", ["describe"]), access("idempotent_write"), access("describe_configs"),
                access("alter_configs", ["describe_configs"]), access("cluster_action"), access("alter"),
            ],
            policyConditions: [ConditionDef(name: "ip-range", evaluator: "org.apache.ranger.plugin.conditionevaluator.RangerIpMatcher")],
            maskTypes: ["MASK", "MASK_SHOW_LAST_4", "MASK_SHOW_FIRST_4", "MASK_HASH", "MASK_NULL", "MASK_NONE",
                        "MASK_DATE_SHOW_YEAR", "CUSTOM"],
            rowFilterAccessTypes: ["consume", "publish"], dataMaskAccessTypes: ["consume"])
    }()
}
