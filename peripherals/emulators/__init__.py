"""Device emulators as servers on real transports, each with a control handle."""
