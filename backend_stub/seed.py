"""`--seed demo`: 云台山风景区 (Yuntai Mountain): products, slot templates (the calendar then
opens today and the days ahead), members, staff, OTA orders.

The facts here (ids, codes, people) are listed in docs/backend.md for the other parts to use.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from backend_stub.context import Backend
from backend_stub.schemas import Holder, OrderLine, OrderRequest
from backend_stub.seed_seats import seed_seated
from backend_stub.services.calendar import top_up
from backend_stub.services.credentials import register_demo
from backend_stub.services.orders import place_channel_order

HOURS = range(8, 17)  # hourly slots 08:00-09:00 ... 16:00-17:00
# the demo's OTA orders: the channel's order id -> our order number (its order QR KO1:<no>);
# fixed so the demo and its scripts can show them (every other order number is random)
DEMO_ORDER_NOS = {
    "CT88000001": "CT88QW3MXRG",
    "MT55000002": "MT55ZK7PHN9",
    "MP66000003": "MP66RB4VEYD",
}

PRODUCTS: list[dict[str, Any]] = [
    {
        "id": "ADM",
        "kind": "admission",
        "parent_product_id": None,
        "real_name": 0,
        "name_zh": "云台山大门票",
        "name_en": "Yuntai Mountain admission",
        "desc_zh": "含景区大门及园内主要景点",
        "desc_en": "Main gate and the park's sights",
        "weekend_percent": 10,
        "peak_percent": 20,
        "peak_months": "4,5,6,7,8,9,10",
        "child_needs_adult": 1,
        "max_per_order": 20,
        "sort": 1,
        "addons_per_parent": 1,
        "requires_parent_entered": 0,
    },
    {
        "id": "CABLE",
        "kind": "addon",
        "parent_product_id": "ADM",
        "real_name": 0,
        "name_zh": "索道",
        "name_en": "Cable car",
        "desc_zh": "茱萸峰索道往返",
        "desc_en": "Zhuyu Peak cable car, return",
        "weekend_percent": 0,
        "peak_percent": 0,
        "peak_months": "",
        "child_needs_adult": 0,
        "max_per_order": 20,
        "sort": 2,
        "addons_per_parent": 2,  # the holder's ride and an accompanied child's
        "requires_parent_entered": 1,  # the lower station is inside the main gate
    },
    {
        "id": "SHOW",
        "kind": "addon",
        "parent_product_id": "ADM",
        "real_name": 0,
        "name_zh": "《山水云台》演出",
        "name_en": "Show: Mountains and Waters of Yuntai",
        "desc_zh": "实景演出，约60分钟",
        "desc_en": "Open-air show, about 60 minutes",
        "weekend_percent": 0,
        "peak_percent": 0,
        "peak_months": "",
        "child_needs_adult": 0,
        "max_per_order": 20,
        "sort": 3,
        "addons_per_parent": 1,
        "requires_parent_entered": 0,  # the theatre is outside the main gate
    },
    {
        "id": "BUNDLE",
        "kind": "bundle",
        "parent_product_id": None,
        "real_name": 1,
        "name_zh": "套票（门票+索道+玻璃栈道）",
        "name_en": "Bundle: admission + cable car + glass walkway",
        "includes": "ADM,CABLE,GLASS",
        "desc_zh": "实名制，一人一证",
        "desc_en": "Real-name: one ID per ticket",
        "weekend_percent": 10,
        "peak_percent": 20,
        "peak_months": "4,5,6,7,8,9,10",
        "child_needs_adult": 0,
        "max_per_order": 10,
        "sort": 4,
        "addons_per_parent": 1,
        "requires_parent_entered": 0,
    },
]

# (id, product, code, zh, en, base fen, min age, max age, proof, is_child)
TICKET_TYPES = [
    ("ADM-ADULT", "ADM", "adult", "成人票", "Adult", 12000, None, None, "", 0),
    ("ADM-CHILD", "ADM", "child", "儿童票", "Child (6-18)", 6000, 6, 18, "", 1),
    ("ADM-STUDENT", "ADM", "student", "学生票", "Student", 6000, None, None, "student_card", 0),
    ("ADM-SENIOR", "ADM", "senior", "老年票", "Senior (60+)", 6000, 60, None, "", 0),
    ("CABLE-ADULT", "CABLE", "adult", "成人票", "Adult", 8000, None, None, "", 0),
    ("CABLE-CHILD", "CABLE", "child", "儿童票", "Child (6-18)", 4000, 6, 18, "", 1),
    ("SHOW-ADULT", "SHOW", "adult", "成人票", "Adult", 9000, None, None, "", 0),
    ("SHOW-CHILD", "SHOW", "child", "儿童票", "Child (6-18)", 4500, 6, 18, "", 1),
    ("BUNDLE-ADULT", "BUNDLE", "adult", "成人套票", "Adult bundle", 18000, None, None, "", 0),
    ("BUNDLE-CHILD", "BUNDLE", "child", "儿童套票", "Child bundle (6-18)", 9000, 6, 18, "", 1),
]
CAPACITY = {"ADM": 300, "CABLE": 120, "SHOW": 200, "BUNDLE": 100}
SHOW_HOURS = (10, 14, 16)
SLOT_PERCENT = {8: -10, 16: -20}  # early-bird and last-entry slots are cheaper (admission)

# what a ticket admits to (a bundle: one entry each), and the gates that check them
COMPONENTS = [
    ("ADM", "景区大门", "Main gate"),
    ("CABLE", "索道", "Cable car"),
    ("GLASS", "玻璃栈道", "Glass walkway"),
    ("SHOW", "演出剧场", "Show theatre"),
]
GATES = [
    ("G-MAIN-1", "ADM", "南门1号闸机", "South gate, lane 1"),
    ("G-MAIN-2", "ADM", "南门2号闸机", "South gate, lane 2"),
    ("G-CABLE", "CABLE", "索道下站", "Cable car, lower station"),
    ("G-GLASS", "GLASS", "玻璃栈道入口", "Glass walkway entrance"),
    ("G-SHOW", "SHOW", "演出剧场入口", "Show theatre entrance"),
]
STAFF = [("S001", "赵主管", "supervisor", "246810"), ("S002", "钱操作员", "operator", "135790")]
# the demo PINs hashed as every PIN is (services.staff_pins.hash_pin: argon2id, t=3, m=64 MiB,
# p=4), once, here: hashing costs 0.2 s a PIN and every demo start would pay it; the demo PINs
# are public anyway (docs/backend.md)
DEMO_PIN_HASHES = {
    "S001": "$argon2id$v=19$m=65536,t=3,p=4$TtOzYPuumM9g6FW92wWxWQ"
    "$0E1uVyxkqoFu/c4AMyBdmHauPO0+1hM76KRMEY7U1qs",
    "S002": "$argon2id$v=19$m=65536,t=3,p=4$uCWYpQ9K8MHHWQf+zTTiKg"
    "$HPeQosfWu1Xq0QIJQn565tG3x8Tt7o5t69BrTiv5wU0",
}
TIERS = [
    ("regular", "普通会员", "Regular", 0),
    ("silver", "银卡会员", "Silver", 5),
    ("gold", "金卡会员", "Gold", 10),
]
MEMBERS = [
    ("M1001", "李娜", "13900139000", "regular", 1200),
    ("M2002", "张伟", "13800138000", "gold", 5000),
]


def slot_id(product_id: str, day: date, hour: int) -> str:
    return f"{product_id}-{day:%Y%m%d}-{hour:02d}00"


def _templates(today: date) -> list[dict[str, Any]]:
    """One slot template per product, every day: the calendar generates the days ahead."""
    rows = []
    for product_id, capacity in CAPACITY.items():
        hours = SHOW_HOURS if product_id == "SHOW" else HOURS
        percents = SLOT_PERCENT if product_id == "ADM" else {}
        times = [
            {"start": f"{h:02d}:00", "end": f"{h + 1:02d}:00", "percent": percents.get(h, 0)}
            for h in hours
        ]
        rows.append(
            {
                "id": f"tpl-{product_id}",
                "product_id": product_id,
                "name": "每日 / Daily",
                "weekdays": "1,2,3,4,5,6,7",
                "times": json.dumps(times),
                "capacity": capacity,
                "price_percent": 0,
                "prices_fen": "",
                "valid_from": None,
                "valid_until": None,
                "active": 1,
                "created_at": f"{today.isoformat()}T00:00:00",
                "updated_at": f"{today.isoformat()}T00:00:00",
            }
        )
    return rows


def seed_demo(bk: Backend, today: date | None = None) -> bool:
    """Fill an empty database with the demo area; False when it was seeded before."""
    store = bk.store
    if store.meta("seeded"):
        return False
    today = today or bk.today()
    with store.transaction():
        store.insert_many("products", PRODUCTS)
        keys = (
            "id",
            "product_id",
            "code",
            "name_zh",
            "name_en",
            "base_fen",
            "min_age",
            "max_age",
            "needs_proof",
            "is_child",
        )
        type_rows = [
            dict(zip(keys, t, strict=True)) | {"sort": i} for i, t in enumerate(TICKET_TYPES)
        ]
        for row in type_rows:
            del row["base_fen"]
        store.insert_many("ticket_types", type_rows)
        store.insert_many(
            "prices",
            [
                {
                    "ticket_type_id": t[0],
                    "base_fen": t[5],
                    "effective_at": "2000-01-01T00:00:00",
                    "version": 1,
                }
                for t in TICKET_TYPES
            ],
        )
        store.insert_many("slot_templates", _templates(today))
        store.insert_many(
            "tiers",
            [
                dict(zip(("code", "name_zh", "name_en", "discount_percent"), t, strict=True))
                for t in TIERS
            ],
        )
        store.insert_many(
            "members",
            [dict(zip(("id", "name", "phone", "tier", "points"), m, strict=True)) for m in MEMBERS],
        )
        for staff_id, name, role, _pin in STAFF:
            store.insert(
                "staff",
                {
                    "id": staff_id,
                    "name": name,
                    "role": role,
                    "pin_salt": "",
                    "pin_hash": DEMO_PIN_HASHES[staff_id],
                },
            )
        start = datetime.combine(today - timedelta(days=1), time(0))
        store.insert_many(
            "coupons",
            [
                {
                    "code": "WELCOME10",
                    "kind": "amount",
                    "value": 1000,
                    "min_spend_fen": 10000,
                    "product_ids": "",
                    "valid_from": start.isoformat(),
                    "valid_until": (start + timedelta(days=366)).isoformat(),
                    "name_zh": "新客立减10元（满100元）",
                    "name_en": "10 yuan off orders of 100+",
                },
                {
                    "code": "ADM20",
                    "kind": "percent",
                    "value": 20,
                    "min_spend_fen": 0,
                    "product_ids": "ADM",
                    "valid_from": start.isoformat(),
                    "valid_until": (start + timedelta(days=366)).isoformat(),
                    "name_zh": "门票8折",
                    "name_en": "20% off admission",
                },
                {
                    "code": "EXPIRED5",
                    "kind": "amount",
                    "value": 500,
                    "min_spend_fen": 0,
                    "product_ids": "",
                    "valid_from": (start - timedelta(days=60)).isoformat(),
                    "valid_until": (start - timedelta(days=30)).isoformat(),
                    "name_zh": "已过期券",
                    "name_en": "An expired coupon",
                },
                {  # not yet valid: starts in 30 days
                    "code": "LATER5",
                    "kind": "amount",
                    "value": 500,
                    "min_spend_fen": 0,
                    "product_ids": "",
                    "valid_from": (start + timedelta(days=31)).isoformat(),
                    "valid_until": (start + timedelta(days=366)).isoformat(),
                    "name_zh": "下月起可用的5元券",
                    "name_en": "5 yuan off, from next month",
                },
                {  # one use only (coupons.usage_limit, migration 6)
                    "code": "ONCE8",
                    "kind": "amount",
                    "value": 800,
                    "min_spend_fen": 0,
                    "product_ids": "",
                    "valid_from": start.isoformat(),
                    "valid_until": (start + timedelta(days=366)).isoformat(),
                    "name_zh": "限用一次的8元券",
                    "name_en": "8 yuan off, one use",
                    "usage_limit": 1,
                },
            ],
        )
        register_demo(store, datetime.combine(today, time(0)))
        store.insert_many(
            "components",
            [dict(zip(("id", "name_zh", "name_en"), c, strict=True)) for c in COMPONENTS],
        )
        store.insert_many(
            "gates",
            [dict(zip(("id", "component", "name_zh", "name_en"), g, strict=True)) for g in GATES],
        )
        store.set_meta("seeded", "demo")
    bk.invalidate_catalog()
    top_up(bk, today)  # today and the calendar's window ahead, from the templates
    seed_seated(bk, today)  # the shuttle bus and the boat, a week of departures
    _seed_ota_orders(bk, today)
    return True


def _line(
    day: date,
    product_id: str,
    hour: int,
    ticket_type_id: str,
    quantity: int = 1,
    holders: tuple[Holder, ...] = (),
) -> OrderLine:
    return OrderLine(
        product_id=product_id,
        slot_id=slot_id(product_id, day, hour),
        ticket_type_id=ticket_type_id,
        quantity=quantity,
        holders=list(holders),
    )


def _seed_ota_orders(bk: Backend, today: date) -> None:
    # placed "at opening" so today's slots are open whatever the hour of seeding
    opening = datetime.combine(today, time(7, 0))
    zhang = Holder(
        doc_type="id_card", doc_number="110101199003072375", name="张伟", phone="13800138000"
    )
    wang = Holder(
        doc_type="id_card", doc_number="510107195208156622", name="王秀英", phone="13600136000"
    )
    ota = [
        (
            "ctrip",
            "CT88000001",
            zhang.phone,
            zhang.name,
            [_line(today, "ADM", 10, "ADM-ADULT", holders=(zhang,))],
        ),
        (
            "meituan",
            "MT55000002",
            "13700137000",
            "刘洋",
            [_line(today, "ADM", 13, "ADM-ADULT", 2), _line(today, "ADM", 13, "ADM-CHILD")],
        ),
        (
            "miniprogram",
            "MP66000003",
            wang.phone,
            wang.name,
            [_line(today, "BUNDLE", 9, "BUNDLE-ADULT", holders=(wang,))],
        ),
    ]
    for channel, channel_order_id, phone, name, lines in ota:
        req = OrderRequest(lines=lines, buyer_phone=phone, buyer_name=name)
        place_channel_order(
            bk,
            req,
            now=opening,
            channel=channel,
            channel_order_id=channel_order_id,
            order_no=DEMO_ORDER_NOS[channel_order_id],
        )
