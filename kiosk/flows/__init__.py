"""One state machine per journey, over ports: the backend client, the devices, a clock."""
