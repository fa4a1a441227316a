"""The acts the bureau records: one name each, with its Chinese word.

Most are acts on an enterprise; the random draws (双随机, domain/draw_plan.py) add acts on a
draw plan, and an official's declared conflict (回避) is an act on the official.

Permissions (domain/permissions.py), the closed-enterprise rule (domain/enterprise.py),
the words of a refusal and the commands (application/commands.py) all key on `Act`;
each of the Enterprise's event classes says which act it records (`Event.act`).
"""

from __future__ import annotations

from domain.values import Labelled


class Act(Labelled):
    REGISTER = ("register", "登记建档")
    INSPECT = ("inspect", "检查")
    ORDER_TO_RECTIFY = ("order_to_rectify", "责令整改")
    VERIFY_RECTIFICATION = ("verify_rectification", "整改复查")
    GRANT_LICENSE = ("grant_license", "发证")
    REVIEW_LICENSE = ("review_license", "年审")
    RECORD_SAMPLE = ("record_sample", "抽样")
    CLOSE = ("close", "关停")
    RETRACT = ("retract", "更正")
    ANNOUNCE_DRAW = ("announce_draw", "发布抽查计划")
    DRAW = ("draw", "随机抽取")
    PUBLISH_DRAW = ("publish_draw", "公示抽查结果")
    CANCEL_DRAW = ("cancel_draw", "撤销抽查计划")
    DECLARE_CONFLICT = ("declare_conflict", "申报回避")


# The acts on a draw plan (the others are on an enterprise, or on an official: DECLARE_CONFLICT).
DRAW_ACTS = frozenset({Act.ANNOUNCE_DRAW, Act.DRAW, Act.PUBLISH_DRAW, Act.CANCEL_DRAW})
