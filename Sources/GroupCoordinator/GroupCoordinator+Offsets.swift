import KafkaWire

extension GroupCoordinator {
    /// OffsetCommit (v2–8). Durable (fsynced) before it returns. `partitionExists` lets
    /// unknown partitions be answered UNKNOWN_TOPIC_OR_PARTITION one by one.
    public func offsetCommit(
        _ request: OffsetCommitRequest,
        version: Int16,
        partitionExists: @Sendable (String, Int32) -> Bool
    ) async -> OffsetCommitResponse {
        func all(_ code: KafkaErrorCode) -> OffsetCommitResponse {
            OffsetCommitResponse(topics: request.topics.map { topic in
                OffsetCommitResponse.OffsetCommitResponseTopic(name: topic.name, partitions: topic.partitions.map {
                    OffsetCommitResponse.OffsetCommitResponsePartition(partitionIndex: $0.partitionIndex, errorCode: code.rawValue)
                })
            })
        }
        if isShutDown { return all(.coordinatorNotAvailable) }
        let groupId = request.groupId
        guard !groupId.isEmpty else { return all(.invalidGroupId) }
        let time = now()
        let instanceId = version >= 7 ? request.groupInstanceId : nil
        let generation = request.generationIdOrMemberEpoch
        var group: GroupStateMachine
        if let existing = groups[groupId] {
            group = existing
        } else if generation < 0 {
            // A standalone consumer (assign() rather than subscribe()) creates its group by
            // committing.
            group = GroupStateMachine(groupId: groupId, config: config, now: time)
        } else {
            return all(.illegalGeneration)
        }
        let validation = group.validateCommit(
            memberId: request.memberId, groupInstanceId: instanceId, generationId: generation, now: time)
        if groups[groupId] != nil {
            groups[groupId] = group
        }
        guard validation == .none else { return all(validation) }

        var entries: [OffsetLogRecord.Entry] = []
        var codes: [[KafkaErrorCode]] = []
        for topic in request.topics {
            codes.append(topic.partitions.map { partition in
                let metadata = partition.committedMetadata ?? ""
                if metadata.utf8.count > config.offsetMetadataMaxBytes { return .offsetMetadataTooLarge }
                if !partitionExists(topic.name, partition.partitionIndex) { return .unknownTopicOrPartition }
                entries.append(OffsetLogRecord.Entry(
                    topic: topic.name, partition: partition.partitionIndex, offset: partition.committedOffset,
                    leaderEpoch: version >= 6 ? partition.committedLeaderEpoch : -1,
                    metadata: metadata, timestamp: time))
                return .none
            })
        }
        if !entries.isEmpty {
            do {
                try store.append([OffsetLogRecord(kind: .commit, group: groupId, entries: entries)])
                if groups[groupId] == nil {
                    groups[groupId] = group
                }
            } catch {
                logger.error("offset commit not persisted", metadata: ["group": "\(groupId)", "error": "\(error)"])
                // Retriable: the client commits again.
                codes = codes.map { $0.map { $0 == .none ? .coordinatorNotAvailable : $0 } }
            }
        }
        return OffsetCommitResponse(topics: zip(request.topics, codes).map { topic, topicCodes in
            OffsetCommitResponse.OffsetCommitResponseTopic(name: topic.name, partitions: zip(topic.partitions, topicCodes).map {
                OffsetCommitResponse.OffsetCommitResponsePartition(partitionIndex: $0.partitionIndex, errorCode: $1.rawValue)
            })
        })
    }

    /// OffsetFetch (v1–8; v8 batches groups). Partitions without a committed offset (and
    /// unknown groups) answer offset -1 with no error, as Kafka does.
    public func offsetFetch(_ request: OffsetFetchRequest, version: Int16) async -> OffsetFetchResponse {
        if version >= 8 {
            let groups = request.groups.map { group in
                let requested = group.topics.map { $0.map { ($0.name, $0.partitionIndexes) } }
                let (code, topics) = fetchOffsets(group: group.groupId, topics: requested)
                return OffsetFetchResponse.OffsetFetchResponseGroup(
                    groupId: group.groupId,
                    topics: topics.map { name, partitions in
                        OffsetFetchResponse.OffsetFetchResponseTopics(name: name, partitions: partitions.map {
                            OffsetFetchResponse.OffsetFetchResponsePartitions(
                                partitionIndex: $0.partition, committedOffset: $0.offset?.offset ?? -1,
                                committedLeaderEpoch: $0.offset?.leaderEpoch ?? -1,
                                metadata: $0.offset?.metadata ?? "", errorCode: KafkaErrorCode.none.rawValue)
                        })
                    },
                    errorCode: code.rawValue
                )
            }
            return OffsetFetchResponse(groups: groups)
        }
        let requested = request.topics.map { $0.map { ($0.name, $0.partitionIndexes) } }
        let (code, topics) = fetchOffsets(group: request.groupId, topics: requested)
        // v1 has no top-level error: partitions carry it.
        let partitionCode = version < 2 ? code : .none
        return OffsetFetchResponse(
            topics: topics.map { name, partitions in
                OffsetFetchResponse.OffsetFetchResponseTopic(name: name, partitions: partitions.map {
                    OffsetFetchResponse.OffsetFetchResponsePartition(
                        partitionIndex: $0.partition, committedOffset: $0.offset?.offset ?? -1,
                        committedLeaderEpoch: $0.offset?.leaderEpoch ?? -1,
                        metadata: $0.offset?.metadata ?? "", errorCode: partitionCode.rawValue)
                })
            },
            errorCode: version >= 2 ? code.rawValue : 0
        )
    }

