"""The one table of error codes: machine code -> HTTP status, Chinese and English message.

The backend answers `{"error": {"code": ..., "message": {"zh": ..., "en": ...}}}` from this
table, and the kiosk screens show the same messages for the same codes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorInfo:
    status: int
    zh: str
    en: str


ERRORS: dict[str, ErrorInfo] = {
    # request shape
    "invalid_request": ErrorInfo(422, "请求内容有误", "The request is invalid"),
    "invalid_characters": ErrorInfo(
        422,
        "姓名或文字中含有不允许的字符（控制字符或文字方向字符）",
        "The name or text contains characters that are not allowed (control or text-direction"
        " characters)",
    ),
    "invalid_range": ErrorInfo(
        422, "结束日期早于开始日期", "The end date is before the start date"
    ),
    "invalid_time": ErrorInfo(
        422,
        "时间格式不对或超出范围（请用 ISO 8601，如 2026-12-01T08:00:00+08:00）",
        "The time is not an ISO 8601 time in range (e.g. 2026-12-01T08:00:00+08:00)",
    ),
    "malformed_json": ErrorInfo(400, "请求不是有效的 JSON", "The request body is not valid JSON"),
    "body_too_large": ErrorInfo(413, "请求内容过大", "The request body is too large"),
    "not_found": ErrorInfo(404, "找不到该资源", "Not found"),
    "method_not_allowed": ErrorInfo(405, "不支持该操作", "Method not allowed"),
    "unauthorized": ErrorInfo(401, "未授权的设备", "Missing or invalid kiosk token"),
    # staff mode's "connect to backend" (kiosk/flows/provisioning.py): said on the kiosk only
    "provision_code_invalid": ErrorInfo(
        422,
        "这不是后台的终端接入二维码，请在后台“终端”页面生成后再扫描",
        "This is not a kiosk provisioning QR: make one on the console's Kiosks page and show it",
    ),
    "provision_refused": ErrorInfo(
        401,
        "后台拒绝了该接入凭证（已吊销或无效），未保存任何内容；请在后台重新生成二维码",
        "The backend refused this credential (revoked or invalid); nothing was saved. Make a new"
        " QR in the console",
    ),
    "provision_unreachable": ErrorInfo(
        503,
        "无法连接二维码中的后台地址，未保存任何内容；请检查网络或地址",
        "The backend in the QR cannot be reached; nothing was saved. Check the network or the"
        " address",
    ),
    "provision_open_work": ErrorInfo(
        409,
        "还有未完成的订单或待打印的票，请先完成（或恢复网络）后再更换后台",
        "Orders or tickets are still open: finish them (or restore the network) before changing"
        " the backend",
    ),
    "provision_not_saved": ErrorInfo(
        500,
        "无法保存接入凭证（数据目录不可写），仍使用原后台",
        "The credential could not be saved (the data folder is not writable); the kiosk keeps"
        " its old backend",
    ),
    "ops_unauthorized": ErrorInfo(401, "需要运维令牌", "Missing or invalid ops token"),
    "ops_forbidden": ErrorInfo(
        403, "该账号的角色无权进行此操作", "This account's role may not do this"
    ),
    "kiosk_mismatch": ErrorInfo(403, "该令牌属于另一台终端", "This token belongs to another kiosk"),
    "idempotency_conflict": ErrorInfo(
        409, "同一请求编号用于了不同的请求", "The Idempotency-Key was used for a different request"
    ),
    "internal_error": ErrorInfo(500, "系统繁忙，请稍后再试", "Internal error, please try again"),
    "rate_limited": ErrorInfo(
        429, "操作过于频繁，请稍后再试", "Too many requests; please try again in a moment"
    ),
    # catalog and inventory
    "unknown_product": ErrorInfo(404, "没有该产品", "Unknown product"),
    "unknown_slot": ErrorInfo(404, "没有该场次", "Unknown time slot"),
    "unknown_ticket_type": ErrorInfo(404, "没有该票种", "Unknown ticket type"),
    "slot_product_mismatch": ErrorInfo(
        422, "场次不属于该产品", "The time slot does not belong to that product"
    ),
    "slot_closed": ErrorInfo(409, "该场次已停止售票", "Sales for this time slot have closed"),
    "sold_out": ErrorInfo(409, "该场次余票不足", "Not enough tickets left for this time slot"),
    "too_many_unpaid_orders": ErrorInfo(
        429,
        "本机未支付的订单过多，请先完成支付或稍后再试",
        "This kiosk has too many unpaid orders; pay one or try again later",
    ),
    "too_many_unpaid_for_person": ErrorInfo(
        429,
        "该手机号或证件已有未支付的订单，请先完成支付或稍后再试",
        "This phone number or ID already has unpaid orders; pay them or try again later",
    ),
    "quantity_invalid": ErrorInfo(422, "购票数量无效", "The ticket quantity is invalid"),
    "too_many_tickets": ErrorInfo(422, "单笔订单票数过多", "Too many tickets in one order"),
    "empty_order": ErrorInfo(422, "订单中没有门票", "The order has no tickets"),
    # holders and eligibility
    "holder_required": ErrorInfo(
        422, "实名票需要每位游客的证件", "This ticket needs one ID document per visitor"
    ),
    "holders_mismatch": ErrorInfo(
        422, "游客信息数量与票数不符", "The number of visitors does not match the quantity"
    ),
    "invalid_id_number": ErrorInfo(422, "身份证号码无效", "The ID card number is invalid"),
    "invalid_document": ErrorInfo(422, "证件号码格式无效", "The document number is invalid"),
    "invalid_passport": ErrorInfo(422, "护照号码无效", "The passport number is invalid"),
    "invalid_hk_macau_permit": ErrorInfo(
        422,
        "港澳居民来往内地通行证号码无效",
        "The Mainland Travel Permit for Hong Kong and Macao Residents number is invalid",
    ),
    "invalid_taiwan_permit": ErrorInfo(
        422,
        "台湾居民来往大陆通行证（台胞证）号码无效",
        "The Mainland Travel Permit for Taiwan Residents number is invalid",
    ),
    "invalid_foreign_permanent": ErrorInfo(
        422,
        "外国人永久居留身份证号码无效",
        "The Foreign Permanent Resident ID Card number is invalid",
    ),
    "invalid_gat_residence": ErrorInfo(
        422,
        "港澳台居民居住证号码无效",
        "The Residence Permit for Hong Kong, Macao and Taiwan Residents number is invalid",
    ),
    "invalid_nationality": ErrorInfo(422, "国籍代码无效", "The nationality code is invalid"),
    "staff_grant_invalid": ErrorInfo(
        403,
        "工作人员授权无效或已过期，请主管重新刷卡",
        "The staff authorisation is invalid or has expired; a supervisor must sign in again",
    ),
    "invalid_phone": ErrorInfo(422, "手机号码无效", "The phone number is invalid"),
    "duplicate_real_name": ErrorInfo(
        409,
        "该证件已购买此场次门票",
        "This ID document already holds a ticket for this time slot",
    ),
    "parent_ticket_required": ErrorInfo(
        409, "请先购买景区大门票", "Please buy an admission ticket first"
    ),
    "not_eligible": ErrorInfo(
        422, "游客不符合该票种的购买条件", "The visitor is not eligible for this ticket type"
    ),
    "child_needs_adult": ErrorInfo(
        422, "儿童票需有成人陪同购买", "A child ticket must be bought with an adult ticket"
    ),
    # coupons, members, points
    "coupon_invalid": ErrorInfo(404, "优惠券无效", "The coupon code is not valid"),
    "coupon_expired": ErrorInfo(409, "优惠券不在有效期内", "The coupon is not valid at this time"),
    "coupon_min_spend": ErrorInfo(
        409, "未达到优惠券的最低消费", "The order does not reach the coupon's minimum spend"
    ),
    "coupon_not_applicable": ErrorInfo(
        409, "优惠券不适用于所选产品", "The coupon does not apply to these products"
    ),
    "coupon_not_started": ErrorInfo(409, "优惠券尚未到使用时间", "The coupon cannot be used yet"),
    "coupon_used_up": ErrorInfo(409, "优惠券已被领用完", "The coupon has been used up"),
    "member_not_found": ErrorInfo(404, "找不到该会员", "Member not found"),
    "points_invalid": ErrorInfo(
        422, "积分须为100的整数倍", "Points must be redeemed in multiples of 100"
    ),
    "points_insufficient": ErrorInfo(409, "积分余额不足", "Not enough points"),
    "points_over_limit": ErrorInfo(
        409, "积分抵扣超过上限", "Points can pay for at most half of the order"
    ),
    "points_need_member": ErrorInfo(422, "使用积分需先登录会员", "Points need a member id"),
    # invoices (发票)
    "invoice_title_kind_invalid": ErrorInfo(
        422, "发票抬头类型须为个人或单位", "The invoice title must be individual or company"
    ),
    "invoice_title_missing": ErrorInfo(
        422, "请填写单位名称（不超过100字）", "Type the company name (at most 100 characters)"
    ),
    "tax_number_invalid": ErrorInfo(
        422,
        "纳税人识别号无效：须为18位统一社会信用代码，请核对后重新输入",
        "The tax number is not a valid 18-character unified social credit code; check it and"
        " type it again",
    ),
    "invalid_email": ErrorInfo(422, "电子邮箱地址无效", "The e-mail address is not valid"),
    "invoice_contact_missing": ErrorInfo(
        422, "请留下接收发票的邮箱或手机号", "Give an e-mail address or a phone for the invoice"
    ),
    "invoice_exists": ErrorInfo(
        409, "该订单已申请过发票", "An invoice was already requested for this order"
    ),
    "invoice_from_channel": ErrorInfo(
        409,
        "该订单在购票平台付款，请在原购票平台申请发票",
        "This order was paid on the platform you booked on; ask that platform for the invoice",
    ),
    "invoice_nothing_to_invoice": ErrorInfo(
        409, "该订单没有可开票的金额", "This order has no paid amount to invoice"
    ),
    # orders and payments
    "order_not_found": ErrorInfo(404, "找不到该订单", "Order not found"),
    "order_expired": ErrorInfo(409, "订单已超时，请重新下单", "The order hold has expired"),
    "order_not_payable": ErrorInfo(409, "订单当前不能支付", "The order cannot be paid now"),
    "order_not_cancellable": ErrorInfo(
        409, "订单已支付或已结束，不能取消", "The order is paid or closed and cannot be cancelled"
    ),
    "order_already_paid": ErrorInfo(409, "订单已支付", "The order is already paid"),
    "order_not_paid": ErrorInfo(409, "订单尚未支付", "The order is not paid"),
    "payment_code_invalid": ErrorInfo(
        422, "付款码无效，请刷新后重试", "The payment code is not valid; refresh it and try again"
    ),
    "payment_in_progress": ErrorInfo(
        409, "已有一笔支付正在进行", "Another payment for this order is in progress"
    ),
    "payment_not_found": ErrorInfo(404, "找不到该支付", "Payment not found"),
    "payment_not_cancellable": ErrorInfo(
        409, "该支付已完成，不能撤销", "The payment has completed and cannot be cancelled"
    ),
    "insufficient_balance": ErrorInfo(
        402, "余额不足，请更换付款方式", "Insufficient balance; please use another payment method"
    ),
    "payment_failed": ErrorInfo(
        402,
        "支付未成功，请更换付款方式或重试",
        "The payment did not go through; try again or pay another way",
    ),
    "payment_timeout": ErrorInfo(
        409, "支付超时，已撤销，未扣款", "Payment timed out and was reversed; nothing was charged"
    ),
    "payment_provider_unavailable": ErrorInfo(
        503,
        "支付服务暂时不可用，请稍后重试",
        "The payment service is unavailable; try again shortly",
    ),
    "payment_not_configured": ErrorInfo(
        503,
        "未配置支付服务，暂不能付款",
        "No payment provider is configured; payment is not possible",
    ),
    # the kiosk's own, when the backend stays away mid-journey (kiosk/flows/checkout.py); the
    # journal keeps the payment or tickets and the kiosk finishes them once it answers again
    "payment_unconfirmed": ErrorInfo(
        503,
        "网络中断，暂时无法确认支付结果。网络恢复后：如已付款，门票将在本机打印；"
        "未付款的不会扣款。如有疑问请到售票窗口。",
        "The network is down and the payment could not be confirmed. When it is back, your"
        " tickets print here if you paid; otherwise nothing is charged. Please ask at the"
        " ticket window if in doubt.",
    ),
    "tickets_print_later": ErrorInfo(
        503,
        "已付款。网络中断，门票将在网络恢复后在本机打印，请稍候或到售票窗口。",
        "Paid. The network is down: your tickets print here as soon as it is back; please wait"
        " or ask at the ticket window.",
    ),
    # tickets, pickup, after-sales
    "ticket_not_found": ErrorInfo(404, "找不到该门票", "Ticket not found"),
    "ticket_invalid": ErrorInfo(
        422, "门票无效或已被篡改", "The ticket code is invalid or has been altered"
    ),
    "ticket_used": ErrorInfo(409, "门票已使用", "The ticket has already been used"),
    "ticket_refunded": ErrorInfo(409, "门票已退", "The ticket has been refunded"),
    "ticket_not_issued": ErrorInfo(409, "门票尚未出票", "The ticket has not been issued"),
    "ticket_wrong_date": ErrorInfo(409, "门票不是今天的", "The ticket is not valid today"),
    # reprint flags set in the console (backend_stub/services/reprints.py)
    "reprint_ticket_used": ErrorInfo(
        409,
        "该门票已检票入园，不能补打",
        "This ticket was already used at the gate; it cannot be reprinted",
    ),
    "reprint_ticket_refunded": ErrorInfo(
        409, "该门票已退，不能补打", "This ticket was refunded; it cannot be reprinted"
    ),
    "reprint_ticket_expired": ErrorInfo(
        409, "该门票已过期，不能补打", "This ticket has expired; it cannot be reprinted"
    ),
    "reprint_not_printed": ErrorInfo(
        409,
        "该门票还未打印，游客取票时会正常打印，无需补打",
        "This ticket has not printed yet: it prints at pickup, no reprint is needed",
    ),
    "reprint_already_flagged": ErrorInfo(
        409, "该门票已标记补打，尚未打印", "This ticket is already flagged for a reprint"
    ),
    "reprint_flag_not_found": ErrorInfo(
        404, "该门票没有待补打的标记", "This ticket has no open reprint flag"
    ),
    "reprint_kiosk_unknown": ErrorInfo(
        422, "没有这个终端，请从列表中选择", "No such kiosk: choose one from the list"
    ),
    "pickup_query_invalid": ErrorInfo(
        422,
        "请提供身份证号、订单号加完整手机号或二维码",
        "Give an ID number, an order number with the full phone number, or a code",
    ),
    # a pickup lookup refused (kiosk/flows/pickup.py): said on the kiosk, with what to do next
    "pickup_lookup_wait_card": ErrorInfo(
        429,
        "查询过于频繁。请将身份证留在阅读器上，几秒后本机将自动重新查询",
        "Too many lookups just now. Leave your ID card on the reader: the kiosk looks again by"
        " itself in a few seconds",
    ),
    "pickup_lookup_wait": ErrorInfo(
        429,
        "查询过于频繁，请稍候，几秒后本机将自动重新查询",
        "Too many lookups just now. Please wait: the kiosk looks again by itself in a few seconds",
    ),
    "pickup_lookup_later": ErrorInfo(
        429,
        "该证件或订单查询次数过多，请过几分钟再试，或到售票窗口取票",
        "Too many lookups for this ID or order. Please try again in a few minutes, or pick up"
        " your tickets at the ticket window",
    ),
    "pickup_network_down": ErrorInfo(
        503,
        "网络中断，暂时无法查询订单。请稍后拿起身份证再重新放上（或再次出示二维码），"
        "或到售票窗口取票",
        "The network is down, so orders cannot be looked up. In a moment, lift your ID card and"
        " place it again (or show the QR code again), or pick up your tickets at the ticket"
        " window",
    ),
    "pickup_lookup_failed": ErrorInfo(
        503,
        "系统暂时无法查询订单。请稍后拿起身份证再重新放上（或再次出示二维码），或到售票窗口取票",
        "Orders cannot be looked up just now. In a moment, lift your ID card and place it again"
        " (or show the QR code again), or pick up your tickets at the ticket window",
    ),
    # an add-on's admission lookup refused (kiosk/flows/addons.py, kiosk/flows/lookup_retry.py)
    "addon_network_down": ErrorInfo(
        503,
        "网络中断，暂时无法查询门票。请稍后拿起身份证再重新放上（或再次出示门票），或到售票窗口购买",
        "The network is down, so your admission ticket cannot be looked up. In a moment, lift "
        "your ID card and place it again (or show your ticket again), or buy at the ticket "
        "window",
    ),
    "addon_lookup_failed": ErrorInfo(
        503,
        "系统暂时无法查询门票。请稍后拿起身份证再重新放上（或再次出示门票），或到售票窗口购买",
        "Your admission ticket cannot be looked up just now. In a moment, lift your ID card and"
        " place it again (or show your ticket again), or buy at the ticket window",
    ),
    "addon_lookup_later": ErrorInfo(
        429,
        "该证件或手机号查询次数过多，请过几分钟再试，或到售票窗口购买",
        "Too many lookups for this ID or phone. Please try again in a few minutes, or buy at "
        "the ticket window",
    ),
    "order_no_invalid": ErrorInfo(
        422, "订单号有误，请核对后重新输入", "The order number is not valid; please check it"
    ),
    "proof_required": ErrorInfo(
        403,
        "退票或改签请出示门票二维码或持票人身份证",
        "A refund or rebooking needs the ticket's code or the holder's ID card",
    ),
    "proof_mismatch": ErrorInfo(
        403,
        "出示的门票或证件与所选门票不符",
        "The ticket or ID card shown does not match the tickets chosen",
    ),
    "refund_too_late": ErrorInfo(409, "已过退票时间", "It is too late to refund this ticket"),
    "rebook_too_late": ErrorInfo(409, "已过改签截止时间", "It is too late to rebook this ticket"),
    "rebook_same_slot": ErrorInfo(422, "改签场次与原场次相同", "The new slot is the same slot"),
    "rebook_needs_payment": ErrorInfo(
        409,
        "新场次价格更高，请退票后重新购买",
        "The new slot costs more; refund and buy again",
    ),
    "rebook_pending": ErrorInfo(
        409,
        "该门票有一笔待支付的改签",
        "A rebooking of this ticket is waiting for payment",
    ),
    # parent/child binding, bundles, the gate
    "addon_limit_reached": ErrorInfo(
        409,
        "该门票已达到此附加项目的购买上限",
        "This admission ticket already carries as many of this add-on as allowed",
    ),
    "addon_used": ErrorInfo(
        409,
        "该门票的附加项目已使用，不能退票或改签到其他日期",
        "An add-on of this ticket has been used; it cannot be refunded or moved to another day",
    ),
    "addons_block_rebook": ErrorInfo(
        409,
        "该门票带有附加项目，请先退掉附加项目再改签到其他日期",
        "This ticket carries add-ons; refund them first to move it to another day",
    ),
    "addon_date_mismatch": ErrorInfo(
        409,
        "附加项目须与所属门票同一天",
        "An add-on must be on the same day as its admission ticket",
    ),
    "parent_not_valid": ErrorInfo(
        409,
        "所属景区门票已退或已失效",
        "The admission ticket this add-on belongs to is no longer valid",
    ),
    "parent_not_entered": ErrorInfo(
        409, "请先从景区大门检票入园", "Please enter through the main gate first"
    ),
    "unknown_gate": ErrorInfo(404, "没有该检票口", "Unknown gate"),
    "ticket_wrong_gate": ErrorInfo(
        409, "该门票不能在此检票口使用", "This ticket is not valid at this gate"
    ),
    "ticket_too_early": ErrorInfo(409, "未到入园时间", "It is too early to enter with this ticket"),
    "ticket_too_late": ErrorInfo(409, "已过入园时间", "The entry time of this ticket has passed"),
    "no_ticket_for_id": ErrorInfo(
        404,
        "该证件今天在此检票口没有有效门票",
        "No valid ticket for this ID document at this gate today",
    ),
    "verify_query_invalid": ErrorInfo(
        422, "请出示门票二维码或身份证", "Give a ticket code or an ID number"
    ),
    # channels: only what a kiosk took is refunded at a kiosk
    "refund_at_meituan": ErrorInfo(409, "请在美团申请退款", "Please request the refund on Meituan"),
    "refund_at_ctrip": ErrorInfo(409, "请在携程申请退款", "Please request the refund on Ctrip"),
    "refund_at_fliggy": ErrorInfo(409, "请在飞猪申请退款", "Please request the refund on Fliggy"),
    "refund_at_miniprogram": ErrorInfo(
        409,
        "请在景区小程序申请退款",
        "Please request the refund in the scenic area's mini-program",
    ),
    "refund_at_agency": ErrorInfo(409, "请联系旅行社", "Please contact your travel agency"),
    "refund_at_channel": ErrorInfo(
        409, "请在购票渠道申请退款", "Please request the refund where you bought the ticket"
    ),
    "rebook_elsewhere": ErrorInfo(
        409, "该订单请在购票渠道改签", "Please change this order where you bought it"
    ),
    # staff and ops
    "wrong_pin": ErrorInfo(401, "工号或密码错误", "Wrong staff id or PIN"),
    "staff_locked": ErrorInfo(
        429,
        "密码错误次数过多，已暂时锁定，请稍后再试",
        "Too many wrong PINs; sign-in is locked for a while",
    ),
    "price_invalid": ErrorInfo(422, "价格无效", "The price is invalid"),
    # the console's catalog, calendar and price pages (issue 13B)
    "form_invalid": ErrorInfo(422, "表单有误，请按提示修改", "Please correct the marked fields"),
    "price_change_not_found": ErrorInfo(404, "找不到该调价", "Price change not found"),
    "price_change_stage": ErrorInfo(
        409, "该调价当前状态不允许此操作", "The price change is not at a stage that allows this"
    ),
    "canary_busy": ErrorInfo(
        409,
        "已有调价在试点中，请先全量推送或回滚",
        "Another price change is on the canary kiosks; push it to all or roll it back first",
    ),
    "capacity_below_sold": ErrorInfo(
        409, "容量不能低于已售数量", "The capacity cannot be below what is already sold"
    ),
    "channel_order_invalid": ErrorInfo(422, "渠道订单无效", "The channel order is invalid"),
    "group_invalid": ErrorInfo(422, "团体订单无效", "The group order is invalid"),
    "group_not_found": ErrorInfo(404, "找不到该团体订单", "Group order not found"),
    "roster_invalid": ErrorInfo(422, "花名册有误", "The roster has errors"),
    "roster_missing_documents": ErrorInfo(
        409,
        "部分团员没有证件，确认后按非实名票出票",
        "Some members have no ID document; confirm to book them as non-real-name seats",
    ),
    "roster_documents_required": ErrorInfo(
        422,
        "该产品为实名制，每位团员都须登记证件",
        "This product is real-name: every member needs an ID document",
    ),
    "group_ref_conflict": ErrorInfo(
        409,
        "该团号已有不同的花名册，请修改原订单",
        "This group reference already has a different roster; amend that order instead",
    ),
    "group_too_late": ErrorInfo(
        409, "场次已开始，花名册不能再修改", "The slot has started; the roster can no longer change"
    ),
    "template_invalid": ErrorInfo(422, "场次模板无效", "The slot template is invalid"),
    "template_not_found": ErrorInfo(404, "找不到该场次模板", "Slot template not found"),
    "unknown_component": ErrorInfo(
        422, "没有该检票项目（景区大门、索道等）", "Unknown component (what a gate admits)"
    ),
    "day_in_past": ErrorInfo(422, "不能关闭已过去的日期", "A past day cannot be closed"),
    # seated departures (kiosk.domain.seats, backend_stub.services.seats)
    "seat_taken": ErrorInfo(
        409, "所选座位已被占用，请重新选座", "That seat has just been taken; please choose again"
    ),
    "seat_unknown": ErrorInfo(422, "该车没有这个座位号", "There is no such seat on this vehicle"),
    "seats_mismatch": ErrorInfo(
        422, "座位数须与票数相同", "Choose one seat for each ticket (as many seats as tickets)"
    ),
    "seats_not_enough": ErrorInfo(
        409, "该班次此座位等级余座不足", "Not enough free seats of that class on this departure"
    ),
    "departure_not_found": ErrorInfo(404, "找不到该班次", "Departure not found"),
    "departure_departed": ErrorInfo(409, "该班次已发车", "This departure has already left"),
    "wrong_departure": ErrorInfo(
        409, "不是本班次的车票，请核对班次", "This ticket is for another departure"
    ),
    "already_boarded": ErrorInfo(
        409, "该座位车票已检票上车", "This seat ticket has already boarded"
    ),
    "not_seated": ErrorInfo(422, "该产品不是座位产品", "This product has no seats"),
    "layout_invalid": ErrorInfo(422, "座位图无效", "The seat map is invalid"),
    "route_invalid": ErrorInfo(
        422, "线路无效（站点、时长）", "The route is invalid (stops, duration)"
    ),
    "vehicle_not_found": ErrorInfo(404, "找不到该车辆或车型", "Vehicle or vehicle type not found"),
}


class RuleError(Exception):
    """A rule refused something; `code` is a key of ERRORS, `detail` an optional English hint
    (`detail_zh` its Chinese, when there is one), `extra` more fields for the error body (e.g.
    a roster's `rows`)."""

    def __init__(
        self,
        code: str,
        detail: str = "",
        *,
        detail_zh: str = "",
        extra: dict[str, object] | None = None,
    ) -> None:
        if code not in ERRORS:
            raise KeyError(f"unknown error code {code!r}")
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.detail_zh = detail_zh
        self.extra = extra or {}

    @property
    def status(self) -> int:
        return ERRORS[self.code].status


def error_body(
    code: str, detail: str = "", detail_zh: str = "", extra: dict[str, object] | None = None
) -> dict[str, dict[str, object]]:
    """The JSON error body for `code`; `detail` is appended to both messages (`detail_zh`
    instead of it to the Chinese one), `extra` fields are added next to the message."""
    info = ERRORS.get(code, ERRORS["internal_error"])
    zh, en = info.zh, info.en
    if detail_zh or detail:
        zh = f"{zh}（{detail_zh or detail}）"
    if detail:
        en = f"{en} ({detail})"
    return {"error": {"code": code, "message": {"zh": zh, "en": en}} | dict(extra or {})}
