"""The appliance assembled and simulated: the `kiosk` command, demo, scripted scenarios, the
emulators and the bundled backend started together. The only package that imports ui,
kiosk, peripherals (emulators included) and backend_stub together."""
