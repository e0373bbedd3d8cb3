"""Rules with no I/O, shared by the kiosk and the bundled backend; imports nothing else."""
