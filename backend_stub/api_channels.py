"""Routes for the channels (渠道) that sell and refund on their side: a channel's refund comes
in here (the channel's order import is in api_admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backend_stub.deps import BackendDep, IdemKey, OpsDep
from backend_stub.openapi_errors import errors
from backend_stub.schemas import ChannelRefund
from backend_stub.services import channels

router = APIRouter()


@router.post(
    "/channels/{channel}/orders/{channel_order_id}/refund",
    tags=["channels"],
    responses=errors(404, 409),
)
def post_channel_refund(
    channel: str,
    channel_order_id: str,
    bk: BackendDep,
    _: OpsDep,
    body: ChannelRefund | None = None,
    idempotency_key: IdemKey = None,
) -> dict[str, Any]:
    """The channel refunded its order (`ticket_ids`, or all): the tickets are voided, printed
    or not, and their codes revoked. A retry with the same Idempotency-Key gets the first
    answer; a ticket already refunded is never refunded twice."""
    ticket_ids = body.ticket_ids if body else []
    return channels.refund_channel_order(
        bk, channel, channel_order_id, ticket_ids, bk.now(), idem_key=idempotency_key
    )
