"""The Kafka floor: clients, topics, outages, readiness, transactions, state."""
