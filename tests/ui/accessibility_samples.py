"""Representative content for every registered screen, for the accessibility check: the longest
texts the journeys show there (two visitors, an error with its other language, a full slot day).

A screen with no entry here is checked with its default content ({}); add an entry when a new
screen shows little without params (`tests/ui/test_accessibility.py` lists such screens in its
report as "default content").
"""

from __future__ import annotations

from typing import Any

from ui.presenters.purchase import holder_lines, kept_holder_scene, quote_lines


def _quote_line(zh: str, en: str, unit_fen: int, quantity: int, **discounts: int) -> dict:
    return {
        "ticket_type_name": {"zh": zh, "en": en},
        "unit_fen": unit_fen,
        "quantity": quantity,
        "amount_fen": unit_fen * quantity,
        **discounts,
    }


# the hard case of the review screen: four ticket types and an add-on, each with its discounts,
# a member, a coupon and points, two visitors: more lines than a portrait screen holds
MANY_LINES_QUOTE = {
    "lines": [
        _quote_line(
            "成人票", "Adult", 12000, 2, member_discount_fen=1200, coupon_discount_fen=2000
        ),
        _quote_line("儿童票（1.2-1.5米）", "Child (1.2-1.5 m)", 6000, 1, member_discount_fen=300),
        _quote_line("老人票（60岁以上）", "Senior (60+)", 6000, 1, member_discount_fen=300),
        _quote_line("学生票（凭学生证）", "Student (with student card)", 8000, 1),
        _quote_line(
            "索道往返（加购）", "Cableway return (add-on)", 16000, 2, points_discount_fen=500
        ),
    ],
    "member_discount_fen": 1800,
    "coupon": {"code": "SUMMER20"},
    "coupon_discount_fen": 2000,
    "points_used": 500,
    "points_discount_fen": 500,
    "total_fen": 76700,
}
MANY_LINES_VISITORS = [
    {
        "doc_type": "id_card",
        "doc_name": {"zh": "居民身份证", "en": "Resident ID card"},
        "doc_number": "1101**********002X",
        "name": "张*",
    },
    {
        "doc_type": "passport",
        "doc_name": {"zh": "护照", "en": "Passport"},
        "doc_number": "E1****678",
        "name": "S**** J***",
    },
]

PRODUCTS = [
    {
        "intent": "choose_product",
        "test_id": "product_1",
        "label_zh": "云台山门票（含景区交通）",
        "label_en": "Yuntai Mountain admission (with park shuttle)",
        "sub_zh": "成人 ¥120 · 儿童 ¥60",
        "sub_en": "Adult ¥120 · Child ¥60",
    },
    {
        "intent": "choose_product",
        "test_id": "product_2",
        "label_zh": "红石峡单景点票",
        "label_en": "Red Stone Gorge only",
        "sub_zh": "成人 ¥60",
        "sub_en": "Adult ¥60",
    },
    {
        "intent": "choose_product",
        "test_id": "product_3",
        "label_zh": "夜游灯光秀",
        "label_en": "Night light show",
        "disabled": True,
        "sub_zh": "今日已售罄",
        "sub_en": "Sold out today",
    },
]