    /// One group's committed offsets for `topics` (nil: every committed partition).
    private func fetchOffsets(
        group groupId: String,
        topics: [(String, [Int32])]?
    ) -> (KafkaErrorCode, [(String, [(partition: Int32, offset: CommittedOffset?)])]) {
        let code: KafkaErrorCode = isShutDown ? .coordinatorNotAvailable : .none
        let committed = isShutDown ? [:] : (store.offsets[groupId] ?? [:])
        if let topics {
            return (code, topics.map { name, partitions in
                (name, partitions.map { ($0, committed[TopicPartition(topic: name, partition: $0)]) })
            })
        }
        var byTopic: [String: [(partition: Int32, offset: CommittedOffset?)]] = [:]
        for (key, offset) in committed.sorted(by: { $0.key < $1.key }) {
            byTopic[key.topic, default: []].append((key.partition, offset))
        }
        return (code, byTopic.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// OffsetDelete (v0). Allowed for an empty group; for a consumer group with members,
    /// only for topics no member subscribes to.
    public func offsetDelete(_ request: OffsetDeleteRequest, version: Int16) async -> OffsetDeleteResponse {
        func fail(_ code: KafkaErrorCode) -> OffsetDeleteResponse { OffsetDeleteResponse(errorCode: code.rawValue) }
        if isShutDown { return fail(.coordinatorNotAvailable) }
        let groupId = request.groupId
        guard !groupId.isEmpty else { return fail(.invalidGroupId) }
        guard let group = groups[groupId], group.state != .dead else { return fail(.groupIdNotFound) }
        var subscribed: Set<String>? = []
        if group.state != .empty {
            guard group.protocolType == ConsumerProtocolSubscription.protocolType else { return fail(.nonEmptyGroup) }
            subscribed = group.subscribedTopics()
        }
        var deletions: [OffsetLogRecord.Entry] = []
        var topics = request.topics.map { topic in
            OffsetDeleteResponse.OffsetDeleteResponseTopic(name: topic.name, partitions: topic.partitions.map { partition in
                // Unreadable subscriptions count as subscribed to everything: never pull
                // offsets from under a live consumer.
                let isSubscribed = subscribed.map { $0.contains(topic.name) } ?? true
                if isSubscribed {
                    return .init(partitionIndex: partition.partitionIndex, errorCode: KafkaErrorCode.groupSubscribedToTopic.rawValue)
                }
                deletions.append(.init(topic: topic.name, partition: partition.partitionIndex))
                return .init(partitionIndex: partition.partitionIndex, errorCode: KafkaErrorCode.none.rawValue)
            })
        }
        if !deletions.isEmpty {
            do {
                try store.append([OffsetLogRecord(kind: .delete, group: groupId, entries: deletions)])
            } catch {
                logger.error("offset delete not persisted", metadata: ["group": "\(groupId)", "error": "\(error)"])
                for t in topics.indices {
                    for p in topics[t].partitions.indices where topics[t].partitions[p].errorCode == 0 {
                        topics[t].partitions[p].errorCode = KafkaErrorCode.coordinatorNotAvailable.rawValue
                    }
                }
            }
        }
        return OffsetDeleteResponse(topics: topics)
    }

    /// Removes committed offsets of a deleted topic from every group.
    public func topicDeleted(_ topic: String) async {
        guard !isShutDown, store.offsets.values.contains(where: { $0.keys.contains { $0.topic == topic } }) else { return }
        do {
            try store.append([OffsetLogRecord(kind: .deleteTopic, topic: topic)])
        } catch {
            logger.error("deleted topic's offsets not removed", metadata: ["topic": "\(topic)", "error": "\(error)"])
        }
    }

    /// Expires offsets of groups without members: retention counts from the later of the
    /// commit and the group becoming empty (Kafka counts group-managed offsets from the
    /// latter, standalone ones from the commit). Removes groups left with nothing.
    func expireOffsets(now time: Int64) {
        let retention = config.offsetsRetentionMs
        for (groupId, partitions) in store.offsets {
            guard let group = groups[groupId] else { continue }
            guard group.state == .empty else { continue }
            let expired = partitions.filter { _, offset in
                max(offset.commitTimestamp, group.protocolType == nil ? 0 : group.stateTimestamp) + retention <= time
            }
            guard !expired.isEmpty else { continue }
            let entries = expired.keys.sorted().map { OffsetLogRecord.Entry(topic: $0.topic, partition: $0.partition) }
            do {
                try store.append([OffsetLogRecord(kind: .delete, group: groupId, entries: entries)])
                logger.info("expired committed offsets", metadata: ["group": "\(groupId)", "partitions": "\(entries.count)"])
            } catch {
                logger.warning("offset expiry not persisted", metadata: ["group": "\(groupId)", "error": "\(error)"])
            }
        }
        for groupId in Array(groups.keys) {
            removeGroupIfUnused(groupId)
        }
    }
}
