"""The acts the bureau records on an enterprise: one name each, with its Chinese word.

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
