"""Running ketenbus: the command line, the configuration, the processes, the operations.

ketenbus.cli                    the ``ketenbus`` command
ketenbus.config                 configuration (TOML file + KETENBUS_* variables)
ketenbus.services               the webhook, ingress, translate, route and outbound processes
ketenbus.deadletters            listing, replaying and discarding dead letters

The local Kafka, the stand-ins and the demo are not here: they are ``devkit``, the
development package the built wheel does not contain.
"""
