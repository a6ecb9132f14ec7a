"""Running ketenbus: the command line, the configuration, and the local stand-ins.

ketenbus.cli                    the ``ketenbus`` command
ketenbus.config                 configuration (TOML file + KETENBUS_* variables)
ketenbus.services               the webhook, translator and router processes
ketenbus.local_kafka            a real Kafka on loopback, from Maven jars
ketenbus.reference_backoffice   the corporation's VERA systems, played for tests and demo
ketenbus.demo                   the demo
"""
