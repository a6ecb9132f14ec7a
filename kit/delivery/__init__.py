"""The delivery kit shared by the router and the outbound side."""
