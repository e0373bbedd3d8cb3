"""The kiosk's credential from a file, and staff mode's provisioned.toml over kiosk.toml
(kiosk/config.py); an existing kiosk.toml without either loads as before."""

from __future__ import annotations

from kiosk.config import load_config


def _toml(tmp_path, extra: str = "") -> object:
    toml = tmp_path / "kiosk.toml"
    toml.write_text(f'kiosk_id = "kiosk-01"\nkiosk_token = "in-clear"\n'
                    f'data_dir = "{tmp_path / "data"}"\n{extra}')  # fmt: skip
    return toml


def test_a_plain_config_is_unchanged(tmp_path):
    config = load_config(_toml(tmp_path), env={})
    assert (config.kiosk_id, config.kiosk_token, config.kiosk_token_file) == (
        "kiosk-01",
        "in-clear",
        "",
    )


def test_a_token_file_wins_over_the_token_in_clear_and_a_missing_one_is_empty(tmp_path):
    secret = tmp_path / "kiosk.token"
    secret.write_text("from-the-file\n")
    assert load_config(_toml(tmp_path, f'kiosk_token_file = "{secret}"\n'), env={}).kiosk_token \
        == "from-the-file"  # fmt: skip
    missing = load_config(_toml(tmp_path, 'kiosk_token_file = "/nonexistent/kiosk.token"\n'), {})
    assert missing.kiosk_token == ""  # the backend refuses it: out of service, no crash loop


def test_provisioned_toml_in_the_data_dir_overrides_the_toml_and_env_still_wins(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "kiosk.token").write_text("provisioned-token\n")
    (data / "provisioned.toml").write_text(
        'backend_url = "http://10.0.0.9:8700"\nkiosk_id = "kiosk-07"\n'
        f'kiosk_token_file = "{data / "kiosk.token"}"\nlanguage = "en"\n'
    )
    config = load_config(_toml(tmp_path), env={})
    assert (config.backend_url, config.kiosk_id, config.kiosk_token) == (
        "http://10.0.0.9:8700",
        "kiosk-07",
        "provisioned-token",
    )
    assert config.language == "zh_CN"  # only the provisioning's own keys are read from it
    assert load_config(_toml(tmp_path), env={"KIOSK_KIOSK_ID": "k-env"}).kiosk_id == "k-env"
