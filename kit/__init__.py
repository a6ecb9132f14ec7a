"""The kit: what every stage of ketenbus stands on, between the contract and the stages.

contracts/   the pure contract: facts, envelope, topics, settings (no Kafka client)
kit/kafka/   the Kafka floor: the one place clients are made, topics created,
             outages watched, transactions run, compacted state read
kit/delivery the delivery kit the router and the outbound side share: typed
             delivery errors, the retry rule, HTTP answers, the circuit breaker,
             committable offsets, dead-letter parking
connectors/, router/   the stages, siblings that import only the layers below
"""
