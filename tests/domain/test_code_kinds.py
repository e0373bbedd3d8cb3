from kiosk.domain.code_kinds import CodeKind, classify, payment_provider


def test_wechat_alipay_unionpay_codes_are_told_apart():
    assert payment_provider("134567890123456780") == "wechat"
    assert payment_provider("2801234567890123") == "alipay"
    assert payment_provider("280123456789012345678901") == "alipay"
    assert payment_provider("6212345678901234567") == "unionpay"


def test_codes_of_wrong_length_or_prefix_are_not_payment_codes():
    assert payment_provider("16456789012345678") is None  # 17 digits
    assert payment_provider("094567890123456780") is None  # prefix 09
    assert payment_provider("31012345678901234") is None  # prefix 31
    assert payment_provider("13456789012345678x") is None


def test_classify_reads_order_member_and_ticket_codes():
    assert classify("KO1:SA20261123001").kind == CodeKind.ORDER
    assert classify("KO1:SA20261123001").value == "SA20261123001"
    assert classify("KM1:M1001").value == "M1001"
    assert classify("KT1.abc.def").kind == CodeKind.TICKET
    assert classify("hello").kind == CodeKind.UNKNOWN
    assert classify("KO1:").kind == CodeKind.UNKNOWN
