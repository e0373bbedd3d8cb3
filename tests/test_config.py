from kiosk.config import load_config


def test_toml_values_are_read_and_env_overrides_them(tmp_path):
    toml = tmp_path / "kiosk.toml"
    toml.write_text(
        'kiosk_id = "gate-3"\n[devices]\nprinter = "tcp://10.0.0.5:9100"\n'
        "[timeouts]\nidle_seconds = 90\n"
    )
    config = load_config(toml, env={"KIOSK_DEVICES_PRINTER": "/dev/ttyUSB1"})
    assert config.kiosk_id == "gate-3"
    assert config.devices.printer == "/dev/ttyUSB1"
    assert config.timeouts.idle_seconds == 90.0


def test_example_config_loads(tmp_path):
    config = load_config("deploy/kiosk.toml.example", env={})
    assert config.backend_url.startswith("http://")
    assert config.devices.idcard == "/dev/ttyUSB0"
