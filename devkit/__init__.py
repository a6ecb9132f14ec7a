"""The development kit: what stands in for the world around ketenbus on one machine.

devkit.cli                      the ``ketenbus-dev`` command
devkit.local_kafka              a real Kafka on loopback, from Maven jars
devkit.reference_backoffice     the corporation's VERA systems, played for tests and demo
devkit.partner_simulators       the partners' APIs (Roerdal's feed, Maasdal's orders)
devkit.demo                     the demo: the whole chain once

None of it ships: the built ``ketenbus`` wheel holds contracts, kit, connectors, router
and ketenbus only, and nothing there imports devkit (tests/test_layers.py,
tests/test_wheel.py). devkit may import every layer.
"""
