"""The ID card reader's own error type and the SAM status bytes (GA 467-2013, SW3)."""

from __future__ import annotations

from dataclasses import dataclass

from peripherals.status import DeviceError

SW_SUCCESS = 0x90
SW_CARD_FOUND = 0x9F
SW_NO_CONTENT = 0x91
SW_CARD_NOT_FOUND = 0x80
SW_SELECT_FAILED = 0x81
SW_HOST_CHECKSUM = 0x10
SW_HOST_LENGTH = 0x11
SW_UNKNOWN_COMMAND = 0x21
SW_READ_FAILED = 0x41
SW_SAM_SELF_TEST = 0x60


@dataclass(frozen=True)
class SamStatusInfo:
    code: str  # stable machine code
    message_zh: str
    message_en: str


SAM_STATUS: dict[int, SamStatusInfo] = {
    0x90: SamStatusInfo("ok", "操作成功", "Success"),
    0x9F: SamStatusInfo("card_found", "寻找证/卡成功", "Card found"),
    0x91: SamStatusInfo("no_content", "证/卡中此项无内容", "The card holds no such content"),
    0x10: SamStatusInfo("host_checksum_error", "SAM收到的数据校验和错", "SAM got a bad checksum"),
    0x11: SamStatusInfo("host_length_error", "SAM收到的数据长度错", "SAM got a bad length"),
    0x21: SamStatusInfo("unknown_command", "SAM收到的命令错误", "SAM does not know the command"),
    0x23: SamStatusInfo("unauthorized", "越权操作", "Operation not authorised"),
    0x24: SamStatusInfo("sam_unknown_error", "无法识别的错误", "Unrecognised SAM error"),
    0x31: SamStatusInfo(
        "card_auth_sam_failed", "证/卡认证SAM失败", "Card failed to authenticate SAM"
    ),
    0x32: SamStatusInfo(
        "sam_auth_card_failed", "SAM认证证/卡失败", "SAM failed to authenticate card"
    ),
    0x33: SamStatusInfo("verify_failed", "信息验证失败", "Card data failed verification"),
    0x40: SamStatusInfo("unknown_card_type", "无法识别的卡类型", "Unrecognised card type"),
    0x41: SamStatusInfo("read_failed", "读证/卡操作失败", "Reading the card failed"),
    0x47: SamStatusInfo("random_failed", "取随机数失败", "Getting a random number failed"),
    0x60: SamStatusInfo("sam_self_test_failed", "SAM自检失败", "SAM self-test failed"),
    0x66: SamStatusInfo("sam_unauthorized", "SAM未经授权", "SAM not authorised"),
    0x80: SamStatusInfo("card_not_found", "寻找证/卡失败", "No card found"),
    0x81: SamStatusInfo("select_failed", "选取证/卡失败", "Selecting the card failed"),
}


def sam_status_info(sw3: int) -> SamStatusInfo:
    return SAM_STATUS.get(
        sw3,
        SamStatusInfo(f"sam_status_{sw3:02x}", f"未知状态 {sw3:02X}", f"Unknown status {sw3:02X}"),
    )


class IdCardError(DeviceError):
    """The only exception the ID card driver raises (internally; read_card() turns it into a
    status). Codes: not_connected, no_response, io_error, bad_frame, bad_checksum, bad_payload,
    and each SAM status code of SAM_STATUS."""

    def __init__(self, code: str, message_en: str, message_zh: str = "", sw3: int | None = None):
        super().__init__(code, message_en, message_zh)
        self.sw3 = sw3

    @classmethod
    def from_sam_status(cls, sw3: int) -> IdCardError:
        info = sam_status_info(sw3)
        return cls(info.code, info.message_en, info.message_zh, sw3=sw3)