SAMPLES: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "start": [("start", {})],
    "out_of_service": [
        (
            "out_of_service",
            {"kind": "out", "title": "service.out_of_service", "body": "service.use_window"},
        )
    ],
    "keypad_entry": [
        ("keypad_phone", {"kind": "phone", "step": 1, "value": "1380013"}),
        ("keypad_name", {"kind": "holder_name", "step": 1, "value": "ZHANG"}),
        # the document keypads' other layouts: letters and digits, and H/M before the digits
        ("keypad_passport", {"kind": "passport", "step": 1, "value": "E1234567"}),
        ("keypad_hk_macau", {"kind": "hk_macau_permit", "step": 1, "value": "H1234"}),
    ],
    "device_prompt": [
        ("device_idcard", {"kind": "idcard", "step": 1}),
        (
            "device_paycode",
            {
                "kind": "paycode",
                "amount": "240.00",
                "seconds_left": 24,
                "seconds_total": 30,
                "step": 2,
            },
        ),
    ],
    "progress": [("progress", {"done": 1, "total": 4, "step": 3})],
    "message": [
        (
            "error_sold_out",
            {
                "kind": "error",
                "code": "slot_sold_out",
                "title_zh": "该时段已售罄",
                "title_en": "This time slot is sold out",
                "body_zh": "请选择其他时段，14:00 和 15:00 仍有余票。",
                "body_en": "Please choose another slot; 14:00 and 15:00 still have tickets.",
                "actions": [
                    {
                        "intent": "other_slots",
                        "label_zh": "选择其他时段",
                        "label_en": "Other slots",
                    },
                    {"intent": "home", "label": "Back to start"},
                ],
            },
        ),
    ],
    "choice": [
        (
            "choose_product",
            {"title": "Buy tickets", "prompt": "Choose a ticket", "items": PRODUCTS, "step": 0},
        )
    ],
    "choose_slot": [
        (
            "choose_slot",
            {
                "date": "2026-07-01",
                "dates": ["2026-07-01", "2026-07-02", "2026-07-03"],
                "slots": [
                    {
                        "id": f"s{h}",
                        "label": f"{h:02d}:00-{h + 1:02d}:00",
                        "remaining": r,
                        "open": r > 0,
                        "closed": False,
                        "current": False,
                    }
                    for h, r in ((8, 0), (9, 12), (10, 140), (11, 300), (13, 5), (14, 80))
                ],
                "step": 0,
            },
        ),
        (  # the entry time sold out before confirm: why (red), what next, the cart kept
            "choose_slot_gone",
            {
                "date": "2026-07-01",
                "dates": ["2026-07-01", "2026-07-02", "2026-07-03"],
                "slots": [
                    {
                        "id": f"s{h}",
                        "label": f"{h:02d}:00-{h + 1:02d}:00",
                        "remaining": r,
                        "open": r > 0 and h > 9,
                        "closed": h <= 9,
                        "current": False,
                    }
                    for h, r in (
                        (8, 0),
                        (9, 12),
                        (10, 0),
                        (11, 300),
                        (12, 300),
                        (13, 5),
                        (14, 80),
                        (15, 300),
                        (16, 300),
                    )
                ],
                "reason": "error.sold_out",
                "reason_time": "10:00-11:00",
                "prompt": "purchase.choose_slot",
                "note": "Your {count} tickets are kept",
                "note_args": {"count": 2},
                "step": 0,
            },
        ),
    ],
    "ticket_counter": [
        (
            "ticket_counter",
            {
                "types": [
                    {
                        "id": "adult",
                        "name_zh": "成人票",
                        "name_en": "Adult",
                        "price": "120.00",
                        "count": 2,
                    },
                    {
                        "id": "child",
                        "name_zh": "儿童票（1.2-1.5米）",
                        "name_en": "Child (1.2-1.5 m)",
                        "price": "60.00",
                        "count": 0,
                    },
                    {
                        "id": "senior",
                        "name_zh": "老人票（60岁以上）",
                        "name_en": "Senior (60+)",
                        "price": "60.00",
                        "count": 0,
                    },
                ],
                "max_count": 6,
                "total": "240.00",
                "step": 0,
            },
        )
    ],
    "summary": [
        (
            "summary",
            {
                "title": "Check your order",
                "step": 1,
                "hint": "Members: insert your member card or show your member QR code",
                "lines": [
                    {
                        "label": "Ticket",
                        "value_zh": "云台山门票",
                        "value_en": "Yuntai Mountain admission",
                    },
                    {"label": "Date", "value": "2026-07-01"},
                    {"label": "Entry time", "value": "09:00-10:00"},
                    {"label_zh": "成人票", "label_en": "Adult", "value": "× 2"},
                    {
                        "label_zh": "居民身份证",
                        "label_en": "ID card",
                        "value": "张* · 1101**********002X",
                    },
                    {"label": "Total", "value": "¥240.00", "strong": True},
                ],
                "actions": [
                    {"intent": "confirm_all", "label": "Confirm and pay", "test_id": "confirm"},
                    {
                        "intent": "add_phone",
                        "label": "Add a phone number (optional)",
                        "test_id": "add_phone",
                    },
                ],
            },
        )
    ],
    "native_qr": [
        (
            "native_qr",
            {
                "amount": "240.00",
                "code_url": "weixin://wxpay/bizpayurl?pr=abc",
                "seconds_left": 280,
                "seconds_total": 300,
                "step": 2,
            },
        )
    ],
    "diagnostics": [
        (
            "diagnostics",
            {
                "devices": [
                    {
                        "name": "printer",
                        "state": "warning",
                        "code": "paper_near_end",
                        "text_zh": "纸将用尽",
                        "text_en": "Paper near end",
                        "details": {"paper_near_end": True},
                    },
                    {"name": "idcard", "state": "ok", "code": "ok"},
                    {"name": "camera", "state": "missing", "code": "not_found"},
                ],
                "sync": {"open_orders": 1, "open_payments": 0, "tickets_not_reported": 2},
                "errors": ["12:01 printer: paper near end"],
                "actions": [
                    {"intent": "reprint", "label": "Reprint"},
                    {"intent": "cancel", "label": "Back to start"},
                ],
            },
        )
    ],
}

SAMPLES["summary"].append(
    (
        "summary_many_lines",
        {
            "title": "Check your order",
            "step": 1,
            "prompt": "coupon.applied",
            "prompt_args": {"code": "SUMMER20", "discount_yuan": "20.00"},
            "hint": "Members: insert your member card or show your member QR code",
            "lines": [
                {
                    "label": "Ticket",
                    "value_zh": "云台山门票（含景区交通）",
                    "value_en": "Yuntai Mountain admission (with park shuttle)",
                },
                {"label": "Date", "value": "2026-07-01"},
                {"label": "Entry time", "value": "09:00-10:00"},
                *holder_lines(MANY_LINES_VISITORS),
                *quote_lines(MANY_LINES_QUOTE),
                {"label": "Phone", "value": "138****8000"},
                {"label": "Member", "value": "M000123"},
            ],
            "actions": [
                {"intent": "confirm_all", "label": "Confirm and pay", "test_id": "confirm"},
                {"intent": "coupon", "label": "Coupon code", "test_id": "coupon"},
                {"intent": "points", "label": "Use points", "test_id": "points"},
                {
                    "intent": "add_phone",
                    "label": "Add a phone number (optional)",
                    "test_id": "add_phone",
                },
            ],
        },
    )
)

# back at a visitor entered before: masked, with Keep (ui.presenters.purchase)
SAMPLES["summary"].append(
    (
        "holder_kept",
        kept_holder_scene(
            {"index": 1, "total": 2},
            {
                "doc_type": "foreign_permanent",
                "doc_name": {
                    "zh": "外国人永久居留身份证",
                    "en": "Foreign Permanent Resident ID Card",
                },
                "doc_number": "9311**********0018",
                "name": "S**** J***",
            },
        ).params,
    )
)
